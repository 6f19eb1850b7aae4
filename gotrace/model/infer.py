"""Wait reasons for goroutines the trace saw blocked but never told us why.

A goroutine blocked since before the trace began appears only through a status
event, which carries no reason. Its stack (Go 1.23+ records one) still shows what
it waits on; naming that in the trace's own vocabulary ("chan receive", "select",
"network", "sync"...) lets it join the goroutines that blocked during the trace.
Rows so named are flagged, and views say the reason was inferred.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ..tables import Tables
from ..trace.events import GoState
from .core import Goroutines

# Leaf-most matching function decides. Reasons are the runtime's trace block
# reason strings (runtime/traceruntime.go), so inferred and recorded reasons
# group together.
_BY_FUNC: dict[str, str] = {
    "runtime.selectgo": "select",
    "runtime.block": "forever",
    "runtime.chanrecv": "chan receive",
    "runtime.chanrecv1": "chan receive",
    "runtime.chanrecv2": "chan receive",
    "runtime.chansend": "chan send",
    "runtime.chansend1": "chan send",
    "sync.(*Cond).Wait": "sync.(*Cond).Wait",
    "sync.(*Mutex).Lock": "sync",
    "sync.(*Mutex).lockSlow": "sync",
    "sync.(*RWMutex).Lock": "sync",
    "sync.(*RWMutex).RLock": "sync",
    "sync.(*WaitGroup).Wait": "sync",
    "sync.runtime_SemacquireMutex": "sync",
    "sync.runtime_Semacquire": "sync",
    "internal/sync.runtime_SemacquireMutex": "sync",
    "internal/poll.runtime_pollWait": "network",
    "time.Sleep": "sleep",
    "runtime.gcBgMarkWorker": "system goroutine wait",
    "runtime.bgsweep": "GC background sweeper wait",
    "runtime.bgscavenge": "system goroutine wait",
    "runtime.forcegchelper": "system goroutine wait",
    "runtime.runfinq": "system goroutine wait",
    "runtime.runCleanups": "system goroutine wait",
}


# The same inference in a goroutine dump's vocabulary (runtime2.go's waitReasonStrings),
# for debug=1 and protobuf profiles, which print stacks but no states.
DUMP_REASONS: dict[str, str] = {
    "runtime.selectgo": "select",
    "runtime.block": "select (no cases)",
    "runtime.chanrecv": "chan receive",
    "runtime.chanrecv1": "chan receive",
    "runtime.chanrecv2": "chan receive",
    "runtime.chansend": "chan send",
    "runtime.chansend1": "chan send",
    "sync.(*Cond).Wait": "sync.Cond.Wait",
    "sync.(*Mutex).Lock": "sync.Mutex.Lock",
    "sync.(*Mutex).lockSlow": "sync.Mutex.Lock",
    "internal/sync.(*Mutex).Lock": "sync.Mutex.Lock",
    "internal/sync.(*Mutex).lockSlow": "sync.Mutex.Lock",
    "sync.(*RWMutex).Lock": "sync.RWMutex.Lock",
    "sync.(*RWMutex).RLock": "sync.RWMutex.RLock",
    "sync.(*WaitGroup).Wait": "sync.WaitGroup.Wait",
    "sync.runtime_Semacquire": "semacquire",
    "internal/poll.runtime_pollWait": "IO wait",
    "time.Sleep": "sleep",
    "runtime.gcBgMarkWorker": "GC worker (idle)",
    "runtime.bgsweep": "GC sweep wait",
    "runtime.bgscavenge": "GC scavenge wait",
    "runtime.forcegchelper": "force gc (idle)",
    "runtime.runfinq": "finalizer wait",
    "runtime.runCleanups": "cleanup wait",
}


def infer_reasons(g: Goroutines, tables: Tables, by_func: dict[str, str] = _BY_FUNC) -> None:
    """Fill ``reason`` (and flag ``reason_inferred``) where a waiting row has none."""
    empty = tables.string("")
    # Waiting rows first (few, in a big trace most goroutines have ended): no full-length
    # temporaries but one mask, at the end of a load, when memory peaks.
    waiting = np.flatnonzero(g.state == GoState.WAITING)
    todo = waiting[(g.reason[waiting] == empty) & (g.last_stack[waiting] != 0)]
    if len(todo) == 0:
        return
    cache: dict[int, int] = {}
    for r in todo.tolist():
        sid = int(g.last_stack[r])
        rid = cache.get(sid)
        if rid is None:
            rid = 0
            for f in tables.stack_frames(sid):
                reason = by_func.get(f.func)
                if reason is not None:
                    rid = tables.string(reason)
                    break
            cache[sid] = rid
        if rid:
            g.reason[r] = rid
            g.reason_inferred[r] = True


# Packages whose functions the runtime provides (linkname): a wait entered there parks below
# them through calls other than a select's or a channel's (reflect.chanrecv, reflect.rselect).
_RUNTIME_LINKED = ("runtime.", "runtime/", "internal/", "reflect.", "sync.", "time.", "os/signal.",
                   "syscall.", "iter.", "unique.", "weak.", "testing/synctest.")
# How many runtime frames a debug=1 record hid before the program's own frame, and the wait
# that means when the first is runtime.gopark (chanrecv and chansend call gopark themselves,
# checked in Go 1.21 to 1.27; an older runtime that hid another frame leaves the wait unnamed).
PARKED = "parked"
CHAN_OP = "chan send or receive"
_HIDDEN_WAIT = {2: "select", 3: CHAN_OP}


def infer_hidden_waits(g: Goroutines, tables: Tables, first: npt.NDArray[np.int64],
                       second: npt.NDArray[np.int64], hidden: npt.NDArray[np.int64]) -> None:
    """Name the waits a debug=1 profile hides, from the PCs its ``@`` lines still list
    (``first``, ``second``: each row's innermost two PCs; ``hidden``: how many PCs precede its
    first printed frame).

    Every parked goroutine's innermost PC is the same one, in ``runtime.gopark``. Two things
    show which PC that is: a record whose printed frames tell its wait (a ``sync`` wait,
    ``time.Sleep``, the network poller) and starts there; or records under two or more hidden
    frames that start there but whose next PC differs: one function entered from different
    places in the runtime (``selectgo``, ``chanrecv``, ``chansend``), which is what gopark is.
    The innermost PC of a goroutine stopped for the profile otherwise has one caller: a
    preempted one's is ``asyncPreempt2``'s, under ``asyncPreempt``; a ``Gosched``'s is its own.

    A record whose innermost PC is gopark's is parked, not running. How many runtime frames
    were hidden tells how: two are ``gopark`` under ``selectgo`` (or ``block``, ``select {}``),
    three are ``gopark`` under a channel send's or receive's two. Anything else, and a first
    frame in a package the runtime implements parts of (``reflect.chanrecv`` parks under one
    runtime frame fewer), stays parked without a name. When nothing shows gopark's PC (every
    goroutine of the program waits at one channel site), :func:`_gopark_unanchored` looks
    further. PCs are only compared, never read as addresses."""
    deep = (hidden >= 2) & (first != 0)
    told = (g.state == GoState.WAITING) & (g.reason != 0) & (hidden >= 1) & (first != 0)
    pairs = np.unique(np.stack([first[deep], second[deep]]), axis=1) if deep.any() else np.zeros((2, 0))
    starts, callers = np.unique(pairs[0], return_counts=True)
    gopark = np.union1d(first[told], starts[callers >= 2])
    untold = (g.state == GoState.WAITING) & (g.reason == 0) & (hidden >= 1) & (first != 0)
    own = np.zeros(len(first), bool)
    for r in np.flatnonzero(untold).tolist():
        frames = tables.stack_frames(int(g.last_stack[r]))
        own[r] = bool(frames) and not frames[0].func.startswith(_RUNTIME_LINKED)
    if len(gopark) == 0:
        gopark = _gopark_unanchored(g, first, hidden, deep & own)
    if len(gopark) == 0:
        return
    parked = untold & np.isin(first, gopark)
    for r in np.flatnonzero(parked).tolist():
        reason = _HIDDEN_WAIT.get(int(hidden[r]), PARKED) if own[r] else PARKED
        g.reason[r] = tables.string(reason)
        g.reason_inferred[r] = True


def _gopark_unanchored(g: Goroutines, first: npt.NDArray[np.int64], hidden: npt.NDArray[np.int64],
                       deep_own: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """gopark's PC when no record tells a wait and no PC has two runtime callers: a small
    program (a hung test, a batch job) whose goroutines all park through one runtime path.

    Among records of the program's own code under three hidden frames (``deep_own``: a
    channel operation's ``gopark``, ``chanrecv``, ``chanrecv1``), an innermost PC that a
    record of two or more goroutines reaches, or that two records with different printed
    stacks share (two functions of the program, each in ``<-ch``), is gopark's. What else
    stops a goroutine in the runtime for a profile is a preemption: the world stops at the
    profile's start, and a goroutine it catches running stops where it ran, at an
    instruction of its own under two frames (``asyncPreempt2``, ``asyncPreempt``: shared by
    every goroutine so stopped, whatever its code, hence not two), or at the entry of the
    runtime function it was calling; several goroutines stopped at one PC three runtime
    frames deep is a coincidence."""
    rows = np.flatnonzero(deep_own & (hidden == 3))
    if not len(rows):
        return np.zeros(0, np.int64)
    pcs = np.unique(np.stack([first[rows], g.last_stack[rows].astype(np.int64)]), axis=1)
    starts, stacks = np.unique(pcs[0], return_counts=True)
    return np.union1d(starts[stacks >= 2], first[rows[g.weights(rows) >= 2]])
