"""The seam between trace formats and the lifecycle model: ordered event columns.

Both readers (old format v1: Go 1.11-1.21, new format v2: Go 1.22+) produce the
same thing Go's own ``internal/trace.Reader`` produces: one totally ordered stream
of events in Go's abstract vocabulary (sync, state transitions, ranges, ...), with
v1 traces converted the way ``internal/trace/tracev1.go`` converts them. Times
are nanoseconds on the trace clock after Go's conversion (ticks -> ns) and after
Go's monotonic fix-up (an event never has a time <= the previous event's; it is
bumped to previous + 1). Matching Go's stream exactly is what makes our model
agree with Go's summarizer.

The stream arrives as :class:`EventChunk` objects (a generation for v2, a slice
of the ordered trace for v1) so that memory stays bounded while the model is
built and progress can be reported between chunks. Strings and stacks are ids in
one :class:`gotrace.tables.Tables` shared by all chunks (v2's per-generation ids
are remapped on the way in).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt

HEADER_LEN = 16
"""Every trace starts with ``go 1.N trace`` padded with NULs to 16 bytes."""

Progress = Callable[[int], None]
"""Called with the number of input bytes consumed so far."""

NO_GOROUTINE = -1
NO_PROC = -1
NO_THREAD = -1

MAX_TIME_NS = 1 << 60
"""Every event time a reader lets through is below this many ns (about 36.5 years).

Go's trace clock counts from boot, so a real time is far below it; a later one is
damage, reported where the reader meets it. The bound leaves int64 room for all
that is built on times (differences, a goroutine's totals, a P's busy time) to be
computed without overflow."""
MAX_PROC_ID = (1 << 31) - 1
"""The largest P id: the model keeps Ps in int32 columns, and Go's v1 parser rejects
larger ones (the runtime numbers Ps from 0 up to GOMAXPROCS)."""


class Kind(IntEnum):
    """Go's ``trace.EventKind`` values."""

    BAD = 0
    SYNC = 1
    METRIC = 2
    LABEL = 3
    STACK_SAMPLE = 4
    RANGE_BEGIN = 5
    RANGE_ACTIVE = 6
    RANGE_END = 7
    TASK_BEGIN = 8
    TASK_END = 9
    REGION_BEGIN = 10
    REGION_END = 11
    LOG = 12
    STATE_TRANSITION = 13
    EXPERIMENTAL = 14


class GoState(IntEnum):
    """Go's ``trace.GoState`` values."""

    UNDETERMINED = 0
    NOT_EXIST = 1
    RUNNABLE = 2
    RUNNING = 3
    WAITING = 4
    SYSCALL = 5


class ProcState(IntEnum):
    """Go's ``trace.ProcState`` values."""

    UNDETERMINED = 0
    NOT_EXIST = 1
    RUNNING = 2
    IDLE = 3


class ResourceKind(IntEnum):
    """Go's ``trace.ResourceKind`` values (also the scope of a range)."""

    NONE = 0
    GOROUTINE = 1
    PROC = 2
    THREAD = 3


COLUMNS: dict[str, type[np.generic]] = {
    # When the event happened: ns on the trace clock (Go's ev.Time()).
    "time": np.int64,
    # Kind values.
    "kind": np.uint8,
    # ev.Goroutine(), ev.Proc(), ev.Thread(): who executed the event (-1 = none).
    "g": np.int64,
    "p": np.int64,
    "m": np.int64,
    # ev.Stack(): the event's own stack (for a goroutine creation: the `go`
    # statement's stack, i.e. the creation site; for a block: where it blocked).
    # 0 = no stack. Ids index Tables.stacks.
    "stack": np.int32,
    # STATE_TRANSITION: st.Resource; RANGE_*: r.Scope. res_kind is a ResourceKind.
    "res_kind": np.uint8,
    "res": np.int64,
    # STATE_TRANSITION: old and new state (GoState or ProcState by res_kind).
    "frm": np.uint8,
    "to": np.uint8,
    # STATE_TRANSITION: st.Reason; RANGE_*: r.Name; REGION_*: region type;
    # LOG: category; LABEL: label; TASK_*: task type. A Tables.strings id.
    "name": np.int32,
    # STATE_TRANSITION: st.Stack (for a creation: the new goroutine's start
    # stack, whose root frame names it). 0 = none.
    "tstack": np.int32,
    # TASK_*/REGION_*/LOG: task id; otherwise 0.
    "task": np.int64,
}


@dataclass(slots=True)
class EventChunk:
    """A run of consecutive events of the ordered stream, one array per field."""

    time: npt.NDArray[np.int64]
    kind: npt.NDArray[np.uint8]
    g: npt.NDArray[np.int64]
    p: npt.NDArray[np.int64]
    m: npt.NDArray[np.int64]
    stack: npt.NDArray[np.int32]
    res_kind: npt.NDArray[np.uint8]
    res: npt.NDArray[np.int64]
    frm: npt.NDArray[np.uint8]
    to: npt.NDArray[np.uint8]
    name: npt.NDArray[np.int32]
    tstack: npt.NDArray[np.int32]
    task: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.time)


class ChunkBuilder:
    """Accumulates events in typed array buffers and freezes them into a chunk.

    Readers append one event at a time from their hot loop; Python's ``array``
    module keeps that cheap (no per-event object survives) and converts to numpy
    without copying element by element.
    """

    __slots__ = tuple(COLUMNS)

    def __init__(self) -> None:
        from array import array

        codes: dict[type[np.generic], str] = {np.int64: "q", np.int32: "i", np.uint8: "B"}
        for name, dtype in COLUMNS.items():
            setattr(self, name, array(codes[dtype]))

    def __len__(self) -> int:
        return len(self.time)  # type: ignore[attr-defined]

    def add(
        self,
        time: int,
        kind: int,
        g: int = NO_GOROUTINE,
        p: int = NO_PROC,
        m: int = NO_THREAD,
        stack: int = 0,
        res_kind: int = 0,
        res: int = 0,
        frm: int = 0,
        to: int = 0,
        name: int = 0,
        tstack: int = 0,
        task: int = 0,
    ) -> None:
        self.time.append(time)  # type: ignore[attr-defined]
        self.kind.append(kind)  # type: ignore[attr-defined]
        self.g.append(g)  # type: ignore[attr-defined]
        self.p.append(p)  # type: ignore[attr-defined]
        self.m.append(m)  # type: ignore[attr-defined]
        self.stack.append(stack)  # type: ignore[attr-defined]
        self.res_kind.append(res_kind)  # type: ignore[attr-defined]
        self.res.append(res)  # type: ignore[attr-defined]
        self.frm.append(frm)  # type: ignore[attr-defined]
        self.to.append(to)  # type: ignore[attr-defined]
        self.name.append(name)  # type: ignore[attr-defined]
        self.tstack.append(tstack)  # type: ignore[attr-defined]
        self.task.append(task)  # type: ignore[attr-defined]

    def freeze(self) -> EventChunk:
        cols: dict[str, np.ndarray] = {
            name: np.frombuffer(getattr(self, name), dtype=dtype).copy()
            if len(getattr(self, name))
            else np.zeros(0, dtype=dtype)
            for name, dtype in COLUMNS.items()
        }
        return EventChunk(**cols)


@dataclass(slots=True)
class Damage:
    """What a reader could not use: reported to the user, never silently dropped."""

    message: str
    bytes_lost: int = 0


@dataclass(slots=True)
class TraceInfo:
    """Facts about the whole trace a reader learns while reading."""

    header: str  # e.g. "go 1.26 trace"
    version: int  # the N of "go 1.N trace"
    size: int  # bytes
    events: int = 0  # events in Go's ordered stream, all kinds
    damage: list[Damage] = field(default_factory=list)
    # "C" when the reader's C accelerator ran, "Python" for its (~10x slower) twin.
    reader: str = "Python"
    # "ticks" when an old-format trace lost its frequency record (written last): its times
    # are the runtime's ticks, not nanoseconds, and every view says so.
    time_unit: str = "ns"
