"""The C accelerator (gotrace.trace._v1) and the pure-Python v1 reader agree.

Every column of every chunk and every damage note must be identical, on good
traces, cut ones and byte-flipped ones; the tests skip when the extension is
not built.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS
from conftest import DATA as _DATA
from conftest import REPO as ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gotrace.errors import TraceFormatError
from gotrace.tables import Tables
from gotrace.trace import convert_v1, decode_v1, v1
from gotrace.trace import spec_v1 as sp
from gotrace.trace.events import COLUMNS
from gotrace.trace.order_v1 import Events
from gotrace.trace.reader import read_events

DATA = _DATA / "v1"
GO_TESTDATA = Path("/opt/go-debian/usr/lib/go-1.27/src/internal/trace/internal/tracev1/testdata")

native = pytest.mark.skipif(decode_v1._native is None, reason="C accelerator not built")


def _inputs() -> list[Path]:
    paths = sorted(DATA.glob("*_good")) + sorted(DATA.glob("*.trace"))
    if CORPUS.is_dir():
        paths += sorted(CORPUS.glob("go1.19/*.trace")) + sorted(CORPUS.glob("go1.21/*.trace"))
    paths += sorted((ROOT / "samples").glob("*.go1.21.trace"))
    if GO_TESTDATA.is_dir():
        paths += sorted(GO_TESTDATA.glob("*_good"))
    return paths


def _run(data: bytes, use_native: bool, monkeypatch: pytest.MonkeyPatch
         ) -> tuple[str, object, object]:
    """(outcome, columns, damage) of one read, on the chosen path."""
    monkeypatch.setattr(v1, "NATIVE", use_native)
    tables = Tables()
    try:
        info, it = read_events(data, tables)
        chunks = list(it)
    except TraceFormatError as e:
        return f"rejected: {e}", None, None
    cols = [tuple(getattr(c, name).tobytes() for name in COLUMNS) for c in chunks]
    dtypes = {(name, str(getattr(c, name).dtype)) for c in chunks for name in COLUMNS}
    damage = [(d.message, d.bytes_lost) for d in info.damage]
    return "ok", (cols, sorted(dtypes), tables.strings, tables.stacks, info.events), damage


def _assert_same(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(data, True, monkeypatch) == _run(data, False, monkeypatch)


@native
@pytest.mark.parametrize("path", _inputs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_native_equals_python(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _assert_same(path.read_bytes(), monkeypatch)


def _small_inputs() -> list[Path]:
    return [p for p in _inputs() if p.stat().st_size < 400_000]


@native
@pytest.mark.parametrize("path", _small_inputs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_native_equals_python_when_cut(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = path.read_bytes()
    rng = random.Random(path.name)
    for cut in sorted({16, 17, 18, 40, *(rng.randrange(16, len(data)) for _ in range(6))}):
        _assert_same(data[:cut], monkeypatch)


@native
@pytest.mark.parametrize("path", _small_inputs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_native_equals_python_when_flipped(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = path.read_bytes()
    rng = random.Random(path.name + "flip")
    for _ in range(8):
        bad = bytearray(data)
        for _ in range(rng.randrange(1, 4)):
            bad[rng.randrange(16, len(data))] = rng.randrange(256)
        _assert_same(bytes(bad), monkeypatch)


@native
def test_native_flag_and_env() -> None:
    assert v1.NATIVE is True or v1.NATIVE is False
    assert decode_v1._native is not None
    assert isinstance(np.frombuffer(decode_v1._native.gather(
        np.zeros(1, np.int64), np.arange(3), np.zeros(0, np.int64), 8, 8), np.int64)[0], np.int64)


@native
@pytest.mark.parametrize("perm_item", [4, 8])
def test_gather_reads_a_permutation_of_either_width(perm_item: int) -> None:
    """order() hands its permutation over as int32 below 2**31 events, else int64; gather
    reads both, indices past the column continuing into the CPU-sample extension."""
    perm = np.array([3, 0, 2, 1], np.int32 if perm_item == 4 else np.int64)
    out = decode_v1._native.gather(perm, np.array([10, 11, 12], np.int64), np.array([13], np.int64),
                                   8, perm_item)
    assert np.frombuffer(out, np.int64).tolist() == [13, 10, 12, 11]
    with pytest.raises(IndexError):
        decode_v1._native.gather(np.array([4], perm.dtype), np.arange(3), np.arange(1), 8, perm_item)


@native
def test_gather_consuming_its_column_gives_the_pages_back() -> None:
    """With consume, each whole page of the column goes back to the OS once every item on it
    has been read (it reads as zeros after, on Linux), and the result is unchanged; an index
    read twice is an error, never a read of a page already given back."""
    import sys

    n = 1 << 20
    col = np.arange(1, n + 1, dtype=np.int64)
    want = col.copy()
    # Two interleaved runs, as the time merge of two Ps reads them.
    perm = np.empty(n, np.int32)
    perm[0::2], perm[1::2] = np.arange(n // 2), np.arange(n // 2, n)
    out = decode_v1._native.gather(perm, col, np.zeros(0, np.int64), 8, 4, True)
    assert (np.frombuffer(out, np.int64) == want[perm]).all()
    if sys.platform.startswith("linux"):
        assert (col == 0).sum() >= n - 2 * 512  # all but the partial pages at either end
    dup = np.arange(n, dtype=np.int32)
    dup[-1] = 0
    with pytest.raises(ValueError, match="read twice"):
        decode_v1._native.gather(dup, np.arange(n, dtype=np.int64), np.zeros(0, np.int64), 8, 4, True)
    assert np.frombuffer(decode_v1._native.gather(dup, want, np.zeros(0, np.int64), 8, 4),
                         np.int64)[-1] == 1  # without consume, any index list


FUZZ_INPUTS = [DATA / "stress_start_stop_1_11_good", DATA / "user_task_region_1_21_good",
               DATA / "keepalive_1_21_cut.trace"]


@native
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, len(FUZZ_INPUTS) - 1), cut=st.floats(0.0, 1.0),
       flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=4))
def test_fuzz_native_equals_python(which: int, cut: float, flips: list[tuple[float, int]],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    data = bytearray(FUZZ_INPUTS[which].read_bytes())
    for at, val in flips:
        data[16 + int(at * (len(data) - 17))] = val
    _assert_same(bytes(data[:16 + int(cut * (len(data) - 16))]), monkeypatch)


@native
@pytest.mark.parametrize("slice_len", [1, 7, 300])
@pytest.mark.parametrize("path", [p for p in _small_inputs() if p.parent == DATA][:12],
                         ids=lambda p: p.name)
def test_native_equals_python_in_small_slices(path: Path, slice_len: int,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The converter's state (Ps' threads, tasks, interning) carries across slices alike."""
    monkeypatch.setattr(convert_v1, "SLICE", slice_len)
    _assert_same(path.read_bytes(), monkeypatch)


# Synthetic ordered streams straight into the converter: the odd values real
# traces do not have (negative threads, huge stack ids, P -1, bad types).
_TYPES = [sp.EV_GOMAXPROCS, sp.EV_PROC_START, sp.EV_PROC_STOP, sp.EV_GO_CREATE, sp.EV_GO_START,
          sp.EV_GO_WAITING, sp.EV_GO_IN_SYSCALL, sp.EV_GO_SYS_CALL, sp.EV_GO_SYS_BLOCK,
          sp.EV_GO_START_LABEL, sp.EV_STW_START, sp.EV_STW_DONE, sp.EV_USER_TASK_CREATE,
          sp.EV_USER_TASK_END, sp.EV_USER_REGION, sp.EV_USER_LOG, sp.EV_CPU_SAMPLE,
          sp.EV_GO_BLOCK_NET, sp.EV_GC_START, sp.EV_HEAP_ALLOC, sp.EV_GO_END, sp.EV_STRING]
_VALUES = st.sampled_from([0, 1, 2, 3, 5, -1, -7, (1 << 24) + 3, (1 << 32) + 2, 1 << 40])
_EVENT = st.tuples(st.sampled_from(_TYPES), st.integers(0, 50), st.sampled_from([0, 1, 2, -1]),
                   st.integers(0, 4), _VALUES, _VALUES, _VALUES,
                   st.sampled_from([0, 1, 2, 9, (1 << 24) + 1, (1 << 32) - 1]), st.booleans())


def _convert(ev: Events, version: int, use_native: bool) -> tuple[object, ...]:
    tables = Tables()
    strings = {1: b"one", 2: b"two", 5: b"\xff bad utf-8"}
    stacks = {1: [10, 11], 2: [11], 9: [99], (1 << 24) + 1: [10]}
    pcs = {10: (1, 2, 3), 11: (2, 1, 7)}
    conv = convert_v1.Converter(ev, tables, version, strings, stacks, pcs, use_native)
    assert (conv._native is not None) == use_native
    cols = [tuple(getattr(c, name).tobytes() for name in COLUMNS) for c in conv.chunks()]
    return cols, conv.error, conv.last_ts, tables.strings, tables.stacks


@native
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(_EVENT, max_size=40), slice_len=st.integers(1, 12),
       version=st.sampled_from([19, 21]))
def test_fuzz_converter_native_equals_python(events: list[tuple[int, ...]], slice_len: int,
                                             version: int,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(convert_v1, "SLICE", slice_len)
    col = {k: np.array([e[j] for e in events], np.int64) for j, k in enumerate(
        ("typ", "dt", "p", "g", "a0", "a1", "a2", "stk", "blocked"))}
    ev = Events(ts=np.cumsum(col["dt"], dtype=np.int64), typ=col["typ"].astype(np.uint8),
                p=col["p"].astype(np.int32), g=col["g"], a0=col["a0"], a1=col["a1"],
                a2=col["a2"], stk=col["stk"].astype(np.uint32),
                blocked=col["blocked"].astype(np.uint8))
    assert _convert(ev, version, True) == _convert(ev, version, False)


def _events(rows: list[tuple[int, ...]]) -> Events:
    """Events from (type, p, g, a0, a1, a2, stk, blocked) rows, 10 ns apart."""
    col = np.array(rows, np.int64).reshape(-1, 8)
    return Events(ts=np.arange(len(rows), dtype=np.int64) * 10, typ=col[:, 0].astype(np.uint8),
                  p=col[:, 1].astype(np.int32), g=col[:, 2].copy(), a0=col[:, 3].copy(),
                  a1=col[:, 4].copy(), a2=col[:, 5].copy(), stk=col[:, 6].astype(np.uint32),
                  blocked=col[:, 7].astype(np.uint8))


def test_a_gomaxprocs_for_two_goroutines_is_no_label() -> None:
    """A Gomaxprocs that expands into the GoStatus of exactly two goroutines made before it
    takes two slots, as a GoStartLabel does: its second is a GoStatus, and its third argument
    is no label's string. The Python converter read it as one (and interned "one", id 1,
    which the C converter does not: a fuzz run found the twins' string tables apart)."""
    rows = [(sp.EV_GO_CREATE, 0, 0, 0, 0, 0, 0, 0), (sp.EV_GO_CREATE, 0, 0, 1, 0, 0, 0, 0),
            (sp.EV_GOMAXPROCS, 0, 0, 0, 0, 1, 0, 0)]
    python = _convert(_events(rows), 19, False)
    assert "one" not in python[3]  # type: ignore[operator]
    if decode_v1._native is not None:
        assert _convert(_events(rows), 19, True) == python


EDGE_STREAM: list[tuple[int, ...]] = [
    (sp.EV_GO_CREATE, 0, 1, 5, 2, 0, 1, 0), (sp.EV_GO_CREATE, 0, 1, 6, 0, 0, 0, 0),
    (sp.EV_GO_CREATE, 0, 1, 5, 0, 0, 0, 0), (sp.EV_GO_WAITING, 0, 1, 5, 0, 0, 0, 0),
    (sp.EV_GO_CREATE, 0, 1, 5, 0, 0, 0, 0), (sp.EV_GO_START, 0, 1, 7, 0, 0, 0, 0),
    (sp.EV_PROC_START, 0, 0, -7, 0, 0, 0, 0), (sp.EV_GO_SYS_CALL, 0, 6, 0, 0, 0, 9, 0),
    (sp.EV_GOMAXPROCS, 0, 0, 4, 0, 0, 2, 0), (sp.EV_GO_SYS_CALL, 0, 6, 0, 0, 0, 9, 0),
    (sp.EV_GO_START_LABEL, -1, 6, 6, 0, 2, 0, 0), (sp.EV_PROC_STOP, 0, 0, 0, 0, 0, 0, 0),
    (sp.EV_GO_SYS_CALL, 0, 6, 0, 0, 0, 0, 1), (sp.EV_GO_SYS_BLOCK, 0, 6, 0, 0, 0, 0, 0),
    (sp.EV_USER_TASK_CREATE, 1, 6, 3, 0, 1, (1 << 24) + 1, 0),
    (sp.EV_USER_TASK_END, 1, 6, 3, 0, 0, 0, 0), (sp.EV_USER_TASK_END, 1, 6, 3, 0, 0, 0, 0),
    (sp.EV_USER_REGION, 1, 6, 3, -1, 5, 0, 0), (sp.EV_USER_LOG, 1, 6, 3, 2, 0, 0, 0),
    (sp.EV_STW_START, 1, 6, -3, 0, 0, 0, 0), (sp.EV_STW_DONE, 1, 6, 0, 0, 0, 0, 0),
    (sp.EV_GO_CREATE, 1, 6, 8, (1 << 32) + 9, 0, 1, 0), (sp.EV_CPU_SAMPLE, 1, 6, 0, 0, 0, 2, 0),
    (sp.EV_USER_REGION, 1, 6, 3, 2, 5, 0, 0), (sp.EV_GO_END, 1, 6, 0, 0, 0, 0, 0),
]


@native
@pytest.mark.parametrize("slice_len", [1, 2, 3, 8, 100])
@pytest.mark.parametrize("version", [19, 21])
def test_converter_edge_cases_native_equals_python(slice_len: int, version: int,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Negative threads, re-created and popped early goroutines, huge stack ids, bad types."""
    monkeypatch.setattr(convert_v1, "SLICE", slice_len)
    ev = _events(EDGE_STREAM)
    got = _convert(ev, version, True)
    assert got == _convert(ev, version, False)
    assert got[1] == f"unexpected event type {sp.EV_USER_REGION}"


def _shift_sysexits(data: bytes, shift: int) -> bytes:
    """``data`` with every GoSysExit's real time set ``shift`` ticks from its emission's
    (negative: earlier, as the runtime writes it; positive: later, a damaged time)."""
    from trace_mutate import parse_v1, write_v1

    timed = decode_v1._TIMED
    records = parse_v1(data)
    now = 0
    for r in records:
        if r.typ == sp.EV_BATCH:
            now = r.args[1]
        elif timed[r.typ] and r.args:
            now += r.args[0]
            if r.typ == sp.EV_GO_SYS_EXIT and len(r.args) > 3 and r.args[3]:
                r.args[3] = max(now + shift, 1)
    return write_v1(data[:16], records)


@native
@pytest.mark.parametrize("shift", [-1, -5_000, 0, 1, 10**9], ids=lambda s: f"shift{s}")
@pytest.mark.parametrize("path", [DATA / "stress_start_stop_1_11_good",
                                  CORPUS / "go1.21" / "mixed.trace", CORPUS / "go1.21" / "leakhttp.trace"],
                         ids=lambda p: p.name)
def test_native_equals_python_when_syscall_exits_move(path: Path, shift: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Exits take their real time and move: earlier (valid traces; merged in place) or,
    with a damaged time, later (merged into a second array): both as the numpy twin."""
    if not path.exists():
        pytest.skip(f"{path} not here")
    _assert_same(_shift_sysexits(path.read_bytes(), shift), monkeypatch)


def _v1_batches(*batches: tuple[int, int, bytes]) -> bytes:
    """A go 1.21 trace of batches (P, ticks, events), then the frequency record."""
    from trace_mutate import encode_uvarint

    body = b"".join(b"\x41" + encode_uvarint(p) + encode_uvarint(t) + ev for p, t, ev in batches)
    return b"go 1.21 trace\0\0\0" + body + b"\x02" + encode_uvarint(1_000_000_000)


@native
def test_native_equals_python_when_a_ps_events_are_out_of_time_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """The time merge walks each P's batches in file order; a P whose events are out of time
    order there (its second batch starts before its first) is sorted first, by (time,
    index), as the numpy twin's stable sort does. P 1's batch interleaves with both."""
    start, stop = b"\x45\x01\x01", b"\x06\x01"  # ProcStart (dt 1, thread 1), ProcStop (dt 1)
    procs = b"\x84\x01\x04\x00"  # Gomaxprocs: dt 1, 4 procs, no stack
    data = _v1_batches((0, 1_000, procs + start + stop + start), (1, 600, start + stop + start + stop),
                       (0, 500, start + stop + start + stop))
    _assert_same(data, monkeypatch)
    monkeypatch.setattr(v1, "NATIVE", True)
    _, chunks = read_events(data, Tables())
    times = np.concatenate([c.time for c in chunks])
    assert (np.diff(times) >= 0).all() and len(times) > 8


_GOROUTINE_ARG = (sp.EV_GO_CREATE, sp.EV_GO_START, sp.EV_GO_START_LOCAL, sp.EV_GO_START_LABEL,
                  sp.EV_GO_UNBLOCK, sp.EV_GO_UNBLOCK_LOCAL, sp.EV_GO_SYS_EXIT,
                  sp.EV_GO_SYS_EXIT_LOCAL, sp.EV_GO_WAITING, sp.EV_GO_IN_SYSCALL)


def _shift_goroutines(data: bytes, shift: int) -> bytes:
    """``data`` with every goroutine id an event names (Args[0]) ``shift`` higher."""
    from trace_mutate import parse_v1, write_v1

    records = parse_v1(data)
    for r in records:
        if r.typ in _GOROUTINE_ARG and len(r.args) > 1:
            r.args[1] += shift
    return write_v1(data[:16], records)


@native
@pytest.mark.parametrize("shift", [0, 2**31, 2**40], ids=lambda s: f"shift{s}")
def test_goroutine_ids_past_int32_widen_the_columns(shift: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The C decoder keeps g, a0 and a1 in 4 bytes while every value fits; the first that
    does not widens its column in place. Either way the events are the numpy twin's, and
    the same goroutines, shifted."""
    data = _shift_goroutines((DATA / "stress_start_stop_1_11_good").read_bytes(), shift)
    dec = decode_v1.decode(data, 11, None, True)
    assert dec.g[0].dtype == (np.int32 if shift == 0 else np.int64)
    assert dec.a0[0].dtype == (np.int32 if shift == 0 else np.int64)
    assert dec.a1[0].dtype == np.int16  # sequence numbers and stack ids, small here
    _assert_same(data, monkeypatch)
    if shift:
        base = _run(_shift_goroutines(data, -shift), True, monkeypatch)[1]
        got = _run(data, True, monkeypatch)[1]
        g = list(COLUMNS).index("g")
        for want_c, got_c in zip(base[0], got[0], strict=True):  # type: ignore[index]
            want_g, got_g = np.frombuffer(want_c[g], np.int64), np.frombuffer(got_c[g], np.int64)
            real = want_g > 0
            assert (got_g[real] == want_g[real] + shift).all() and (got_g[~real] == want_g[~real]).all()


@native
@pytest.mark.parametrize("g", [7, 2**40], ids=["narrow", "wide"])
def test_cpu_sample_goroutine_past_int32_widens_g(g: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """A CPU sample's goroutine joins the g column when the samples are merged in: a narrow
    column takes it as it is when it fits, and is widened first when it does not."""
    from trace_mutate import encode_uvarint

    start = b"\x45\x01\x01"  # ProcStart: dt 1, thread 1
    procs = b"\x84\x01\x04\x00"  # Gomaxprocs: dt 1, 4 procs, no stack
    body = b"".join(encode_uvarint(x) for x in (0, 1_003, 0, g, 0))  # ts, real ts, P, G, stack
    sample = bytes([sp.EV_CPU_SAMPLE | 0xC0]) + encode_uvarint(len(body)) + body
    data = _v1_batches((0, 1_000, procs + start + sample + start))
    _assert_same(data, monkeypatch)
    cols = _run(data, True, monkeypatch)[1][0]  # type: ignore[index]
    gs = np.concatenate([np.frombuffer(c[list(COLUMNS).index("g")], np.int64) for c in cols])
    assert g in gs.tolist()


def _record(typ: int, *args: int) -> bytes:
    """One v1 record of type ``typ``: up to 3 arguments inline, more behind their length."""
    from trace_mutate import encode_uvarint

    body = b"".join(encode_uvarint(a) for a in args)
    if len(args) <= 3:
        return bytes([typ | (len(args) - 1) << 6]) + body
    return bytes([typ | 0xC0]) + encode_uvarint(len(body)) + body


@native
@pytest.mark.parametrize("stack", [9, 70_000], ids=["uint16", "uint32"])
def test_stack_ids_past_uint16_widen_the_column(stack: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stack ids are kept in 2 bytes while every one fits; the first past 65535 widens the
    column in place, and the events (stack included) are the numpy twin's either way."""
    record = _record
    events = (record(sp.EV_GOMAXPROCS, 1, 4, 0) + record(sp.EV_PROC_START, 1, 1)
              + record(sp.EV_GO_CREATE, 1, 5, 0, stack) + record(sp.EV_GO_START, 1, 5, 1)
              + record(sp.EV_GO_BLOCK_RECV, 1, stack))
    stacks = record(sp.EV_STRING, 1, 1) + b"f" + record(sp.EV_STACK, stack, 1, 0x1000, 1, 1, 7)
    data = _v1_batches((0, 1_000, stacks + events))
    dec = decode_v1.decode(data, 21, None, True)
    assert dec.error is None and dec.stk[0].dtype == (np.uint16 if stack < 65536 else np.uint32)
    _assert_same(data, monkeypatch)
    outcome, got, _ = _run(data, True, monkeypatch)
    k = list(COLUMNS).index("stack")
    assert outcome == "ok" and any(np.frombuffer(c[k], np.int32).any() for c in got[0])  # type: ignore[index]


@native
def test_sequence_numbers_past_int32_keep_their_goroutine_in_the_map(monkeypatch: pytest.MonkeyPatch) -> None:
    """The merge check keeps each goroutine's sequence number in 4 bytes; one that does not fit
    (a damaged trace's) moves the goroutine to the check's map for good, and the merge and its
    damage count are the numpy twin's."""
    record = _record
    big = 2**40
    events = (record(sp.EV_GOMAXPROCS, 1, 4, 0) + record(sp.EV_PROC_START, 1, 1)
              + record(sp.EV_GO_CREATE, 1, 5, 0, 0) + record(sp.EV_GO_START, 1, 5, big)
              + record(sp.EV_GO_SCHED, 1, 0) + record(sp.EV_GO_START, 1, 5, big + 1)
              + record(sp.EV_GO_SCHED, 1, 0) + record(sp.EV_GO_START, 1, 5, 2))
    data = _v1_batches((0, 1_000, events))
    _assert_same(data, monkeypatch)
    outcome, _, damage = _run(data, True, monkeypatch)
    assert outcome == "ok" and damage and "preceding events are missing" in damage[0][0]  # type: ignore[index]


def test_args1_kept_for_exactly_the_types_that_read_it() -> None:
    """The C decoder drops Args[1] of the types not in A1_READ: the list must be what the merge
    (a sequence number: _INIT_SEQ 3, _NEXT_SEQ 4) and the conversion (a stack from Args[1];
    a region's mode and a log's key) read."""
    from gotrace.trace import order_v1

    merge = {t for t in range(64) if order_v1._INIT_SEQ[t] == 3 or order_v1._NEXT_SEQ[t] == 4}
    conversion = {t for t, row in convert_v1._LAYOUT.items() if row[7] == "a1"}
    assert set(decode_v1.A1_READ) == merge | conversion | {sp.EV_USER_REGION, sp.EV_USER_LOG}
    assert set(decode_v1.A1_CONVERTED) == conversion | {sp.EV_USER_REGION, sp.EV_USER_LOG}


@native
@pytest.mark.parametrize("gap", [10, 2**33], ids=["offsets", "int64"])
def test_times_a_block_cannot_span_in_offsets_widen_the_column(gap: int,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The C decoder keeps times as int32 offsets from each block's first time; a time 2**31
    ticks or more from it widens the column to int64 times, in place. The events are the
    numpy twin's either way, and dense_ts gives the times back."""
    start, stop = b"\x45\x01\x01", b"\x06\x01"  # ProcStart (dt 1, thread 1), ProcStop (dt 1)
    procs = b"\x84\x01\x04\x00"  # Gomaxprocs: dt 1, 4 procs, no stack
    data = _v1_batches((0, 1_000, procs + start + stop), (1, 1_000 + gap, start + stop))
    dec = decode_v1.decode(data, 21, None, True)
    assert (dec.ts_base is None) == (gap > 2**31)
    assert dec.dense_ts().tolist() == [1_001, 1_002, 1_003, 1_001 + gap, 1_002 + gap]
    _assert_same(data, monkeypatch)
