"""Go's v1 event ordering (tracev1 parseEventBatches + parse + postProcessTrace), vectorised.

Go merges the per-P streams greedily: the earliest event whose goroutine
sequence/state precondition holds goes next, and the trace is rejected unless
the merged stream comes out sorted by time. So a successful merge *is* the
time-sorted order, with only equal-time events across Ps left to choose; here
that order is a stable sort by time, checked against the same preconditions
for all goroutines at once. A failing check inside a run of equal times is
repaired by running Go's greedy merge on that run.

A failure that no repair fixes means an event this one depends on is missing:
in a cut trace, typically one written to the P-less buffer that the runtime
flushes only at the end of the trace. Go rejects the whole trace; here the
event keeps its place in time order (the only order Go's merge can produce)
and is counted, so every complete batch is kept and the loss is reported.
Syscall exits Go would reject (stray, or earlier than their syscall) keep
their emission time the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..accel import frombuffer
from . import spec_v1 as sp
from .decode_v1 import A1_CONVERTED, Decoded, _native
from .events import MAX_TIME_NS

I64 = npt.NDArray[np.int64]

FAKE_P = 1_000_000
TIMER_P = FAKE_P + 1
NETPOLL_P = FAKE_P + 2
SYSCALL_P = FAKE_P + 3
GC_P = FAKE_P + 4
PROFILE_P = FAKE_P + 5

G_DEAD, G_RUNNABLE, G_RUNNING, G_WAITING = 0, 1, 2, 3
GARBAGE_KEY = -2  # Go's "garbage" pseudo-goroutine that orders GC starts
_NOSEQ, _SEQINC, _EXPL = 0, 1, 2


def _tbl(pairs: dict[int, int], default: int = 0) -> I64:
    t = np.full(64, default, np.int64)
    for k, v in pairs.items():
        t[k] = v
    return t


_BLOCKS = (sp.EV_GO_BLOCK, sp.EV_GO_BLOCK_SEND, sp.EV_GO_BLOCK_RECV, sp.EV_GO_BLOCK_SELECT,
           sp.EV_GO_BLOCK_SYNC, sp.EV_GO_BLOCK_COND, sp.EV_GO_BLOCK_NET, sp.EV_GO_SLEEP,
           sp.EV_GO_SYS_BLOCK, sp.EV_GO_BLOCK_GC)
# stateTransition (order.go): which goroutine, init (seq kind, status), next (seq kind, status).
# Key source: 1 = ev.G, 2 = Args[0], 3 = the GC pseudo-goroutine.
_KEY = _tbl({sp.EV_GO_CREATE: 2, sp.EV_GO_WAITING: 1, sp.EV_GO_IN_SYSCALL: 1,
             sp.EV_GO_START: 1, sp.EV_GO_START_LABEL: 1, sp.EV_GO_START_LOCAL: 1,
             **dict.fromkeys(_BLOCKS, 1), sp.EV_GO_SCHED: 1, sp.EV_GO_PREEMPT: 1,
             sp.EV_GO_UNBLOCK: 2, sp.EV_GO_SYS_EXIT: 2, sp.EV_GO_UNBLOCK_LOCAL: 2,
             sp.EV_GO_SYS_EXIT_LOCAL: 2, sp.EV_GC_START: 3})
_INIT_STATUS = _tbl({sp.EV_GO_CREATE: G_DEAD, sp.EV_GO_WAITING: G_RUNNABLE,
                     sp.EV_GO_IN_SYSCALL: G_RUNNABLE, sp.EV_GO_START: G_RUNNABLE,
                     sp.EV_GO_START_LABEL: G_RUNNABLE, sp.EV_GO_START_LOCAL: G_RUNNABLE,
                     **dict.fromkeys(_BLOCKS, G_RUNNING), sp.EV_GO_SCHED: G_RUNNING,
                     sp.EV_GO_PREEMPT: G_RUNNING, sp.EV_GO_UNBLOCK: G_WAITING,
                     sp.EV_GO_SYS_EXIT: G_WAITING, sp.EV_GO_UNBLOCK_LOCAL: G_WAITING,
                     sp.EV_GO_SYS_EXIT_LOCAL: G_WAITING, sp.EV_GC_START: G_DEAD})
_NEXT_STATUS = _tbl({sp.EV_GO_CREATE: G_RUNNABLE, sp.EV_GO_WAITING: G_WAITING,
                     sp.EV_GO_IN_SYSCALL: G_WAITING, sp.EV_GO_START: G_RUNNING,
                     sp.EV_GO_START_LABEL: G_RUNNING, sp.EV_GO_START_LOCAL: G_RUNNING,
                     **dict.fromkeys(_BLOCKS, G_WAITING), sp.EV_GO_SCHED: G_RUNNABLE,
                     sp.EV_GO_PREEMPT: G_RUNNABLE, sp.EV_GO_UNBLOCK: G_RUNNABLE,
                     sp.EV_GO_SYS_EXIT: G_RUNNABLE, sp.EV_GO_UNBLOCK_LOCAL: G_RUNNABLE,
                     sp.EV_GO_SYS_EXIT_LOCAL: G_RUNNABLE, sp.EV_GC_START: G_DEAD})
# init seq: explicit value source (0 none=noseq, 1 const0, 2 const1, 3 a1, 4 a0)
_INIT_SEQ = _tbl({sp.EV_GO_CREATE: 1, sp.EV_GO_WAITING: 2, sp.EV_GO_IN_SYSCALL: 2,
                  sp.EV_GO_START: 3, sp.EV_GO_START_LABEL: 3, sp.EV_GO_UNBLOCK: 3,
                  sp.EV_GO_SYS_EXIT: 3, sp.EV_GC_START: 4})
# next seq: 0 noseq, 1 seqinc, 2 const1, 3 const2, 4 a1+1, 5 a0+1
_NEXT_SEQ = _tbl({sp.EV_GO_CREATE: 2, sp.EV_GO_WAITING: 3, sp.EV_GO_IN_SYSCALL: 3,
                  sp.EV_GO_START: 4, sp.EV_GO_START_LABEL: 4, sp.EV_GO_UNBLOCK: 4,
                  sp.EV_GO_SYS_EXIT: 4, sp.EV_GC_START: 5, sp.EV_GO_START_LOCAL: 1,
                  sp.EV_GO_UNBLOCK_LOCAL: 1, sp.EV_GO_SYS_EXIT_LOCAL: 1})


@dataclass
class Sparse:
    """A column of ``n`` values that are zero but at a few positions: Args[2], which
    only syscall exits (their real time), labels, tasks and regions (their names) use.
    Dense it was 8 bytes an event at the v1 read's peak."""

    at: I64  # the positions of the non-zero values, ascending
    val: I64
    n: int

    @classmethod
    def of(cls, col: npt.NDArray[np.integer]) -> Sparse:
        at = np.flatnonzero(col)
        return cls(at.astype(np.int64), col[at].astype(np.int64), len(col))

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, s: slice) -> I64:
        """The dense values of ``s`` (a slice with no step)."""
        lo, hi, _ = s.indices(self.n)
        out = np.zeros(max(hi - lo, 0), np.int64)
        a, b = np.searchsorted(self.at, [lo, hi])
        out[self.at[a:b] - lo] = self.val[a:b]
        return out

    def keep(self, n: int) -> None:
        """Keep the first ``n`` positions only."""
        k = int(np.searchsorted(self.at, n))
        self.at, self.val, self.n = self.at[:k], self.val[:k], min(self.n, n)


@dataclass
class Events:
    """v1 events in Go's final order, with Go's fix-ups applied (ns times).

    g, a0 and a1 are int32 or int64 and stk uint16 or uint32 (the C twin keeps them
    narrow when every value fits); a2 is a :class:`Sparse` (a dense array given is made
    one).
    """

    ts: I64
    typ: npt.NDArray[np.uint8]
    p: I64
    g: I64
    a0: I64
    a1: I64
    a2: Sparse
    stk: I64
    # Events kept in time order although Go's merge rejects them, by reason.
    unordered: int = 0  # precondition never met (a predecessor is missing)
    stray_exits: int = 0  # syscall exit with no syscall before it
    early_exits: int = 0  # syscall exit before its syscall
    # The positions (ascending) of the GoSysCalls whose goroutine's next event is
    # GoSysBlock; None when the converter should look ahead itself. (Flags given, one
    # per event, are made positions.)
    blocked: I64 | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.a2, Sparse):
            self.a2 = Sparse.of(self.a2)
        if self.blocked is not None and self.blocked.dtype in (np.uint8, np.bool_):
            self.blocked = np.flatnonzero(self.blocked).astype(np.int64)

    def keep(self, n: int) -> None:
        """Keep the first ``n`` events only."""
        for name in ("ts", "typ", "p", "g", "a0", "a1", "stk"):
            setattr(self, name, getattr(self, name)[:n])
        self.a2.keep(n)
        if self.blocked is not None:
            # Whether a syscall blocked is its goroutine's next event, which may be
            # gone now: decided again on what is kept, as the Python converter does.
            self.blocked = frombuffer(_native.syscall_blocked(self.typ, self.g), np.int64)


def _seq_value(src: I64, a0: I64, a1: I64) -> I64:
    v = np.zeros(len(src), np.int64)
    v = np.where(src == 2, 1, v)
    v = np.where(src == 3, a1, v)
    return np.where(src == 4, a0, v)


def _next_value(src: I64, a0: I64, a1: I64) -> I64:
    v = np.where(src == 2, 1, 0)
    v = np.where(src == 3, 2, v)
    v = np.where(src == 4, a1 + 1, v)
    return np.where(src == 5, a0 + 1, v).astype(np.int64)


def _keys(typ: I64, g: I64, a0: I64) -> I64:
    ks = _KEY[typ]
    return np.where(ks == 1, g, np.where(ks == 2, a0, GARBAGE_KEY))


def check(perm: I64, typ: npt.NDArray[np.uint8], g: I64, a0: I64, a1: I64
          ) -> tuple[I64, I64, I64, I64]:
    """Go's merge preconditions along ``perm``.

    Returns (failing positions in perm, and for every ordered event: its
    position in perm, the goroutine sequence and status before it).
    """
    t_perm = typ[perm]
    sel_pos = np.flatnonzero(_KEY[t_perm] != 0)
    sel = perm[sel_pos]
    t = typ[sel].astype(np.int64)
    key = _keys(t, g[sel], a0[sel])
    grp = np.argsort(key, kind="stable")
    sel, sel_pos, t, key = sel[grp], sel_pos[grp], t[grp], key[grp]
    n = len(sel)
    if n == 0:
        z = np.zeros(0, np.int64)
        return z, z, z, z
    ea0, ea1 = a0[sel], a1[sel]
    new = np.ones(n, np.bool_)
    new[1:] = key[1:] != key[:-1]
    nsrc = _NEXT_SEQ[t]
    expl = nsrc >= 2
    inc = (nsrc == 1).astype(np.int64)
    nval = _next_value(nsrc, ea0, ea1)
    idx = np.arange(n)
    anchor = np.maximum.accumulate(np.where(expl | new, idx, 0))
    cs = np.cumsum(inc)
    base = np.where(expl, nval, inc)
    after = base[anchor] + (cs - cs[anchor])
    cur_seq = np.zeros(n, np.int64)
    cur_seq[1:] = after[:-1]
    cur_seq[new] = 0
    cur_status = np.zeros(n, np.int64)
    cur_status[1:] = _NEXT_STATUS[t[:-1]]
    cur_status[new] = G_DEAD
    isrc = _INIT_SEQ[t]
    ready = ((isrc == 0) | (_seq_value(isrc, ea0, ea1) == cur_seq)) & \
        (_INIT_STATUS[t] == cur_status)
    fails = np.sort(sel_pos[~ready])
    return fails, sel_pos, cur_seq, cur_status


def _transition(state: dict[int, tuple[int, int]], typ: int, key: int, a0: int, a1: int
                ) -> bool:
    seq, status = state.get(key, (0, G_DEAD))
    isrc = int(_INIT_SEQ[typ])
    want = {0: None, 1: 0, 2: 1, 3: a1, 4: a0}[isrc]
    if status != int(_INIT_STATUS[typ]) or (want is not None and want != seq):
        return False
    nsrc = int(_NEXT_SEQ[typ])
    nseq = {0: seq, 1: seq + 1, 2: 1, 3: 2, 4: a1 + 1, 5: a0 + 1}[nsrc]
    state[key] = (nseq, int(_NEXT_STATUS[typ]))
    return True


def _repair(perm: I64, lo: int, hi: int, stream: I64, typ: npt.NDArray[np.uint8], g: I64,
            a0: I64, a1: I64, sel_pos: I64, cur_seq: I64, cur_status: I64) -> int:
    """Go's greedy merge over the equal-time run perm[lo:hi]; returns events placed."""
    evs = perm[lo:hi].tolist()
    inrun = np.flatnonzero((sel_pos >= lo) & (sel_pos < hi))
    first: dict[int, tuple[int, int]] = {}
    for j in sorted(inrun.tolist(), key=lambda j: int(sel_pos[j])):
        e = int(perm[int(sel_pos[j])])
        k = int(_keys(np.array([typ[e]], np.int64), g[e:e + 1], a0[e:e + 1])[0])
        first.setdefault(k, (int(cur_seq[j]), int(cur_status[j])))
    state = dict(first)
    queues: dict[int, list[int]] = {}
    for e in evs:
        queues.setdefault(int(stream[e]), []).append(e)
    placed: list[int] = []
    while True:
        best = -1
        for q in queues.values():
            if not q:
                continue
            e = q[0]
            t = int(typ[e])
            if _KEY[t] != 0:
                k = int(_keys(np.array([t], np.int64), g[e:e + 1], a0[e:e + 1])[0])
                probe = {k: state.get(k, (0, G_DEAD))}
                if not _transition(probe, t, k, int(a0[e]), int(a1[e])):
                    continue
            if best < 0 or evs.index(e) < evs.index(best):
                best = e
        if best < 0:
            break
        t = int(typ[best])
        if _KEY[t] != 0:
            k = int(_keys(np.array([t], np.int64), g[best:best + 1], a0[best:best + 1])[0])
            _transition(state, t, k, int(a0[best]), int(a1[best]))
        queues[int(stream[best])].pop(0)
        placed.append(best)
    perm[lo:lo + len(placed)] = placed
    rest = [e for e in evs if e not in set(placed)]
    perm[lo + len(placed):hi] = rest
    return len(placed)


def _cat(xs: Sequence[npt.NDArray[np.integer]]) -> I64:
    return np.concatenate(xs).astype(np.int64, copy=False) if xs else np.zeros(0, np.int64)


def order(dec: Decoded, native: bool = False) -> Events:
    """Merge and fix up like Go; count, but keep, what Go's merge rejects.

    ``native`` runs the C twin (gotrace.trace._v1), which does the same check and
    repair as one sequential pass; otherwise the numpy version below runs.
    """
    if native:
        return _order_native(dec)
    ts, p, g = dec.dense_ts(), dec.dense_p().astype(np.int64), _cat(dec.g)
    a0, a1, a2, stk = _cat(dec.a0), _cat(dec.a1), dec.dense_a2(), _cat(dec.stk)
    typ = np.concatenate(dec.typ) if dec.typ else np.zeros(0, np.uint8)
    for name in ("ts", "typ", "p", "g", "a0", "a1", "a2", "stk"):
        getattr(dec, name).clear()
    dec.p_runs = dec.a2_sparse = dec.ts_base = None
    if dec.cpu:
        cpu = np.array(sorted(dec.cpu, key=lambda c: c[0]), dtype=np.int64)
        nc = len(cpu)
        ts = np.concatenate((ts, cpu[:, 0]))
        typ = np.concatenate((typ, np.full(nc, sp.EV_CPU_SAMPLE, np.uint8)))
        p = np.concatenate((p, cpu[:, 1]))
        g = np.concatenate((g, cpu[:, 2]))
        z = np.zeros(nc, np.int64)
        a0, a1, a2 = np.concatenate((a0, z)), np.concatenate((a1, z)), np.concatenate((a2, z))
        stk = np.concatenate((stk, cpu[:, 3]))
    stream = np.where(typ == sp.EV_CPU_SAMPLE, PROFILE_P, p)
    perm = np.argsort(ts, kind="stable")
    repaired: set[int] = set()
    while True:
        fails, sel_pos, cur_seq, cur_status = check(perm, typ, g, a0, a1)
        run = _repairable(ts[perm], fails, repaired)
        if run is None:
            break
        lo, hi = run
        repaired.add(lo)
        _repair(perm, lo, hi, stream, typ, g, a0, a1, sel_pos, cur_seq, cur_status)
    unordered = len(fails)
    # Syscall exits take their real time (Go: lastSysBlock), then a stable re-sort.
    t_perm = typ[perm]
    sys_sel = np.flatnonzero(np.isin(t_perm, (sp.EV_GO_SYS_BLOCK, sp.EV_GO_IN_SYSCALL,
                                               sp.EV_GO_SYS_EXIT, sp.EV_GO_SYS_EXIT_LOCAL)))
    ts_adj = ts.copy()
    stray_exits = early_exits = 0
    if len(sys_sel):
        ev = perm[sys_sel]
        grp = np.argsort(g[ev], kind="stable")
        ev_g = ev[grp]
        te = typ[ev_g]
        isblock = (te == sp.EV_GO_SYS_BLOCK) | (te == sp.EV_GO_IN_SYSCALL)
        gg = g[ev_g]
        n = len(ev_g)
        new = np.ones(n, np.bool_)
        new[1:] = gg[1:] != gg[:-1]
        idx = np.arange(n)
        last_block = np.maximum.accumulate(np.where(isblock | new, idx, 0))
        has_block = isblock[last_block]
        block_ts = ts[ev_g[last_block]]
        real = a2[ev_g]
        isexit = ~isblock & (real != 0)
        stray = isexit & ~has_block
        early = isexit & has_block & (real < block_ts)
        stray_exits, early_exits = int(stray.sum()), int(early.sum())
        ok = isexit & ~stray & ~early
        ts_adj[ev_g[ok]] = real[ok]
    perm = perm[np.argsort(ts_adj[perm], kind="stable")]
    ts = ts_adj[perm]
    typ = typ[perm]
    p, g, a0, a1, a2, stk = p[perm], g[perm], a0[perm], a1[perm], a2[perm], stk[perm]
    del perm
    if len(ts):
        # Sorted ticks below 2^62: the differences are exact. A time the frequency
        # puts at or past MAX_TIME_NS is clamped there, and the reader drops it.
        freq = 1e9 / float(dec.ticks_per_sec or 1_000_000_000)
        ns = (ts - ts[0]).astype(np.float64) * freq
        ts = np.minimum(ns, float(MAX_TIME_NS)).astype(np.int64)
    # parse(): timers and syscall exits move to fake Ps.
    unblock = (typ == sp.EV_GO_UNBLOCK) | (typ == sp.EV_GO_UNBLOCK_LOCAL)
    if dec.timer_goids:
        timer = unblock & np.isin(g, np.array(sorted(dec.timer_goids), dtype=np.uint64)
                                  .astype(np.int64))
        p = np.where(timer, TIMER_P, p)
    sysexit = (typ == sp.EV_GO_SYS_EXIT) | (typ == sp.EV_GO_SYS_EXIT_LOCAL)
    p = np.where(sysexit, SYSCALL_P, p)
    # postProcessTrace's fix-ups.
    p = np.where(typ == sp.EV_GC_START, GC_P, p)
    p = np.where(unblock & _after_block_net(typ, g, a0), NETPOLL_P, p)
    if dec.stacks:
        ids = np.array(sorted(k for k, v in dec.stacks.items() if v), dtype=np.int64)
        stk = np.where(np.isin(stk, ids), stk, 0)
    else:
        stk = np.zeros_like(stk)
    typ = np.where(typ == sp.EV_GO_START_LOCAL, sp.EV_GO_START, typ)
    typ = np.where(typ == sp.EV_GO_UNBLOCK_LOCAL, sp.EV_GO_UNBLOCK, typ)
    typ = np.where(typ == sp.EV_GO_SYS_EXIT_LOCAL, sp.EV_GO_SYS_EXIT, typ).astype(np.uint8)
    return Events(ts, typ, p, g, a0, a1, Sparse.of(a2), stk, unordered, stray_exits,
                  early_exits)


MAX_REPAIRS = 64


def _repairable(ts_sorted: I64, fails: I64, repaired: set[int]) -> tuple[int, int] | None:
    """The first failing equal-time run the greedy merge has not tried yet."""
    if len(fails) == 0 or len(repaired) >= MAX_REPAIRS:
        return None
    n = len(ts_sorted)
    new = np.ones(n, np.bool_)
    new[1:] = ts_sorted[1:] != ts_sorted[:-1]
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], n)
    run = np.searchsorted(starts, fails, side="right") - 1
    lo, hi = starts[run], ends[run]
    for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
        if b - a > 1 and a not in repaired:
            return a, b
    return None


_SETS_EV = _tbl({sp.EV_GO_WAITING: 1, sp.EV_GO_IN_SYSCALL: 1, sp.EV_GO_CREATE: 2,
                 sp.EV_GO_START: 1, sp.EV_GO_START_LOCAL: 1, sp.EV_GO_START_LABEL: 1,
                 sp.EV_GO_SCHED: 1, sp.EV_GO_PREEMPT: 1, sp.EV_GO_UNBLOCK: 2,
                 sp.EV_GO_UNBLOCK_LOCAL: 2, sp.EV_GO_SYS_CALL: 1, sp.EV_GO_SYS_EXIT: 1,
                 sp.EV_GO_SYS_EXIT_LOCAL: 1,
                 **{t: 1 for t in _BLOCKS if t != sp.EV_GO_SYS_BLOCK}})


def _after_block_net(typ: npt.NDArray[np.uint8], g: I64, a0: I64) -> npt.NDArray[np.bool_]:
    """Unblocks whose goroutine's last recorded event (postProcess g.ev) is GoBlockNet."""
    src = _SETS_EV[typ]
    sel = np.flatnonzero(src != 0)
    out = np.zeros(len(typ), np.bool_)
    if len(sel) == 0:
        return out
    key = np.where(src[sel] == 2, a0[sel], g[sel])
    grp = np.argsort(key, kind="stable")
    sel, key = sel[grp], key[grp]
    t = typ[sel]
    prev_same = np.zeros(len(sel), np.bool_)
    prev_same[1:] = key[1:] == key[:-1]
    prev_net = np.zeros(len(sel), np.bool_)
    prev_net[1:] = t[:-1] == sp.EV_GO_BLOCK_NET
    hit = ((t == sp.EV_GO_UNBLOCK) | (t == sp.EV_GO_UNBLOCK_LOCAL)) & prev_same & prev_net
    out[sel[hit]] = True
    return out


_A1_CONVERTED = np.isin(np.arange(64), A1_CONVERTED).astype(np.uint8).tobytes()
_TABLES = np.concatenate((_KEY, _INIT_STATUS, _NEXT_STATUS, _INIT_SEQ, _NEXT_SEQ)).astype(
    np.uint8).tobytes()


def _take(xs: list[Any], dtype: type | None) -> npt.NDArray[np.generic]:
    """One column from the decoder's pieces, emptying the list; ``dtype`` None keeps
    the pieces' own (the C decoder's narrow columns)."""
    col = (np.concatenate(xs) if len(xs) != 1 else xs[0]) if xs else np.zeros(0, dtype or np.int64)
    xs.clear()
    return np.ascontiguousarray(col if dtype is None else col.astype(dtype, copy=False))


def _order_native(dec: Decoded) -> Events:
    """order() in C: the permutation, then each column gathered once. ``dec`` is the C
    decoder's (v1.read decodes and orders with the same twin): its narrow columns."""
    nat = _native
    assert dec.p_runs is not None and dec.a2_sparse is not None, "not the C decoder's columns"
    # Times as offsets from each block's time, or (no blocks: widened) int64 times.
    ts = _take(dec.ts, None)
    ts_base = dec.ts_base if dec.ts_base is not None else np.zeros(0, np.int64)
    typ, g = _take(dec.typ, np.uint8), _take(dec.g, None)
    (p_at, p_run), (a2_at, a2_val) = dec.p_runs, dec.a2_sparse
    dec.ts_base = dec.p_runs = dec.a2_sparse = None
    a0, a1, stk = _take(dec.a0, None), _take(dec.a1, None), _take(dec.stk, None)
    cpu = np.array(sorted(dec.cpu, key=lambda c: c[0]), dtype=np.int64).reshape(-1, 4)
    nc = len(cpu)
    c_ts, c_p, c_g = (np.ascontiguousarray(cpu[:, k]) for k in range(3))
    perm_buf, perm_item, unordered, stray, early, moved = nat.order(
        ts, ts_base, typ, p_at, p_run, g, a0, a1, a2_at, a2_val, c_ts, c_p, c_g, _TABLES,
        MAX_REPAIRS)
    perm = frombuffer(perm_buf, np.int32 if perm_item == 4 else np.int64)
    n = len(ts)
    at, val = nat.gather_sparse(perm, a2_at, a2_val, n, perm_item)
    a2 = Sparse(frombuffer(at, np.int64), frombuffer(val, np.int64), len(perm))
    del a2_at, a2_val
    extras: dict[str, npt.NDArray[np.generic]] = {
        "typ": np.full(nc, sp.EV_CPU_SAMPLE, np.uint8), "g": c_g,
        "a0": np.zeros(nc, np.int64), "stk": cpu[:, 3].astype(np.uint32)}
    # Each decoded column is read for the last time: its pages go back as they are read, and
    # the ordered column grows as the decoded one goes. Args[1], read by the conversion for a
    # few types only, first: it needs the decoded types.
    a1_buf, width = nat.gather_kept(perm, a1, typ, _A1_CONVERTED, nc, perm_item, True)
    out: dict[str, npt.NDArray[np.generic]] = {
        "a1": frombuffer(a1_buf, np.dtype(f"int{8 * width}"))}
    cols = {"typ": typ, "g": g, "a0": a0, "stk": stk}
    del typ, g, a0, a1, stk
    for name in list(cols):
        col = cols.pop(name)
        extra = extras[name]
        if extra.dtype != col.dtype:
            # A CPU sample's goroutine or stack beside a narrow column: narrow too, if every
            # one fits; else the column is widened.
            lim = np.iinfo(col.dtype)  # type: ignore[type-var]
            if extra.dtype.itemsize > col.itemsize and len(extra) and \
                    (extra.min() < lim.min or extra.max() > lim.max):
                col = col.astype(extra.dtype)
            extra = extra.astype(col.dtype)
        out[name] = frombuffer(nat.gather(perm, col, extra, col.itemsize, perm_item, True),
                               col.dtype)
        del col
    # The times late: ordered, they are twice the decoded offsets. In ticks, with the syscall
    # exits that take their real time at their new places.
    out["ts"] = frombuffer(nat.gather_ts(perm, ts, ts_base, c_ts, perm_item, True), np.int64)
    del ts, ts_base
    fix = frombuffer(moved, np.int64).reshape(-1, 2)
    out["ts"][fix[:, 0]] = fix[:, 1]
    # Last, once the decoded columns have gone back: the only ordered column that is new, made
    # as the permutation, read for the last time, goes back.
    out["p"] = frombuffer(nat.gather_runs(perm, p_at, p_run, c_p.astype(np.int32), n, perm_item,
                                          True), np.int32)
    del perm, perm_buf, p_at, p_run
    freq = 1e9 / float(dec.ticks_per_sec or 1_000_000_000)
    timer = np.array(sorted(dec.timer_goids), dtype=np.uint64).astype(np.int64)
    ids = np.array(sorted(k for k, v in dec.stacks.items() if v), dtype=np.int64)
    nat.finish(out["ts"], out["typ"], out["p"], out["g"], out["a0"],
               out["stk"], freq, timer, ids, _SETS_EV.astype(np.uint8).tobytes())
    blocked = frombuffer(nat.syscall_blocked(out["typ"], out["g"]), np.int64)
    return Events(out["ts"], out["typ"], out["p"], out["g"],  # type: ignore[arg-type]
                  out["a0"], out["a1"], a2, out["stk"],  # type: ignore[arg-type]
                  unordered, stray, early, blocked)
