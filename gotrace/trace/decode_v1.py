"""Decode the records of an old-format (v1) trace into columns, in file order.

Go reads every record with a byte-at-a-time loop. Here the file is cut into
"units": runs of bytes ending at a byte below 0x80, i.e. whole varints. An
event header below 0x80 is a unit of its own; one at or above 0x80 (three or
more arguments) merges with its first varint. So every ordinary event spans a
number of units that its first unit alone determines, and numpy computes, for
every unit at once, "where the next event would start if one started here".
The only sequential work left is following that chain (a list walk), plus a
byte-level fallback for strings, user logs and anything malformed, which also
produces Go's error for a broken record.

gotrace.trace._v1.decode is the C twin: one sequential pass over the records
with the same checks, in the same order, giving the same columns and damage.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from .. import accel
from ..accel import frombuffer
from . import spec_v1 as sp
from .varint import units, uvarint

if TYPE_CHECKING:
    from . import _v1 as _native
else:
    _native = accel.load("gotrace.trace._v1")
NATIVE: bool = _native is not None
"""True when the C twin of the v1 reader (gotrace.trace._v1: decode here, order_v1,
convert_v1) is built and not disabled by GOTRACE_PURE_PYTHON=1."""

WINDOW = 1 << 23
MARGIN = 1 << 13  # > the largest length-prefixed event Go accepts (2048 bytes)
MAX_INT32 = (1 << 31) - 1
U64_MAX = (1 << 64) - 1
MAX_TICKS = 1 << 62
"""v1 times are CPU ticks (Go's int64): a batch start, an event's time (the start plus
its deltas), a syscall exit's or CPU sample's own timestamp at or past 2^62 ticks (47
years at 3 GHz) is damage. The bound leaves room to subtract any two of them."""
TIME_RANGE_ERROR = "timestamp out of range (2^62 ticks or more)"

I64 = npt.NDArray[np.int64]


class DecodeError(Exception):
    """A record Go's parser would reject; carries Go's message."""


def _table(fn: object, dtype: type) -> npt.NDArray[np.generic]:
    return np.array([fn(t) for t in range(64)], dtype=dtype)  # type: ignore[operator]


_NARG = _table(lambda t: sp.wire_arg_count(t) if t in sp.EVENTS else -1, np.int64)
_STACK = _table(lambda t: t in sp.EVENTS and sp.EVENTS[t].stack, np.bool_)
_NOT_TIMED = {sp.EV_NONE, sp.EV_BATCH, sp.EV_FREQUENCY, sp.EV_TIMER_GOROUTINE, sp.EV_STACK,
              sp.EV_CPU_SAMPLE, sp.EV_STRING}
_TIMED = _table(lambda t: t in sp.EVENTS and t not in _NOT_TIMED, np.bool_)
_G_SETTERS = _table(lambda t: t in (sp.EV_GO_START, sp.EV_GO_START_LOCAL, sp.EV_GO_START_LABEL),
                    np.bool_)
_G_CLEARERS = _table(lambda t: t in (
    sp.EV_GO_END, sp.EV_GO_STOP, sp.EV_GO_SCHED, sp.EV_GO_PREEMPT, sp.EV_GO_SLEEP, sp.EV_GO_BLOCK,
    sp.EV_GO_BLOCK_SEND, sp.EV_GO_BLOCK_RECV, sp.EV_GO_BLOCK_SELECT, sp.EV_GO_BLOCK_SYNC,
    sp.EV_GO_BLOCK_COND, sp.EV_GO_BLOCK_NET, sp.EV_GO_SYS_BLOCK, sp.EV_GO_BLOCK_GC), np.bool_)
_G_FROM_ARG = _table(lambda t: t in (sp.EV_GO_SYS_EXIT, sp.EV_GO_WAITING, sp.EV_GO_IN_SYSCALL),
                     np.bool_)
A1_READ = (sp.EV_GO_START, sp.EV_GO_START_LABEL, sp.EV_GO_UNBLOCK, sp.EV_GO_SYS_EXIT,
           sp.EV_GO_CREATE, sp.EV_USER_REGION, sp.EV_USER_LOG)
"""The types whose Args[1] is read after decoding: a sequence number (the merge), a new
goroutine's stack, a region's mode, a log's key (the conversion). The C decoder keeps
Args[1] of these only (others' are GC byte counts and the like), so that the column holds
small numbers and stays narrow; tests hold the list to what order_v1 and convert_v1 read."""
_A1 = _table(lambda t: t in A1_READ, np.bool_)
A1_CONVERTED = (sp.EV_GO_CREATE, sp.EV_USER_REGION, sp.EV_USER_LOG)
"""Of A1_READ, the types whose Args[1] the conversion reads; after the merge only these are
kept (the merge's sequence numbers are large where these are small)."""


def _known_table(version: int) -> npt.NDArray[np.bool_]:
    return _table(lambda t: sp.known(t, version), np.bool_)  # type: ignore[return-value]


TS_BLOCK = 1 << 16
"""Events a block of the C decoder's times (its TS_BLOCK_BITS; tested equal)."""

IntCol = npt.NDArray[np.int16] | npt.NDArray[np.int32] | I64
"""An integer column of the C decoder: the narrowest of these its values fit in."""


@dataclass
class Decoded:
    """Everything the rest of the reader needs from the bytes.

    Timed events (file order): ts (ticks), typ, p, g, a0..a2 (Args[0..2]), stk;
    from the Python twin int64 but typ (uint8) and p (int32). CPU samples are kept apart, as Go keeps them in
    their own stream. The C twin keeps the columns narrow, for they are the v1
    read's peak: g and a0 int32 while every value fits (int64 otherwise); ts int32
    offsets from ``ts_base``, the time of each block of ``TS_BLOCK`` events, while
    every offset fits (int64 times otherwise); a1 int16, int32 or int64, kept only
    for the types that read it (``A1_READ``); stk uint16 while every stack id fits
    (uint32 otherwise); a2, zero but for a few events, as ``a2_sparse`` (the
    positions and values of its non-zero entries) instead of ``a2``; and p, one
    value a batch, as ``p_runs`` (where each run of one P's events starts, and its
    P). The ``dense_*`` methods give either twin's column whole.
    """

    ts: list[npt.NDArray[np.int32] | I64] = field(default_factory=list)
    ts_base: I64 | None = None
    typ: list[npt.NDArray[np.uint8]] = field(default_factory=list)
    p: list[npt.NDArray[np.int32]] = field(default_factory=list)
    g: list[IntCol] = field(default_factory=list)
    a0: list[IntCol] = field(default_factory=list)
    a1: list[IntCol] = field(default_factory=list)
    a2: list[I64] = field(default_factory=list)
    a2_sparse: tuple[I64, I64] | None = None
    p_runs: tuple[I64, npt.NDArray[np.int32]] | None = None

    stk: list[npt.NDArray[np.int64] | npt.NDArray[np.uint32] | npt.NDArray[np.uint16]] = field(
        default_factory=list)
    n_events: int = 0
    cpu: list[tuple[int, int, int, int]] = field(default_factory=list)  # ts, p, g, stk
    strings: dict[int, bytes] = field(default_factory=dict)
    stacks: dict[int, list[int]] = field(default_factory=dict)  # id -> pcs
    pcs: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # pc -> fn, file, line
    timer_goids: set[int] = field(default_factory=set)
    log_messages: int = 0
    ticks_per_sec: int = 0
    error: str | None = None  # Go's error for the first bad record
    error_offset: int = -1  # where the dropped data starts
    bytes_done: int = 0

    def dense_ts(self) -> I64:
        """Each event's time (ticks), whichever way the decoder kept them."""
        ts = np.concatenate(self.ts).astype(np.int64) if self.ts else np.zeros(0, np.int64)
        if self.ts_base is not None:
            ts += np.repeat(self.ts_base, TS_BLOCK)[:len(ts)]
        return ts

    def dense_p(self) -> npt.NDArray[np.int32]:
        """Each event's P, whichever way the decoder kept them."""
        if self.p_runs is None:
            return np.concatenate(self.p) if self.p else np.zeros(0, np.int32)
        at, p = self.p_runs
        return np.repeat(p, np.diff(np.append(at, self.n_events)))

    def dense_a2(self) -> I64:
        """Each event's Args[2], whichever way the decoder kept them."""
        if self.a2_sparse is None:
            return np.concatenate(self.a2).astype(np.int64) if self.a2 else np.zeros(0, np.int64)
        out = np.zeros(self.n_events, np.int64)
        out[self.a2_sparse[0]] = self.a2_sparse[1]
        return out


class _Slow:
    """A record decoded byte by byte: (position, type, wire args)."""

    __slots__ = ("args", "pos", "typ")

    def __init__(self, pos: int, typ: int, args: list[int]) -> None:
        self.pos = pos
        self.typ = typ
        self.args = args


def read_record(data: bytes, pos: int, version: int,
                strings: dict[int, bytes]) -> tuple[_Slow | None, int]:
    """Decode one record at ``pos`` exactly as Go's readRawEvent does.

    Returns (record or None for a string, next position). Strings go straight
    into ``strings``. Raises DecodeError with Go's message.
    """
    start = pos
    if pos >= len(data):
        raise DecodeError("unexpected EOF")
    b = data[pos]
    pos += 1
    typ = b & 0x3F
    narg = (b >> 6) + 1
    if not sp.known(typ, version):
        raise DecodeError(f"unknown event type {typ}")
    try:
        if typ == sp.EV_STRING:
            sid, pos = uvarint(data, pos)
            if sid == 0:
                raise DecodeError("string has invalid id 0")
            if strings.get(sid):
                raise DecodeError(f"string has duplicate id {sid}")
            ln, pos = uvarint(data, pos)
            if ln == 0:
                raise DecodeError("string has invalid length 0")
            if ln > 1_000_000:
                raise DecodeError(f"string has too large length {ln}")
            if pos + ln > len(data):
                raise DecodeError("failed to read trace: unexpected EOF")
            strings[sid] = data[pos:pos + ln]
            return None, pos + ln
        if typ == sp.EV_BATCH and narg != 2:
            raise DecodeError(f"EvBatch has wrong number of arguments: got {narg}, want 2")
        args: list[int] = []
        if narg <= 3:
            for _ in range(narg):
                v, pos = uvarint(data, pos)
                args.append(v)
        else:
            ln, pos = uvarint(data, pos)
            if ln > 2048:
                raise DecodeError(f"failed to read event {typ} argument: length-prefixed "
                                  f"argument too big: {ln} bytes, limit is 2048")
            end = pos + ln
            if end > len(data):
                raise DecodeError("failed to read trace: unexpected EOF")
            while pos < end:
                v, pos = uvarint(data[:end], pos)
                args.append(v)
            if typ == sp.EV_USER_LOG:
                sz, pos = uvarint(data, pos)
                if sz > 1_000_000:
                    raise DecodeError(f"string is too large (len={sz})")
                if pos + sz > len(data):
                    raise DecodeError("failed to read trace: unexpected EOF")
                pos += sz
    except ValueError:
        raise DecodeError("malformatted base-128 varint") from None
    return _Slow(start, typ, args), pos


class _Window:
    """Units of one window of the file and the event chain through them."""

    def __init__(self, buf: npt.NDArray[np.uint8], s0: int, hi: int,
                 known: npt.NDArray[np.bool_]) -> None:
        seg = buf[s0:hi]
        u = units(seg)
        n = len(u.ends)
        self.s0 = s0
        self.starts = u.starts + s0
        ends = u.ends + s0
        self.ends = ends
        self.values = u.values
        if n == 0:
            self.nxt: list[int] = []
            self.argstart = np.zeros(0, np.int64)
            return
        over_unit = u.overflow
        rel_starts = u.starts
        hb = seg[rel_starts]
        code = hb >> 6
        typ = hb & 0x3F
        idx = np.arange(n, dtype=np.int64)
        nxt = np.where(code == 0, idx + 2, idx + 3)
        self.argstart = np.where(code == 2, idx, idx + 1)
        lp = code == 3
        length = (self.values >> np.uint64(7)).astype(np.int64)
        target = np.where(lp, ends + 1 + np.minimum(length, 4096), 0)
        tgt_idx = np.searchsorted(self.starts, target)
        tgt_ok = (tgt_idx < n) & (self.starts[np.minimum(tgt_idx, n - 1)] == target)
        nxt = np.where(lp, tgt_idx, nxt)
        bad = ~known[typ] | (typ == sp.EV_STRING) | (typ == sp.EV_USER_LOG)
        bad |= (typ == sp.EV_BATCH) & (code != 1)
        bad |= lp & (~tgt_ok | (length > 2048))
        bad |= nxt >= n
        # Any over-long varint between an event's first unit and the next event.
        ov = np.concatenate(([0], np.cumsum(over_unit)))
        bad |= ov[np.minimum(nxt, n)] != ov[idx]
        self.nxt = np.where(bad, -1, nxt).tolist()


def _walk(nxt: list[int], u: int, stop: int, out: list[int]) -> int:
    """Follow the chain from unit ``u``; return the unit where it stopped.

    Stops at a unit that needs the byte-level decoder (nxt -1) or at ``stop``.
    """
    app = out.append
    while u < stop:
        v = nxt[u]
        if v < 0:
            return u
        app(u)
        u = v
    return u


def decode(data: bytes, version: int, progress: Callable[[int], object] | None = None,
           native: bool = False) -> Decoded:
    """Decode every record; ``native`` runs the C twin (gotrace.trace._v1).

    A record Go would reject ends decoding: the error is the first bad record's
    (in file order), and only the batches before the one holding it are kept.
    Strings and stacks defined before the bad record are kept.
    """
    if native:
        return _decode_native(data, version, progress)
    buf = np.frombuffer(data, dtype=np.uint8)
    known = _known_table(version)
    out = Decoded()
    state = _State()
    pos = 16
    size = len(data)
    try:
        while pos < size:
            hi = min(size, pos + WINDOW + MARGIN)
            limit = min(size, pos + WINDOW)
            win = _Window(buf, pos, hi, known)
            fast: list[int] = []
            slow: list[_Slow] = []
            string_at: list[tuple[int, int]] = []  # (record position, strings defined so far)
            byte_error: tuple[str, int] | None = None
            starts = win.starts
            n_units = len(starts)
            stop = int(np.searchsorted(starts, limit)) if n_units else 0
            u = 0
            p = pos
            while True:
                if u < stop:
                    u = _walk(win.nxt, u, stop, fast)
                    if u >= stop:
                        p = int(starts[u]) if u < n_units else limit
                        break
                    p = int(starts[u])
                if p >= limit or p >= size:
                    break
                # Byte-level records until the chain can resume at a unit start.
                while True:
                    at = p
                    try:
                        rec, p = read_record(data, p, version, out.strings)
                    except DecodeError as e:
                        byte_error = (str(e), p)
                        break
                    if rec is not None:
                        slow.append(rec)
                    else:
                        string_at.append((at, len(out.strings)))
                    if p >= limit or p >= size:
                        break
                    u = int(np.searchsorted(starts, p))
                    if u < n_units and starts[u] == p and win.nxt[u] >= 0:
                        break
                if byte_error is not None or p >= limit or p >= size:
                    break
            state.absorb(out, win, np.array(fast, dtype=np.int64), slow, data, string_at)
            if byte_error is not None:
                state.fail(out, *byte_error, data[byte_error[1]] & 0x3F)
                break
            pos = p
            out.bytes_done = pos
            if progress is not None:
                progress(pos)
    except DecodeError:
        pass  # absorb recorded Go's error and where it is
    state.finish(out)
    return out


FLAG_BITS = ("KNOWN", "STACK", "TIMED", "SETTER", "CLEARER", "FROM_ARG", "A1")
"""The per-type flags the C decoder gets, bit k for FLAG_BITS[k] (its F_* constants)."""


def _flags(version: int) -> bytes:
    tables = {"KNOWN": _known_table(version), "STACK": _STACK, "TIMED": _TIMED,
              "SETTER": _G_SETTERS, "CLEARER": _G_CLEARERS, "FROM_ARG": _G_FROM_ARG, "A1": _A1}
    fl = np.zeros(64, np.uint8)
    for k, name in enumerate(FLAG_BITS):
        fl |= tables[name].astype(np.uint8) << np.uint8(k)
    return fl.tobytes()


_NAMES = tuple(sp.EVENTS[t].name.encode() if t in sp.EVENTS else b"?" for t in range(64))


def _decode_native(data: bytes, version: int, progress: Callable[[int], object] | None
                   ) -> Decoded:
    """The same decode in C: one sequential pass, columns without copies."""
    (ts, ts_base, typ, p_at, p, g, a0, a1, a2_at, a2_val, stk, n, cpu, strings, stacks, pcs, timer,
     ticks, error, error_offset) = _native.decode(
        data, version, np.maximum(_NARG, 0).astype(np.uint8).tobytes(), _flags(version), _NAMES)

    def narrow(buf: _native.Buf) -> IntCol:
        width = memoryview(buf).nbytes // n if n else 8
        if width == 2:
            return frombuffer(buf, np.int16)
        if width == 4:
            return frombuffer(buf, np.int32)
        return frombuffer(buf, np.int64)

    base = frombuffer(ts_base, np.int64)
    out = Decoded(
        ts=[frombuffer(ts, np.int32) if len(base) else frombuffer(ts, np.int64)],
        ts_base=base if len(base) else None, typ=[frombuffer(typ, np.uint8)],
        p_runs=(frombuffer(p_at, np.int64), frombuffer(p, np.int32)),
        g=[narrow(g)], a0=[narrow(a0)], a1=[narrow(a1)],
        a2_sparse=(frombuffer(a2_at, np.int64), frombuffer(a2_val, np.int64)),
        stk=[frombuffer(stk, np.uint16) if n and memoryview(stk).nbytes == 2 * n
             else frombuffer(stk, np.uint32)], n_events=n, cpu=cpu, strings=strings, stacks=stacks,
        pcs=pcs, timer_goids=timer,
        ticks_per_sec=ticks, error=error, error_offset=error_offset, bytes_done=len(data))
    if progress is not None:
        progress(len(data))
    return out


class _State:
    """Decoding state carried from one window to the next (Go's parser fields)."""

    def __init__(self) -> None:
        self.cur_p = 0
        self.have_batch = False
        self.last_ts = 0
        self.last_g: dict[int, int] = {}
        self.batch_offset = 0
        self.batch_event_index = 0  # events decoded before the current batch
        self.batch_cpu_index = 0

    def fail(self, out: Decoded, msg: str, offset: int, typ: int) -> None:
        """Record the first bad record (of type ``typ``, at ``offset``).

        A bad batch header ends the batch before it, which is whole and kept.
        """
        if out.error is None:
            out.error = msg
            out.error_offset = offset
            if typ == sp.EV_BATCH:
                self.have_batch = True
                self.batch_offset = offset
                self.batch_event_index = out.n_events
                self.batch_cpu_index = len(out.cpu)

    def finish(self, out: Decoded) -> None:
        if out.error is None:
            return
        # Drop the batch the bad record belongs to: only whole batches are kept.
        keep = self.batch_event_index
        out.error_offset = self.batch_offset if self.have_batch else out.error_offset
        total = 0
        for name in ("ts", "typ", "p", "g", "a0", "a1", "a2", "stk"):
            cols: list[npt.NDArray[np.generic]] = getattr(out, name)
            kept: list[npt.NDArray[np.generic]] = []
            total = 0
            for c in cols:
                if total + len(c) <= keep:
                    kept.append(c)
                elif total < keep:
                    kept.append(c[: keep - total])
                total += len(c)
            setattr(out, name, kept)
        out.n_events = min(out.n_events, keep)
        del out.cpu[self.batch_cpu_index:]

    def absorb(self, out: Decoded, win: _Window, fast: I64, slow: list[_Slow],
               data: bytes, string_at: list[tuple[int, int]]) -> None:
        """Turn one window's records into columns, in file order."""
        vals = win.values
        nf = len(fast)
        # Wire arguments of the fast records: up to 5 kept, count exact.
        argstart = win.argstart[fast] if nf else np.zeros(0, np.int64)
        hb_pos = win.starts[fast]
        typ_f = (np.frombuffer(data, np.uint8)[hb_pos] & 0x3F).astype(np.int64)
        code_f = np.frombuffer(data, np.uint8)[hb_pos] >> 6
        nxt_f = np.array(win.nxt, np.int64)[fast] if nf else np.zeros(0, np.int64)
        nargs_f = nxt_f - argstart
        wf = np.zeros((nf, 5), np.uint64)
        nv = len(vals)
        for k in range(5):
            ix = np.minimum(argstart + k, nv - 1) if nv else argstart
            col = vals[ix] if nv else np.zeros(nf, np.uint64)
            if k == 0:
                col = np.where(code_f == 2, col >> np.uint64(7), col)
            wf[:, k] = np.where(nargs_f > k, col, 0)
        stack_args: dict[int, list[int]] = {}  # position -> all wire args of an EvStack
        for i in np.flatnonzero(typ_f == sp.EV_STACK).tolist():
            a = int(argstart[i])
            stack_args[int(hb_pos[i])] = vals[a:a + int(nargs_f[i])].tolist()
        if slow:
            pos_s = np.array([r.pos for r in slow], np.int64)
            typ_s = np.array([r.typ for r in slow], np.int64)
            nargs_s = np.array([len(r.args) for r in slow], np.int64)
            ws = np.zeros((len(slow), 5), np.uint64)
            for i, r in enumerate(slow):
                if r.typ == sp.EV_STACK:
                    stack_args[r.pos] = r.args
                for k, v in enumerate(r.args[:5]):
                    ws[i, k] = v
            pos_a = np.concatenate((hb_pos, pos_s))
            order = np.argsort(pos_a, kind="stable")
            pos_a = pos_a[order]
            typ_a = np.concatenate((typ_f, typ_s))[order]
            nargs_a = np.concatenate((nargs_f, nargs_s))[order]
            w = np.concatenate((wf, ws))[order]
        else:
            pos_a, typ_a, nargs_a, w = hb_pos, typ_f, nargs_f, wf
        self._records(out, pos_a, typ_a, nargs_a, w, stack_args, string_at)

    def _stack(self, out: Decoded, args: list[int]) -> str | None:
        """Register an EvStack record; Go's message if it rejects it."""
        if len(args) < 2:
            return f"EvStack has wrong number of arguments: want at least 2, got {len(args)}"
        size = args[1]
        if size > 1000:
            return f"EvStack has bad number of frames: {size}"
        if len(args) != 2 + 4 * size:
            return f"EvStack has wrong number of arguments: want {2 + 4 * size}, got {len(args)}"
        sid = args[0] & 0xFFFFFFFF
        if sid != 0 and size > 0:
            pcs = args[2::4]
            for i, pc in enumerate(pcs):
                if pc not in out.pcs:
                    out.pcs[pc] = (args[3 + 4 * i], args[4 + 4 * i], args[5 + 4 * i])
            out.stacks[sid] = pcs
        return None

    def _records(self, out: Decoded, pos: I64, typ: I64, nargs: I64,
                 w: npt.NDArray[np.uint64], stack_args: dict[int, list[int]],
                 string_at: list[tuple[int, int]]) -> None:
        """Check and emit one window's records; stop at the first one Go rejects.

        A record's checks run in this order: a P must be known, then the
        argument count (or the batch's P id), then the stack, then the frequency,
        then the timestamps.
        """
        n = len(typ)
        first = n
        msg = ""
        is_batch = typ == sp.EV_BATCH
        no_p = np.zeros(n, np.bool_)
        if not self.have_batch:
            no_p = ~is_batch & (np.cumsum(is_batch) == 0)
        want = _NARG[typ]
        wrong = (want != nargs) & (typ != sp.EV_STACK)
        pid = w[:, 0]
        big_pid = is_batch & (pid != np.uint64(U64_MAX)) & (pid > np.uint64(MAX_INT32))
        bad_freq = (typ == sp.EV_FREQUENCY) & (w[:, 0].view(np.int64) <= 0)
        bad_time = self._bad_times(typ, w, is_batch)
        bad = no_p | wrong | big_pid | bad_freq | bad_time
        if bad.any():
            first = int(np.argmax(bad))
        # Stacks before the first other error register in file order; a bad one
        # is an earlier error.
        for at in sorted(stack_args):
            k = int(np.searchsorted(pos, at))
            if k >= first:
                break
            err = self._stack(out, stack_args[at])
            if err is not None:
                first, msg = k, err
                break
        if first < n and not msg:
            t = int(typ[first])
            if no_p[first]:
                msg = f"read event {t} with current P of 0, but P has no batches yet"
            elif wrong[first]:
                msg = (f"{sp.EVENTS[t].name} has wrong number of arguments: want "
                       f"{int(want[first])}, got {int(nargs[first])}")
            elif big_pid[first]:
                msg = f"processor ID {int(w[first, 0])} is larger than maximum of {MAX_INT32}"
            elif bad_freq[first]:
                msg = "time stamps out of order"
            else:
                msg = TIME_RANGE_ERROR
        self._emit(out, pos, typ, w, 0, first)
        if first < n:
            # Strings defined after the bad record were never reached.
            at = int(pos[first])
            later = [count for p, count in string_at if p > at]
            if later:
                for sid in list(out.strings)[later[0] - 1:]:
                    del out.strings[sid]
            self.fail(out, msg, at, int(typ[first]))
            raise DecodeError(msg)

    def _bad_times(self, typ: I64, w: npt.NDArray[np.uint64],
                   is_batch: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
        """Records whose timestamp is at or past MAX_TICKS (see there).

        An event's time is its batch's start (or, before the window's first batch,
        the current batch's last time) plus the running sum of its deltas. The sum
        wraps in int64, but only past the first record found here, and only the
        first bad record counts: every delta before it is below 2^62, and so is
        every time, so the sum at it is exact.
        """
        timed: npt.NDArray[np.bool_] = _TIMED[typ].astype(np.bool_)
        limit = np.uint64(MAX_TICKS)
        dt = np.where(timed, w[:, 0], np.uint64(0)).view(np.int64)
        seg = np.cumsum(is_batch)
        base = np.concatenate(([self.last_ts], w[is_batch, 1].view(np.int64)))[seg]
        run = np.cumsum(dt)
        ts = base + run - np.concatenate(([0], run[is_batch]))[seg]
        return ((timed & ((w[:, 0] >= limit) | (ts >= MAX_TICKS)))
                | (is_batch & (w[:, 1] >= limit))
                | ((typ == sp.EV_GO_SYS_EXIT) & (w[:, 3] >= limit))
                | ((typ == sp.EV_CPU_SAMPLE) & (w[:, 1] >= limit)))

    def _emit(self, out: Decoded, pos: I64, typ: I64, w: npt.NDArray[np.uint64],
              lo: int, hi: int) -> None:
        """Columns for records [lo, hi): batches split the run into segments."""
        if hi <= lo:
            return
        typ = typ[lo:hi]
        w = w[lo:hi]
        pos = pos[lo:hi]
        batch_idx = np.flatnonzero(typ == sp.EV_BATCH)
        bounds = sorted({0, *batch_idx.tolist(), len(typ)})
        for s, e in itertools.pairwise(bounds):
            if typ[s] == sp.EV_BATCH:
                pid = int(w[s, 0])
                self.cur_p = -1 if pid == U64_MAX else pid
                self.last_ts = _i64(int(w[s, 1]))
                self.have_batch = True
                self.batch_offset = int(pos[s])
                self.batch_event_index = out.n_events
                self.batch_cpu_index = len(out.cpu)
                s += 1
            if e > s:
                self._segment(out, typ[s:e], w[s:e])

    def _segment(self, out: Decoded, typ: I64, w: npt.NDArray[np.uint64]) -> None:
        """Records of one batch (no EvBatch among them)."""
        cur = self.cur_p
        for k in np.flatnonzero(typ == sp.EV_FREQUENCY).tolist():
            out.ticks_per_sec = _i64(int(w[k, 0]))
        for k in np.flatnonzero(typ == sp.EV_TIMER_GOROUTINE).tolist():
            out.timer_goids.add(int(w[k, 0]))
        for k in np.flatnonzero(typ == sp.EV_CPU_SAMPLE).tolist():
            out.cpu.append((_i64(int(w[k, 1])), _i32(int(w[k, 2])), _i64(int(w[k, 3])),
                            int(w[k, 4]) & 0xFFFFFFFF))
        timed = _TIMED[typ]
        if not timed.any():
            return
        t = typ[timed]
        wt = w[timed]
        ts = np.cumsum(wt[:, 0].view(np.int64)) + np.int64(self.last_ts)
        self.last_ts = int(ts[-1])
        n = len(t)
        has_stack = _STACK[t]
        nw = _NARG[t]
        stk = np.where(has_stack, wt[np.arange(n), np.maximum(nw - 1, 0)], 0).astype(np.int64)
        stk &= 0xFFFFFFFF
        args = wt[:, 1:4].view(np.int64).copy()
        # Only the argument slots the event really has (the stack is not an Arg).
        nreal = nw - 1 - has_stack
        for k in range(3):
            args[:, k] = np.where(nreal > k, args[:, k], 0)
        a0 = args[:, 0].copy()
        # G: the goroutine last started on this P (Go's parser.lastG).
        setter = _G_SETTERS[t]
        clearer = _G_CLEARERS[t]
        mark = setter | clearer
        setval = np.where(setter, a0, 0)
        idx = np.where(mark, np.arange(n), -1)
        ff = np.maximum.accumulate(idx)
        before = np.empty(n, np.int64)
        before[0] = -1
        before[1:] = ff[:-1]
        init = self.last_g.get(cur, 0)
        g = np.where(before >= 0, setval[np.maximum(before, 0)], init)
        g = np.where(setter | _G_FROM_ARG[t], a0, g)
        self.last_g[cur] = int(setval[ff[-1]]) if ff[-1] >= 0 else init
        out.ts.append(ts)
        out.typ.append(t.astype(np.uint8))
        out.p.append(np.full(n, cur, np.int32))
        out.g.append(g)
        out.a0.append(a0)
        out.a1.append(args[:, 1].copy())
        out.a2.append(args[:, 2].copy())
        out.stk.append(stk)
        out.n_events += n


def _i64(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _i32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >= 1 << 31 else v
