"""Go 1.22+ event ordering: per-M batch cursors merged by time under Go's rules.

A port of Go 1.27's ``internal/trace/order.go`` (the scheduler-state machine
that decides whether an event may happen yet, from per-goroutine and per-P
sequence numbers) and of the frontier in ``reader.go``/``batchcursor.go`` (a
min-heap of per-M cursors; on a stall, Go's own unstable pdqsort of the
frontier, ported so ties break exactly as in Go).

The hot loop keeps no object per event: each emitted event is five integers
appended to flat buffers (where the event's bytes start in the file, or a
negative index into ``side`` for an event the orderer synthesised or rewrote;
its goroutine, proc, thread; its raw time). ``Ordering.take`` decodes those into
columns with numpy: event type, its four arguments after dt, goroutine, proc,
thread, raw time.

``_order_v2.c`` is this module's C twin (same events, same columns, same
errors; with v2.build_chunk's work included, ~30x faster); the reader uses it
when built. Change one, change both: tests/trace/test_v2_native.py holds them
equal.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from .events import MAX_PROC_ID, MAX_TIME_NS, GoState, ProcState
from .spec_v2 import (
    EV_CPU_SAMPLE,
    EV_GC_ACTIVE,
    EV_GC_BEGIN,
    EV_GC_END,
    EV_GC_MARK_ASSIST_ACTIVE,
    EV_GC_MARK_ASSIST_BEGIN,
    EV_GC_MARK_ASSIST_END,
    EV_GC_SWEEP_ACTIVE,
    EV_GC_SWEEP_BEGIN,
    EV_GC_SWEEP_END,
    EV_GO_BLOCK,
    EV_GO_CREATE,
    EV_GO_CREATE_BLOCKED,
    EV_GO_CREATE_SYSCALL,
    EV_GO_DESTROY,
    EV_GO_DESTROY_SYSCALL,
    EV_GO_LABEL,
    EV_GO_START,
    EV_GO_STATUS,
    EV_GO_STATUS_STACK,
    EV_GO_STOP,
    EV_GO_SWITCH,
    EV_GO_SWITCH_DESTROY,
    EV_GO_SYSCALL_BEGIN,
    EV_GO_SYSCALL_END,
    EV_GO_SYSCALL_END_BLOCKED,
    EV_GO_UNBLOCK,
    EV_HEAP_ALLOC,
    EV_HEAP_GOAL,
    EV_PROC_START,
    EV_PROC_STATUS,
    EV_PROC_STEAL,
    EV_PROC_STOP,
    EV_PROCS_CHANGE,
    EV_STW_BEGIN,
    EV_STW_END,
    EV_USER_LOG,
    EV_USER_REGION_BEGIN,
    EV_USER_REGION_END,
    EV_USER_TASK_BEGIN,
    EV_USER_TASK_END,
    GO_RUNNABLE,
    GO_RUNNING,
    GO_STATUS_NAMES,
    GO_STATUS_TO_STATE,
    GO_SYSCALL,
    GO_WAITING,
    MAX_EVENT,
    NUM_SPECS,
    PROC_IDLE,
    PROC_RUNNING,
    PROC_STATUS_NAMES,
    PROC_STATUS_TO_STATE,
    PROC_SYSCALL,
    PROC_SYSCALL_ABANDONED,
    RANGE_START,
    SPECS,
    TIMED_WIDTH,
)
from .varint import uvarints, uvarints_at

NONE = -1  # NoGoroutine, NoProc, NoThread
NO_TASK = (1 << 64) - 1
U64 = 1 << 64
U64_MASK = U64 - 1  # sequence numbers are Go uint64s: the one after 2**64 - 1 is 0
I64 = 1 << 63

# The GoState / ProcState values the hot loop uses, as plain ints.
GS_UNDETERMINED = int(GoState.UNDETERMINED)
PS_UNDETERMINED, PS_NOT_EXIST = int(ProcState.UNDETERMINED), int(ProcState.NOT_EXIST)
PS_RUNNING, PS_IDLE = int(ProcState.RUNNING), int(ProcState.IDLE)

GC_UNDETERMINED, GC_NOT_RUNNING, GC_RUNNING = 0, 1, 2

_WIDTH: tuple[int, ...] = TIMED_WIDTH


_ARGS_OF = np.array([max(w - 2, 0) for w in TIMED_WIDTH], np.int64)


class OrderError(Exception):
    """The generation's events cannot be ordered (Go: "broken trace")."""


def signed(v: int) -> int:
    """Go's int64(uint64) conversion, used for goroutine, proc and thread ids."""
    return v - U64 if v >= I64 else v


def batch_tokens(u8: npt.NDArray[np.uint8], off: int, n: int) -> tuple[list[int], list[int]]:
    """Decode a batch payload holding only varints: (values, file offset of each).

    Raises ValueError (Go's "found invalid uvarint") on a varint cut by the batch
    end or wider than 64 bits.
    """
    try:
        vals, starts = uvarints(u8[off:off + n])
    except ValueError:
        raise ValueError("found invalid uvarint") from None
    return vals.tolist(), (starts + off).tolist()


Taken = tuple[int, npt.NDArray[np.uint8], npt.NDArray[np.uint64], npt.NDArray[np.int64],
              npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64], list[str]]
"""What ``take`` hands over: (n, type, args (n x 4, zero past the event's own),
goroutine, proc, thread, raw time (ns, below MAX_TIME_NS), task type names indexed
by UserTaskEnd's last argument)."""


class GState:
    __slots__ = ("id", "ranges", "regions", "seq", "seq_gen", "status")

    def __init__(self, gid: int, status: int, gen: int) -> None:
        self.id = gid
        self.status = status
        self.seq_gen = gen
        self.seq = 0
        self.ranges: list[tuple[int, int]] = []  # in-flight (begin event type, desc)
        self.regions: list[tuple[int, str]] = []  # active user regions (task, name)


class PState:
    __slots__ = ("id", "ranges", "seq", "seq_gen", "status")

    def __init__(self, pid: int, status: int, gen: int) -> None:
        self.id = pid
        self.status = status
        self.seq_gen = gen
        self.seq = 0
        self.ranges: list[tuple[int, int]] = []


class MState:
    __slots__ = ("g", "p")

    def __init__(self, g: int, p: int) -> None:
        self.g = g
        self.p = p


def begin_range(ranges: list[tuple[int, int]], typ: int, desc: int) -> None:
    r = (RANGE_START[typ], desc)
    if r in ranges:
        raise OrderError(f"discovered event already in-flight for when starting event "
                         f"{SPECS[r[0]].name}")
    ranges.append(r)


def active_range(ranges: list[tuple[int, int]], typ: int, initial: bool) -> None:
    r = (RANGE_START[typ], 0)
    if initial:
        if r in ranges:
            raise OrderError(f"found named active range already in first gen: {r}")
        ranges.append(r)
    elif r not in ranges:
        raise OrderError(f"resource is missing active range: {SPECS[r[0]].name} {ranges}")


def end_range(ranges: list[tuple[int, int]], typ: int) -> int:
    st = SPECS[typ].start_ev
    for i, r in enumerate(ranges):
        if r[0] == st:
            desc = r[1]
            ranges[i] = ranges[-1]
            ranges.pop()
            return desc
    raise OrderError(f"tried to end event {SPECS[st].name}, but not in-flight")


class Cursor:
    """Go's batchCursor: the next unread event of one M's batches in a generation."""

    __slots__ = ("base", "batches", "bidx", "ev_pos", "ev_time", "ev_typ", "last_ts", "m",
                 "ms", "n", "offs", "pos", "vals")

    def __init__(self, m: int, batches: list[tuple[int, int, int]]) -> None:
        self.m = m
        self.batches = batches  # (payload offset in file, payload size, base timestamp)
        self.bidx = -1
        self.vals: list[int] = []
        self.offs: list[int] = []
        self.pos = 0
        self.n = 0
        self.base = 0
        self.last_ts = 0
        self.ev_pos = 0
        self.ev_time = 0
        self.ev_typ = 0
        self.ms: MState | None = None

    def next_event(self, u8: npt.NDArray[np.uint8], freq: float) -> bool:
        """batchCursor.nextEvent: read the next event; False when all batches are done."""
        while self.pos >= self.n:
            self.bidx += 1
            if self.bidx >= len(self.batches):
                return False
            off, size, base = self.batches[self.bidx]
            try:
                self.vals, self.offs = batch_tokens(u8, off, size)
            except ValueError as e:
                raise OrderError(f"batch at byte {off}: {e}") from None
            self.pos = 0
            self.n = len(self.vals)
            self.base = base
            self.last_ts = 0
        if self.last_ts == 0:
            start = self.base * freq
            if start >= MAX_TIME_NS:
                raise self._time_error()
            self.last_ts = int(start)
        pos = self.pos
        vals = self.vals
        typ = vals[pos]
        if typ >= NUM_SPECS:
            raise OrderError(f"found invalid event type: {typ}")
        w = _WIDTH[typ]
        if w == 0:
            raise OrderError(f"found event without a timestamp: type={typ}")
        if pos + w > self.n:
            raise OrderError("found invalid uvarint")
        dt = vals[pos + 1] * freq
        if dt >= MAX_TIME_NS:
            raise self._time_error()
        t = int(dt) + self.last_ts
        if t >= MAX_TIME_NS:
            raise self._time_error()
        self.ev_time = t
        self.last_ts = t
        self.ev_typ = typ
        self.ev_pos = pos
        self.pos = pos + w
        return True

    def _time_error(self) -> OrderError:
        """A time that ticks * frequency puts past MAX_TIME_NS: damage, not a time."""
        return OrderError(f"batch at byte {self.batches[self.bidx][0]}: timestamp out of range "
                          "(later than 2^60 ns)")


# --- frontier heap (batchcursor.go) ---------------------------------------


def heap_sift_up(h: list[Cursor], i: int) -> int:
    while i > 0 and h[(i - 1) // 2].ev_time > h[i].ev_time:
        j = (i - 1) // 2
        h[j], h[i] = h[i], h[j]
        i = j
    return i


def heap_sift_down(h: list[Cursor], i: int) -> int:
    n = len(h)
    while True:
        m = i
        mt = h[i].ev_time if i < n else (1 << 63) - 1
        c = 2 * i + 1
        if c < n and h[c].ev_time < mt:
            mt = h[c].ev_time
            m = c
        c += 1
        if c < n and h[c].ev_time < mt:
            m = c
        if m == i:
            return i
        h[i], h[m] = h[m], h[i]
        i = m


def heap_insert(h: list[Cursor], c: Cursor) -> None:
    h.append(c)
    heap_sift_up(h, len(h) - 1)


def heap_update(h: list[Cursor], i: int) -> None:
    if heap_sift_up(h, i) != i:
        return
    heap_sift_down(h, i)


def heap_remove(h: list[Cursor], i: int) -> None:
    while i > 0:
        j = (i - 1) // 2
        h[j], h[i] = h[i], h[j]
        i = j
    h[0], h[-1] = h[-1], h[0]
    h.pop()
    heap_sift_down(h, 0)


# --- Go's slices.SortFunc (pdqsort, unstable): ported so ties order as in Go ---


def _lt(d: list[Cursor], i: int, j: int) -> bool:
    return d[i].ev_time < d[j].ev_time


def _insertion_sort(d: list[Cursor], a: int, b: int) -> None:
    for i in range(a + 1, b):
        j = i
        while j > a and _lt(d, j, j - 1):
            d[j], d[j - 1] = d[j - 1], d[j]
            j -= 1


def _sift_down(d: list[Cursor], lo: int, hi: int, first: int) -> None:
    root = lo
    while True:
        child = 2 * root + 1
        if child >= hi:
            return
        if child + 1 < hi and _lt(d, first + child, first + child + 1):
            child += 1
        if not _lt(d, first + root, first + child):
            return
        d[first + root], d[first + child] = d[first + child], d[first + root]
        root = child


def _heap_sort(d: list[Cursor], a: int, b: int) -> None:
    first, lo, hi = a, 0, b - a
    for i in range((hi - 1) // 2, -1, -1):
        _sift_down(d, i, hi, first)
    for i in range(hi - 1, -1, -1):
        d[first], d[first + i] = d[first + i], d[first]
        _sift_down(d, lo, i, first)


def _median(d: list[Cursor], a: int, b: int, c: int, swaps: list[int]) -> int:
    if _lt(d, b, a):
        swaps[0] += 1
        a, b = b, a
    if _lt(d, c, b):
        swaps[0] += 1
        b, c = c, b
    if _lt(d, b, a):
        swaps[0] += 1
        a, b = b, a
    return b


def _choose_pivot(d: list[Cursor], a: int, b: int) -> tuple[int, int]:
    n = b - a
    swaps = [0]
    i, j, k = a + n // 4, a + n // 4 * 2, a + n // 4 * 3
    if n >= 8:
        if n >= 50:
            i = _median(d, i - 1, i, i + 1, swaps)
            j = _median(d, j - 1, j, j + 1, swaps)
            k = _median(d, k - 1, k, k + 1, swaps)
        j = _median(d, i, j, k, swaps)
    if swaps[0] == 0:
        return j, 1  # increasing
    if swaps[0] == 12:
        return j, 2  # decreasing
    return j, 0


def _partial_insertion_sort(d: list[Cursor], a: int, b: int) -> bool:
    i = a + 1
    for _ in range(5):
        while i < b and not _lt(d, i, i - 1):
            i += 1
        if i == b:
            return True
        if b - a < 50:
            return False
        d[i], d[i - 1] = d[i - 1], d[i]
        if i - a >= 2:
            j = i - 1
            while j >= 1 and _lt(d, j, j - 1):
                d[j], d[j - 1] = d[j - 1], d[j]
                j -= 1
        if b - i >= 2:
            j = i + 1
            while j < b and _lt(d, j, j - 1):
                d[j], d[j - 1] = d[j - 1], d[j]
                j += 1
    return False


def _break_patterns(d: list[Cursor], a: int, b: int) -> None:
    n = b - a
    if n >= 8:
        r = n
        modulus = 1 << n.bit_length()
        for idx in range(a + (n // 4) * 2 - 1, a + (n // 4) * 2 + 2):
            r ^= (r << 13) & (U64 - 1)
            r ^= r >> 7
            r ^= (r << 17) & (U64 - 1)
            other = r & (modulus - 1)
            if other >= n:
                other -= n
            d[idx], d[a + other] = d[a + other], d[idx]


def _partition(d: list[Cursor], a: int, b: int, pivot: int) -> tuple[int, bool]:
    d[a], d[pivot] = d[pivot], d[a]
    i, j = a + 1, b - 1
    while i <= j and _lt(d, i, a):
        i += 1
    while i <= j and not _lt(d, j, a):
        j -= 1
    if i > j:
        d[j], d[a] = d[a], d[j]
        return j, True
    d[i], d[j] = d[j], d[i]
    i += 1
    j -= 1
    while True:
        while i <= j and _lt(d, i, a):
            i += 1
        while i <= j and not _lt(d, j, a):
            j -= 1
        if i > j:
            break
        d[i], d[j] = d[j], d[i]
        i += 1
        j -= 1
    d[j], d[a] = d[a], d[j]
    return j, False


def _partition_equal(d: list[Cursor], a: int, b: int, pivot: int) -> int:
    d[a], d[pivot] = d[pivot], d[a]
    i, j = a + 1, b - 1
    while True:
        while i <= j and not _lt(d, a, i):
            i += 1
        while i <= j and _lt(d, a, j):
            j -= 1
        if i > j:
            break
        d[i], d[j] = d[j], d[i]
        i += 1
        j -= 1
    return i


def _pdqsort(d: list[Cursor], a: int, b: int, limit: int) -> None:
    was_balanced, was_partitioned = True, True
    while True:
        n = b - a
        if n <= 12:
            _insertion_sort(d, a, b)
            return
        if limit == 0:
            _heap_sort(d, a, b)
            return
        if not was_balanced:
            _break_patterns(d, a, b)
            limit -= 1
        pivot, hint = _choose_pivot(d, a, b)
        if hint == 2:
            d[a:b] = d[a:b][::-1]
            pivot = (b - 1) - (pivot - a)
            hint = 1
        if was_balanced and was_partitioned and hint == 1 and _partial_insertion_sort(d, a, b):
            return
        if a > 0 and not _lt(d, a - 1, pivot):
            a = _partition_equal(d, a, b, pivot)
            continue
        mid, was_partitioned = _partition(d, a, b, pivot)
        left, right = mid - a, b - mid
        threshold = n // 8
        if left < right:
            was_balanced = left >= threshold
            _pdqsort(d, a, mid, limit)
            a = mid + 1
        else:
            was_balanced = right >= threshold
            _pdqsort(d, mid + 1, b, limit)
            b = mid


def sort_frontier(d: list[Cursor]) -> None:
    """slices.SortFunc(frontier, compare by time), tie order included."""
    _pdqsort(d, 0, len(d), len(d).bit_length())


# --- the ordering state machine (order.go) ---------------------------------


def _ctx_error(what: str) -> OrderError:
    return OrderError(f"expected {what}")


def _id_error(what: str, value: int, typ: int) -> OrderError:
    """A goroutine id below 0 (it would read as "none") or a P id the model cannot hold."""
    return OrderError(f"{what} ID {value} out of range in {SPECS[typ].name} event")


class Ordering:
    """Scheduler state carried across generations, plus the current generation's
    frontier and the flat output buffers the reader drains."""

    def __init__(self, version: int) -> None:
        self.version = version
        self.gstates: dict[int, GState] = {}
        self.pstates: dict[int, PState] = {}
        self.mstates: dict[int, MState] = {}
        self.tasks: dict[int, tuple[str, int]] = {}  # id -> (type name, parent)
        self.gc_seq = 0
        self.gc_state = GC_UNDETERMINED
        self.initial_gen = 0
        # Current generation.
        self.gen = 0
        self.freq = 1.0
        self.u8: npt.NDArray[np.uint8] = np.zeros(0, np.uint8)
        self.strings: dict[int, str] = {}
        self.frontier: list[Cursor] = []
        self.cpu: list[tuple[int, int, int, int, int]] = []  # (time, m, p, g, stack)
        self.cpu_next = 0
        # Output: one entry per event in Go's order.
        self.out_src: list[int] = []  # file offset of the event, or ~index into side
        self.out_g: list[int] = []
        self.out_p: list[int] = []
        self.out_m: list[int] = []
        self.out_t: list[int] = []
        # Events the orderer made or rewrote: (type, arg0, arg1, arg2, arg3).
        self.side: list[tuple[int, int, int, int, int]] = []
        # Interned global string ids the orderer resolves (task names at TaskEnd).
        self.task_end_names: list[str] = []

    def start_generation(self, gen: int, freq: float, u8: npt.NDArray[np.uint8],
                         strings: dict[int, str], ms_batches: list[tuple[int, list[tuple[int, int, int]]]],
                         cpu: list[tuple[int, int, int, int, int]]) -> None:
        """installGen: build the frontier from each M's batches, in first-seen order."""
        self.gen = gen
        self.freq = freq
        self.u8 = u8
        self.strings = strings
        self.cpu = cpu
        self.cpu_next = 0
        self.frontier = []
        for m, batches in ms_batches:
            c = Cursor(m, batches)
            if c.next_event(u8, freq):
                heap_insert(self.frontier, c)

    def emit_side(self, rec: tuple[int, int, int, int, int], g: int, p: int, m: int,
                  t: int) -> None:
        self.out_src.append(~len(self.side))
        self.side.append(rec)
        self.out_g.append(g)
        self.out_p.append(p)
        self.out_m.append(m)
        self.out_t.append(t)

    def take(self) -> Taken:
        """Hand over the buffered events as columns and start new buffers."""
        src = np.array(self.out_src, np.int64)
        n = len(src)
        t = np.array(self.out_t, np.int64)
        g = np.array(self.out_g, np.int64)
        p = np.array(self.out_p, np.int64)
        m = np.array(self.out_m, np.int64)
        side = np.array(self.side, np.uint64).reshape(-1, 5)
        names = self.task_end_names
        self.out_src, self.out_g, self.out_p, self.out_m, self.out_t = [], [], [], [], []
        self.side = []
        self.task_end_names = []

        typ = np.zeros(n, np.uint8)
        args = np.zeros((n, 4), np.uint64)
        infile = src >= 0
        if infile.any():
            # The cursor read every token as a varint, the type included.
            tv, q = uvarints_at(self.u8, src[infile])
            _, q = uvarints_at(self.u8, q)  # dt
            a = np.zeros((len(tv), 4), np.uint64)
            for k in range(4):
                a[:, k], q = uvarints_at(self.u8, q)
            a[np.arange(4) >= _ARGS_OF[tv.astype(np.int64)][:, None]] = 0
            typ[infile] = tv
            args[infile] = a
        sided = ~infile
        if sided.any():
            si = ~src[sided]
            typ[sided] = side[si, 0]
            args[sided] = side[si, 1:5]
        return n, typ, args, g, p, m, t, names

    def low_water(self) -> int | None:
        """The file offset of the first byte this generation may still read: the start of
        the earliest current batch among the Ms not done (each M's batches are in file
        order), or None when every M is done. Bytes before it can be given back."""
        low = [c.batches[c.bidx][0] for c in self.frontier if c.bidx < len(c.batches)]
        return min(low) if low else None

    def run(self, limit: int) -> bool:
        """Order events until ``limit`` are buffered; True when the generation is done."""
        fr = self.frontier
        u8 = self.u8
        freq = self.freq
        out = self.out_src
        while len(out) < limit:
            if self.cpu_next < len(self.cpu):
                s = self.cpu[self.cpu_next]
                if not fr or s[0] < fr[0].ev_time:
                    self.cpu_next += 1
                    self.emit_side((EV_CPU_SAMPLE, s[4], 0, 0, 0), s[3], s[2], s[1], s[0])
                    continue
            elif not fr:
                return True
            bc = fr[0]
            if self.advance(bc):
                if bc.next_event(u8, freq):
                    heap_sift_down(fr, 0)
                else:
                    heap_remove(fr, 0)
                continue
            sort_frontier(fr)
            for i in range(1, len(fr)):
                bc = fr[i]
                if self.advance(bc):
                    if bc.next_event(u8, freq):
                        heap_update(fr, i)
                    else:
                        heap_remove(fr, i)
                    break
            else:
                raise OrderError(f"broken trace: failed to advance (generation {self.gen})")
        return False

    def advance(self, bc: Cursor) -> bool:
        """ordering.Advance for the cursor's current event."""
        gen = self.gen
        if self.initial_gen == 0:
            self.initial_gen = gen
        m = bc.m
        ms = bc.ms
        if m == NONE:
            cg = NONE
            cp = NONE
        else:
            if ms is None:
                ms = self.mstates.get(m)
                if ms is None:
                    ms = MState(NONE, NONE)
                    self.mstates[m] = ms
                bc.ms = ms
            cg = ms.g
            cp = ms.p
        typ = bc.ev_typ
        vals = bc.vals
        pos = bc.ev_pos
        src = bc.offs[pos]
        t = bc.ev_time

        if typ == EV_GO_START:
            gid = vals[pos + 2]
            if gid >= I64:
                gid -= U64
            seq = vals[pos + 3]
            st = self.gstates.get(gid)
            if (st is None or st.status != GO_RUNNABLE or st.seq_gen != gen
                    or seq != (st.seq + 1) & U64_MASK):
                return False
            if m == NONE:
                raise _ctx_error("a thread but didn't have one")
            if cp == NONE:
                raise _ctx_error("a proc but didn't have one")
            if cg != NONE:
                raise _ctx_error("no goroutine but had one")
            st.status = GO_RUNNING
            st.seq = seq
            self._emit(src, cg, cp, m, t)
            if ms is not None:
                ms.g = gid
            return True

        if typ in (EV_GO_BLOCK, EV_GO_STOP, EV_GO_DESTROY):
            self._user_go(m, cp, cg)
            st = self._current_go(cg, typ, GO_RUNNING)
            if typ == EV_GO_BLOCK:
                st.status = GO_WAITING
            elif typ == EV_GO_STOP:
                st.status = GO_RUNNABLE
            else:
                del self.gstates[cg]
            self._emit(src, cg, cp, m, t)
            if ms is not None:
                ms.g = NONE
            return True

        if typ == EV_GO_UNBLOCK:
            gid = vals[pos + 2]
            if gid >= I64:
                gid -= U64
            seq = vals[pos + 3]
            st = self.gstates.get(gid)
            if (st is None or st.status != GO_WAITING or st.seq_gen != gen
                    or seq != (st.seq + 1) & U64_MASK):
                return False
            st.status = GO_RUNNABLE
            st.seq = seq
            self._emit(src, cg, cp, m, t)
            return True

        if typ in (EV_GO_CREATE, EV_GO_CREATE_BLOCKED):
            if m == NONE:
                raise _ctx_error("a thread but didn't have one")
            if cp == NONE:
                raise _ctx_error("a proc but didn't have one")
            cst = self.gstates.get(cg)
            if cst is not None and cst.status != GO_RUNNING:
                raise OrderError(f"{SPECS[typ].name} event for goroutine that's not Running")
            newg = signed(vals[pos + 2])
            if newg < 0:
                raise _id_error("goroutine", newg, typ)
            if newg in self.gstates:
                raise OrderError(f"tried to create goroutine ({newg}) that already exists")
            self.gstates[newg] = GState(
                newg, GO_RUNNABLE if typ == EV_GO_CREATE else GO_WAITING, gen)
            self._emit(src, cg, cp, m, t)
            return True

        if (typ in (EV_HEAP_ALLOC, EV_HEAP_GOAL, EV_GC_SWEEP_BEGIN, EV_GC_SWEEP_END)):
            if m == NONE:
                raise _ctx_error("a thread but didn't have one")
            if cp == NONE:
                raise _ctx_error("a proc but didn't have one")
            if typ == EV_GC_SWEEP_BEGIN:
                ps = self.pstates.get(cp)
                if ps is None:
                    raise OrderError(f"unknown proc {cp}")
                begin_range(ps.ranges, typ, 0)
            elif typ == EV_GC_SWEEP_END:
                ps = self.pstates.get(cp)
                if ps is None:
                    raise OrderError(f"unknown proc {cp}")
                end_range(ps.ranges, typ)
            self._emit(src, cg, cp, m, t)
            return True

        if typ == EV_GO_SYSCALL_BEGIN:
            self._user_go(m, cp, cg)
            st = self._current_go(cg, typ, GO_RUNNING)
            st.status = GO_SYSCALL
            ps = self._proc(cp, typ)
            ps.status = PROC_SYSCALL
            pseq = vals[pos + 2]
            if not (ps.seq_gen == gen and pseq == (ps.seq + 1) & U64_MASK):
                raise OrderError(f"failed to advance GoSyscallBegin: can't make sequence: "
                                 f"{ps.seq} (gen={ps.seq_gen}) -> {pseq} (gen={gen})")
            ps.seq = pseq
            self._emit(src, cg, cp, m, t)
            return True

        if typ == EV_GO_SYSCALL_END:
            self._user_go(m, cp, cg)
            st = self._current_go(cg, typ, GO_SYSCALL, "Running")  # sic, as Go says
            st.status = GO_RUNNING
            ps = self._proc(cp, typ)
            if ps.status != PROC_SYSCALL:
                raise OrderError(f"expected proc {cp} in state Syscall, but got "
                                 f"{PROC_STATUS_NAMES[ps.status]} instead")
            ps.status = PROC_RUNNING
            self._emit(src, cg, cp, m, t)
            return True

        if typ == EV_GO_SYSCALL_END_BLOCKED:
            if cp != NONE and self._proc(cp, typ).status == PROC_SYSCALL:
                return False
            if m == NONE:
                raise _ctx_error("a thread but didn't have one")
            if cg == NONE:
                raise _ctx_error("a goroutine but didn't have one")
            st = self._current_go(cg, typ, GO_SYSCALL, "Running")  # sic, as Go says
            st.status = GO_RUNNABLE
            self._emit(src, cg, cp, m, t)
            if ms is not None:
                ms.g = NONE
            return True

        if typ == EV_PROC_START:
            pid = signed(vals[pos + 2])
            seq = vals[pos + 3]
            ps = self.pstates.get(pid)
            if (ps is None or ps.status != PROC_IDLE or ps.seq_gen != gen
                    or seq != (ps.seq + 1) & U64_MASK or cp != NONE):
                return False
            if m == NONE:
                raise _ctx_error("a thread but didn't have one")
            ps.status = PROC_RUNNING
            ps.seq = seq
            self._emit(src, cg, cp, m, t)
            if ms is not None:
                ms.p = pid
            return True

        if typ == EV_PROC_STOP:
            ps = self.pstates.get(cp)
            if ps is None:
                raise OrderError(f"event ProcStop for proc ({cp}) that doesn't exist")
            if ps.status != PROC_RUNNING and ps.status != PROC_SYSCALL:
                raise OrderError("ProcStop event for proc that's not Running or Syscall")
            if m == NONE:
                raise _ctx_error("a thread but didn't have one")
            if cp == NONE:
                raise _ctx_error("a proc but didn't have one")
            ps.status = PROC_IDLE
            self._emit(src, cg, cp, m, t)
            if ms is not None:
                ms.p = NONE
            return True

        return self._advance_rare(bc, typ, vals, pos, src, t, m, ms, cg, cp, gen)

    def _string(self, sid: int) -> str | None:
        """The generation's string ``sid``, None if unknown; id 0 is always "" (Go's
        dataTable.get), so an empty task or region name is valid."""
        return self.strings.get(sid) if sid else ""

    def _user_go(self, m: int, cp: int, cg: int) -> None:
        """validateCtx(curCtx, userGoReqs)."""
        if m == NONE:
            raise _ctx_error("a thread but didn't have one")
        if cp == NONE:
            raise _ctx_error("a proc but didn't have one")
        if cg == NONE:
            raise _ctx_error("a goroutine but didn't have one")

    def _current_go(self, cg: int, typ: int, want: int, want_name: str = "Running") -> GState:
        """The state of the M's current goroutine, which must be ``want`` (Go's errors verbatim)."""
        st = self.gstates.get(cg)
        if st is None:
            raise OrderError(f"event {SPECS[typ].name} for goroutine ({cg}) that doesn't exist")
        if st.status != want:
            raise OrderError(f"{SPECS[typ].name} event for goroutine that's not {want_name}")
        return st

    def _proc(self, cp: int, typ: int) -> PState:
        """The M's current P, which must be known."""
        ps = self.pstates.get(cp)
        if ps is None:
            raise OrderError(f"uninitialized proc {cp} found during {SPECS[typ].name}")
        return ps

    def _emit(self, src: int, g: int, p: int, m: int, t: int) -> None:
        self.out_src.append(src)
        self.out_g.append(g)
        self.out_p.append(p)
        self.out_m.append(m)
        self.out_t.append(t)

    def _advance_rare(self, bc: Cursor, typ: int, vals: list[int], pos: int, src: int, t: int,
                      m: int, ms: MState | None, cg: int, cp: int, gen: int) -> bool:
        ng = cg
        np_ = cp
        if typ in (EV_GO_STATUS, EV_GO_STATUS_STACK):
            graw = vals[pos + 2]
            gid = signed(graw)
            mid = signed(vals[pos + 3])
            status = vals[pos + 4]
            stack = vals[pos + 5] if typ == EV_GO_STATUS_STACK else 0
            if status >= len(GO_STATUS_TO_STATE):
                raise OrderError(f"invalid status for goroutine {gid}: {status}")
            if gid < 0:
                raise _id_error("goroutine", gid, typ)
            old = GO_STATUS_TO_STATE[status]
            st = self.gstates.get(gid)
            if st is not None:
                if st.status != status:
                    raise OrderError(
                        f"inconsistent status for goroutine {gid}: old "
                        f"{GO_STATUS_NAMES[st.status]} vs. new {GO_STATUS_NAMES[status]}")
                st.seq_gen = gen
                st.seq = 0
            elif gen == self.initial_gen:
                self.gstates[gid] = GState(gid, status, gen)
                old = GS_UNDETERMINED
            else:
                raise OrderError(f"found goroutine status for new goroutine after the first "
                                 f"generation: id={gid} status={GO_STATUS_NAMES[status]}")
            em, eg = m, cg
            if status == GO_RUNNING:
                ng = gid
            elif status == GO_SYSCALL:
                if mid == NONE:
                    raise OrderError(f"found goroutine {gid} in syscall without a thread")
                if mid == m:
                    if gen != self.initial_gen and cg != gid:
                        raise OrderError(f"inconsistent thread for syscalling goroutine "
                                         f"{gid}: thread has goroutine {cg}")
                    ng = gid
                else:
                    oms = self.mstates.get(mid)
                    if oms is not None:
                        if oms.g != gid:
                            raise OrderError(f"inconsistent thread for syscalling goroutine "
                                             f"{gid}: thread has goroutine {oms.g}")
                        eg = oms.g
                    else:
                        self.mstates[mid] = MState(gid, NONE)
                    em = mid
            self.emit_side((typ, graw, vals[pos + 3], (old << 32) | status, stack),
                           eg, cp, em, t)
        elif typ == EV_PROC_STATUS:
            praw = vals[pos + 2]
            pid = signed(praw)
            status = vals[pos + 3]
            if status >= len(PROC_STATUS_TO_STATE):
                raise OrderError(f"invalid status for proc {pid}: {status}")
            if not 0 <= pid <= MAX_PROC_ID:
                raise _id_error("proc", pid, typ)
            old = PROC_STATUS_TO_STATE[status]
            new_status = status
            ps = self.pstates.get(pid)
            if ps is not None:
                if status == PROC_SYSCALL_ABANDONED and ps.status == PROC_SYSCALL:
                    old = PS_RUNNING
                    new_status = PROC_SYSCALL
                elif status == PROC_SYSCALL_ABANDONED and ps.status == PROC_SYSCALL_ABANDONED:
                    old = PS_IDLE
                elif ps.status != status:
                    raise OrderError(
                        f"inconsistent status for proc {pid}: old "
                        f"{PROC_STATUS_NAMES[ps.status]} vs. new {PROC_STATUS_NAMES[status]}")
                ps.seq_gen = gen
                ps.seq = 0
            else:
                self.pstates[pid] = PState(pid, status, gen)
                old = PS_UNDETERMINED if gen == self.initial_gen else PS_NOT_EXIST
            if status in (PROC_RUNNING, PROC_SYSCALL):
                np_ = pid
            em, eg, ep = m, cg, cp
            if status == PROC_SYSCALL_ABANDONED and old == PS_RUNNING:
                found = False
                for mid, oms in self.mstates.items():
                    if oms.p == pid:
                        em, ep, eg = mid, pid, oms.g
                        found = True
                if not found:
                    raise OrderError(f"failed to find sched context for proc {pid} "
                                     "that's about to be stolen")
            self.emit_side((typ, praw, new_status, old, 0), eg, ep, em, t)
        elif typ == EV_PROC_STEAL:
            praw = vals[pos + 2]
            pid = signed(praw)
            seq = vals[pos + 3]
            ps = self.pstates.get(pid)
            if (ps is None or (ps.status != PROC_SYSCALL and ps.status != PROC_SYSCALL_ABANDONED)
                    or ps.seq_gen != gen or seq != (ps.seq + 1) & U64_MASK):
                return False
            if m == NONE:
                raise _ctx_error("a thread but didn't have one")
            old_status = ps.status
            ps.status = PROC_IDLE
            ps.seq = seq
            rec = (typ, praw, seq, vals[pos + 4], old_status)
            if old_status != PROC_SYSCALL_ABANDONED:
                mid = signed(vals[pos + 4])
                if mid == m:
                    if cp != pid:
                        raise OrderError(f"tried to self-steal proc {pid} (thread "
                                         f"{mid}), but got proc {cp} instead")
                    np_ = NONE
                else:
                    oms = self.mstates.get(mid)
                    if oms is None:
                        raise OrderError(f"stole proc from non-existent thread {mid}")
                    if oms.p != pid:
                        raise OrderError(f"tried to steal proc {pid} from thread {mid}, "
                                         f"but got proc {oms.p} instead")
                    oms.p = NONE
            self.emit_side(rec, cg, cp, m, t)
        elif typ == EV_GO_CREATE_SYSCALL:
            if m == NONE:
                raise _ctx_error("a thread but didn't have one")
            if cg != NONE:
                raise _ctx_error("no goroutine but had one")
            newg = signed(vals[pos + 2])
            if newg < 0:
                raise _id_error("goroutine", newg, typ)
            if newg in self.gstates:
                raise OrderError(f"tried to create goroutine ({newg}) in syscall that already "
                                 "exists")
            self.gstates[newg] = GState(newg, GO_SYSCALL, gen)
            ng = newg
            self._emit(src, cg, cp, m, t)
        elif typ == EV_GO_DESTROY_SYSCALL:
            if m == NONE:
                raise _ctx_error("a thread but didn't have one")
            if cg == NONE:
                raise _ctx_error("a goroutine but didn't have one")
            self._current_go(cg, typ, GO_SYSCALL, "Syscall")
            del self.gstates[cg]
            ng = NONE
            if cp != NONE:
                ps = self.pstates.get(cp)
                if ps is None:
                    raise OrderError(f"found invalid proc {cp} during GoDestroySyscall")
                if ps.status != PROC_SYSCALL:
                    raise OrderError(f"proc {cp} in unexpected state "
                                     f"{PROC_STATUS_NAMES[ps.status]} during GoDestroySyscall")
                ps.status = PROC_SYSCALL_ABANDONED
                np_ = NONE
                self.emit_side((EV_PROC_STEAL, cp % U64, 0, 0, PROC_SYSCALL), cg, cp, m, t)
            self._emit(src, cg, cp, m, t)
        elif typ in (EV_GO_SWITCH, EV_GO_SWITCH_DESTROY):
            self._user_go(m, cp, cg)
            cur = self._current_go(cg, typ, GO_RUNNING)
            nraw = vals[pos + 2]
            nextg = signed(nraw)
            seq = vals[pos + 3]
            nst = self.gstates.get(nextg)
            if (nst is None or nst.status != GO_WAITING or nst.seq_gen != gen
                    or seq != (nst.seq + 1) & U64_MASK):
                return False
            self._emit(src, cg, cp, m, t)
            if typ == EV_GO_SWITCH:
                cur.status = GO_WAITING
                self.emit_side((EV_GO_BLOCK, 0, 0, 0, 0), cg, cp, m, t)
            else:
                del self.gstates[cg]
                self.emit_side((EV_GO_DESTROY, 0, 0, 0, 0), cg, cp, m, t)
            nst.status = GO_RUNNING
            nst.seq = seq
            ng = nextg
            self.emit_side((EV_GO_START, nraw, seq, 0, 0), NONE, cp, m, t)
        elif typ in (EV_STW_BEGIN, EV_GC_MARK_ASSIST_BEGIN):
            self._user_go(m, cp, cg)
            st = self.gstates.get(cg)
            if st is None:
                raise OrderError(f"encountered event of type {typ} without known state for "
                                 f"current goroutine {cg}")
            begin_range(st.ranges, typ, vals[pos + 2] if typ == EV_STW_BEGIN else 0)
            self._emit(src, cg, cp, m, t)
        elif typ in (EV_STW_END, EV_GC_MARK_ASSIST_END):
            self._user_go(m, cp, cg)
            st = self.gstates.get(cg)
            if st is None:
                raise OrderError(f"encountered event of type {typ} without known state for "
                                 f"current goroutine {cg}")
            desc = end_range(st.ranges, typ)
            if typ == EV_STW_END:
                self.emit_side((typ, desc, 0, 0, 0), cg, cp, m, t)
            else:
                self._emit(src, cg, cp, m, t)
        elif typ == EV_GC_MARK_ASSIST_ACTIVE:
            gid = signed(vals[pos + 2])
            st = self.gstates.get(gid)
            if st is None:
                raise OrderError(f"uninitialized goroutine {gid} found during "
                                 "GCMarkAssistActive")
            active_range(st.ranges, typ, gen == self.initial_gen)
            self._emit(src, cg, cp, m, t)
        elif typ == EV_GC_SWEEP_ACTIVE:
            pid = signed(vals[pos + 2])
            ps = self.pstates.get(pid)
            if ps is None:
                raise OrderError(f"encountered GCSweepActive for unknown proc {pid}")
            active_range(ps.ranges, typ, gen == self.initial_gen)
            self._emit(src, cg, cp, m, t)
        elif typ == EV_GC_ACTIVE:
            seq = vals[pos + 2]
            if gen == self.initial_gen:
                if self.gc_state != GC_UNDETERMINED:
                    raise OrderError("GCActive in the first generation isn't first GC event")
                self.gc_seq = seq
                self.gc_state = GC_RUNNING
            else:
                if seq != (self.gc_seq + 1) & U64_MASK:
                    return False
                if self.gc_state != GC_RUNNING:
                    raise OrderError("encountered GCActive while GC was not in progress")
                self.gc_seq = seq
                self._user_go(m, cp, cg)
            self._emit(src, cg, cp, m, t)
        elif typ == EV_GC_BEGIN:
            seq = vals[pos + 2]
            if self.gc_state != GC_UNDETERMINED:
                if seq != (self.gc_seq + 1) & U64_MASK:
                    return False
                if self.gc_state == GC_RUNNING:
                    raise OrderError("encountered GCBegin while GC was already in progress")
                self.gc_seq = seq
                self.gc_state = GC_RUNNING
                self._user_go(m, cp, cg)
            else:
                self.gc_seq = seq
                self.gc_state = GC_RUNNING
            self._emit(src, cg, cp, m, t)
        elif typ == EV_GC_END:
            seq = vals[pos + 2]
            if seq != (self.gc_seq + 1) & U64_MASK:
                return False
            if self.gc_state == GC_NOT_RUNNING:
                raise OrderError("encountered GCEnd when GC was not in progress")
            if self.gc_state == GC_UNDETERMINED:
                raise OrderError("encountered GCEnd when GC was in an undetermined state")
            self.gc_seq = seq
            self.gc_state = GC_NOT_RUNNING
            self._user_go(m, cp, cg)
            self._emit(src, cg, cp, m, t)
        elif typ in (EV_PROCS_CHANGE, EV_GO_LABEL, EV_USER_LOG):
            self._user_go(m, cp, cg)
            self._emit(src, cg, cp, m, t)
        elif typ == EV_USER_TASK_BEGIN:
            tid = vals[pos + 2]
            if tid in self.tasks:
                raise OrderError(f"task ID conflict: {tid}")
            parent = vals[pos + 3]
            if parent == 0:
                parent = NO_TASK
            name = self._string(vals[pos + 4])
            if name is None:
                raise OrderError(f"invalid string ID {vals[pos + 4]} for UserTaskBegin event")
            self.tasks[tid] = (name, parent)
            self._user_go(m, cp, cg)
            self._emit(src, cg, cp, m, t)
        elif typ == EV_USER_TASK_END:
            tid = vals[pos + 2]
            task = self.tasks.pop(tid, None)
            name, parent = ("", NO_TASK) if task is None else task
            self._user_go(m, cp, cg)
            self.emit_side((typ, tid, vals[pos + 3], parent, len(self.task_end_names)),
                           cg, cp, m, t)
            self.task_end_names.append(name)
        elif typ in (EV_USER_REGION_BEGIN, EV_USER_REGION_END):
            self._user_go(m, cp, cg)
            tid = vals[pos + 2]
            name = self._string(vals[pos + 3])
            if name is None:
                raise OrderError(f"invalid string ID {vals[pos + 3]} for {SPECS[typ].name} "
                                 "event")
            st = self.gstates.get(cg)
            if st is None:
                raise OrderError(f"encountered {SPECS[typ].name} without known state for "
                                 f"current goroutine {cg}")
            if typ == EV_USER_REGION_BEGIN:
                st.regions.append((tid, name))
            elif st.regions:
                if st.regions[-1] != (tid, name):
                    raise OrderError(f"misuse of region in goroutine {cg}")
                st.regions.pop()
            self._emit(src, cg, cp, m, t)
        elif MAX_EVENT < typ < NUM_SPECS:
            if m == NONE:
                raise _ctx_error("a thread but didn't have one")
            self._emit(src, cg, cp, m, t)
        else:
            raise OrderError(f"bad event type found while ordering: {typ}")
        if ms is not None:
            ms.g = ng
            ms.p = np_
        return True
