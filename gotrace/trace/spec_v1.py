"""The old trace format (Go 1.11-1.21) stated declaratively.

This is the executable specification the hand-written decoder in ``v1.py`` is
tested against. The event table is Go's ``tracev1.EventDescriptions``
(internal/trace/internal/tracev1/parser.go): a name, the first format version
that knows the event, whether a stack id follows the arguments, and the named
arguments. Every timed event's first wire argument is a tick delta.
"""

from __future__ import annotations

from dataclasses import dataclass

import construct as cs

HEADER = cs.Struct(
    "magic" / cs.Const(b"go 1."),
    "version" / cs.PaddedString(11, "ascii"),
)
"""16 bytes: ``go 1.N trace`` padded with NUL; version holds ``N trace``."""


@dataclass(frozen=True, slots=True)
class EventSpec:
    name: str
    min_version: int
    stack: bool
    args: tuple[str, ...]


def _s(name: str, minv: int, stack: bool, *args: str) -> EventSpec:
    return EventSpec(name, minv, stack, args)


EV_NONE = 0
EV_BATCH = 1
EV_FREQUENCY = 2
EV_STACK = 3
EV_GOMAXPROCS = 4
EV_PROC_START = 5
EV_PROC_STOP = 6
EV_GC_START = 7
EV_GC_DONE = 8
EV_STW_START = 9
EV_STW_DONE = 10
EV_GC_SWEEP_START = 11
EV_GC_SWEEP_DONE = 12
EV_GO_CREATE = 13
EV_GO_START = 14
EV_GO_END = 15
EV_GO_STOP = 16
EV_GO_SCHED = 17
EV_GO_PREEMPT = 18
EV_GO_SLEEP = 19
EV_GO_BLOCK = 20
EV_GO_UNBLOCK = 21
EV_GO_BLOCK_SEND = 22
EV_GO_BLOCK_RECV = 23
EV_GO_BLOCK_SELECT = 24
EV_GO_BLOCK_SYNC = 25
EV_GO_BLOCK_COND = 26
EV_GO_BLOCK_NET = 27
EV_GO_SYS_CALL = 28
EV_GO_SYS_EXIT = 29
EV_GO_SYS_BLOCK = 30
EV_GO_WAITING = 31
EV_GO_IN_SYSCALL = 32
EV_HEAP_ALLOC = 33
EV_HEAP_GOAL = 34
EV_TIMER_GOROUTINE = 35
EV_FUTILE_WAKEUP = 36
EV_STRING = 37
EV_GO_START_LOCAL = 38
EV_GO_UNBLOCK_LOCAL = 39
EV_GO_SYS_EXIT_LOCAL = 40
EV_GO_START_LABEL = 41
EV_GO_BLOCK_GC = 42
EV_GC_MARK_ASSIST_START = 43
EV_GC_MARK_ASSIST_DONE = 44
EV_USER_TASK_CREATE = 45
EV_USER_TASK_END = 46
EV_USER_REGION = 47
EV_USER_LOG = 48
EV_CPU_SAMPLE = 49
EV_COUNT = 50

EVENTS: dict[int, EventSpec] = {
    EV_NONE: _s("None", 5, False),
    EV_BATCH: _s("Batch", 5, False, "p", "ticks"),
    EV_FREQUENCY: _s("Frequency", 5, False, "freq"),
    EV_STACK: _s("Stack", 5, False, "id", "siz"),
    EV_GOMAXPROCS: _s("Gomaxprocs", 5, True, "procs"),
    EV_PROC_START: _s("ProcStart", 5, False, "thread"),
    EV_PROC_STOP: _s("ProcStop", 5, False),
    EV_GC_START: _s("GCStart", 5, True, "seq"),
    EV_GC_DONE: _s("GCDone", 5, False),
    EV_STW_START: _s("GCSTWStart", 5, False, "kindid"),
    EV_STW_DONE: _s("GCSTWDone", 5, False),
    EV_GC_SWEEP_START: _s("GCSweepStart", 5, True),
    EV_GC_SWEEP_DONE: _s("GCSweepDone", 5, False, "swept", "reclaimed"),
    EV_GO_CREATE: _s("GoCreate", 5, True, "g", "stack"),
    EV_GO_START: _s("GoStart", 5, False, "g", "seq"),
    EV_GO_END: _s("GoEnd", 5, False),
    EV_GO_STOP: _s("GoStop", 5, True),
    EV_GO_SCHED: _s("GoSched", 5, True),
    EV_GO_PREEMPT: _s("GoPreempt", 5, True),
    EV_GO_SLEEP: _s("GoSleep", 5, True),
    EV_GO_BLOCK: _s("GoBlock", 5, True),
    EV_GO_UNBLOCK: _s("GoUnblock", 5, True, "g", "seq"),
    EV_GO_BLOCK_SEND: _s("GoBlockSend", 5, True),
    EV_GO_BLOCK_RECV: _s("GoBlockRecv", 5, True),
    EV_GO_BLOCK_SELECT: _s("GoBlockSelect", 5, True),
    EV_GO_BLOCK_SYNC: _s("GoBlockSync", 5, True),
    EV_GO_BLOCK_COND: _s("GoBlockCond", 5, True),
    EV_GO_BLOCK_NET: _s("GoBlockNet", 5, True),
    EV_GO_SYS_CALL: _s("GoSysCall", 5, True),
    EV_GO_SYS_EXIT: _s("GoSysExit", 5, False, "g", "seq", "ts"),
    EV_GO_SYS_BLOCK: _s("GoSysBlock", 5, False),
    EV_GO_WAITING: _s("GoWaiting", 5, False, "g"),
    EV_GO_IN_SYSCALL: _s("GoInSyscall", 5, False, "g"),
    EV_HEAP_ALLOC: _s("HeapAlloc", 5, False, "mem"),
    EV_HEAP_GOAL: _s("HeapGoal", 5, False, "mem"),
    EV_TIMER_GOROUTINE: _s("TimerGoroutine", 5, False, "g"),
    EV_FUTILE_WAKEUP: _s("FutileWakeup", 5, False),
    EV_STRING: _s("String", 7, False),
    EV_GO_START_LOCAL: _s("GoStartLocal", 7, False, "g"),
    EV_GO_UNBLOCK_LOCAL: _s("GoUnblockLocal", 7, True, "g"),
    EV_GO_SYS_EXIT_LOCAL: _s("GoSysExitLocal", 7, False, "g", "ts"),
    EV_GO_START_LABEL: _s("GoStartLabel", 8, False, "g", "seq", "labelid"),
    EV_GO_BLOCK_GC: _s("GoBlockGC", 8, True),
    EV_GC_MARK_ASSIST_START: _s("GCMarkAssistStart", 9, True),
    EV_GC_MARK_ASSIST_DONE: _s("GCMarkAssistDone", 9, False),
    EV_USER_TASK_CREATE: _s("UserTaskCreate", 11, True, "taskid", "pid", "typeid"),
    EV_USER_TASK_END: _s("UserTaskEnd", 11, True, "taskid"),
    EV_USER_REGION: _s("UserRegion", 11, True, "taskid", "mode", "typeid"),
    EV_USER_LOG: _s("UserLog", 11, True, "id", "keyid"),
    EV_CPU_SAMPLE: _s("CPUSample", 19, True, "ts", "p", "g"),
}

UNTIMED = frozenset({EV_BATCH, EV_FREQUENCY, EV_TIMER_GOROUTINE})


def wire_arg_count(typ: int) -> int:
    """Go's ``rawEvent.argNum``: varints on the wire, tick delta and stack included."""
    spec = EVENTS[typ]
    n = len(spec.args) + (1 if spec.stack else 0)
    return n if typ in UNTIMED else n + 1


def known(typ: int, version: int) -> bool:
    return EV_NONE < typ < EV_COUNT and EVENTS[typ].min_version <= version


# The wire grammar of one record. The first byte packs the type (low 6 bits)
# and "inline argument count - 1" (top 2 bits); 3 means the arguments are
# preceded by their length in bytes. Strings are [id, length, bytes]; a user
# log carries its message as a length-prefixed string after the arguments.
EVENT_HEAD = cs.BitStruct("nargs" / cs.BitsInteger(2), "type" / cs.BitsInteger(6))

STRING = cs.Struct("id" / cs.VarInt, "value" / cs.PascalString(cs.VarInt, "utf8"))

RECORD = cs.Struct(
    "head" / EVENT_HEAD,
    "body"
    / cs.IfThenElse(
        cs.this.head.type == EV_STRING,
        STRING,
        cs.IfThenElse(
            cs.this.head.nargs == 3,
            cs.Struct(
                "args" / cs.Prefixed(cs.VarInt, cs.GreedyRange(cs.VarInt)),
                "message"
                / cs.If(cs.this._.head.type == EV_USER_LOG, cs.PascalString(cs.VarInt, "utf8")),
            ),
            cs.Struct("args" / cs.Array(cs.this._.head.nargs + 1, cs.VarInt)),
        ),
    ),
)
"""One record of a batch: an event, a stack (its arguments), or a string."""

STACK_FRAME = cs.Struct("pc" / cs.VarInt, "func" / cs.VarInt, "file" / cs.VarInt,
                        "line" / cs.VarInt)
STACK_ARGS = cs.Struct("id" / cs.VarInt, "size" / cs.VarInt,
                       "frames" / cs.Array(cs.this.size, STACK_FRAME))
"""The argument list of an EvStack record."""

TRACE = cs.Struct("header" / HEADER, "records" / cs.GreedyRange(RECORD))
