"""The waits leak verdicts reason about: which end by themselves, which only another
goroutine ends, which wait for a lock's release and which for an event.

States are the runtime's wait reasons as dumps print them, with the trace's names and the
ones a profile's stacks are read as (``gotrace.model.infer``) beside them; a few frames say
what a state alone does not (older Go and traces call every sync wait "semacquire" or
"sync").
"""

from __future__ import annotations

import re
from typing import Literal

from ..model import Model
from ..model.infer import CHAN_OP
from ..stacks import is_std
from ..tables import Frame
from .grouping import Group

FOREVER_STATES = frozenset({
    "chan receive (nil chan)", "chan send (nil chan)", "select (no cases)", "forever",
})
# A debug=1 profile's channel wait, named from the runtime frames it hid (model.infer).
CHANNEL_STATES = frozenset({"chan send", "chan receive", "select", CHAN_OP})
LOCK_STATES = frozenset({
    "sync.Mutex.Lock", "sync.RWMutex.Lock", "sync.RWMutex.RLock", "semacquire", "sync",
    "sync.WaitGroup.Wait", "sync.Cond.Wait", "sync.(*Cond).Wait",
})
NET_STATES = frozenset({"IO wait", "network"})
# The runtime's own waits inside a call of the program's (an allocation assisting the GC or
# starting one, a stop-the-world, a preemption), by the dump's and the trace's names: they
# end as the runtime goes on, and the goroutine goes on working.
RUNTIME_TRANSIENT = frozenset({
    "GC assist marking", "GC assist wait", "garbage collection", "garbage collection scan",
    "wait for GC cycle", "GC mark termination", "stopping the world", "flushing proc caches",
    "preempted", "debug call", "dumping heap", "trace goroutine status", "trace proc status",
    "page trace flush", "GC weak to strong wait", "GC mark assist wait for work",
    "wait for debug call", "wait until GC ends",
})
# The runtime's functions such a wait is entered through, where its name says less (an
# allocation starting a GC waits on the runtime's own semaphore: "semacquire", a trace's "sync").
RUNTIME_MACHINERY = frozenset({
    "runtime.mallocgc", "runtime.gcStart", "runtime.GC", "runtime.gcAssistAlloc",
    "runtime.gcParkAssist", "runtime.stopTheWorld", "runtime.stopTheWorldGC",
    "runtime.stopTheWorldWithSema", "runtime.ReadMemStats", "runtime.gcWaitOnMark",
})
# Waits that end without another goroutine's help: a lock's holder in one releases it in time.
SELF_WAKING = NET_STATES | {"sleep"} | RUNTIME_TRANSIENT
# Waits only another goroutine ends (or a timer's callback, which is no goroutine until it
# fires): no ticker's channel or deadline sends, unlocks, calls Done or Signals.
TIMER_PROOF = LOCK_STATES | FOREVER_STATES | {"chan send"}
# Waits in which a goroutine may take what another sends: a consumer's loop.
RECEIVING = frozenset({"chan receive", "select", CHAN_OP})
# A write waiting for its reader: to a network connection (the poller's wait for the socket
# to drain) or to an in-process pipe (io.Pipe, net.Pipe: a select on the reader's channel).
WRITE_FUNCS = frozenset({
    "internal/poll.(*pollDesc).waitWrite", "internal/poll.(*FD).Write", "internal/poll.(*FD).Writev",
    "internal/poll.(*FD).WriteTo", "internal/poll.(*FD).WriteMsg", "io.(*pipe).write", "net.(*pipe).write",
})
MUTEX_STATES = frozenset({"sync.Mutex.Lock", "sync.RWMutex.Lock", "sync.RWMutex.RLock"})
# A frame of a Mutex or RWMutex acquisition (sync, or internal/sync from Go 1.24): tells a
# lock wait from a WaitGroup or Cond wait where the state does not ("sync" in a trace).
MUTEX_FUNC = re.compile(r"(?:internal/)?sync\.(?:runtime_SemacquireMutex|runtime_SemacquireRWMutexR?"
                        r"|\(\*RWMutex\)\.R?Lock|\(\*Mutex\)\.(?:Lock|lockSlow))")
# Waits for another goroutine's event (Done, Signal), by state or by the frame that tells it.
EVENT_STATES = frozenset({"sync.WaitGroup.Wait", "sync.Cond.Wait", "sync.(*Cond).Wait"})
EVENT_FUNC = re.compile(r"sync\.\(\*(?:WaitGroup|Cond)\)\.Wait")
ACCEPT_FUNCS = frozenset({
    "net/http.(*Server).Serve", "net.(*TCPListener).Accept", "net.(*UnixListener).Accept",
})
TESTING_FUNCS = ("testing.(*T).Run", "testing.tRunner", "testing.runTests", "testing.(*M).", "testing.(*B).",
                 "testing/synctest.")


def waits_for(model: Model, grp: Group) -> Literal["release", "event"] | None:
    """What the group waits for from another goroutine: a lock's ``release`` (a Mutex or
    RWMutex), an ``event`` (a plain channel send or receive, not a select, which may hold a
    timer's case; a WaitGroup's Done; a Cond's Signal), or None. Older Go and traces name a
    sync wait only "semacquire" or "sync": then the stack tells which, read once."""
    state = grp.state
    if state in MUTEX_STATES:
        return "release"
    if state in ("chan send", "chan receive", CHAN_OP) or state in EVENT_STATES:
        return "event"
    if state not in LOCK_STATES:
        return None
    funcs = [f.func for f in model.tables.stack_frames(grp.stack)]
    if any(MUTEX_FUNC.fullmatch(f) for f in funcs):
        return "release"
    return "event" if any(EVENT_FUNC.fullmatch(f) for f in funcs) else None


def holds_none(frames: list[Frame], profile: bool) -> bool:
    """Whether a goroutine at ``frames`` can hold or release no lock of the program's: every
    frame is the standard library's (an idle connection, a client's read loop), or it waits
    in an accept. A debug=1 record that printed no frame had only the runtime's; a stack
    not known (no frames, or a function with no name) could hold anything."""
    if not frames:
        return profile
    return all(f.func and is_std(f.func) for f in frames) or any(f.func in ACCEPT_FUNCS for f in frames)
