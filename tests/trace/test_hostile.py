"""Numbers a trace cannot mean: range-checked where the readers meet them, alike on both paths.

A time past MAX_TIME_NS, a goroutine id below 0, a P id beyond int32, a v1 tick
count past 2^62: each is damage. In the first generation (v2) or the first batch
(v1) it is a one-line error; later, what came before is kept and the loss is
reported. Never a traceback, never a model with a negative or wrapped span.
"""

from __future__ import annotations

import pytest
from conftest import DATA
from trace_mutate import Batch2, parse_v1, parse_v2, write_v1, write_v2
from twins import HAVE_C, Outcome, assert_twins, run

from gotrace.trace import spec_v1 as s1
from gotrace.trace import spec_v2 as s2
from gotrace.trace.decode_v1 import MAX_TICKS
from gotrace.trace.events import MAX_PROC_ID, MAX_TIME_NS
from gotrace.trace.varint import encode_uvarint

WORKER = DATA / "worker.go1.22.trace"  # two generations
GEN1_EVENTS, GEN2_EVENTS = 1, 10  # event batches of it (see trace_mutate.parse_v2)


def outcome(data: bytes) -> Outcome:
    """Both paths when the C accelerators are built (and they must agree), else Python."""
    return assert_twins(data) if HAVE_C else run(data, native=False)


def well_formed(out: Outcome) -> None:
    assert out.model is not None
    m = out.model
    assert m.span_ns is not None and 0 <= m.span_ns < MAX_TIME_NS + out.events
    for ivl in (m.intervals, m.procs):
        assert ivl is not None
        assert (ivl.start >= 0).all() and (ivl.end >= ivl.start).all()


def v2_with(change: dict[int, dict[str, int]], tokens: dict[tuple[int, int], int] | None = None
            ) -> bytes:
    data = WORKER.read_bytes()
    batches = parse_v2(data)
    for i, fields in change.items():
        for k, v in fields.items():
            setattr(batches[i], k, v)
    for (i, k), v in (tokens or {}).items():
        toks = batches[i].tokens
        assert toks is not None
        toks[k] = v
    return write_v2(data[:16], batches)


@pytest.mark.parametrize("ts", [MAX_TIME_NS // 64, 1 << 63, (1 << 64) - 1])
def test_v2_batch_time_out_of_range_in_first_generation_is_an_error(ts: int) -> None:
    out = outcome(v2_with({GEN1_EVENTS: {"time": ts}}))
    assert out.error is not None and "timestamp out of range" in out.error
    assert "\n" not in out.error


@pytest.mark.parametrize("ts", [MAX_TIME_NS // 64, 1 << 63, (1 << 64) - 1])
def test_v2_batch_time_out_of_range_later_keeps_the_first_generation(ts: int) -> None:
    out = outcome(v2_with({GEN2_EVENTS: {"time": ts}}))
    assert out.error is None
    assert any("timestamp out of range" in n and "generation 2" in n for n in out.notices)
    well_formed(out)
    assert len(out.model.goroutines) > 0  # type: ignore[union-attr]


def test_v2_time_delta_out_of_range() -> None:
    # Token 1 of an event batch is its first event's dt.
    out = outcome(v2_with({}, {(GEN2_EVENTS, 1): 1 << 63}))
    assert any("timestamp out of range" in n for n in out.notices)
    well_formed(out)


def _with_cpu_sample(time: int, p: int = 0, g: int = 0) -> bytes:
    """The worker trace with one CPU sample (M 1, stack 0) added to its second generation."""
    data = WORKER.read_bytes()
    batches = parse_v2(data)
    sample = Batch2(s2.EV_EVENT_BATCH, gen=2, m=(1 << 64) - 1, time=batches[GEN2_EVENTS].time,
                    tokens=[s2.EV_CPU_SAMPLES, s2.EV_CPU_SAMPLE, time, 1, p, g, 0])
    batches.insert(GEN2_EVENTS, sample)
    return write_v2(data[:16], batches)


def test_v2_cpu_sample_time_out_of_range() -> None:
    assert outcome(_with_cpu_sample(6105246507)).notices == []
    out = outcome(_with_cpu_sample(1 << 62))
    assert any("timestamp of a CPU sample out of range" in n for n in out.notices)
    well_formed(out)


@pytest.mark.parametrize(("p", "g"), [(MAX_PROC_ID + 1, 0), ((1 << 64) - 2, 0), (0, 1 << 63)])
def test_v2_cpu_sample_ids_out_of_range(p: int, g: int) -> None:
    out = outcome(_with_cpu_sample(6105246507, p, g))
    assert any("CPU sample with invalid proc" in n for n in out.notices)


@pytest.mark.parametrize(("typ", "args", "what"), [
    (s2.EV_PROC_STATUS, (MAX_PROC_ID + 1, s2.PROC_RUNNING), "proc ID 2147483648"),
    (s2.EV_PROC_STATUS, ((1 << 64) - 2, s2.PROC_IDLE), "proc ID -2"),
    (s2.EV_GO_STATUS, (1 << 63, 0, s2.GO_WAITING), "goroutine ID -9223372036854775808"),
])
def test_v2_ids_out_of_range(typ: int, args: tuple[int, ...], what: str) -> None:
    data = WORKER.read_bytes()
    batches = parse_v2(data)
    toks = batches[GEN1_EVENTS].tokens
    assert toks is not None
    batches[GEN1_EVENTS].tokens = [typ, 1, *args, *toks]
    out = outcome(write_v2(data[:16], batches))
    assert out.error is not None and f"{what} out of range" in out.error


def _tiny_v1(*batches: tuple[int, bytes], ticks_per_sec: int = 1_000_000_000) -> bytes:
    """A go 1.21 trace of batches (ticks, events) on P 0, then the frequency record."""
    body = b"".join(b"\x41\x00" + encode_uvarint(t) + ev for t, ev in batches)
    return b"go 1.21 trace\0\0\0" + body + b"\x02" + encode_uvarint(ticks_per_sec)


GOMAXPROCS = b"\x84\x01\x04\x00"  # dt 1, 4 procs, no stack
PROC_START = b"\x45\x01\x01"  # dt 1, thread 1
PROC_STOP = b"\x06\x01"  # dt 1


@pytest.mark.parametrize("ticks", [MAX_TICKS, 1 << 63, (1 << 64) - 1])
def test_v1_batch_ticks_out_of_range(ticks: int) -> None:
    out = outcome(_tiny_v1((ticks, GOMAXPROCS + PROC_START)))
    assert out.error is not None and "timestamp out of range (2^62 ticks" in out.error


@pytest.mark.parametrize("ticks", [MAX_TICKS, 1 << 63, (1 << 64) - 1])
def test_v1_bad_second_batch_header_keeps_the_first_batch(ticks: int) -> None:
    out = outcome(_tiny_v1((5, GOMAXPROCS + PROC_START), (ticks, PROC_STOP)))
    assert out.error is None
    assert any("timestamp out of range" in n for n in out.notices)
    well_formed(out)
    assert out.model is not None and out.model.proc_ids == [0]


@pytest.mark.parametrize("dt", [MAX_TICKS, (1 << 64) - 1, MAX_TICKS - 3])
def test_v1_time_delta_out_of_range(dt: int) -> None:
    huge_stop = bytes([s1.EV_PROC_STOP]) + encode_uvarint(dt)
    out = outcome(_tiny_v1((5, GOMAXPROCS + PROC_START), (6, huge_stop)))
    assert any("timestamp out of range" in n for n in out.notices)
    well_formed(out)


def test_v1_frequency_that_puts_events_past_the_bound_drops_them() -> None:
    # One tick per second: the second batch, 2^40 ticks later, would be 2^40 s away.
    out = outcome(_tiny_v1((5, GOMAXPROCS + PROC_START), (1 << 40, PROC_STOP), ticks_per_sec=1))
    assert any("dropped the last 1 events" in n for n in out.notices)
    well_formed(out)


def test_v1_syscall_exit_timestamp_out_of_range() -> None:
    # GoSysExit: dt, g, seq, real timestamp (length-prefixed: 4 arguments).
    args = b"".join(encode_uvarint(a) for a in (1, 1, 1, 1 << 63))
    exit_ = bytes([s1.EV_GO_SYS_EXIT | 3 << 6]) + encode_uvarint(len(args)) + args
    out = outcome(_tiny_v1((5, GOMAXPROCS + PROC_START), (6, exit_)))
    assert any("timestamp out of range" in n for n in out.notices)


def test_mutate_round_trips_the_seeds() -> None:
    """The campaign's structured mutations start from an exact re-encoding."""
    v1 = (DATA / "v1" / "user_task_region_1_11_good").read_bytes()
    assert write_v1(v1[:16], parse_v1(v1)) == v1
    v2 = (DATA / "gotests" / "go122-gc-stress.trace").read_bytes()
    assert write_v2(v2[:16], parse_v2(v2)) == v2
