"""The loaded model plus the per-view indexes the screens share, built once and on demand.

Screens ask the session rather than the model so that an index (children by
creator, per-row state labels) is computed once however many screens need it,
and so every view names a goroutine the same way.
"""

from __future__ import annotations

import re
import threading
from functools import cached_property

import numpy as np
import numpy.typing as npt

from gotrace.analysis.selection import select_rows
from gotrace.analysis.spikes import Spikes, creation_spikes
from gotrace.durations import format_duration as dur
from gotrace.model import NONE, Model, state_name
from gotrace.stacks import user_frame
from gotrace.tables import Frame
from gotrace.trace.events import GoState

Rows = npt.NDArray[np.int64]


class Session:
    def __init__(self, model: Model) -> None:
        self.model = model
        self.g = model.goroutines
        self.strings = model.tables.strings
        self._lock = threading.Lock()
        self._spikes: dict[bool, Spikes] = {}

    def spikes(self, user_frames: bool = False) -> Spikes:
        """Creation spikes by site, computed once (screens ask from worker threads)."""
        with self._lock:
            sp = self._spikes.get(user_frames)
            if sp is None:
                sp = self._spikes[user_frames] = creation_spikes(self.model, user_frames=user_frames)
            return sp

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
    @cached_property
    def _by_creator(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        order = np.argsort(self.g.creator, kind="stable")
        return order.astype(np.int64), self.g.creator[order]

    def children(self, row: int) -> Rows:
        """Rows of the goroutines this one created (in id order)."""
        order, keys = self._by_creator
        goid = int(self.g.id[row])
        lo, hi = np.searchsorted(keys, goid, "left"), np.searchsorted(keys, goid, "right")
        return np.sort(order[lo:hi])

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
