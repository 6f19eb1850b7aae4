"""Model data: columnar goroutines, state intervals, P intervals, ranges."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..tables import Tables
from ..trace.events import GoState, TraceInfo

NONE = -1
"""Sentinel in integer columns: no time, no goroutine, no P."""

I64 = npt.NDArray[np.int64]
I32 = npt.NDArray[np.int32]
U8 = npt.NDArray[np.uint8]


@dataclass(slots=True)
class Source:
    path: str
    kind: str  # "trace" | "dump"
    format: str  # "go 1.26 trace", "debug=2", "traceback", "debug=1"


@dataclass(slots=True)
class Goroutines:
    """One row per goroutine, sorted by id. Times are ns since the first event.

    ``state`` is a GoState (NOT_EXIST means dead); when WAITING, ``reason`` is the
    wait reason's string id. ``wait_ns`` is how long it has been in that state: in a
    trace, from entering it to the trace's end (the trace's span minus it is when it
    entered); in a dump, the age the runtime printed.
    """

    id: I64
    name: I32  # start function (string id; 0 = unknown)
    state: U8
    reason: I32
    wait_ns: I64  # time in the final state at the end (dumps: printed minutes)
    first_ns: I64  # first appearance (Go's CreationTime)
    created_ns: I64  # creation event time; NONE if it existed before the trace
    start_ns: I64  # first time running; NONE if never
    ended_ns: I64  # NONE while alive
    creator: I64  # creating goroutine id; NONE if unknown
    creation_stack: I32  # stack of the `go` statement, leaf first (0 = none)
    start_stack: I32  # the goroutine's own stack at creation
    last_stack: I32  # last stack known for the goroutine
    exec_ns: I64
    sched_wait_ns: I64
    syscall_ns: I64  # Go's SyscallTime (its SyscallBlockTime is not kept: no view shows it)
    # Block time by reason, sparse: (row, reason string id, ns) triples.
    block_row: I32
    block_reason: I32
    block_ns: I64
    # Rows whose reason was not in the trace but inferred from the stack.
    reason_inferred: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, bool))
    # How many goroutines each row stands for. Empty: one each (traces, debug=2 dumps).
    # A debug=1 or protobuf goroutine profile prints stacks with counts, not goroutines:
    # its rows are those records, ``id`` numbers them in file order, and views count
    # ``weight`` rather than rows.
    weight: I64 = field(default_factory=lambda: np.zeros(0, np.int64))

    def __len__(self) -> int:
        return len(self.id)

    def weights(self, rows: npt.NDArray[np.int64] | None = None) -> I64:
        """Goroutines per row (of ``rows``, or of every row): what a count sums."""
        n = len(self.id) if rows is None else len(rows)
        if not len(self.weight):
            return np.ones(n, np.int64)
        return self.weight if rows is None else self.weight[rows]

    def count(self, rows: npt.NDArray[np.int64] | None = None) -> int:
        """Goroutines the rows stand for."""
        if not len(self.weight):
            return len(self.id) if rows is None else len(rows)
        return int(self.weights(rows).sum())

    def row_of(self, goid: int) -> int | None:
        i = int(np.searchsorted(self.id, goid))
        if i < len(self.id) and int(self.id[i]) == goid:
            return i
        return None

    def block_by_reason(self, row: int, strings: list[str]) -> dict[str, int]:
        # The key in the column's own type: numpy searches an int32 column for a Python int
        # by first copying the whole column to int64 (18 ms on 8 M entries, for every row:
        # `goroutines --format json` on a 3.7 M-goroutine trace ran for hours).
        key = self.block_row.dtype.type(row)
        lo = int(np.searchsorted(self.block_row, key, "left"))
        hi = int(np.searchsorted(self.block_row, key, "right"))
        return {
            strings[r]: int(ns)
            for r, ns in zip(
                self.block_reason[lo:hi].tolist(), self.block_ns[lo:hi].tolist(), strict=True
            )
        }


@dataclass(slots=True)
class Intervals:
    """Every state interval of every goroutine, grouped by row then time.

    A goroutine's exit is a zero-length NOT_EXIST interval at the time it ended.
    ``p`` is the P a RUNNING interval ran on (NONE otherwise or when unknown).
    ``stack`` is the goroutine's stack when the interval began (e.g. where it
    blocked). ``starts`` gives each row's first interval: rows r's intervals are
    ``starts[r]:starts[r + 1]``.
    """

    row: I32
    start: I64
    end: I64
    state: U8
    reason: I32
    p: I32
    stack: I32
    starts: I64

    def __len__(self) -> int:
        return len(self.row)

    def of_row(self, row: int) -> slice:
        return slice(int(self.starts[row]), int(self.starts[row + 1]))


@dataclass(slots=True)
class Wakes:
    """Per transition stack, how often a goroutine waiting there was woken, and when last.

    A goroutine's stack when it blocked is where it waits (its last transition stack
    then); a wake is its next transition, to runnable or running. Only wakes are
    counted, not blocks: a site whose waiters stopped being woken while more kept
    arriving has lost whoever served it (the leak analysis reads this). Kept for every
    trace whether or not the interval table is, for it is one row per stack.
    """

    stack: I32  # distinct stack ids, ascending (never 0: a wake with no stack is not kept)
    count: I64
    last_ns: I64  # time of the last wake, ns since the first event

    def __len__(self) -> int:
        return len(self.stack)


@dataclass(slots=True)
class ProcIntervals:
    """P state intervals (running / idle), sorted by P then time."""

    p: I32
    start: I64
    end: I64
    state: U8  # ProcState


@dataclass(slots=True)
class Ranges:
    """GC, stop-the-world, sweep, mark-assist... as [start, end) with Go's names."""

    name: I32
    start: I64
    end: I64
    scope_kind: U8  # ResourceKind
    scope: I64


@dataclass(slots=True)
class Model:
    source: Source
    tables: Tables
    goroutines: Goroutines
    span_ns: int | None = None  # trace duration (first to last event)
    intervals: Intervals | None = None
    procs: ProcIntervals | None = None
    ranges: Ranges | None = None
    wakes: Wakes | None = None  # traces only
    info: TraceInfo | None = None
    proc_ids: list[int] = field(default_factory=list)  # every P the trace mentions
    notices: list[str] = field(default_factory=list)
    # Per-row extras of a dump (labels, flags, ancestors...): a sequence whose row r
    # has ``.g`` (the DumpGoroutine) and ``.matches(rx)``, made when asked for, and
    # which answers for every row at once with ``leaked()``, ``labelled()``,
    # ``label_hits(rx)``, ``labels(rows)`` and ``fields(rows)`` (model.from_dump.DumpRows).
    extras: Any = None
    # The parsed dump itself (gotrace.dump.snapshot.Snapshot) for dump-only
    # analyses such as stack grouping and debug=1 profiles.
    snapshot: Any = None

    @property
    def is_trace(self) -> bool:
        return self.source.kind == "trace"

    @property
    def is_profile(self) -> bool:
        """Rows are stack records with counts (debug=1, protobuf), not goroutines."""
        return bool(len(self.goroutines.weight))


def sum_by(index: npt.NDArray[np.int64], values: npt.NDArray[np.int64], n: int) -> I64:
    """Exact int64 sums of ``values`` per ``index`` (``np.bincount`` sums in float64, which
    is inexact past 2**53: a profile's counts or a trace's nanoseconds can get there)."""
    out = np.zeros(n, np.int64)
    np.add.at(out, index, values.astype(np.int64, copy=False))
    return out


COUNT_SLICE = 1 << 18


def count_by(index: npt.NDArray[np.integer], n: int, g: Goroutines) -> I64:
    """Goroutines per ``index`` value (0..n-1) of every row: rows counted exactly by
    ``np.bincount`` when each stands for one goroutine, else their weights summed
    (:func:`sum_by`). A slice at a time: bincount widens its input to int64, which
    for a whole row column is 8 bytes a row at a command's peak."""
    if len(g.weight):
        return sum_by(index.astype(np.int64, copy=False), g.weight, n)
    out = np.zeros(n, np.int64)
    for at in range(0, len(index), COUNT_SLICE):
        out += np.bincount(index[at:at + COUNT_SLICE], minlength=n)
    return out


_STATE_NAMES = {
    GoState.UNDETERMINED: "unknown",
    GoState.NOT_EXIST: "dead",
    GoState.RUNNABLE: "runnable",
    GoState.RUNNING: "running",
    GoState.SYSCALL: "syscall",
}


def state_name(state: int, reason: str) -> str:
    """The user-facing state: a wait reason when waiting, else Go's state name."""
    if state == GoState.WAITING:
        return reason or "waiting"
    return _STATE_NAMES[GoState(state)]
