"""The new (v2, Go 1.22+) trace format, stated declaratively.

A transcription of Go 1.27's ``internal/trace/tracev2/events.go`` and
``internal/trace/version/version.go``: the event types, their arguments per
version, and ``construct`` definitions of every record. The construct parsers
are the executable spec: the reader uses them where records are rare (string and
sync batches) and the tests check the hand-written hot paths (event batches,
stack tables) decode exactly as they do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import construct as cs
import numpy as np
import numpy.typing as npt

from .events import GoState, Kind, ProcState

# Event types (tracev2.EventType).
EV_NONE = 0
EV_EVENT_BATCH = 1
EV_STACKS = 2
EV_STACK = 3
EV_STRINGS = 4
EV_STRING = 5
EV_CPU_SAMPLES = 6
EV_CPU_SAMPLE = 7
EV_FREQUENCY = 8
EV_PROCS_CHANGE = 9
EV_PROC_START = 10
EV_PROC_STOP = 11
EV_PROC_STEAL = 12
EV_PROC_STATUS = 13
EV_GO_CREATE = 14
EV_GO_CREATE_SYSCALL = 15
EV_GO_START = 16
EV_GO_DESTROY = 17
EV_GO_DESTROY_SYSCALL = 18
EV_GO_STOP = 19
EV_GO_BLOCK = 20
EV_GO_UNBLOCK = 21
EV_GO_SYSCALL_BEGIN = 22
EV_GO_SYSCALL_END = 23
EV_GO_SYSCALL_END_BLOCKED = 24
EV_GO_STATUS = 25
EV_STW_BEGIN = 26
EV_STW_END = 27
EV_GC_ACTIVE = 28
EV_GC_BEGIN = 29
EV_GC_END = 30
EV_GC_SWEEP_ACTIVE = 31
EV_GC_SWEEP_BEGIN = 32
EV_GC_SWEEP_END = 33
EV_GC_MARK_ASSIST_ACTIVE = 34
EV_GC_MARK_ASSIST_BEGIN = 35
EV_GC_MARK_ASSIST_END = 36
EV_HEAP_ALLOC = 37
EV_HEAP_GOAL = 38
EV_GO_LABEL = 39
EV_USER_TASK_BEGIN = 40
EV_USER_TASK_END = 41
EV_USER_REGION_BEGIN = 42
EV_USER_REGION_END = 43
EV_USER_LOG = 44
EV_GO_SWITCH = 45
EV_GO_SWITCH_DESTROY = 46
EV_GO_CREATE_BLOCKED = 47
EV_GO_STATUS_STACK = 48
EV_EXPERIMENTAL_BATCH = 49
EV_SYNC = 50
EV_CLOCK_SNAPSHOT = 51
EV_END_OF_GENERATION = 52
NUM_EVENTS = 53
# Experimental events (AllocFree experiment); they only travel in experimental
# batches, which the reader skips, but Go's spec table covers them.
MAX_EVENT = 127
EV_SPAN = 128
NUM_SPECS = 137
# The reader's marker for a synthesised Sync event (Go's evSync = ^EventType(0)).
EV_SYNC_MARK = 255

MAX_BATCH_SIZE = 64 << 10
MAX_FRAMES_PER_STACK = 128
MAX_EVENT_TRAILER_DATA_SIZE = 1 << 10
MAX_TIMED_EVENT_ARGS = 5

# tracev2.GoStatus and tracev2.ProcStatus values.
GO_BAD, GO_RUNNABLE, GO_RUNNING, GO_SYSCALL, GO_WAITING = range(5)
PROC_BAD, PROC_RUNNING, PROC_IDLE, PROC_SYSCALL, PROC_SYSCALL_ABANDONED = range(5)


@dataclass(frozen=True, slots=True)
class EventSpec:
    """One row of Go's ``tracev2.Specs()``; argument names carry their type suffix."""

    name: str
    args: tuple[str, ...] = ()
    string_ids: tuple[int, ...] = ()
    stack_ids: tuple[int, ...] = ()  # the first is the event's own stack (ev.Stack())
    start_ev: int = EV_NONE
    timed: bool = False
    has_data: bool = False
    is_stack: bool = False
    experiment: int = 0


def _timed(name: str, *args: str, strings: tuple[int, ...] = (), stacks: tuple[int, ...] = (),
           start: int = EV_NONE, experiment: int = 0) -> EventSpec:
    return EventSpec(name, ("dt", *args), strings, stacks, start, True, experiment=experiment)


_SPECS: dict[int, EventSpec] = {
    EV_EVENT_BATCH: EventSpec("EventBatch", ("gen", "m", "time", "size")),
    EV_STACKS: EventSpec("Stacks"),
    EV_STACK: EventSpec("Stack", ("id", "nframes"), is_stack=True),
    EV_STRINGS: EventSpec("Strings"),
    EV_STRING: EventSpec("String", ("id",), has_data=True),
    EV_CPU_SAMPLES: EventSpec("CPUSamples"),
    EV_CPU_SAMPLE: EventSpec("CPUSample", ("time", "m", "p", "g", "stack"), stack_ids=(4,)),
    EV_FREQUENCY: EventSpec("Frequency", ("freq",)),
    EV_EXPERIMENTAL_BATCH: EventSpec("ExperimentalBatch", ("exp", "gen", "m", "time"),
                                     has_data=True),
    EV_SYNC: EventSpec("Sync"),
    EV_END_OF_GENERATION: EventSpec("EndOfGeneration"),
    EV_PROCS_CHANGE: _timed("ProcsChange", "procs_value", "stack", stacks=(2,)),
    EV_PROC_START: _timed("ProcStart", "p", "p_seq"),
    EV_PROC_STOP: _timed("ProcStop"),
    EV_PROC_STEAL: _timed("ProcSteal", "p", "p_seq", "m"),
    EV_PROC_STATUS: _timed("ProcStatus", "p", "pstatus"),
    EV_GO_CREATE: _timed("GoCreate", "new_g", "new_stack", "stack", stacks=(3, 2)),
    EV_GO_CREATE_SYSCALL: _timed("GoCreateSyscall", "new_g"),
    EV_GO_START: _timed("GoStart", "g", "g_seq"),
    EV_GO_DESTROY: _timed("GoDestroy"),
    EV_GO_DESTROY_SYSCALL: _timed("GoDestroySyscall"),
    EV_GO_STOP: _timed("GoStop", "reason_string", "stack", strings=(1,), stacks=(2,)),
    EV_GO_BLOCK: _timed("GoBlock", "reason_string", "stack", strings=(1,), stacks=(2,)),
    EV_GO_UNBLOCK: _timed("GoUnblock", "g", "g_seq", "stack", stacks=(3,)),
    EV_GO_SYSCALL_BEGIN: _timed("GoSyscallBegin", "p_seq", "stack", stacks=(2,)),
    EV_GO_SYSCALL_END: _timed("GoSyscallEnd", start=EV_GO_SYSCALL_BEGIN),
    EV_GO_SYSCALL_END_BLOCKED: _timed("GoSyscallEndBlocked", start=EV_GO_SYSCALL_BEGIN),
    EV_GO_STATUS: _timed("GoStatus", "g", "m", "gstatus"),
    EV_STW_BEGIN: _timed("STWBegin", "kind_string", "stack", strings=(1,), stacks=(2,)),
    EV_STW_END: _timed("STWEnd", start=EV_STW_BEGIN),
    EV_GC_ACTIVE: _timed("GCActive", "gc_seq", start=EV_GC_BEGIN),
    EV_GC_BEGIN: _timed("GCBegin", "gc_seq", "stack", stacks=(2,)),
    EV_GC_END: _timed("GCEnd", "gc_seq", start=EV_GC_BEGIN),
    EV_GC_SWEEP_ACTIVE: _timed("GCSweepActive", "p", start=EV_GC_SWEEP_BEGIN),
    EV_GC_SWEEP_BEGIN: _timed("GCSweepBegin", "stack", stacks=(1,)),
    EV_GC_SWEEP_END: _timed("GCSweepEnd", "swept_value", "reclaimed_value",
                            start=EV_GC_SWEEP_BEGIN),
    EV_GC_MARK_ASSIST_ACTIVE: _timed("GCMarkAssistActive", "g", start=EV_GC_MARK_ASSIST_BEGIN),
    EV_GC_MARK_ASSIST_BEGIN: _timed("GCMarkAssistBegin", "stack", stacks=(1,)),
    EV_GC_MARK_ASSIST_END: _timed("GCMarkAssistEnd", start=EV_GC_MARK_ASSIST_BEGIN),
    EV_HEAP_ALLOC: _timed("HeapAlloc", "heapalloc_value"),
    EV_HEAP_GOAL: _timed("HeapGoal", "heapgoal_value"),
    EV_GO_LABEL: _timed("GoLabel", "label_string", strings=(1,)),
    EV_USER_TASK_BEGIN: _timed("UserTaskBegin", "task", "parent_task", "name_string", "stack",
                               strings=(3,), stacks=(4,)),
    EV_USER_TASK_END: _timed("UserTaskEnd", "task", "stack", stacks=(2,)),
    EV_USER_REGION_BEGIN: _timed("UserRegionBegin", "task", "name_string", "stack",
                                 strings=(2,), stacks=(3,)),
    EV_USER_REGION_END: _timed("UserRegionEnd", "task", "name_string", "stack",
                               strings=(2,), stacks=(3,), start=EV_USER_REGION_BEGIN),
    EV_USER_LOG: _timed("UserLog", "task", "key_string", "value_string", "stack",
                        strings=(2, 3), stacks=(4,)),
    EV_GO_SWITCH: _timed("GoSwitch", "g", "g_seq"),
    EV_GO_SWITCH_DESTROY: _timed("GoSwitchDestroy", "g", "g_seq"),
    EV_GO_CREATE_BLOCKED: _timed("GoCreateBlocked", "new_g", "new_stack", "stack",
                                 stacks=(3, 2)),
    EV_GO_STATUS_STACK: _timed("GoStatusStack", "g", "m", "gstatus", "stack", stacks=(4,)),
    EV_CLOCK_SNAPSHOT: _timed("ClockSnapshot", "mono", "sec", "nsec"),
    128: _timed("Span", "id", "npages_value", "kindclass", experiment=1),
    129: _timed("SpanAlloc", "id", "npages_value", "kindclass", experiment=1),
    130: _timed("SpanFree", "id", experiment=1),
    131: _timed("HeapObject", "id", "type", experiment=1),
    132: _timed("HeapObjectAlloc", "id", "type", experiment=1),
    133: _timed("HeapObjectFree", "id", experiment=1),
    134: _timed("GoroutineStack", "id", "order", experiment=1),
    135: _timed("GoroutineStackAlloc", "id", "order", experiment=1),
    136: _timed("GoroutineStackFree", "id", experiment=1),
}

SPECS: tuple[EventSpec, ...] = tuple(_SPECS.get(t, EventSpec("")) for t in range(NUM_SPECS))
"""Go's full ``tracev2.Specs()``: what the reader decodes events with, for every version."""

# version.go: the events each trace version may name.
_VERSION_LIMIT = {
    22: EV_USER_LOG + 1,
    23: EV_EXPERIMENTAL_BATCH + 1,
    25: EV_CLOCK_SNAPSHOT + 1,
    26: NUM_SPECS,
}


def specs_for(version: int) -> tuple[EventSpec, ...]:
    """The spec table of ``go 1.<version> trace`` (version.Version.Specs)."""
    return SPECS[: _VERSION_LIMIT[version]]


def event_name(version: int, typ: int) -> str:
    s = specs_for(version)
    if typ < len(s) and s[typ].name:
        return s[typ].name
    return f"Invalid({typ})"


# Bytes an event occupies in the token stream (type + dt + args), 0 if it is not
# a timed event: the hot loop's decoding table.
TIMED_WIDTH: tuple[int, ...] = tuple(
    (1 + len(s.args)) if s.timed and s.args else 0 for s in SPECS
)

# --- construct definitions -------------------------------------------------

UVarint = cs.ExprValidator(cs.VarInt, lambda obj, ctx: 0 <= obj < 1 << 64)
"""An unsigned LEB128 varint (construct's VarInt) that must fit 64 bits, like Go's."""

BatchHeader = cs.Struct(
    "type" / cs.Byte,
    "exp" / cs.If(cs.this.type == EV_EXPERIMENTAL_BATCH, cs.Byte),
    "gen" / cs.If(cs.this.type != EV_END_OF_GENERATION, UVarint),
    "m" / cs.If(cs.this.type != EV_END_OF_GENERATION, UVarint),
    "time" / cs.If(cs.this.type != EV_END_OF_GENERATION, UVarint),
    "size" / cs.If(cs.this.type != EV_END_OF_GENERATION, UVarint),
)
"""``EvEventBatch gen m time size`` / ``EvExperimentalBatch exp gen m time size`` /
the lone ``EvEndOfGeneration`` byte (Go 1.26)."""

Batch = cs.Struct(
    "header" / BatchHeader,
    "data" / cs.If(cs.this.header.type != EV_END_OF_GENERATION,
                   cs.Bytes(cs.this.header.size)),
)

StringRecord = cs.Struct(
    cs.Const(EV_STRING, cs.Byte),
    "id" / UVarint,
    "length" / cs.ExprValidator(UVarint, lambda obj, ctx: obj <= MAX_EVENT_TRAILER_DATA_SIZE),
    "data" / cs.Bytes(cs.this.length),
)
StringsBatch = cs.Struct(cs.Const(EV_STRINGS, cs.Byte),
                         "strings" / cs.GreedyRange(StringRecord), cs.Terminated)

StackFrame = cs.Struct("pc" / UVarint, "func" / UVarint, "file" / UVarint, "line" / UVarint)
StackRecord = cs.Struct(
    cs.Const(EV_STACK, cs.Byte),
    "id" / UVarint,
    "nframes" / cs.ExprValidator(UVarint, lambda obj, ctx: obj <= MAX_FRAMES_PER_STACK),
    "frames" / cs.Array(cs.this.nframes, StackFrame),
)
StacksBatch = cs.Struct(cs.Const(EV_STACKS, cs.Byte),
                        "stacks" / cs.GreedyRange(StackRecord), cs.Terminated)

CPUSampleRecord = cs.Struct(
    cs.Const(EV_CPU_SAMPLE, cs.Byte),
    "time" / UVarint, "m" / UVarint, "p" / UVarint, "g" / UVarint, "stack" / UVarint,
)
CPUSamplesBatch = cs.Struct(cs.Const(EV_CPU_SAMPLES, cs.Byte),
                            "samples" / cs.GreedyRange(CPUSampleRecord), cs.Terminated)

FrequencyRecord = cs.Struct("type" / cs.Const(EV_FREQUENCY, cs.Byte), "freq" / UVarint)
ClockSnapshotRecord = cs.Struct(
    "type" / cs.Const(EV_CLOCK_SNAPSHOT, cs.Byte),
    "dt" / UVarint, "mono" / UVarint, "sec" / UVarint, "nsec" / UVarint,
)
FrequencyBatch = cs.Struct("records" / cs.GreedyRange(FrequencyRecord), cs.Terminated)
"""Go 1.22-1.23: the sync batch is a lone EvFrequency event."""
SyncBatch = cs.Struct(
    cs.Const(EV_SYNC, cs.Byte),
    "records" / cs.GreedyRange(cs.Select(FrequencyRecord, ClockSnapshotRecord)),
    cs.Terminated,
)
"""Go 1.25+: EvSync, then EvFrequency and EvClockSnapshot in any order."""


def event_struct(version: int) -> cs.Construct:
    """One timed event of ``go 1.<version> trace``: type byte, then its varint args."""
    cases = {
        t: cs.Struct(*[a / UVarint for a in s.args])
        for t, s in enumerate(specs_for(version))
        if s.timed and s.args
    }
    return cs.Struct("type" / cs.Byte, "args" / cs.Switch(cs.this.type, cases,
                                                          default=cs.Error))


def event_batch_data(version: int) -> cs.Construct:
    """The payload of an ``EvEventBatch``: timed events until the end."""
    return cs.Struct("events" / cs.GreedyRange(event_struct(version)), cs.Terminated)


# --- Go's abstract events: how each wire event type becomes one ------------
#
# internal/trace turns every wire event into an Event of a Kind (state
# transition, range, metric, ...) whose fields come from fixed argument slots:
# a transition's resource and its from/to states, a range's scope and name, the
# stack and name string arguments, validateTableIDs' slots. These tables state
# that per event type (indexed by type, 256 rows so that any byte indexes them);
# v2.build_chunk and its C twin derive the event columns with them, and
# order_v2 reads the status tables and range starts.

# tracev2.GoStatus / ProcStatus -> trace.GoState / ProcState (Go's
# tracev2GoStatus2GoState and tracev2ProcStatus2ProcState), indexed by status.
GO_STATUS_TO_STATE: tuple[int, ...] = (GoState.UNDETERMINED, GoState.RUNNABLE, GoState.RUNNING,
                                       GoState.SYSCALL, GoState.WAITING)
PROC_STATUS_TO_STATE: tuple[int, ...] = (ProcState.UNDETERMINED, ProcState.RUNNING,
                                         ProcState.IDLE, ProcState.RUNNING, ProcState.IDLE)
GO_STATUS_NAMES = ("Bad", "Runnable", "Running", "Syscall", "Waiting")
PROC_STATUS_NAMES = ("Bad", "Running", "Idle", "Syscall", "SyscallAbandoned")

# makeRangeType: an event's range is named by its "begin" event type.
RANGE_START: tuple[int, ...] = tuple(s.start_ev if s.start_ev else t for t, s in enumerate(SPECS))


def _table(default: int, values: Mapping[int, int], dtype: type = np.int64) -> npt.NDArray:
    t: npt.NDArray = np.full(256, default, dtype=dtype)
    for k, v in values.items():
        t[k] = v
    return t


_E = {sp.name: i for i, sp in enumerate(SPECS) if sp.name}
_E["Sync"] = EV_SYNC_MARK  # the reader's synthesised Sync, not the wire EvSync
_K = Kind
_KIND_OF = {
    "CPUSample": _K.STACK_SAMPLE, "ProcsChange": _K.METRIC, "HeapAlloc": _K.METRIC,
    "HeapGoal": _K.METRIC, "GoLabel": _K.LABEL, "UserTaskBegin": _K.TASK_BEGIN,
    "UserTaskEnd": _K.TASK_END, "UserRegionBegin": _K.REGION_BEGIN,
    "UserRegionEnd": _K.REGION_END, "UserLog": _K.LOG, "Sync": _K.SYNC,
    "STWBegin": _K.RANGE_BEGIN, "GCBegin": _K.RANGE_BEGIN, "GCSweepBegin": _K.RANGE_BEGIN,
    "GCMarkAssistBegin": _K.RANGE_BEGIN, "GCActive": _K.RANGE_ACTIVE,
    "GCSweepActive": _K.RANGE_ACTIVE, "GCMarkAssistActive": _K.RANGE_ACTIVE,
    "STWEnd": _K.RANGE_END, "GCEnd": _K.RANGE_END, "GCSweepEnd": _K.RANGE_END,
    "GCMarkAssistEnd": _K.RANGE_END,
}
_G, _P = GoState, ProcState
# State transitions: (resource kind, resource source, from, to). Sources: "a0" the
# first argument, "g"/"p" the event's goroutine/proc; from/to -1 = per event.
_TRANSITIONS = {
    "ProcStart": (2, "a0", _P.IDLE, _P.RUNNING), "ProcStop": (2, "p", _P.RUNNING, _P.IDLE),
    "ProcSteal": (2, "a0", -1, _P.IDLE), "ProcStatus": (2, "a0", -1, -1),
    "GoCreate": (1, "a0", _G.NOT_EXIST, _G.RUNNABLE),
    "GoCreateBlocked": (1, "a0", _G.NOT_EXIST, _G.WAITING),
    "GoCreateSyscall": (1, "a0", _G.NOT_EXIST, _G.SYSCALL),
    "GoStart": (1, "a0", _G.RUNNABLE, _G.RUNNING),
    "GoDestroy": (1, "g", _G.RUNNING, _G.NOT_EXIST),
    "GoDestroySyscall": (1, "g", _G.SYSCALL, _G.NOT_EXIST),
    "GoStop": (1, "g", _G.RUNNING, _G.RUNNABLE), "GoBlock": (1, "g", _G.RUNNING, _G.WAITING),
    "GoUnblock": (1, "a0", _G.WAITING, _G.RUNNABLE),
    "GoSwitch": (1, "a0", _G.WAITING, _G.RUNNABLE),
    "GoSwitchDestroy": (1, "a0", _G.WAITING, _G.RUNNABLE),
    "GoSyscallBegin": (1, "g", _G.RUNNING, _G.SYSCALL),
    "GoSyscallEnd": (1, "g", _G.SYSCALL, _G.RUNNING),
    "GoSyscallEndBlocked": (1, "g", _G.SYSCALL, _G.RUNNABLE),
    "GoStatus": (1, "a0", -1, -1), "GoStatusStack": (1, "a0", -1, -1),
}
# Ranges: (scope kind, scope source, name; None = "stop-the-world (<kind>)").
_RANGES = {
    "STWBegin": (1, "g", None), "STWEnd": (1, "g", None),
    "GCBegin": (0, "", "GC concurrent mark phase"), "GCActive": (0, "", "GC concurrent mark phase"),
    "GCEnd": (0, "", "GC concurrent mark phase"),
    "GCSweepBegin": (2, "p", "GC incremental sweep"), "GCSweepEnd": (2, "p", "GC incremental sweep"),
    "GCSweepActive": (2, "a0", "GC incremental sweep"),
    "GCMarkAssistBegin": (1, "g", "GC mark assist"), "GCMarkAssistEnd": (1, "g", "GC mark assist"),
    "GCMarkAssistActive": (1, "a0", "GC mark assist"),
}
_SRC_CODE = {"": 0, "g": 1, "p": 2, "a0": 3}

KIND = _table(0, {_E[n]: k for n, k in _KIND_OF.items()}
              | {_E[n]: _K.STATE_TRANSITION for n in _TRANSITIONS}
              | {t: _K.EXPERIMENTAL for t, s in enumerate(SPECS) if s.experiment}, np.uint8)
# ev.Stack(): the arg slot (after dt) of the event's own stack, -1 for none.
STACK_SLOT = _table(-1, {t: s.stack_ids[0] - 1 for t, s in enumerate(SPECS)
                         if s.stack_ids and s.timed} | {EV_CPU_SAMPLE: 0})
RES_KIND = _table(0, {_E[n]: v[0] for n, v in (_TRANSITIONS | _RANGES).items()}, np.uint8)
RES_SRC = _table(0, {_E[n]: _SRC_CODE[v[1]] for n, v in (_TRANSITIONS | _RANGES).items()})
FRM = _table(0, {_E[n]: max(v[2], 0) for n, v in _TRANSITIONS.items()}, np.uint8)
TO = _table(0, {_E[n]: max(v[3], 0) for n, v in _TRANSITIONS.items()}, np.uint8)
# Name from a string-id argument slot.
NAME_SLOT = _table(-1, {_E["GoStop"]: 0, _E["GoBlock"]: 0, _E["GoLabel"]: 0,
                        _E["UserTaskBegin"]: 2, _E["UserRegionBegin"]: 1,
                        _E["UserRegionEnd"]: 1, _E["UserLog"]: 1})
# st.Stack: a creation's new stack, or the event's own stack for these.
TSTACK_SLOT = _table(-1, {_E["GoCreate"]: 1, _E["GoCreateBlocked"]: 1, _E["GoStop"]: 1,
                          _E["GoBlock"]: 1, _E["GoSyscallBegin"]: 1, _E["GoStatusStack"]: 3})
TASK_EVENTS = _table(0, {_E[n]: 1 for n in ("UserTaskBegin", "UserTaskEnd", "UserRegionBegin",
                                            "UserRegionEnd", "UserLog")}, np.bool_)
# validateTableIDs: which arg slots must be known stack / string ids.
CHECK_STACK = np.zeros((256, 4), np.bool_)
CHECK_STRING = np.zeros((256, 4), np.bool_)
for _t, _s in enumerate(SPECS):
    if _s.timed:
        for _i in _s.stack_ids:
            CHECK_STACK[_t, _i - 1] = True
        for _i in _s.string_ids:
            CHECK_STRING[_t, _i - 1] = True
CHECK_STACK[EV_CPU_SAMPLE, 0] = True
# Range names that are not an argument ("stop-the-world (<kind>)" comes from its
# kind string, see v2._rare_names).
RANGE_NAMES = {_E[n]: v[2] for n, v in _RANGES.items() if v[2]}
