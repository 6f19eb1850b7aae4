"""The loaded model plus the per-view indexes the screens share, built once and on demand.

Screens ask the session rather than the model so that an index (children by
creator, per-row state labels) is computed once however many screens need it,
and so every view names a goroutine the same way.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from gotrace.analysis.grouping import Group, group_rows
from gotrace.analysis.procs import ProcTimeline
from gotrace.analysis.selection import select_rows
from gotrace.analysis.spikes import Spikes, creation_spikes
from gotrace.analysis.summary import summarize
from gotrace.durations import format_duration as dur
from gotrace.model import NONE, Model, state_name
from gotrace.stacks import user_frame
from gotrace.tables import Frame
from gotrace.trace.events import GoState

Rows = npt.NDArray[np.int64]
T = TypeVar("T")


@dataclass(slots=True)
class Precomputed:
    """Analyses the first screens need, keyed by name (see :data:`ANALYSES`).

    The loader's child process fills this next to the model, so on a model of
    millions of goroutines no page ever computes them on the UI's side at all.
    """

    results: dict[str, Any] = field(default_factory=dict)


def _by_creator(model: Model) -> tuple[Rows, Rows]:
    """Rows sorted by creator id, and those ids: children of a goroutine by binary search."""
    order = np.argsort(model.goroutines.creator, kind="stable")
    return order.astype(np.int64), model.goroutines.creator[order].astype(np.int64)


def _site_index(sp: Spikes) -> tuple[Rows, Rows]:
    """Rows ordered by creation site, and where each site's run starts: a site's rows in O(1)."""
    order = np.argsort(sp.site_of_row, kind="stable").astype(np.int64)
    bounds = np.searchsorted(sp.site_of_row[order], np.arange(len(sp.sites) + 1)).astype(np.int64)
    return order, bounds


def _long_lived(model: Model) -> list[Group]:
    """Groups of every goroutine blocked at the end, of any age; age filters narrow these."""
    return group_rows(model, select_rows(model, older_than_ns=0))


def _procs(model: Model) -> ProcTimeline | None:
    return ProcTimeline(model) if model.is_trace and model.intervals is not None \
        and model.ranges is not None else None


ANALYSES: dict[str, Callable[[Model], Any]] = {
    "summary": summarize,
    "spikes": lambda m: creation_spikes(m) if m.is_trace else None,
    "long_lived": _long_lived,
    "procs": _procs,
    "by_creator": _by_creator,
}


def precompute(model: Model) -> Precomputed:
    results = {name: fn(model) for name, fn in ANALYSES.items()}
    if results["spikes"] is not None:
        results["site_index"] = _site_index(results["spikes"])
    return Precomputed(results)


class Session:
    def __init__(self, model: Model, pre: Precomputed | None = None) -> None:
        self.model = model
        self.g = model.goroutines
        self.strings = model.tables.strings
        self._lock = threading.Lock()
        self._results: dict[str, Any] = dict(pre.results) if pre is not None else {}

    def ready(self, name: str) -> bool:
        """Whether analysis ``name`` is at hand (a page shows a placeholder until it is)."""
        return name in self._results

    def _get(self, name: str, compute: Callable[[], T]) -> T:
        """Computed once; pages ask from worker threads, so one computes and the rest wait."""
        if name in self._results:
            return self._results[name]  # type: ignore[no-any-return]
        with self._lock:
            if name not in self._results:
                self._results[name] = compute()
            return self._results[name]  # type: ignore[no-any-return]

    def summary(self) -> dict[str, Any]:
        return self._get("summary", lambda: summarize(self.model))

    def spikes(self, user_frames: bool = False) -> Spikes:
        """Creation spikes by site (traces only)."""
        if user_frames:
            return self._get("spikes_user", lambda: creation_spikes(self.model, user_frames=True))
        return self._get("spikes", lambda: creation_spikes(self.model))

    def site_rows(self, sp: Spikes, site_index: int) -> Rows:
        """Rows created at a site, like ``Spikes.rows_of`` but without a pass over every goroutine."""
        name = "site_index" if sp is self._results.get("spikes") else "site_index_user"
        order, bounds = self._get(name, lambda: _site_index(sp))
        return order[bounds[site_index]: bounds[site_index + 1]]

    def spike_times(self) -> list[int]:
        """Start of every spiking site's burst: where the timeline's ``s`` jumps."""
        if not self.model.is_trace:
            return []
        sp = self.spikes()
        return sorted({sp.burst_span(s)[0] for s in sp.sites if s.is_spike})

    def long_lived(self) -> list[Group]:
        return self._get("long_lived", lambda: _long_lived(self.model))

    def procs(self) -> ProcTimeline | None:
        return self._get("procs", lambda: _procs(self.model))

    # --- one goroutine -------------------------------------------------
    def state(self, row: int) -> str:
        return state_name(int(self.g.state[row]), self.strings[int(self.g.reason[row])])

    def name(self, row: int) -> str:
        """Start function; for dumps without one, the creation or top frame."""
        n = self.strings[int(self.g.name[row])]
        if n:
            return n
        f = self.model.tables.root_frame(int(self.g.last_stack[row]))
        return f.func if f is not None else "?"

    def blocked_at(self, row: int) -> Frame | None:
        """The user's own frame of the last stack: where it is stuck."""
        return user_frame(self.model.tables.stack_frames(int(self.g.last_stack[row])))

    def created_at(self, row: int) -> Frame | None:
        return self.model.tables.top_frame(int(self.g.creation_stack[row]))

    def lifetime(self, row: int) -> int:
        """How long it existed within the trace (dumps: unknown, -1)."""
        if not self.model.is_trace:
            return -1
        first = int(self.g.first_ns[row])
        end = int(self.g.ended_ns[row])
        if end == NONE:
            end = int(self.model.span_ns or 0)
        return max(end - max(first, 0), 0)

    def in_state(self, row: int) -> int:
        """Time in the final state at the end; -1 when dead or unknown."""
        w = int(self.g.wait_ns[row])
        return w if w != NONE and self.g.state[row] != GoState.NOT_EXIST else -1

    def wait_text(self, ns: int) -> str:
        """A duration as the data knows it: a dump prints waits only from one minute up."""
        if ns < 0:
            return "-"
        if not self.model.is_trace and ns < 60_000_000_000:
            return "<1m"
        return dur(ns)

    def row_of(self, goid: int) -> int | None:
        return self.g.row_of(goid)

    # --- indexes ---------------------------------------------------------
    def children(self, row: int) -> Rows:
        """Rows of the goroutines this one created, in id order (the index's sort is stable)."""
        order, keys = self._get("by_creator", lambda: _by_creator(self.model))
        goid = int(self.g.id[row])
        lo, hi = np.searchsorted(keys, goid, "left"), np.searchsorted(keys, goid, "right")
        return order[lo:hi]

    def leaf_row(self) -> int:
        """A goroutine that created none, as most do (0 if none of the first thousand)."""
        _, keys = self._get("by_creator", lambda: _by_creator(self.model))
        ids = self.g.id[:1000]
        i = np.searchsorted(keys, ids)
        made = (i < len(keys)) & (keys[np.minimum(i, len(keys) - 1)] == ids) if len(keys) else ids < 0
        leaves = np.flatnonzero(~made)
        return int(leaves[0]) if len(leaves) else 0

    def alive_rows(self) -> Rows:
        return np.flatnonzero(self.g.state != GoState.NOT_EXIST).astype(np.int64)

    def search(self, text: str) -> Rows:
        """Rows whose function, file, id or label contains ``text`` (case-insensitive).

        A valid regular expression is used as one; anything else is matched literally,
        so a half-typed ``(*Conn`` still finds methods.
        """
        text = text.strip()
        if not text:
            return np.zeros(0, np.int64)
        if text.isdigit():  # as it is: the core matches ids only against a bare number
            rx = text
        else:
            try:
                rx = "(?i)" + text
                re.compile(rx)
            except re.error:
                rx = "(?i)" + re.escape(text)
        return select_rows(self.model, match=rx).astype(np.int64)

    def creation_rate(self, bins: int, t0: int = 0, t1: int | None = None) -> npt.NDArray[np.int64]:
        """Goroutines created per bin over [t0, t1): the shape of a spike."""
        span = int(self.model.span_ns or 0) if t1 is None else t1
        created = self.g.created_ns[self.g.created_ns >= 0]
        if span <= t0 or bins <= 0:
            return np.zeros(max(bins, 0), np.int64)
        hist, _ = np.histogram(created, bins=bins, range=(t0, span))
        return hist.astype(np.int64)
