"""The loaded model plus the analyses and indexes the pages share, each computed once.

Pages ask the session rather than the model so that an analysis or index
(children by creator, the leak report) is computed once however many pages need
it, and so every page names a goroutine the same way.

The analyses of :data:`ANALYSES` normally arrive from the loader's child process
one by one after the model (``coming``); a page that needs one registers with
:meth:`Session.when_ready` and shows a placeholder meanwhile, rather than
computing it a second time on the UI's side. If the child stops early they are
computed here, on demand, by :meth:`Session.get`.

A freshly read trace's interval table comes the same way, as ``"intervals"``, after
Overview's findings: the child sorts it while Overview is already up, and the session
puts it in the model when it arrives (only a goroutine's story and the per-P timeline
read it).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from gotrace.analysis.grouping import Group, group_rows
from gotrace.analysis.leaks import LeakReport, find_leaks
from gotrace.analysis.procs import ProcTimeline
from gotrace.analysis.selection import select_rows
from gotrace.analysis.series import suspect_rows
from gotrace.analysis.spikes import Spikes, creation_spikes
from gotrace.analysis.summary import summarize
from gotrace.inputs import reads_again
from gotrace.model import NONE, Intervals, Model, state_name
from gotrace.render.text import wait
from gotrace.stacks import user_frame
from gotrace.tables import Frame
from gotrace.trace.events import GoState

Rows = npt.NDArray[np.int64]
Get = Callable[[str], Any]


@dataclass(frozen=True, slots=True)
class Analysis:
    """One analysis a page needs: ``compute(model, get)`` may ask ``get`` for an earlier one."""

    title: str  # for "computing <title>"
    compute: Callable[[Model, Get], Any]
    traces_only: bool = False
    with_model: bool = False  # sent with the model: the first page cannot say anything without it
    missing: Callable[[Model], bool] | None = None  # a part of the model: whether it is still to come
    local: bool = False  # never sent: the loader's child has it from reading the input

    def applies(self, model: Model) -> bool:
        return (model.is_trace or not self.traces_only) and (self.missing is None or self.missing(model))


RATE_BINS = 100  # bars of Overview's "goroutines created over time"
RATE_SLICE = 1 << 18  # goroutines binned at once (creation_rate)


def creation_rate(model: Model, bins: int = RATE_BINS) -> npt.NDArray[np.int64]:
    """Goroutines created in each of ``bins`` equal parts of the trace: the shape of a spike.

    In 0.07 s on 3.7 M goroutines (``np.histogram`` took 0.12 s, and its float edges put a
    goroutine exactly on one a bar early): ``created * bins`` is exact in int64 and, below
    2**52, as a double, so one correctly rounded division puts each goroutine in its bar.
    """
    span = int(model.span_ns or 0)
    if span <= 0 or bins <= 0:
        return np.zeros(max(bins, 0), np.int64)
    created = model.goroutines.created_ns
    if span * (bins + 1) >= 1 << 52:  # a trace of over 100 days: the slow way
        return np.histogram(created[created >= 0], bins=bins, range=(0, span))[0].astype(np.int64)
    # Bar k counts as k + 1, so that NONE (-1: not created in the trace) falls at or below 0.
    # A slice at a time: on the whole column the temporaries were 45 MB of 3.7 M goroutines'
    # 8-byte times, the peak of the viewer's first read.
    counts = np.zeros(bins + 1, np.int64)
    for lo in range(0, len(created), RATE_SLICE):
        at = ((created[lo:lo + RATE_SLICE] * bins).astype(np.float64) / span + 1).astype(np.int64)
        np.clip(at, 0, bins, out=at)  # created at the very end: the last bar
        counts += np.bincount(at, minlength=bins + 1)
    return counts[1:]


def viewer_summary(model: Model) -> dict[str, Any]:
    """:func:`summarize`, and for a trace the bars of Overview's creation rate
    (``created_per_bar``): both come with the model and are kept in its cache entry, so
    neither is computed on the UI thread."""
    out = summarize(model)
    if model.is_trace:
        out["created_per_bar"] = creation_rate(model).tolist()
    return out


def _by_creator(model: Model) -> tuple[Rows, Rows]:
    """Rows sorted by creator id, and those ids: children of a goroutine by binary search."""
    order = np.argsort(model.goroutines.creator, kind="stable")
    return order.astype(np.int64), model.goroutines.creator[order].astype(np.int64)


def _site_index(sp: Spikes) -> tuple[Rows, Rows]:
    """Rows ordered by creation site, and where each site's run starts: a site's rows in O(1)."""
    order = np.argsort(sp.site_of_row, kind="stable").astype(np.int64)
    sites = sp.site_of_row[order]  # searched with keys of its own type: not copied to int64 first
    bounds = np.searchsorted(sites, np.arange(len(sp.sites) + 1, dtype=sites.dtype)).astype(np.int64)
    return order, bounds


def long_lived_rows(model: Model) -> Rows:
    """Goroutines still blocked at the end, of any age.

    A debug=1 profile prints no state for most records and no wait at all, so
    there every record that is not running counts (as ``gotrace leaks`` judges them).
    """
    if model.is_profile:
        return suspect_rows(model).astype(np.int64)
    return select_rows(model, older_than_ns=0).astype(np.int64)


def _intervals(model: Model) -> Intervals | None:
    """The interval table the loader's child did not send (it stopped early): the trace is
    read again, if it is a file that still holds the same goroutines. Put in the model."""
    path = model.source.path
    if model.intervals is None and reads_again(path):
        from gotrace.errors import GotraceError
        from gotrace.load import intervals_again
        from gotrace.spilldir import directory

        try:
            model.intervals = intervals_again(path, model, directory())
        except (GotraceError, OSError, MemoryError):
            return None
    return model.intervals


def judge_leaks(model: Model, get: Get) -> LeakReport:
    """The leak report on ``model``, judged after the captures before it (``earlier``: those
    given before it, then the dumps before it in its file), as ``gotrace leaks`` judges a
    series. It keeps only the last
    model: the earlier ones stay where they were read (pickled for the viewer, each would
    carry its input's bytes); ``captures`` names the captures judged."""
    report = find_leaks([*get("earlier"), model])
    return replace(report, models=[model]) if len(report.captures) > 1 else report


def _procs(model: Model, get: Get) -> ProcTimeline | None:
    if model.intervals is None and model.is_trace:
        get("intervals")
    return ProcTimeline(model) if model.intervals is not None and model.ranges is not None else None


# In the order the first page wants them: Overview's facts, then its findings, then the
# state intervals (a goroutine's story, the timeline) and the indexes.
ANALYSES: dict[str, Analysis] = {
    "summary": Analysis("the summary", lambda m, get: viewer_summary(m), with_model=True),
    # The loader's child puts the captures before the one shown here (read with it); the
    # viewer, computing the leaks itself when the child stopped early, has none.
    "earlier": Analysis("the earlier captures", lambda m, get: [], local=True),
    "leaks": Analysis("leak suspects", judge_leaks),
    "spikes": Analysis("creation spikes", lambda m, get: creation_spikes(m), traces_only=True),
    "long_lived": Analysis("long-lived groups", lambda m, get: group_rows(m, long_lived_rows(m))),
    "intervals": Analysis("the state intervals", lambda m, get: _intervals(m), traces_only=True,
                          missing=lambda m: m.intervals is None),
    "site_index": Analysis("the index of creation sites", lambda m, get: _site_index(get("spikes")),
                           traces_only=True),
    "by_creator": Analysis("the index of creators", lambda m, get: _by_creator(m)),
    "procs": Analysis("the per-P timeline", _procs, traces_only=True),
}


def with_model(model: Model, key: str | None = None) -> dict[str, Any]:
    """The analyses that come with the model (those marked ``with_model``: the summary).

    On millions of goroutines the summary takes about half a second, on the way to the
    first screen; a trace's model cache entry ``key`` keeps it (as plain JSON), so a
    second open reads it instead.
    """
    from gotrace import cache

    summary = cache.fetch_analysis(key, "summary")
    if summary is None:
        summary = viewer_summary(model)
        cache.store_analysis(key, "summary", summary)
    else:
        summary["file"] = model.source.path  # the entry is the file's, by whatever name it is opened
    assert [n for n, a in ANALYSES.items() if a.with_model] == ["summary"]
    return {"summary": summary}


def still_to_come(model: Model, done: dict[str, Any]) -> tuple[str, ...]:
    """The analyses that apply to ``model`` and are not in ``done``, in the order the loader's
    child computes and sends them."""
    return tuple(n for n, a in ANALYSES.items() if a.applies(model) and not a.local and n not in done)


def precompute(model: Model, earlier: Iterable[Model] = ()) -> dict[str, Any]:
    """Every analysis that applies, as the loader's child computes them (for tests and scripts);
    ``earlier``: the captures before ``model``, oldest first."""
    results: dict[str, Any] = {"earlier": list(earlier)}
    for name, a in ANALYSES.items():
        if a.applies(model) and name not in results:
            results[name] = a.compute(model, results.__getitem__)
    return {n: v for n, v in results.items() if not ANALYSES[n].local}


class Session:
    """``results``: analyses already computed; ``coming``: the ones the loader will deliver."""

    def __init__(self, model: Model, results: dict[str, Any] | None = None,
                 coming: Iterable[str] = ()) -> None:
        self.model = model
        self.g = model.goroutines
        self.strings = model.tables.strings
        self._lock = threading.RLock()  # an analysis may ask for another while computed
        self._results: dict[str, Any] = dict(results or {})
        self._coming = set(coming) - set(self._results)
        self._waiting: list[tuple[frozenset[str], Callable[[], None]]] = []

    # --- analyses as they arrive (UI thread) ------------------------------
    def ready(self, name: str) -> bool:
        """Whether analysis ``name`` is at hand (a page shows a placeholder until it is)."""
        return name in self._results

    @property
    def coming(self) -> frozenset[str]:
        return frozenset(self._coming)

    def when_ready(self, names: Iterable[str], fn: Callable[[], None]) -> None:
        """Call ``fn`` once every one of ``names`` is here or no longer coming (now, if so)."""
        wanted = frozenset(names) & self._coming
        if wanted:
            self._waiting.append((wanted, fn))
        else:
            fn()

    def deliver(self, name: str, value: Any) -> None:
        """An analysis from the loader; the pages waiting for it go on."""
        with self._lock:
            self._results[name] = value
            if name == "intervals" and value is not None:  # a part of the model, not an analysis
                self.model.intervals = value
        self._coming.discard(name)
        self._wake()

    def stop_coming(self) -> None:
        """The loader stopped early: what it did not send is computed here, when asked for."""
        self._coming.clear()
        self._wake()

    def _wake(self) -> None:
        due = [fn for names, fn in self._waiting if not names & self._coming]
        self._waiting = [(names, fn) for names, fn in self._waiting if names & self._coming]
        for fn in due:
            fn()

    # --- analyses (any thread) -------------------------------------------------
    def get(self, name: str) -> Any:
        """Analysis ``name`` of :data:`ANALYSES`, computed here if it is not here yet."""
        return self._get(name, lambda: ANALYSES[name].compute(self.model, self.get))

    def _get(self, name: str, compute: Callable[[], Any]) -> Any:
        """Computed once; pages ask from worker threads, so one computes and the rest wait."""
        if name in self._results:
            return self._results[name]
        with self._lock:
            if name not in self._results:
                self._results[name] = compute()
            return self._results[name]

    def summary(self) -> dict[str, Any]:
        out: dict[str, Any] = self.get("summary")
        return out

    def leaks(self) -> LeakReport:
        out: LeakReport = self.get("leaks")
        return out

    def spikes(self, user_frames: bool = False) -> Spikes:
        """Creation spikes by site (traces only)."""
        if user_frames:
            sp: Spikes = self._get("spikes_user", lambda: creation_spikes(self.model, user_frames=True))
            return sp
        out: Spikes = self.get("spikes")
        return out

    def site_rows(self, sp: Spikes, site_index: int) -> Rows:
        """Rows created at a site, like ``Spikes.rows_of`` but without a pass over every goroutine."""
        if sp is self._results.get("spikes"):
            order, bounds = self.get("site_index")
        else:
            order, bounds = self._get("site_index_user", lambda: _site_index(sp))
        rows: Rows = order[bounds[site_index]: bounds[site_index + 1]]
        return rows

    def spike_times(self) -> list[int]:
        """Start of every spiking site's burst: where the timeline's ``s`` jumps."""
        if not self.model.is_trace:
            return []
        sp = self.spikes()
        return sorted({sp.burst_span(s)[0] for s in sp.sites if s.is_spike})

    def long_lived(self) -> list[Group]:
        out: list[Group] = self.get("long_lived")
        return out

    def procs(self) -> ProcTimeline | None:
        out: ProcTimeline | None = self.get("procs")
        return out

    # --- one goroutine (a profile: one stack record) ----------------------------
    def count(self, rows: Rows) -> int:
        """Goroutines the rows stand for: a profile's records count their goroutines."""
        return self.g.count(rows)

    def weight(self, row: int) -> int:
        return int(self.g.weight[row]) if self.model.is_profile else 1

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

    def labels(self, row: int) -> dict[str, str]:
        """A dump's labels of the goroutine (a profile: of the record); a trace has none."""
        extras = self.model.extras
        if extras is None:
            return {}
        labels: dict[str, str] = extras[row].g.labels
        return labels

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
        return wait(ns, minutes_only=not self.model.is_trace)

    def row_of(self, goid: int) -> int | None:
        return self.g.row_of(goid)

    # --- indexes ---------------------------------------------------------
    def children(self, row: int) -> Rows:
        """Rows of the goroutines this one created, in id order (the index's sort is stable)."""
        order, keys = self.get("by_creator")
        goid = int(self.g.id[row])
        lo, hi = np.searchsorted(keys, goid, "left"), np.searchsorted(keys, goid, "right")
        rows: Rows = order[lo:hi]
        return rows

    def leaf_row(self) -> int:
        """A goroutine that created none, as most do (0 if none of the first thousand)."""
        _, keys = self.get("by_creator")
        ids = self.g.id[:1000]
        i = np.searchsorted(keys, ids)
        made = (i < len(keys)) & (keys[np.minimum(i, len(keys) - 1)] == ids) if len(keys) else ids < 0
        leaves = np.flatnonzero(~made)
        return int(leaves[0]) if len(leaves) else 0

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

