"""Per-P timelines: what ran on each P and when, GC and stop-the-world, utilisation.

:class:`ProcTimeline` is built once per model (one sort of the running
intervals) and then answers every query by binary search, so the TUI can redraw
its timeline at any zoom level on a trace with millions of intervals: fetching
the intervals of a time range is O(log n + k), busy time and per-column density
are O(log n) per value from prefix sums, never a scan.

Intervals on one P cannot overlap (a P runs one goroutine at a time); should a
trace ever claim otherwise, a later interval is clipped to start where the
earlier one ended, so that busy time is never counted twice. On the corpus
nothing is clipped, and the running time summed over Ps equals the summed
``exec_ns`` of the goroutines exactly: both come from the same intervals,
including the time before the first sync point that Go's summarizer credits to
goroutines first seen already running. Only a goroutine with several lifetimes
under one id (the model keeps its last) would make the P total larger.

All times are ns since the first event, like the rest of the model.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..model import Model
from ..model.core import Intervals
from ..model.spill import Column, file_of, let_go
from ..spilldir import directory
from ..trace.events import GoState

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

GC_MARK = "GC concurrent mark phase"
STW_PREFIX = "stop-the-world"


def _disjoint(start: I64, end: I64) -> tuple[I64, I64]:
    """Clip each interval to begin no earlier than every earlier one ends.

    Input is sorted by start (one P's, or the GC's). ``start`` and ``end`` are clipped in
    place (callers pass fresh copies or slices of their own).
    """
    if len(start) == 0:
        return start, end
    reach = np.maximum.accumulate(end)
    np.maximum(start[1:], reach[:-1], out=start[1:])
    np.maximum(end, start, out=end)
    return start, end


class Spans:
    """Disjoint [start, end) intervals sorted by start, with prefix sums of their lengths.

    Arrays may be views into larger ones (one P's slice of the whole timeline).
    """

    __slots__ = ("_cum", "end", "start")

    def __init__(self, start: I64, end: I64, cum: I64) -> None:
        self.start = start
        self.end = end
        self._cum = cum  # len(start) + 1 values; busy time before interval i is cum[i] - cum[0]

    @classmethod
    def of(cls, start: I64, end: I64) -> Spans:
        order = np.argsort(start, kind="stable")
        s, e = _disjoint(start[order], end[order])
        return cls(s, e, np.concatenate([[0], np.cumsum(e - s)]).astype(np.int64))

    def __len__(self) -> int:
        return len(self.start)

    def window(self, t0: int, t1: int) -> slice:
        """Index range of the intervals overlapping [t0, t1)."""
        lo = int(np.searchsorted(self.end, t0, "right"))
        hi = int(np.searchsorted(self.start, t1, "left"))
        return slice(lo, max(lo, hi))

    def index_at(self, t: int) -> int | None:
        i = int(np.searchsorted(self.start, t, "right")) - 1
        return i if i >= 0 and int(self.end[i]) > t else None

    def covered_before(self, t: I64) -> I64:
        """Total covered time in [-inf, t) for each t (vectorised)."""
        i = np.searchsorted(self.start, t, "right")
        out = self._cum[i] - self._cum[0]
        has = i > 0
        last = np.maximum(i - 1, 0)
        over = np.where(has, np.maximum(self.end[last] - t, 0), 0) if len(self.start) else 0
        return np.asarray(out - over, np.int64)

    def total(self) -> int:
        """The covered time of all intervals."""
        return int(self._cum[-1] - self._cum[0])

    def covered(self, t0: int, t1: int) -> int:
        c = self.covered_before(np.array([t0, t1], np.int64))
        return int(c[1] - c[0])

    def density(self, t0: int, t1: int, columns: int) -> F64:
        """Fraction of each of ``columns`` equal slices of [t0, t1) that is covered."""
        # t0 + k * (t1 - t0) // columns without the product, which a span near
        # MAX_TIME_NS times thousands of columns would overflow.
        q, r = divmod(t1 - t0, columns)
        k = np.arange(columns + 1, dtype=np.int64)
        edges = t0 + k * q + (k * r) // columns
        c = self.covered_before(edges)
        width = np.maximum(np.diff(edges), 1)
        return np.asarray(np.diff(c) / width, np.float64)

    def gaps(self, t0: int, t1: int) -> tuple[I64, I64]:
        """The uncovered parts of [t0, t1), as (start, end) arrays."""
        w = self.window(t0, t1)
        s = np.concatenate([[t0], np.minimum(self.end[w], t1)])
        e = np.concatenate([np.maximum(self.start[w], t0), [t1]])
        keep = e > s
        return s[keep].astype(np.int64), e[keep].astype(np.int64)


@dataclass(slots=True)
class Running:
    """Running intervals of one P in a queried range (unclipped), with who ran."""

    start: I64
    end: I64
    row: npt.NDArray[np.int32]  # goroutine row in the model
    goroutine: I64  # goroutine id


SCAN = 1 << 20  # intervals of the table read at once by the per-P index's build


def _running_by_p(iv: Intervals) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.intp],
                                           tuple[I64, I64, npt.NDArray[np.int32], I64]]:
    """The running intervals by (P, start), stably: the P ids, how many each ran, and the
    index's start, end, row and running-sum columns.

    One pass over the table :data:`SCAN` intervals at a time gathers each P's running
    intervals in table order, and each P's are then sorted by start on their own: sorting
    the whole table at once took 300 MB of temporaries on a 111 MB trace. A table kept in
    files has each slice's pages let go once passed (their reading counted 660 MB in the
    RSS of the viewer's loader), and its index is written to files too (28 bytes a running
    interval, 180 MB there), which the timeline then pages in as it is drawn.
    """
    parts: dict[int, list[tuple[I64, I64, npt.NDArray[np.int32]]]] = {}
    for lo in range(0, len(iv), SCAN):
        hi = min(lo + SCAN, len(iv))
        p = iv.p[lo:hi]
        keep = np.flatnonzero((iv.state[lo:hi] == GoState.RUNNING) & (p >= 0))
        if len(keep):
            pk = p[keep]
            order = np.argsort(pk, kind="stable")
            keep, pk = keep[order], pk[order]
            cuts = np.flatnonzero(pk[1:] != pk[:-1]) + 1
            s, e, r = iv.start[lo:hi][keep], iv.end[lo:hi][keep], iv.row[lo:hi][keep]
            for a, b in itertools.pairwise([0, *cuts.tolist(), len(pk)]):
                parts.setdefault(int(pk[a]), []).append((s[a:b], e[a:b], r[a:b]))
        for col in (iv.p, iv.state, iv.start, iv.end, iv.row):
            let_go(col, lo, hi)
    pids = np.array(sorted(parts), np.int32)
    counts = np.array([sum(len(x[0]) for x in parts[pid]) for pid in pids.tolist()], np.intp)
    n = int(counts.sum())
    on_disk = file_of(iv.start) is not None
    sinks = [_Sink(n, np.int64, on_disk), _Sink(n, np.int64, on_disk), _Sink(n, np.int32, on_disk),
             _Sink(n + 1, np.int64, on_disk)]
    sinks[3].put(np.zeros(1, np.int64))  # the running sum starts at 0
    total = 0
    for pid in pids.tolist():
        got = parts.pop(pid)
        s = np.concatenate([x[0] for x in got])
        e = np.concatenate([x[1] for x in got])
        r = np.concatenate([x[2] for x in got])
        del got
        order = np.argsort(s, kind="stable")
        s, e, r = s[order], e[order], r[order]
        del order
        _disjoint(s, e)
        c = np.cumsum(e - s)
        c += total
        total = int(c[-1])
        parts_of_p: tuple[np.ndarray, ...] = (s, e, r, c)
        for sink, part in zip(sinks, parts_of_p, strict=True):
            sink.put(part)
    start, end, row, cum = (sink.done() for sink in sinks)
    return pids, counts, (start, end, row, cum)


class _Sink:
    """One column of the index, filled front to back: an array, or for a table kept in
    files a new file in the spill directory (:class:`gotrace.model.spill.Column`)."""

    def __init__(self, length: int, dtype: Any, on_disk: bool) -> None:
        self.file = Column(directory(), length, dtype) if on_disk else None
        self.array = None if on_disk else np.empty(length, dtype)
        self.at = 0

    def put(self, part: np.ndarray) -> None:
        if self.file is not None:
            self.file.write(part)
        else:
            assert self.array is not None
            self.array[self.at:self.at + len(part)] = part
        self.at += len(part)

    def done(self) -> Any:
        if self.file is not None:
            return self.file.mapped()
        assert self.array is not None
        self.array.flags.writeable = False
        return self.array


class ProcTimeline:
    """What ran on each P, idle gaps, GC and STW ranges, utilisation; queryable by time.

    ``procs`` lists the P ids seen. Query methods take a P id and a time range
    [t0, t1) in ns since the first event.
    """

    def __init__(self, model: Model) -> None:
        iv = model.intervals
        if iv is None or model.ranges is None:
            raise ValueError("per-P timelines need an execution trace")
        self.model = model
        self.span_ns = int(model.span_ns or 0)
        pids, counts, (start, end, row, cum) = _running_by_p(iv)
        self._start, self._end, self._row, self._cum = start, end, row, cum
        seen = set(pids.tolist())
        if model.procs is not None:
            seen.update(np.unique(model.procs.p).tolist())
        self.procs: list[int] = sorted(int(x) for x in seen)
        # Each P's slice of the index (empty, where it would go, for a P that ran nothing).
        below = np.concatenate([[0], np.cumsum(counts)]).tolist()
        keys = pids.astype(np.int64)
        self._bounds = {pid: (below[int(np.searchsorted(keys, pid, "left"))],
                              below[int(np.searchsorted(keys, pid, "right"))]) for pid in self.procs}
        self._spans = self._per_p()

        r = model.ranges
        names = model.tables.strings
        ids, inv = np.unique(r.name, return_inverse=True)
        gc = np.array([names[n] == GC_MARK for n in ids.tolist()], bool)[inv.reshape(-1)]
        stw = np.array([names[n].startswith(STW_PREFIX) for n in ids.tolist()], bool)[inv.reshape(-1)]
        self.gc = Spans.of(r.start[gc], r.end[gc])
        self.stw = Spans.of(r.start[stw], r.end[stw])
        self._stw_names = r.name[stw][np.argsort(r.start[stw], kind="stable")]

    def _per_p(self) -> dict[int, Spans]:
        return {pid: Spans(self._start[lo:hi], self._end[lo:hi], self._cum[lo : hi + 1])
                for pid, (lo, hi) in self._bounds.items()}

    def __getstate__(self) -> dict[str, object]:
        """Pickled without the per-P views, which pickle would copy apart from the
        arrays they view (the index twice over); :meth:`__setstate__` makes them again."""
        state = dict(self.__dict__)
        del state["_spans"]
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._spans = self._per_p()

    def spans(self, p: int) -> Spans:
        """The running intervals of P ``p`` (KeyError for a P never seen)."""
        return self._spans[p]

    def running(self, p: int, t0: int, t1: int) -> Running:
        sp = self._spans[p]
        w = sp.window(t0, t1)
        off = self._bounds[p][0]
        rows = self._row[off + w.start : off + w.stop]
        return Running(sp.start[w], sp.end[w], rows, self.model.goroutines.id[rows])

    def goroutine_at(self, p: int, t: int) -> int | None:
        """Id of the goroutine running on P ``p`` at time ``t``, None when idle."""
        i = self._spans[p].index_at(t)
        if i is None:
            return None
        return int(self.model.goroutines.id[self._row[self._bounds[p][0] + i]])

    def span_rows(self, p: int, idx: I64) -> I64:
        """Goroutine rows of P ``p``'s running intervals ``idx`` (indexes into ``spans(p)``).

        Vectorised for views that resolve a whole screen of cells at once; -1 stays -1.
        """
        if len(self._spans[p]) == 0:
            return np.full(len(idx), -1, np.int64)
        rows = self._row[self._bounds[p][0] + np.maximum(idx, 0)].astype(np.int64)
        return np.where(idx >= 0, rows, -1)

    def idle(self, p: int, t0: int, t1: int) -> tuple[I64, I64]:
        """Gaps in [t0, t1) when no goroutine ran on P ``p``."""
        return self._spans[p].gaps(t0, t1)

    def busy(self, p: int, t0: int, t1: int) -> int:
        return self._spans[p].covered(t0, t1)

    def utilisation(self, t0: int | None = None, t1: int | None = None) -> dict[int, float]:
        """Busy fraction of each P over [t0, t1) (default: the whole trace)."""
        t0 = 0 if t0 is None else t0
        t1 = self.span_ns if t1 is None else t1
        width = max(t1 - t0, 1)
        return {p: self.busy(p, t0, t1) / width for p in self.procs}

    def density(self, p: int, t0: int, t1: int, columns: int) -> F64:
        """Busy fraction of P ``p`` in each of ``columns`` equal slices of [t0, t1)."""
        return self._spans[p].density(t0, t1, columns)

    def total_running_ns(self) -> int:
        # Per P, not the running sum's last value: each P's busy time is at most
        # the span, but all of them together need not fit in int64.
        return sum(sp.total() for sp in self._spans.values())

    def gc_intervals(self, t0: int, t1: int) -> tuple[I64, I64]:
        """GC mark phases overlapping [t0, t1), as (start, end) arrays."""
        w = self.gc.window(t0, t1)
        return self.gc.start[w], self.gc.end[w]

    def stw_intervals(self, t0: int, t1: int) -> tuple[I64, I64, list[str]]:
        """Stop-the-world pauses overlapping [t0, t1): (start, end, Go's name for each)."""
        w = self.stw.window(t0, t1)
        names = self.model.tables.strings
        return self.stw.start[w], self.stw.end[w], [names[n] for n in self._stw_names[w].tolist()]

