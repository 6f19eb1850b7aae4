"""The hand-written decoders agree with the construct spec on real traces."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import construct as cs
import numpy as np
import pytest
from conftest import CORPUS, DATA

from gotrace.trace import spec_v2
from gotrace.trace.order_v2 import Cursor, OrderError, sort_frontier
from gotrace.trace.v2 import Generation, RawBatch, _add_stacks, _set_sync, read_batch
from gotrace.trace.varint import encode_uvarint

TRACES = [DATA / "v2small.trace"] + (
    sorted(CORPUS.glob("go1.2[2-6]/*.trace")) if CORPUS.is_dir() else [])


def batches(data: bytes) -> list[tuple[int, RawBatch, Any]]:
    off, out = 16, []
    while off < len(data):
        b, nxt = read_batch(data, off)
        parsed = spec_v2.Batch.parse(data[off:nxt])
        out.append((off, b, parsed))
        off = nxt
    return out


def hand_events(data: bytes, off: int, size: int) -> list[tuple[int, tuple[int, ...]]]:
    """Walk a batch the way the reader's hot loop does."""
    u8 = np.frombuffer(data, np.uint8)
    c = Cursor(1, [(off, size, 1)])
    out = []
    while c.next_event(u8, 1.0):
        w = spec_v2.TIMED_WIDTH[c.ev_typ]
        out.append((c.ev_typ, tuple(c.vals[c.ev_pos + 1:c.ev_pos + w])))
    return out


@pytest.mark.parametrize("path", TRACES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_hot_loop_and_stack_decoder_match_construct(path: Path) -> None:
    data = path.read_bytes()
    version = int(data[5:7])
    events = spec_v2.event_batch_data(version)
    seen = 0
    for _, b, parsed in batches(data):
        assert (b.gen, b.m % (1 << 64), b.time, b.size) == (
            parsed.header.gen, parsed.header.m, parsed.header.time, parsed.header.size) or \
            b.end_of_gen
        if b.end_of_gen or b.exp or b.size == 0:
            continue
        if b.first == spec_v2.EV_STACKS:
            g = Generation()
            _add_stacks(g, np.frombuffer(data, np.uint8), b)
            spec = spec_v2.StacksBatch.parse(parsed.data)
            assert {s.id: [f.pc for f in s.frames] for s in spec.stacks} == g.stacks
            for s in spec.stacks:
                for f in s.frames:
                    assert f.pc in g.pcs
        elif b.first in (spec_v2.EV_STRINGS, spec_v2.EV_CPU_SAMPLES, spec_v2.EV_FREQUENCY,
                         spec_v2.EV_SYNC):
            continue
        else:
            want = [(e.type, tuple(v for k, v in e.args.items() if k != "_io"))
                    for e in events.parse(parsed.data).events]
            assert hand_events(data, b.off, b.size) == want
            seen += len(want)
    assert seen > 1000


def test_hot_loop_rejects_an_event_cut_short() -> None:
    # GoStart needs dt, g, seq: only two varints follow.
    data = bytes([spec_v2.EV_GO_START, 5, 7])
    c = Cursor(1, [(0, len(data), 1)])
    with pytest.raises(OrderError):
        c.next_event(np.frombuffer(data, np.uint8), 1.0)


def test_specs_per_version_grow() -> None:
    assert len(spec_v2.specs_for(22)) == spec_v2.EV_USER_LOG + 1
    assert spec_v2.event_name(22, spec_v2.EV_GO_SWITCH) == "Invalid(45)"
    assert spec_v2.event_name(23, spec_v2.EV_GO_SWITCH) == "GoSwitch"
    assert spec_v2.event_name(26, spec_v2.EV_CLOCK_SNAPSHOT) == "ClockSnapshot"


def _cursor(t: int, tag: int) -> Cursor:
    c = Cursor(tag, [])
    c.ev_time = t
    return c


@pytest.mark.parametrize("n", [5, 12, 13, 40, 77, 300])
def test_frontier_sort_orders_by_time(n: int) -> None:
    rng = np.random.default_rng(n)
    cs = [_cursor(int(t), i) for i, t in enumerate(rng.integers(0, 6, n))]
    sort_frontier(cs)
    times = [c.ev_time for c in cs]
    assert times == sorted(times)
    assert sorted(c.m for c in cs) == list(range(n))


def test_frontier_sort_small_is_stable_like_go_insertion_sort() -> None:
    cs = [_cursor(t, i) for i, t in enumerate([3, 1, 3, 1, 2, 3, 1])]
    sort_frontier(cs)
    assert [c.m for c in cs] == [1, 3, 6, 4, 0, 2, 5]


def _sync_payload(records: list[tuple[int, ...]], version: int) -> bytes:
    out = bytes([spec_v2.EV_SYNC]) if version >= 25 else b""
    for typ, *args in records:
        out += bytes([typ]) + b"".join(encode_uvarint(a) for a in args)
    return out


def _read_sync(payload: bytes, version: int) -> Generation:
    g = Generation()
    _set_sync(g, payload, RawBatch(1, 0, 0, 0, len(payload), 0, payload[0] if payload else -1),
              version)
    return g


FREQ = (spec_v2.EV_FREQUENCY, 15_625_000)
CLOCK = (spec_v2.EV_CLOCK_SNAPSHOT, 3, 99, 1_700_000_000, 123)


@pytest.mark.parametrize(("version", "records"), [
    (22, [FREQ]), (25, [FREQ, CLOCK]), (25, [CLOCK, FREQ]), (26, [FREQ]),
])
def test_sync_batch_reader_matches_construct(version: int, records: list[tuple[int, ...]]
                                             ) -> None:
    payload = _sync_payload(records, version)
    spec = (spec_v2.SyncBatch if version >= 25 else spec_v2.FrequencyBatch).parse(payload)
    g = _read_sync(payload, version)
    freqs = [r.freq for r in spec.records if r.type == spec_v2.EV_FREQUENCY]
    assert g.freq == 1.0 / (freqs[0] / 1e9)
    assert g.has_clock == any(r.type == spec_v2.EV_CLOCK_SNAPSHOT for r in spec.records)


@pytest.mark.parametrize(("version", "payload", "go_says", "grammar"), [
    (22, bytes([spec_v2.EV_FREQUENCY, 0x30, 0x30]), "expected frequency or clock snapshot "
                                                    "event, got 48", True),
    (23, _sync_payload([FREQ, CLOCK], 23), "got 51", True),
    (25, _sync_payload([FREQ], 22), "missing sync batch header", True),
    (22, bytes([spec_v2.EV_FREQUENCY, 0x80]), "malformed sync batch: truncated varint", True),
    (25, _sync_payload([FREQ, FREQ], 25), "found multiple frequency events", False),
    (25, _sync_payload([CLOCK, CLOCK], 25), "found multiple clock snapshot events", False),
])
def test_sync_batch_errors_are_gos(version: int, payload: bytes, go_says: str,
                                   grammar: bool) -> None:
    """Where the grammar is broken construct rejects the batch too, but says only 'Error
    in path'; the reader says what Go says (and also rejects repeated records)."""
    if grammar:
        with pytest.raises(cs.ConstructError):
            (spec_v2.SyncBatch if version >= 25 else spec_v2.FrequencyBatch).parse(payload)
    with pytest.raises(ValueError, match=go_says):
        _read_sync(payload, version)
