"""Wait reasons for goroutines the trace saw blocked but never told us why.

A goroutine blocked since before the trace began appears only through a status
event, which carries no reason. Its stack (Go 1.23+ records one) still shows what
it waits on; naming that in the trace's own vocabulary ("chan receive", "select",
"network", "sync"...) lets it join the goroutines that blocked during the trace.
Rows so named are flagged, and views say the reason was inferred.
"""

from __future__ import annotations

import numpy as np

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


def infer_reasons(g: Goroutines, tables: Tables) -> None:
    """Fill ``reason`` (and flag ``reason_inferred``) where a waiting row has none."""
    empty = tables.string("")
    todo = np.flatnonzero((g.state == GoState.WAITING) & (g.reason == empty) & (g.last_stack != 0))
    if len(todo) == 0:
        return
    cache: dict[int, int] = {}
    for r in todo.tolist():
        sid = int(g.last_stack[r])
        rid = cache.get(sid)
        if rid is None:
            rid = 0
            for f in tables.stack_frames(sid):
                reason = _BY_FUNC.get(f.func)
                if reason is not None:
                    rid = tables.string(reason)
                    break
            cache[sid] = rid
        if rid:
            g.reason[r] = rid
            g.reason_inferred[r] = True
