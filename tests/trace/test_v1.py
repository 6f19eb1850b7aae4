"""The old-format (v1) reader against Go's own stream, and against damage."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import construct as cs
import numpy as np
import pytest
from conftest import CORPUS
from conftest import DATA as _DATA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gotrace.errors import TraceFormatError
from gotrace.tables import Tables
from gotrace.trace import decode_v1, spec_v1
from gotrace.trace.events import COLUMNS, EventChunk, Kind
from gotrace.trace.reader import read_events
from gotrace.trace.textdump import event_lines

DATA = _DATA / "v1"
GOLDEN = sorted(p.name for p in DATA.iterdir() if p.name.endswith("_good"))


def _read(data: bytes) -> tuple[list[EventChunk], Tables, object]:
    tables = Tables()
    info, it = read_events(data, tables)
    return list(it), tables, info


@pytest.mark.parametrize("name", GOLDEN)
def test_stream_equals_go(name: str) -> None:
    chunks, tables, info = _read((DATA / name).read_bytes())
    want = gzip.decompress((DATA / f"{name}.eventdump.gz").read_bytes()).decode().splitlines()
    assert list(event_lines(chunks, tables)) == want
    assert info.events == len(want)  # type: ignore[attr-defined]
    assert info.damage == []  # type: ignore[attr-defined]


def _corpus_traces() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted([*CORPUS.glob("go1.19/*.trace"), *CORPUS.glob("go1.21/*.trace")])


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize("path", _corpus_traces(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_event_count_matches_go(path: Path) -> None:
    ref = CORPUS / "reference" / f"{path.parent.name}__{path.name}.json.gz"
    want = json.loads(gzip.decompress(ref.read_bytes()))["events"]
    _, _, info = _read(path.read_bytes())
    assert info.events == want  # type: ignore[attr-defined]
    assert info.damage == []  # type: ignore[attr-defined]


def _check_valid(chunks: list[EventChunk], tables: Tables) -> None:
    assert chunks, "a stream always has at least its final sync"
    assert chunks[0].kind[0] == Kind.SYNC and chunks[-1].kind[-1] == Kind.SYNC
    times = np.concatenate([c.time for c in chunks])
    assert (np.diff(times[1:-1]) > 0).all() if len(times) > 3 else True
    for c in chunks:
        for name, dtype in COLUMNS.items():
            assert getattr(c, name).dtype == dtype
        assert ((c.stack >= 0) & (c.stack < len(tables.stacks))).all()
        assert ((c.tstack >= 0) & (c.tstack < len(tables.stacks))).all()
        assert ((c.name >= 0) & (c.name < len(tables.strings))).all()
    list(event_lines(chunks, tables))


def _read_or_reject(data: bytes) -> None:
    try:
        chunks, tables, info = _read(data)
    except TraceFormatError as e:
        assert "\n" not in str(e)
        return
    _check_valid(chunks, tables)
    assert info.events == sum(len(c) for c in chunks)  # type: ignore[attr-defined]


SAMPLE = (DATA / "stress_start_stop_1_11_good").read_bytes()


@pytest.mark.parametrize("cut", [16, 17, 40, 1000, len(SAMPLE) // 2, len(SAMPLE) - 1])
def test_truncated_keeps_whole_batches_and_reports(cut: int) -> None:
    data = SAMPLE[:cut]
    try:
        chunks, tables, info = _read(data)
    except TraceFormatError:
        return
    assert info.damage  # type: ignore[attr-defined]
    assert all("\n" not in d.message for d in info.damage)  # type: ignore[attr-defined]
    _check_valid(chunks, tables)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cut=st.integers(16, len(SAMPLE)),
       flips=st.lists(st.tuples(st.integers(16, len(SAMPLE) - 1), st.integers(0, 255)),
                      max_size=4))
def test_fuzz_cut_and_flip(cut: int, flips: list[tuple[int, int]]) -> None:
    data = bytearray(SAMPLE)
    for pos, val in flips:
        data[pos] = val
    _read_or_reject(bytes(data[:cut]))


def test_not_a_v1_trace_body_is_rejected() -> None:
    with pytest.raises(TraceFormatError):
        _read(b"go 1.21 trace\x00\x00\x00" + b"\xff" * 10)


def test_fast_decoder_matches_construct_spec() -> None:
    """The unit-chain decoder and the declarative grammar read the same records."""
    for name in GOLDEN:
        data = (DATA / name).read_bytes()
        version = int(spec_v1.HEADER.parse(data[:16]).version.split()[0])
        recs = spec_v1.TRACE.parse(data).records
        want_ts, want_typ, want_args = [], [], []
        stacks: dict[int, list[int]] = {}
        last_ts = 0
        for r in recs:
            t = r.head.type
            if t == spec_v1.EV_STRING:
                continue
            args = list(r.body.args)
            if t == spec_v1.EV_BATCH:
                last_ts = args[1]
            elif t == spec_v1.EV_STACK:
                parsed = spec_v1.STACK_ARGS.parse(b"".join(cs.VarInt.build(a) for a in args))
                if parsed.id and parsed.size:
                    stacks[parsed.id] = [f.pc for f in parsed.frames]
            elif t in decode_v1._NOT_TIMED:
                continue
            else:
                spec = spec_v1.EVENTS[t]
                last_ts += args[0]
                real = args[1:len(args) - (1 if spec.stack else 0)]
                want_ts.append(last_ts)
                want_typ.append(t)
                want_args.append(([*real, 0, 0, 0])[:3])
        dec = decode_v1.decode(data, version)
        assert dec.error is None
        assert np.concatenate(dec.ts).tolist() == want_ts
        assert np.concatenate(dec.typ).tolist() == want_typ
        got = np.stack([np.concatenate(dec.a0), np.concatenate(dec.a1),
                        np.concatenate(dec.a2)], axis=1).tolist()
        assert got == want_args
        assert dec.stacks == stacks


def test_small_windows_decode_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """Big traces are decoded in windows; records crossing a window edge must survive."""
    data = SAMPLE
    want = decode_v1.decode(data, 11)
    monkeypatch.setattr(decode_v1, "WINDOW", 97)
    got = decode_v1.decode(data, 11)
    for name in ("ts", "typ", "p", "g", "a0", "a1", "a2", "stk"):
        assert np.concatenate(getattr(got, name)).tolist() == \
            np.concatenate(getattr(want, name)).tolist()
    assert got.stacks == want.stacks and got.strings == want.strings


CUT = DATA / "keepalive_1_21_cut.trace"  # corpus go1.21/keepalive.trace, first 33522 bytes


@pytest.mark.parametrize("use_native", [False, True])
def test_cut_trace_keeps_events_whose_predecessors_are_missing(
        use_native: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cut trace loses the P-less buffer (flushed only at the end), so some
    events wait for predecessors that never come. Go rejects the whole trace;
    the old reader dropped everything from the first such event on (97% of a
    20 MB prefix of a churn trace). Every event of the whole batches is kept,
    in time order, and the rejects are counted in one damage line."""
    from gotrace.trace import order_v1, v1

    if use_native and not decode_v1.NATIVE:
        pytest.skip("C accelerator not built")
    monkeypatch.setattr(v1, "NATIVE", use_native)
    data = CUT.read_bytes()
    dec = decode_v1.decode(data, 21, None, use_native)
    decoded = dec.n_events + len(dec.cpu)
    ev = order_v1.order(dec, use_native)
    assert len(ev.ts) == decoded
    assert 0 < ev.unordered < decoded // 20
    chunks, tables, info = _read(data)
    _check_valid(chunks, tables)
    damage = [d.message for d in info.damage]  # type: ignore[attr-defined]
    rejected = [m for m in damage if "ordering rejects" in m]
    total = ev.unordered + ev.stray_exits + ev.early_exits
    assert len(rejected) == 1 and f"kept {total} events" in rejected[0]
    assert not any("dropped" in m for m in damage)
    typ = np.concatenate(decode_v1.decode(data, 21).typ)
    sysblocks = int((typ == spec_v1.EV_GO_SYS_BLOCK).sum())
    assert info.events >= decoded - sysblocks  # type: ignore[attr-defined]


def test_cut_at_a_record_boundary_keeps_the_batches() -> None:
    """Without the frequency record (written last) the times stay in ticks."""
    data = (DATA / "stress_start_stop_1_11_good").read_bytes()
    dec = decode_v1.decode(data, 11)
    assert dec.error is None
    chunks, tables, info = _read(data[:4000])
    if not info.damage:  # type: ignore[attr-defined]
        pytest.fail("a cut trace must report damage")
    _check_valid(chunks, tables)


def _tiny_v1(*events: bytes) -> bytes:
    """A one-batch go 1.21 trace (P 0) holding ``events``, then a 1 GHz frequency record."""
    from gotrace.trace.varint import encode_uvarint

    return (b"go 1.21 trace\0\0\0" + b"\x41\x00\x01" + b"".join(events)
            + b"\x02" + encode_uvarint(1_000_000_000))


GOMAXPROCS = b"\x84\x01\x04\x00"  # dt 1, 4 procs, no stack
PROC_START = b"\x45\x01\x01"  # dt 1, thread 1
FUTILE_WAKEUP = b"\x24\x01"  # dt 1: decodes, but Go's converter rejects the type


@pytest.mark.parametrize("use_native", [False, True])
def test_conversion_stopping_after_good_events_keeps_them(
        use_native: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    from gotrace.trace import v1

    if use_native and not decode_v1.NATIVE:
        pytest.skip("C accelerator not built")
    monkeypatch.setattr(v1, "NATIVE", use_native)
    chunks, _, info = _read(_tiny_v1(GOMAXPROCS, PROC_START, FUTILE_WAKEUP))
    kinds = np.concatenate([c.kind for c in chunks]).tolist()
    assert kinds == [Kind.SYNC, Kind.STATE_TRANSITION, Kind.SYNC]
    assert [d.message for d in info.damage] == [  # type: ignore[attr-defined]
        "conversion stopped: unexpected event type 36"]


@pytest.mark.parametrize("use_native", [False, True])
def test_conversion_stopping_before_any_event_is_an_error(
        use_native: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Go rejects it; salvage is for losing a tail, and here nothing would be left."""
    from gotrace.trace import v1

    if use_native and not decode_v1.NATIVE:
        pytest.skip("C accelerator not built")
    monkeypatch.setattr(v1, "NATIVE", use_native)
    with pytest.raises(TraceFormatError, match="no event could be converted: unexpected event "
                                               "type 36"):
        _read(_tiny_v1(FUTILE_WAKEUP, GOMAXPROCS, PROC_START))
