"""v1 events -> Go's abstract events, as internal/trace/tracev1.go converts them.

Every v1 event type maps to one abstract event (a state transition, range,
metric, ...) with a fixed layout, except: GoSysBlock disappears, GoStartLabel
adds a label event, a GoSysCall whose goroutine does not block next becomes a
1 ns syscall begin/end pair, and events before the first Gomaxprocs describe
the goroutines that existed when tracing started (GoStatus events). The layout
is table driven and applied to a slice of events at a time with numpy; the few
sequential facts (which thread runs each P, which Ps were seen, STW reasons,
task names, the time bump) are carried between slices.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from ..accel import frombuffer
from ..memory import release_before
from ..tables import Tables
from . import spec_v1 as sp
from .decode_v1 import _native as _v1
from .events import COLUMNS, EventChunk, GoState, Kind, ProcState, ResourceKind
from .order_v1 import Events

I64 = npt.NDArray[np.int64]
SLICE = 1 << 16
"""Events converted per slice: each slice's chunk (64 bytes an event) is in flight beside the
model being built; 2**20 put 130 MB more at the 100 MB Go 1.21 trace's peak, 2**17 10 MB, and
neither was faster."""
LUT_MAX = 1 << 24  # stack ids below this map through a table, others through np.unique

STW_REASONS = (
    "", "GC mark termination", "GC sweep termination", "write heap dump", "goroutine profile",
    "goroutine profile cleanup", "all goroutine stack trace", "read mem stats",
    "AllThreadsSyscall", "GOMAXPROCS", "start trace", "stop trace", "CountPagesInUse (test)",
    "ReadMetricsSlow (test)", "ReadMemStatsSlow (test)", "PageCachePagesLeaked (test)",
    "ResetDebugLog (test)",
)

GS, PS, RK = GoState, ProcState, ResourceKind
# v1 type -> (kind, resource kind, resource source, from, to, reason, stack?, tstack source)
# resource source: "g" ctx goroutine, "a0", "p"; tstack: "stk", "a1" or "".
_LAYOUT: dict[int, tuple[Kind, ResourceKind, str, int, int, str, bool, str]] = {
    sp.EV_GOMAXPROCS: (Kind.METRIC, RK.NONE, "", 0, 0, "", True, ""),
    sp.EV_PROC_START: (Kind.STATE_TRANSITION, RK.PROC, "p", PS.IDLE, PS.RUNNING, "", False, ""),
    sp.EV_PROC_STOP: (Kind.STATE_TRANSITION, RK.PROC, "p", PS.RUNNING, PS.IDLE, "", False, ""),
    sp.EV_GC_START: (Kind.RANGE_BEGIN, RK.NONE, "", 0, 0, "GC concurrent mark phase", True, ""),
    sp.EV_GC_DONE: (Kind.RANGE_END, RK.NONE, "", 0, 0, "GC concurrent mark phase", False, ""),
    sp.EV_STW_START: (Kind.RANGE_BEGIN, RK.GOROUTINE, "g", 0, 0, "", False, ""),
    sp.EV_STW_DONE: (Kind.RANGE_END, RK.GOROUTINE, "g", 0, 0, "", False, ""),
    sp.EV_GC_SWEEP_START: (Kind.RANGE_BEGIN, RK.PROC, "p", 0, 0, "GC incremental sweep", True,
                           ""),
    sp.EV_GC_SWEEP_DONE: (Kind.RANGE_END, RK.PROC, "p", 0, 0, "GC incremental sweep", False, ""),
    sp.EV_GO_CREATE: (Kind.STATE_TRANSITION, RK.GOROUTINE, "a0", GS.NOT_EXIST, GS.RUNNABLE, "",
                      True, "a1"),
    sp.EV_GO_START: (Kind.STATE_TRANSITION, RK.GOROUTINE, "a0", GS.RUNNABLE, GS.RUNNING, "",
                     False, ""),
    sp.EV_GO_END: (Kind.STATE_TRANSITION, RK.GOROUTINE, "g", GS.RUNNING, GS.NOT_EXIST, "", False,
                   ""),
    sp.EV_GO_UNBLOCK: (Kind.STATE_TRANSITION, RK.GOROUTINE, "a0", GS.WAITING, GS.RUNNABLE, "",
                       True, ""),
    sp.EV_GO_SYS_CALL: (Kind.STATE_TRANSITION, RK.GOROUTINE, "g", GS.RUNNING, GS.SYSCALL, "",
                        True, "stk"),
    sp.EV_GO_SYS_EXIT: (Kind.STATE_TRANSITION, RK.GOROUTINE, "g", GS.SYSCALL, GS.RUNNABLE, "",
                        False, ""),
    sp.EV_GO_WAITING: (Kind.STATE_TRANSITION, RK.GOROUTINE, "a0", GS.UNDETERMINED, GS.WAITING,
                       "", False, ""),
    sp.EV_GO_IN_SYSCALL: (Kind.STATE_TRANSITION, RK.GOROUTINE, "a0", GS.UNDETERMINED,
                          GS.SYSCALL, "", False, ""),
    sp.EV_HEAP_ALLOC: (Kind.METRIC, RK.NONE, "", 0, 0, "", False, ""),
    sp.EV_HEAP_GOAL: (Kind.METRIC, RK.NONE, "", 0, 0, "", False, ""),
    sp.EV_GO_START_LABEL: (Kind.STATE_TRANSITION, RK.GOROUTINE, "a0", GS.RUNNABLE, GS.RUNNING,
                           "", False, ""),
    sp.EV_GC_MARK_ASSIST_START: (Kind.RANGE_BEGIN, RK.GOROUTINE, "g", 0, 0, "GC mark assist",
                                 True, ""),
    sp.EV_GC_MARK_ASSIST_DONE: (Kind.RANGE_END, RK.GOROUTINE, "g", 0, 0, "GC mark assist", False,
                                ""),
    sp.EV_USER_TASK_CREATE: (Kind.TASK_BEGIN, RK.NONE, "", 0, 0, "", True, ""),
    sp.EV_USER_TASK_END: (Kind.TASK_END, RK.NONE, "", 0, 0, "", True, ""),
    sp.EV_USER_REGION: (Kind.REGION_BEGIN, RK.NONE, "", 0, 0, "", True, ""),
    sp.EV_USER_LOG: (Kind.LOG, RK.NONE, "", 0, 0, "", True, ""),
    sp.EV_CPU_SAMPLE: (Kind.STACK_SAMPLE, RK.NONE, "", 0, 0, "", True, ""),
}
_BLOCK_REASONS = {
    sp.EV_GO_STOP: (GS.WAITING, "forever"), sp.EV_GO_SCHED: (GS.RUNNABLE, "runtime.Gosched"),
    sp.EV_GO_PREEMPT: (GS.RUNNABLE, "preempted"), sp.EV_GO_SLEEP: (GS.WAITING, "sleep"),
    sp.EV_GO_BLOCK: (GS.WAITING, ""), sp.EV_GO_BLOCK_SEND: (GS.WAITING, "chan send"),
    sp.EV_GO_BLOCK_RECV: (GS.WAITING, "chan receive"), sp.EV_GO_BLOCK_SELECT: (GS.WAITING,
                                                                               "select"),
    sp.EV_GO_BLOCK_SYNC: (GS.WAITING, "sync"), sp.EV_GO_BLOCK_COND: (GS.WAITING,
                                                                     "sync.(*Cond).Wait"),
    sp.EV_GO_BLOCK_NET: (GS.WAITING, "network"),
    sp.EV_GO_BLOCK_GC: (GS.WAITING, "GC mark assist wait for work"),
}
for _t, (_to, _why) in _BLOCK_REASONS.items():
    _LAYOUT[_t] = (Kind.STATE_TRANSITION, RK.GOROUTINE, "g", GS.RUNNING, _to, _why, True, "stk")


LAYOUT_TABLES = ("kind", "rkind", "frm", "to", "has_stack", "res_src", "tstack_src", "valid")
"""The per-type tables the C converter gets, in this order (its T_* indexes)."""


class Converter:
    """Carries the converter's sequential state from one slice to the next."""

    def __init__(self, ev: Events, tables: Tables, version: int,
                 strings: dict[int, bytes], stacks: dict[int, list[int]],
                 pcs: dict[int, tuple[int, int, int]], native: bool = False) -> None:
        self.ev = ev
        self.tables = tables
        self.version = version
        self.strings = strings
        self.raw_stacks = stacks
        self.pcs = pcs
        self.proc_m: dict[int, int] = {}
        self.seen_procs: set[int] = set()
        self.last_ts = -1
        self.stw_reason = 0
        self.tasks: dict[int, int] = {}
        self.pre_init = True
        self.created_pre_init: dict[int, None] = {}
        self.error: str | None = None
        self._stack_ids: dict[int, int] = {}
        self._str_ids: dict[int, int] = {}
        self._lut = np.full(1024, -1, np.int64)
        n = 64
        self.kind = np.zeros(n, np.uint8)
        self.rkind = np.zeros(n, np.uint8)
        self.frm = np.zeros(n, np.uint8)
        self.to = np.zeros(n, np.uint8)
        self.reason = np.zeros(n, np.int32)
        self.has_stack = np.zeros(n, np.bool_)
        self.res_src = np.zeros(n, np.int64)  # 0 none, 1 g, 2 a0, 3 p
        self.tstack_src = np.zeros(n, np.int64)  # 0 none, 1 stk, 2 a1
        self.valid = np.zeros(n, np.bool_)
        for t, (k, rk, rs, f, to, why, st, ts) in _LAYOUT.items():
            self.valid[t] = True
            self.kind[t], self.rkind[t], self.frm[t], self.to[t] = k, rk, f, to
            self.reason[t] = tables.string(why)
            self.has_stack[t] = st
            self.res_src[t] = {"": 0, "g": 1, "a0": 2, "p": 3}[rs]
            self.tstack_src[t] = {"": 0, "stk": 1, "a1": 2}[ts]
        self.valid[sp.EV_GO_SYS_BLOCK] = True
        # The C twin (gotrace.trace._v1) runs _slice as one sequential pass over
        # the native ordering's columns, with these tables and this interning.
        self._native: _v1.Converter | None = None
        if native and ev.blocked is not None:
            layout = np.concatenate([getattr(self, t).astype(np.uint8) for t in LAYOUT_TABLES])
            self._native = _v1.converter(ev.ts, ev.typ, ev.p, ev.g, ev.a0, ev.a1, ev.a2.at,
                                         ev.a2.val, ev.stk, ev.blocked, layout.tobytes(),
                                         self.reason.astype(np.int32).tobytes())

    # -- interning -------------------------------------------------------
    def string(self, sid: int) -> int:
        out = self._str_ids.get(sid)
        if out is None:
            raw = self.strings.get(sid, b"")
            out = self.tables.string(raw.decode("utf-8", errors="replace"))
            self._str_ids[sid] = out
        return out

    def stw_name(self, kid: int) -> int:
        """The range name of a STW start with reason ``kid``."""
        if self.version < 21:
            r = kid + 1 if kid in (0, 1) else 0
        else:
            r = kid if 0 <= kid < len(STW_REASONS) else 0
        return self.tables.string(f"stop-the-world ({STW_REASONS[r]})")

    def stack(self, sid: int) -> int:
        out = self._stack_ids.get(sid)
        if out is None:
            frames = []
            for pc in self.raw_stacks.get(sid, ()):
                fn, file, line = self.pcs.get(pc, (0, 0, 0))
                frames.append(self.tables.frame(self.tables.strings[self.string(fn)],
                                                self.tables.strings[self.string(file)], line))
            out = self.tables.stack(tuple(frames))
            self._stack_ids[sid] = out
        return out

    def _map_stacks(self, ids: I64) -> I64:
        """Trace stack ids -> Tables ids, through a lookup table of the ids seen so far."""
        ids = ids.astype(np.int64, copy=False)
        if len(ids) == 0:
            return np.zeros(0, np.int64)
        top = int(ids.max())
        if int(ids.min()) < 0 or top >= LUT_MAX:
            uniq, inv = np.unique(ids, return_inverse=True)
            mapped = np.array([self.stack(int(s)) if s else 0 for s in uniq.tolist()], np.int64)
            return mapped[inv]
        if top >= len(self._lut):
            grown = np.full(max(top + 1, 2 * len(self._lut)), -1, np.int64)
            grown[:len(self._lut)] = self._lut
            self._lut = grown
        out = self._lut[ids]
        missing = out < 0
        if missing.any():
            for s in np.unique(ids[missing]).tolist():
                self._lut[s] = self.stack(s) if s else 0
            out = self._lut[ids]
        return out

    # -- conversion ------------------------------------------------------
    def chunks(self) -> Iterator[EventChunk]:
        ev = self.ev
        n = len(ev.ts)
        if n:
            yield _sync(int(ev.ts[0]) - 1)
        lo = 0
        while lo < n and self.error is None:
            hi = min(n, lo + SLICE)
            c = self._slice(lo, hi) if self._native is None else self._native_slice(lo, hi)
            # Read once, front to back: what lies before hi is never read again.
            for col in (ev.ts, ev.typ, ev.p, ev.g, ev.a0, ev.a1, ev.stk):
                release_before(col, hi)
            if c is not None and len(c):
                yield c
            lo = hi
        self._native = None
        yield _sync(self.last_ts + 1)

    def _native_slice(self, lo: int, hi: int) -> EventChunk:
        assert self._native is not None
        self.error, self.last_ts, cols = self._native.slice(lo, hi, self.string, self.stack,
                                                            self.stw_name)
        arrays: list[Any] = [frombuffer(col, dtype)
                             for col, dtype in zip(cols, COLUMNS.values(), strict=True)]
        return EventChunk(*arrays)

    def _slice(self, lo: int, hi: int) -> EventChunk | None:
        ev = self.ev
        typ = ev.typ[lo:hi].astype(np.int64)
        bad = ~self.valid[typ] | ((typ == sp.EV_USER_REGION) & (ev.a1[lo:hi] > 1))
        if bad.any():
            k = int(np.argmax(bad))
            self.error = f"unexpected event type {int(typ[k])}"
            hi = lo + k
            typ = typ[:k]
        if hi <= lo:
            return None
        ts, p, g = ev.ts[lo:hi], ev.p[lo:hi], ev.g[lo:hi]
        a0, a1, a2, stk = ev.a0[lo:hi], ev.a1[lo:hi], ev.a2[lo:hi], ev.stk[lo:hi]
        n = hi - lo
        # Which thread runs each P (procMs), before this event's own update.
        m = np.full(n, -1, np.int64)
        m_raw = np.zeros(n, np.int64)
        for pv in np.unique(p).tolist():
            sel = np.flatnonzero(p == pv)
            ts_ = typ[sel]
            isstart = ts_ == sp.EV_PROC_START
            isstop = ts_ == sp.EV_PROC_STOP
            marks = isstart | isstop
            carried = self.proc_m.get(pv)
            # thread after each event: start -> a0, stop -> none
            after = np.where(isstart, a0[sel], -1)
            idx = np.where(marks, np.arange(len(sel)), -1)
            ff = np.maximum.accumulate(idx)
            prev = np.empty(len(sel), np.int64)
            prev[0] = -1
            prev[1:] = ff[:-1]
            have = np.where(prev >= 0, after[np.maximum(prev, 0)] >= 0, carried is not None)
            val = np.where(prev >= 0, after[np.maximum(prev, 0)],
                           carried if carried is not None else -1)
            have = np.where(isstart, True, have)
            val = np.where(isstart, a0[sel], val)
            m_raw[sel] = np.where(have, val, 0)
            if pv != -1:
                m[sel] = np.where(have, val, -1)
            if ff[-1] >= 0:
                last = int(ff[-1])
                if isstart[last]:
                    self.proc_m[pv] = int(a0[sel][last])
                else:
                    self.proc_m.pop(pv, None)
        m = np.where(typ == sp.EV_CPU_SAMPLE, -1, m)
        # ProcStart/Stop on a P never seen before: a ProcStatus (from undetermined).
        frm = self.frm[typ].copy()
        procev = np.flatnonzero((typ == sp.EV_PROC_START) | (typ == sp.EV_PROC_STOP))
        if len(procev):
            pp = p[procev]
            uniq, first = np.unique(pp, return_index=True)
            for pv, f in zip(uniq.tolist(), first.tolist(), strict=True):
                if pv not in self.seen_procs:
                    self.seen_procs.add(pv)
                    frm[procev[f]] = PS.UNDETERMINED
        name = self.reason[typ].copy()
        task = np.zeros(n, np.int64)
        kind = self.kind[typ].copy()
        # Sequential oddities: STW reasons, tasks, regions, logs, labels.
        for k in np.flatnonzero((typ >= sp.EV_USER_TASK_CREATE) & (typ <= sp.EV_USER_LOG)
                                | (typ == sp.EV_STW_START) | (typ == sp.EV_STW_DONE)).tolist():
            t = int(typ[k])
            if t == sp.EV_STW_START:
                self.stw_reason = self.stw_name(int(a0[k]))
                name[k] = self.stw_reason
            elif t == sp.EV_STW_DONE:
                name[k] = self.stw_reason
            elif t == sp.EV_USER_TASK_CREATE:
                name[k] = self.string(int(a2[k]))
                self.tasks[int(a0[k])] = int(name[k])
                task[k] = a0[k]
            elif t == sp.EV_USER_TASK_END:
                name[k] = self.tasks.pop(int(a0[k]), 0)
                task[k] = a0[k]
            elif t == sp.EV_USER_REGION:
                name[k] = self.string(int(a2[k]))
                kind[k] = Kind.REGION_BEGIN if a1[k] == 0 else Kind.REGION_END
                task[k] = a0[k]
            else:
                name[k] = self.string(int(a1[k]))
                task[k] = a0[k]
        rsrc = self.res_src[typ]
        g_out = np.where(g == 0, -1, g)
        res = np.where(rsrc == 1, g_out, np.where(rsrc == 2, a0, np.where(rsrc == 3, p, 0)))
        stack = np.where(self.has_stack[typ], stk, 0)
        tsrc = self.tstack_src[typ]
        tstack_raw = np.where(tsrc == 1, stk, np.where(tsrc == 2, a1 & 0xFFFFFFFF, 0))
        to = self.to[typ].copy()
        rkind = self.rkind[typ].copy()
        # Goroutines that existed at trace start: GoStatus until the first Gomaxprocs.
        count = np.ones(n, np.int64)
        count[typ == sp.EV_GO_SYS_BLOCK] = 0
        extra_status: dict[int, list[int]] = {}
        if self.pre_init:
            for k in np.flatnonzero(np.isin(typ, (sp.EV_GOMAXPROCS, sp.EV_GO_CREATE,
                                                  sp.EV_GO_START, sp.EV_GO_WAITING,
                                                  sp.EV_GO_IN_SYSCALL))).tolist():
                t = int(typ[k])
                if t == sp.EV_GOMAXPROCS:
                    self.pre_init = False
                    count[k] = len(self.created_pre_init)
                    extra_status[k] = list(self.created_pre_init)
                    self.created_pre_init.clear()
                    break
                if t == sp.EV_GO_CREATE:
                    self.created_pre_init[int(a0[k])] = None
                    count[k] = 0
                elif t == sp.EV_GO_START:
                    frm[k] = GS.UNDETERMINED
                    self.created_pre_init.pop(int(a0[k]), None)
                else:
                    self.created_pre_init.pop(int(a0[k]), None)
        # A syscall that does not block next is a 1 ns begin/end pair (Go looks
        # ahead for the goroutine's next event).
        sc = np.flatnonzero(typ == sp.EV_GO_SYS_CALL)
        pair = np.zeros(n, np.bool_)
        if len(sc):
            if self.ev.blocked is not None:
                blocked = np.isin(lo + sc, self.ev.blocked)
            else:
                blocked = self._syscall_blocked(lo + sc, g[sc])
            pair[sc[~blocked]] = True
        label = typ == sp.EV_GO_START_LABEL
        count[pair | label] = 2
        raw_ctx = pair | label
        g_ctx = np.where(raw_ctx, g, g_out)
        m_ctx = np.where(raw_ctx, m_raw, m)
        res = np.where(pair, g, res)
        # Expand.
        src = np.repeat(np.arange(n), count)
        total = len(src)
        second = np.zeros(total, np.bool_)
        starts = np.cumsum(count) - count
        # Second halves are a syscall pair's and a label's only: a Gomaxprocs that expands into
        # the GoStatus of exactly two goroutines made before it has a count of 2 too.
        two = np.flatnonzero(raw_ctx)
        second[starts[two] + 1] = True
        o_time = ts[src].copy()
        o_kind = kind[src]
        o_g = g_ctx[src]
        o_p = p[src]
        o_m = m_ctx[src]
        o_stack = stack[src]
        o_rk = rkind[src]
        o_res = res[src]
        o_frm = frm[src]
        o_to = to[src]
        o_name = name[src]
        o_tstack = tstack_raw[src]
        o_task = task[src]
        s_src = src[second]
        s_pair = pair[s_src]
        # Second half of a syscall pair: GoSyscallEnd at +1 ns, no stack.
        sp_idx = np.flatnonzero(second)[s_pair]
        o_time[sp_idx] += 1
        o_stack[sp_idx] = 0
        o_tstack[sp_idx] = 0
        o_frm[sp_idx] = GS.SYSCALL
        o_to[sp_idx] = GS.RUNNING
        # Second half of GoStartLabel: the label.
        lb_idx = np.flatnonzero(second)[~s_pair]
        if len(lb_idx):
            o_kind[lb_idx] = Kind.LABEL
            o_rk[lb_idx] = 0
            o_res[lb_idx] = 0
            o_frm[lb_idx] = 0
            o_to[lb_idx] = 0
            o_name[lb_idx] = [self.string(int(a2[s])) for s in src[lb_idx].tolist()]
        for k, gids in extra_status.items():
            at = int(starts[k])
            for j, gid in enumerate(gids):
                o_kind[at + j] = Kind.STATE_TRANSITION
                o_g[at + j] = -1
                o_p[at + j] = -1
                o_m[at + j] = -1
                o_stack[at + j] = 0
                o_rk[at + j] = RK.GOROUTINE
                o_res[at + j] = gid
                o_frm[at + j] = GS.UNDETERMINED
                o_to[at + j] = GS.RUNNABLE
                o_name[at + j] = 0
                o_tstack[at + j] = 0
        # Creation stacks are not checked by Go's parser: unknown ids mean none.
        o_stack = self._map_stacks(o_stack)
        o_tstack = self._map_stacks(o_tstack)
        # Two events never share a time: each is at least the previous + 1.
        if total:
            base = np.arange(total, dtype=np.int64)
            u = np.maximum.accumulate(o_time - base)
            u = np.maximum(u, self.last_ts + 1)
            o_time = u + base
            self.last_ts = int(o_time[-1])
        return EventChunk(
            time=o_time.astype(np.int64), kind=o_kind.astype(np.uint8), g=o_g.astype(np.int64),
            p=o_p.astype(np.int64), m=o_m.astype(np.int64), stack=o_stack.astype(np.int32),
            res_kind=o_rk.astype(np.uint8), res=o_res.astype(np.int64),
            frm=o_frm.astype(np.uint8), to=o_to.astype(np.uint8),
            name=o_name.astype(np.int32), tstack=o_tstack.astype(np.int32),
            task=o_task.astype(np.int64))

    def _syscall_blocked(self, at: I64, gs: I64) -> npt.NDArray[np.bool_]:
        """For each GoSysCall at global index ``at``: is the goroutine's next event GoSysBlock?"""
        ev = self.ev
        n = len(ev.g)
        out = np.zeros(len(at), np.bool_)
        todo = np.arange(len(at))
        span = 1 << 12
        lo = int(at.min()) + 1
        while len(todo) and lo < n:
            hi = min(n, int(at[todo].max()) + 1 + span)
            window_g = ev.g[lo:hi]
            still = []
            for i in todo.tolist():
                start = max(int(at[i]) + 1, lo) - lo
                hits = np.flatnonzero(window_g[start:] == gs[i])
                if len(hits):
                    out[i] = ev.typ[lo + start + int(hits[0])] == sp.EV_GO_SYS_BLOCK
                else:
                    still.append(i)
            todo = np.array(still, np.int64)
            lo = hi
            span *= 4
        return out


def _sync(t: int) -> EventChunk:
    z8 = np.zeros(1, np.uint8)
    z64 = np.zeros(1, np.int64)
    z32 = np.zeros(1, np.int32)
    neg = np.full(1, -1, np.int64)
    return EventChunk(time=np.array([t], np.int64), kind=np.array([Kind.SYNC], np.uint8),
                      g=neg, p=neg.copy(), m=neg.copy(), stack=z32, res_kind=z8, res=z64,
                      frm=z8.copy(), to=z8.copy(), name=z32.copy(), tstack=z32.copy(),
                      task=z64.copy())
