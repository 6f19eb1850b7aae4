"""Reader for the new trace format (``go 1.22/1.23/1.25/1.26 trace``).

Produces exactly the event stream of Go 1.27's ``internal/trace.Reader``: a port
of reader.go and generation.go (batches grouped into generations; strings,
stacks, CPU samples and the clock per generation; Go 1.22-1.25's "spilled"
first batch of the next generation vs 1.26's end-of-generation marker), with
order_v2 doing the ordering. Each generation's events leave as one or more
EventChunks whose columns are derived in bulk with numpy from the orderer's flat
output, with v2's per-generation string and stack ids remapped to ``Tables``.

The ordering and the column derivation are the hot part; when the C accelerator
``_order_v2`` is built it does both (``build_chunk_native``), about 30x faster,
with the same tables and the same errors. ``NATIVE`` says which path runs;
``GOTRACE_PURE_PYTHON=1`` forces the Python one, which tests keep identical.

Damage: every complete generation before the damage is yielded, the loss goes to
``info.damage`` and the stream stops; if nothing could be yielded at all, a
TraceFormatError is raised.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import construct as cs
import numpy as np
import numpy.typing as npt

from .. import accel
from ..accel import frombuffer
from ..errors import TraceFormatError
from ..memory import release_before
from ..tables import Tables
from .events import (
    HEADER_LEN,
    MAX_PROC_ID,
    MAX_TIME_NS,
    NO_GOROUTINE,
    NO_PROC,
    ChunkBuilder,
    Damage,
    EventChunk,
    Kind,
    ProcState,
    Progress,
    TraceInfo,
)
from .order_v2 import (
    OrderError,
    Ordering,
    Taken,
    batch_tokens,
    signed,
)
from .spec_v2 import (
    CHECK_STACK,
    CHECK_STRING,
    EV_CLOCK_SNAPSHOT,
    EV_CPU_SAMPLE,
    EV_CPU_SAMPLES,
    EV_END_OF_GENERATION,
    EV_EVENT_BATCH,
    EV_EXPERIMENTAL_BATCH,
    EV_FREQUENCY,
    EV_GO_STATUS,
    EV_GO_STATUS_STACK,
    EV_PROC_STATUS,
    EV_PROC_STEAL,
    EV_STACK,
    EV_STACKS,
    EV_STRINGS,
    EV_STW_BEGIN,
    EV_STW_END,
    EV_SYNC,
    EV_SYNC_MARK,
    EV_USER_TASK_END,
    FRM,
    GO_STATUS_TO_STATE,
    KIND,
    MAX_BATCH_SIZE,
    MAX_FRAMES_PER_STACK,
    NAME_SLOT,
    PROC_STATUS_TO_STATE,
    RANGE_NAMES,
    RANGE_START,
    RES_KIND,
    RES_SRC,
    SPECS,
    STACK_SLOT,
    TASK_EVENTS,
    TIMED_WIDTH,
    TO,
    TSTACK_SLOT,
    StringsBatch,
)
from .varint import TruncatedVarint, VarintOverflow, uvarint

CHUNK_EVENTS = 1 << 17
"""Events per yielded chunk at most: bounds the orderer's buffers on huge generations, and
what the chunks in flight hold at the peak (two, with trace.ahead): 8 MB each here, where
2**19 cost 71 MB more on a 111 MB trace and was no faster (2.16-2.21 s against 2.37-2.51 s)."""


if TYPE_CHECKING:
    from . import _order_v2 as _native
else:
    _native = accel.load("gotrace.trace._order_v2")
NATIVE: bool = _native is not None
"""Whether v2 traces are ordered by the C accelerator (_order_v2.c) rather than
order_v2.py by default. False when it is not built or GOTRACE_PURE_PYTHON=1."""


def new_orderer(version: int, native: bool | None = None) -> Ordering | _native.Ordering:
    """An orderer; ``native`` None means the C one when available."""
    if native is None:
        native = NATIVE
    if not native:
        return Ordering(version)
    if _native is None:
        raise RuntimeError("the C orderer (gotrace.trace._order_v2) is not available")
    order = _native.Ordering(bytes(TIMED_WIDTH), bytes(RANGE_START),
                             tuple(sp.name for sp in SPECS))
    order.set_columns(
        KIND.tobytes(), STACK_SLOT.astype(np.int8).tobytes(), RES_KIND.tobytes(),
        RES_SRC.astype(np.uint8).tobytes(), FRM.tobytes(), TO.tobytes(),
        NAME_SLOT.astype(np.int8).tobytes(), TSTACK_SLOT.astype(np.int8).tobytes(),
        TASK_EVENTS.astype(np.uint8).tobytes(), CHECK_STACK.astype(np.uint8).tobytes(),
        CHECK_STRING.astype(np.uint8).tobytes())
    return order


class GenerationError(Exception):
    """A generation cannot be used; ``truncated`` when the file simply ends early."""

    def __init__(self, message: str, at: int, truncated: bool = False) -> None:
        super().__init__(message)
        self.at = at
        self.truncated = truncated
        # The whole generation is dropped, so the loss starts at its first byte.
        self.unused_from = at


# --- batches ---------------------------------------------------------------


@dataclass(slots=True)
class RawBatch:
    gen: int
    m: int
    time: int
    off: int  # payload offset in the file
    size: int
    exp: int
    first: int  # first payload byte, -1 if empty
    end_of_gen: bool = False


class _Truncated(Exception):
    def __init__(self, message: str, gen: int = 0) -> None:
        super().__init__(message)
        self.gen = gen


def _uvarint(data: bytes, pos: int) -> tuple[int, int]:
    """A batch header's varint: the file ending inside it is a truncation."""
    try:
        return uvarint(data, pos)
    except TruncatedVarint:
        raise _Truncated("unexpected end of file in a varint") from None
    except VarintOverflow:
        raise ValueError("varint overflows a 64-bit integer") from None


def read_batch(data: bytes, off: int) -> tuple[RawBatch, int]:
    """readBatch at ``off``: the batch and the offset after it.

    Raises _Truncated if the file ends inside it, ValueError if it is malformed.
    """
    typ = data[off]
    off += 1
    if typ == EV_END_OF_GENERATION:
        return RawBatch(0, -1, 0, off, 0, 0, typ, True), off
    if typ != EV_EVENT_BATCH and typ != EV_EXPERIMENTAL_BATCH:
        raise ValueError(f"expected batch event, got event {typ}")
    exp = 0
    if typ == EV_EXPERIMENTAL_BATCH:
        if off >= len(data):
            raise _Truncated("unexpected end of file in a batch header")
        exp = data[off]
        off += 1
    gen, off = _uvarint(data, off)
    try:
        m, off = _uvarint(data, off)
        ts, off = _uvarint(data, off)
        size, off = _uvarint(data, off)
    except _Truncated as e:
        raise _Truncated(str(e), gen) from None
    if size > MAX_BATCH_SIZE:
        raise ValueError(f"invalid batch size {size}, maximum is {MAX_BATCH_SIZE}")
    if off + size > len(data):
        raise _Truncated(f"failed to read full batch: read {len(data) - off} but wanted {size}",
                         gen)
    first = data[off] if size else -1
    return RawBatch(gen, signed(m), ts, off, size, exp, first), off + size


# --- generations -----------------------------------------------------------


@dataclass(slots=True)
class Generation:
    gen: int = 0
    start: int = 0  # file offset of its first batch
    end: int = 0
    min_ts: int = 0
    start_ns: int = 0  # min_ts in ns: the time of the generation's Sync event
    freq: float = 0.0
    has_clock: bool = False
    strings: dict[int, str] = field(default_factory=dict)
    stacks: dict[int, list[int]] = field(default_factory=dict)  # id -> pcs, leaf first
    pcs: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # pc -> func, file, line
    batches: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)
    cpu: list[tuple[int, int, int, int, int]] = field(default_factory=list)
    nbatches: int = 0


def _add_strings(g: Generation, data: bytes, b: RawBatch) -> None:
    try:
        parsed = StringsBatch.parse(data[b.off:b.off + b.size])
    except cs.ConstructError as e:
        raise ValueError(f"malformed strings batch: {str(e).splitlines()[0]}") from None
    for rec in parsed.strings:
        if rec.id == 0 or rec.id in g.strings:
            raise ValueError(f"multiple strings with the same ID: id={rec.id}")
        g.strings[rec.id] = rec.data.decode("utf-8", errors="replace")


def _varint_batch(u8: npt.NDArray[np.uint8], b: RawBatch, what: str) -> list[int]:
    try:
        return batch_tokens(u8, b.off, b.size)[0]
    except ValueError:
        raise ValueError(f"malformed {what} batch") from None


def _add_stacks(g: Generation, u8: npt.NDArray[np.uint8], b: RawBatch) -> None:
    v = _varint_batch(u8, b, "stacks")
    n = len(v)
    i = 1
    pcs = g.pcs
    while i < n:
        if v[i] != EV_STACK:
            raise ValueError(f"expected stack event, got {v[i]}")
        if i + 2 >= n:
            raise ValueError("truncated stack record")
        sid, nframes = v[i + 1], v[i + 2]
        if nframes > MAX_FRAMES_PER_STACK:
            raise ValueError(f"invalid stack size {nframes}, maximum is {MAX_FRAMES_PER_STACK}")
        i += 3
        if i + 4 * nframes > n:
            raise ValueError(f"reading frames of stack {sid}: truncated")
        frames = v[i:i + 4 * nframes:4]
        for _k in range(nframes):
            pc = v[i]
            if pc not in pcs:
                pcs[pc] = (v[i + 1], v[i + 2], v[i + 3])
            i += 4
        if sid == 0 or sid in g.stacks:
            raise ValueError(f"multiple stacks with the same ID: id={sid}")
        g.stacks[sid] = frames


def _add_cpu_samples(g: Generation, u8: npt.NDArray[np.uint8], b: RawBatch) -> None:
    v = _varint_batch(u8, b, "CPU samples")
    if (len(v) - 1) % 6:
        raise ValueError("truncated CPU sample")
    for i in range(1, len(v), 6):
        if v[i] != EV_CPU_SAMPLE:
            raise ValueError(f"expected CPU sample event, got {v[i]}")
        ts, m, p, gid, stack = v[i + 1:i + 6]
        pid, goid = signed(p), signed(gid) if gid else NO_GOROUTINE
        if not (pid == NO_PROC or 0 <= pid <= MAX_PROC_ID) or goid < NO_GOROUTINE:
            raise ValueError(f"CPU sample with invalid proc {pid} or goroutine {goid}")
        g.cpu.append((ts, signed(m), pid, goid, stack))


def _set_sync(g: Generation, data: bytes, b: RawBatch, version: int) -> None:
    """setSyncBatch, with Go's checks in Go's order and Go's messages.

    Go 1.25+ opens the batch with EvSync; then come frequency records (and, from
    1.25, clock snapshots). spec_v2.SyncBatch / FrequencyBatch state the grammar;
    tests/trace/test_spec_v2.py holds this reader to them.
    """
    payload = data[b.off:b.off + b.size]
    pos = 0
    if version >= 25:
        if payload[:1] != bytes([EV_SYNC]):
            raise ValueError("missing sync batch header")
        pos = 1
    try:
        while pos < len(payload):
            ev = payload[pos]
            pos += 1
            if ev == EV_FREQUENCY:
                if g.freq != 0:
                    raise ValueError("found multiple frequency events")
                freq, pos = uvarint(payload, pos)
                if freq == 0:
                    raise ValueError("invalid frequency 0")
                g.freq = 1.0 / (float(freq) / 1e9)
            elif ev == EV_CLOCK_SNAPSHOT and version >= 25:
                if g.has_clock:
                    raise ValueError("found multiple clock snapshot events")
                g.has_clock = True
                for _ in range(4):  # dt, mono, sec, nsec: not used
                    _, pos = uvarint(payload, pos)
            else:
                raise ValueError(f"expected frequency or clock snapshot event, got {ev}")
    except (TruncatedVarint, VarintOverflow) as e:
        raise ValueError(f"malformed sync batch: {e}") from None


def _is_sync(first: int, version: int) -> bool:
    return (first == EV_FREQUENCY and version < 25) or (first == EV_SYNC and version >= 25)


def _process_batch(g: Generation, data: bytes, u8: npt.NDArray[np.uint8], b: RawBatch,
                   version: int) -> None:
    """processBatch: file the batch under its kind."""
    g.nbatches += 1
    if b.exp:
        return  # experimental data: Go hands it through Sync events; we skip it
    if b.first == EV_STRINGS:
        _add_strings(g, data, b)
    elif b.first == EV_STACKS:
        _add_stacks(g, u8, b)
    elif b.first == EV_CPU_SAMPLES:
        _add_cpu_samples(g, u8, b)
    elif _is_sync(b.first, version):
        _set_sync(g, data, b, version)
    else:
        g.batches.setdefault(b.m, []).append((b.off, b.size, b.time))


def _finish(g: Generation, version: int) -> None:
    if g.freq == 0:
        raise ValueError("no frequency event found")
    if version >= 25 and not g.has_clock:
        raise ValueError("no clock snapshot event found")
    for sid, frames in g.stacks.items():
        for pc in frames:
            func, file, _ = g.pcs[pc]
            if func and func not in g.strings:
                raise ValueError(f"found invalid func string ID {func} for stack {sid}")
            if file and file not in g.strings:
                raise ValueError(f"found invalid file string ID {file} for stack {sid}")
    freq = g.freq
    g.start_ns = _ns(g.min_ts * freq, "the generation's first batch")
    samples = [(_ns(s[0] * freq, "a CPU sample"), s[1], s[2], s[3], s[4]) for s in g.cpu]
    # Go sorts with the unstable pdqsort; samples with equal times and different
    # contents would be ambiguous in Go too, and do not occur in practice.
    samples.sort(key=lambda s: s[0])
    g.cpu = samples


def _ns(x: float, what: str) -> int:
    """A time in ns (ticks * frequency), checked against MAX_TIME_NS where it enters."""
    if x >= MAX_TIME_NS:
        raise ValueError(f"timestamp of {what} out of range (later than 2^60 ns)")
    return int(x)


def generations(data: bytes, version: int) -> Iterator[Generation]:
    """Yield each complete generation; raise GenerationError at the first bad one."""
    start = HEADER_LEN
    try:
        for g in _generations(data, version):
            start = g.end
            yield g
    except GenerationError as e:
        e.unused_from = min(e.at, start)
        raise


def _generations(data: bytes, version: int) -> Iterator[Generation]:
    u8 = np.frombuffer(data, np.uint8)
    off = HEADER_LEN
    n = len(data)
    spill: RawBatch | None = None
    spill_at = 0
    while True:
        g = Generation(start=off)
        if spill is not None:
            g.start = spill_at
            g.gen = spill.gen
            g.min_ts = spill.time
            try:
                _process_batch(g, data, u8, spill, version)
            except ValueError as e:
                raise GenerationError(str(e), spill_at) from None
            spill = None
        elif off >= n:
            if version >= 26 or off > HEADER_LEN:
                return
            raise GenerationError("no frequency event found", off, truncated=True)
        while True:
            if off >= n:
                if version >= 26:
                    raise GenerationError("incomplete generation found; trace likely truncated",
                                          off, truncated=True)
                break
            at = off
            try:
                b, off = read_batch(data, off)
            except _Truncated as e:
                if version < 26 and g.gen and e.gen == g.gen + 1:
                    break  # the next generation's first batch is cut: this one is whole
                raise GenerationError(str(e), at, truncated=True) from None
            except ValueError as e:
                raise GenerationError(str(e), at) from None
            if b.end_of_gen:
                if version < 26:
                    raise GenerationError("invalid generation number 0", at)
                break
            if b.gen == 0:
                raise GenerationError("invalid generation number 0", at)
            if g.gen == 0:
                g.gen = b.gen
            if version < 26 and b.gen == g.gen + 1:
                spill, spill_at = b, at
                break
            if b.gen != g.gen:
                raise GenerationError(
                    "generations out of order" if version < 26 else
                    "broken trace: missing end-of-generation event, or generations are "
                    "interleaved", at)
            if g.min_ts == 0 or b.time < g.min_ts:
                g.min_ts = b.time
            try:
                _process_batch(g, data, u8, b, version)
            except ValueError as e:
                raise GenerationError(str(e), at) from None
        g.end = spill_at if spill is not None else off
        try:
            _finish(g, version)
        except ValueError as e:
            raise GenerationError(str(e), g.start) from None
        yield g


# --- from the orderer's flat output to columns -----------------------------

_STW = (EV_STW_BEGIN, EV_STW_END)
_GO_STATUS = (EV_GO_STATUS, EV_GO_STATUS_STACK)
_GO_STATUS_TO_STATE = np.array(GO_STATUS_TO_STATE, np.uint8)
_PROC_STATUS_TO_STATE = np.array(PROC_STATUS_TO_STATE, np.uint8)


class _Remap:
    """One generation's string and stack ids -> Tables ids (-1 where unknown)."""

    def __init__(self, g: Generation, tables: Tables) -> None:
        self.tables = tables
        sids = sorted(g.strings)
        self.str_keys = np.array(sids, np.uint64)
        self.str_vals = np.array([tables.string(g.strings[i]) for i in sids], np.int64)
        frame_ids: dict[int, int] = {}
        for pc, (func, file, line) in g.pcs.items():
            frame_ids[pc] = tables.frame(g.strings.get(func, ""), g.strings.get(file, ""), line)
        kids = sorted(g.stacks)
        self.stack_keys = np.array(kids, np.uint64)
        self.stack_vals = np.array(
            [tables.stack(tuple(frame_ids[pc] for pc in g.stacks[k])) for k in kids], np.int64)
        self.strings = g.strings

    @staticmethod
    def _map(keys: npt.NDArray[np.uint64], vals: npt.NDArray[np.int64],
             x: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        if len(keys) == 0:
            return np.where(x == 0, 0, -1)
        i = np.minimum(np.searchsorted(keys, x), len(keys) - 1)
        return np.where(keys[i] == x, vals[i], np.where(x == 0, 0, -1))

    def string(self, x: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        return self._map(self.str_keys, self.str_vals, x)

    def stack(self, x: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        return self._map(self.stack_keys, self.stack_vals, x)


@dataclass(slots=True)
class _Built:
    chunk: EventChunk
    last_ts: int
    error: str | None  # why the chunk stops early (Go: a table-id validation error)


def build_chunk(taken: Taken, remap: _Remap, last_ts: int) -> _Built:
    """Turn a batch of the orderer's events (``Ordering.take()``) into an EventChunk."""
    tables = remap.tables
    n = taken[0]
    typ = np.frombuffer(taken[1], np.uint8)
    args = np.frombuffer(taken[2], np.uint64).reshape(n, 4)
    g = np.frombuffer(taken[3], np.int64)
    p = np.frombuffer(taken[4], np.int64)
    m = np.frombuffer(taken[5], np.int64)
    raw_t = np.frombuffer(taken[6], np.int64)
    task_ids = [tables.string(s) for s in taken[7]]
    idx = np.arange(n)
    a0 = args[:, 0]

    # validateTableIDs, plus the lookups Go would panic on.
    local_stack = np.where(STACK_SLOT[typ] >= 0, args[idx, np.maximum(STACK_SLOT[typ], 0)], 0)
    bad = np.zeros(n, np.bool_)
    for k in range(4):
        rows = CHECK_STACK[typ, k]
        if rows.any():
            bad[rows] |= remap.stack(args[rows, k]) < 0
        rows = CHECK_STRING[typ, k]
        if rows.any():
            bad[rows] |= remap.string(args[rows, k]) < 0
    stw = np.isin(typ, _STW)
    if stw.any():
        bad[stw] |= remap.string(a0[stw]) < 0
    error = None
    if bad.any():
        cut = int(np.argmax(bad))
        error = _id_error(typ, cut)
        n = cut
        raw_t, g, p, m, typ = raw_t[:n], g[:n], p[:n], m[:n], typ[:n]
        args, idx, local_stack = args[:n], idx[:n], local_stack[:n]
        a0 = args[:, 0]

    # Go's monotonic fix-up: a time never at or before the previous one.
    u = np.maximum.accumulate(np.concatenate(([last_ts + 1], raw_t - idx)))[1:]
    time = u + idx
    new_last = int(time[-1]) if n else last_ts

    kind = KIND[typ]
    stack = remap.stack(local_stack).astype(np.int32)
    a0s = a0.view(np.int64)
    src_code = RES_SRC[typ]
    res = np.where(src_code == 1, g, np.where(src_code == 2, p, np.where(src_code == 3, a0s, 0)))
    frm = FRM[typ]
    to = TO[typ]
    gs = np.isin(typ, _GO_STATUS)
    if gs.any():
        packed = args[gs, 2]
        frm[gs] = (packed >> np.uint64(32)).astype(np.uint8)
        to[gs] = _GO_STATUS_TO_STATE[np.minimum(packed & np.uint64(0xFFFFFFFF), 4)]
    ps = typ == EV_PROC_STATUS
    if ps.any():
        frm[ps] = args[ps, 2].astype(np.uint8)
        to[ps] = _PROC_STATUS_TO_STATE[np.minimum(args[ps, 1], 4)]
    steal = typ == EV_PROC_STEAL
    if steal.any():
        frm[steal] = np.where(args[steal, 3] == 4, ProcState.IDLE, ProcState.RUNNING)

    name = np.zeros(n, np.int32)
    nslot = NAME_SLOT[typ]
    named = nslot >= 0
    if named.any():
        name[named] = remap.string(args[idx[named], nslot[named]])
    _rare_names(name, typ, args, task_ids, remap)

    tslot = TSTACK_SLOT[typ]
    has_t = tslot >= 0
    tstack = np.zeros(n, np.int32)
    if has_t.any():
        tstack[has_t] = remap.stack(args[idx[has_t], tslot[has_t]])
    task = np.where(TASK_EVENTS[typ], a0s, 0)

    chunk = EventChunk(
        time=time, kind=kind, g=g, p=p, m=m, stack=stack, res_kind=RES_KIND[typ],
        res=res, frm=frm, to=to, name=name, tstack=tstack, task=task,
    )
    return _Built(chunk, new_last, error)


def _id_error(typ: npt.NDArray[np.uint8], cut: int) -> str:
    return f"invalid string or stack ID in {SPECS[int(typ[cut])].name} event"


def _rare_names(name: npt.NDArray[np.int32], typ: npt.NDArray[np.uint8],
                args: npt.NDArray[np.uint64], task_ids: list[int], remap: _Remap) -> None:
    """Fill the names that are not a string argument: ranges, STW kinds, task types.

    Both orderers' chunks go through here, so Tables interns in the same order.
    """
    tables = remap.tables
    for t, s in RANGE_NAMES.items():
        rows = typ == t
        if rows.any():
            name[rows] = tables.string(s)
    stw = np.isin(typ, _STW)
    if stw.any():
        a0 = args[:, 0]
        for local in np.unique(a0[stw]).tolist():
            gid = tables.string(f"stop-the-world ({remap.strings.get(local, '')})")
            name[stw & (a0 == local)] = gid
    te = typ == EV_USER_TASK_END
    if te.any():
        name[te] = np.array(task_ids, np.int32)[args[te, 3].astype(np.int64)]


def build_chunk_native(order: _native.Ordering, remap: _Remap, last_ts: int) -> _Built:
    """build_chunk done by the C orderer from its own buffers (same columns)."""
    cols, names = order.build(last_ts + 1)
    task_ids = [remap.tables.string(s) for s in names]
    cut, last = cols[0], cols[1]
    typ = frombuffer(cols[15], np.uint8)
    args = frombuffer(cols[16], np.uint64).reshape(-1, 4)
    error = _id_error(typ, cut) if cut < len(typ) else None
    typ, args = typ[:cut], args[:cut]
    name = frombuffer(cols[12], np.int32)
    _rare_names(name, typ, args, task_ids, remap)
    chunk = EventChunk(
        time=frombuffer(cols[2], np.int64), kind=frombuffer(cols[3], np.uint8),
        g=frombuffer(cols[4], np.int64)[:cut], p=frombuffer(cols[5], np.int64)[:cut],
        m=frombuffer(cols[6], np.int64)[:cut], stack=frombuffer(cols[7], np.int32),
        res_kind=frombuffer(cols[8], np.uint8), res=frombuffer(cols[9], np.int64),
        frm=frombuffer(cols[10], np.uint8), to=frombuffer(cols[11], np.uint8),
        name=name, tstack=frombuffer(cols[13], np.int32),
        task=frombuffer(cols[14], np.int64),
    )
    return _Built(chunk, last if cut else last_ts, error)


# --- the entry point -------------------------------------------------------


def _sync_only(info: TraceInfo, last_ts: int) -> EventChunk:
    """The closing Sync Go emits when the trace ends (time fixed up past the last event)."""
    b = ChunkBuilder()
    b.add(last_ts + 1, Kind.SYNC)
    info.events += 1
    return b.freeze()


def _damage(info: TraceInfo, at: int, gen: int, why: str, truncated: bool) -> None:
    lost = max(info.size - at, 0)
    pct = 100.0 * lost / info.size if info.size else 0.0
    what = f"trace truncated at byte {info.size:,}" if truncated else f"trace corrupt ({why})"
    where = f"generation {gen}" if gen else "the next generation"
    info.damage.append(Damage(f"{what}: {where} incomplete, {lost:,} bytes ({pct:.0f}%) not used",
                              lost))


def read(data: bytes, info: TraceInfo, tables: Tables, progress: Progress | None,
         native: bool | None = None, *, consume: bool = False) -> Iterator[EventChunk]:
    """Yield Go's ordered event stream for a v2 trace, a chunk at a time.

    ``native`` picks the orderer (None: the C one if built, see NATIVE). With
    ``consume`` (the caller never reads ``data`` again), the pages of each generation
    are released once it is ordered: nothing reads before the next generation's start
    again, and the file's size no longer sits under the model being built.
    """
    version = info.version
    u8 = np.frombuffer(data, np.uint8)
    order = new_orderer(version, native)
    last_ts = 0
    yielded = False
    gens = generations(data, version)
    gen_no = 0
    released = 0
    while True:
        try:
            g = next(gens)
        except StopIteration:
            break
        except GenerationError as e:
            if not yielded:
                if e.truncated:
                    raise TraceFormatError(f"trace truncated at byte {info.size:,}, inside its first "
                                           "generation (the first stretch the tracer writes whole): "
                                           f"nothing in it can be read ({e})") from None
                raise TraceFormatError(f"corrupt trace ({info.header}) at byte {e.at:,}: "
                                       f"{e}") from None
            _damage(info, e.unused_from, gen_no + 1 if gen_no else 0, str(e), e.truncated)
            yield _sync_only(info, last_ts)
            return
        gen_no = g.gen
        try:
            remap = _Remap(g, tables)
            if not isinstance(order, Ordering):
                order.set_remap(remap.str_keys, remap.str_vals, remap.stack_keys,
                                remap.stack_vals)
            order.start_generation(g.gen, g.freq, u8, g.strings, list(g.batches.items()),
                                   g.cpu)
            order.emit_side((EV_SYNC_MARK, 0, 0, 0, 0), -1, -1, -1, g.start_ns)
            done = False
            while not done:
                done = order.run(CHUNK_EVENTS)
                built = (build_chunk(order.take(), remap, last_ts) if isinstance(order, Ordering)
                         else build_chunk_native(order, remap, last_ts))
                last_ts = built.last_ts
                if len(built.chunk) and (built.error is None or yielded):
                    info.events += len(built.chunk)
                    yielded = True
                    yield built.chunk
                if built.error is not None:
                    raise OrderError(built.error)
                if consume and not done:
                    # Pages behind every M's current batch are never read again.
                    low = order.low_water()
                    if low is not None and low > released:
                        release_before(u8[released:], low - released)
                        released = low
                if progress is not None:
                    progress(g.start + (g.end - g.start) * (1 if done else 0))
        except (OrderError, OverflowError, ValueError, IndexError) as e:
            # IndexError/ValueError here can only come from corrupt bytes reaching the
            # orderer; Go reports them as a broken trace too.
            if not yielded:
                raise TraceFormatError(f"corrupt trace ({info.header}): generation {g.gen}: "
                                       f"{e}") from None
            _damage(info, g.start, g.gen, str(e), False)
            yield _sync_only(info, last_ts)  # the stream ends with a Sync, as on a cut or a trace's end
            return
        if consume:
            release_before(u8[released:], g.end - released)
            released = g.end
        if progress is not None:
            progress(g.end)
    yield _sync_only(info, last_ts)
    if progress is not None:
        progress(len(data))
