"""Damaged v2 traces: a valid prefix of whole generations plus a Damage, or TraceFormatError."""

from __future__ import annotations

from functools import cache

import pytest
from conftest import CORPUS, DATA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gotrace.errors import TraceFormatError
from gotrace.tables import Tables
from gotrace.trace.events import EventChunk, Kind, TraceInfo
from gotrace.trace.reader import read_events
from gotrace.trace.textdump import event_lines

# Two generations each: Go 1.22's "spilled batch" framing and Go 1.26's end marker.
MULTI_GEN = ["go1.22/worker.trace", "go1.26/worker.trace"]
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")


@cache
def trace(name: str) -> bytes:
    return (DATA / name).read_bytes() if name.startswith("v2") else (CORPUS / name).read_bytes()


@cache
def full_lines(name: str) -> tuple[str, ...]:
    tables = Tables()
    _, chunks = read_events(trace(name), tables)
    return tuple(event_lines(chunks, tables))


def read(data: bytes) -> tuple[TraceInfo, list[EventChunk], list[str]]:
    tables = Tables()
    info, it = read_events(data, tables)
    chunks = list(it)
    return info, chunks, list(event_lines(chunks, tables))


def well_formed(chunks: list[EventChunk]) -> None:
    last = 0
    for c in chunks:
        n = len(c.time)
        for col in (c.kind, c.g, c.p, c.m, c.stack, c.res_kind, c.res, c.frm, c.to, c.name,
                    c.tstack, c.task):
            assert len(col) == n
        if n:
            assert c.time[0] > last and (c.time[1:] > c.time[:-1]).all()
            last = int(c.time[-1])


def check_cut(name: str, cut: int) -> None:
    full = full_lines(name)
    try:
        info, chunks, lines = read(trace(name)[:cut])
    except TraceFormatError as e:
        assert "\n" not in str(e)
        return
    well_formed(chunks)
    assert info.events == len(lines)
    assert lines[-1].split()[1] == str(int(Kind.SYNC))
    body = lines[:-1]
    assert tuple(body) == full[:len(body)]
    if len(body) < len(full) - 1:
        # What was kept ends exactly where a generation ends.
        assert full[len(body)].split()[1] == str(int(Kind.SYNC))
    for d in info.damage:
        assert "\n" not in d.message and d.bytes_lost > 0


@needs_corpus
@pytest.mark.parametrize("name", MULTI_GEN)
def test_truncated_in_second_generation_keeps_the_first(name: str) -> None:
    data = trace(name)
    info, _chunks, lines = read(data[: len(data) - 5000])
    assert info.damage and "truncated" in info.damage[0].message
    assert "generation" in info.damage[0].message
    syncs = [ln for ln in lines if ln.split()[1] == "1"]
    assert len(syncs) == 2  # the first generation's opening sync and the closing one
    check_cut(name, len(data) - 5000)


def test_truncated_first_generation_is_a_format_error() -> None:
    data = trace("v2small.trace")
    with pytest.raises(TraceFormatError, match=r"truncated|incomplete"):
        read(data[: len(data) // 2])


@needs_corpus
@pytest.mark.parametrize("name", MULTI_GEN)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frac=st.floats(0.0, 1.0))
def test_any_cut_gives_a_prefix_or_a_format_error(name: str, frac: float) -> None:
    check_cut(name, int(len(trace(name)) * frac))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frac=st.floats(0.0, 1.0))
def test_any_cut_of_the_small_trace(frac: float) -> None:
    check_cut("v2small.trace", int(len(trace("v2small.trace")) * frac))


def flip(data: bytes, flips: list[tuple[float, int]]) -> bytes:
    b = bytearray(data)
    for where, bit in flips:
        i = 16 + int((len(b) - 17) * where)
        b[i] ^= 1 << bit
    return bytes(b)


FLIPS = st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 7)), min_size=1, max_size=4)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flips=FLIPS)
def test_flipped_bytes_never_escape_as_other_errors(flips: list[tuple[float, int]]) -> None:
    try:
        _, chunks, _ = read(flip(trace("v2small.trace"), flips))
    except TraceFormatError as e:
        assert "\n" not in str(e)
        return
    well_formed(chunks)


@needs_corpus
@pytest.mark.parametrize("name", MULTI_GEN)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flips=FLIPS)
def test_flipped_bytes_in_multi_generation_traces(name: str,
                                                  flips: list[tuple[float, int]]) -> None:
    try:
        info, chunks, _ = read(flip(trace(name), flips))
    except TraceFormatError as e:
        assert "\n" not in str(e)
        return
    well_formed(chunks)
    for d in info.damage:
        assert "\n" not in d.message


@needs_corpus
@pytest.mark.parametrize("name", MULTI_GEN)
@pytest.mark.parametrize("missing", [1, 2, 17])
def test_cut_near_the_end_reports_the_whole_dropped_generation(name: str, missing: int) -> None:
    # Losing the last bytes drops the whole last generation; the loss reported
    # must count from that generation's first byte, never as 0 bytes.
    check_cut(name, len(trace(name)) - missing)


@needs_corpus
def test_a_generation_that_cannot_be_ordered_still_ends_the_stream_with_a_sync() -> None:
    """Cut where generation 2's batches are there but cannot be ordered ("failed to advance"):
    generation 1 is kept whole, then the closing Sync (it was left off: found by the cut test)."""
    data = trace("go1.22/worker.trace")
    cut = int(len(data) * 0.9591860172029973)
    info, _chunks, _lines = read(data[:cut])
    assert "failed to advance" in info.damage[0].message
    check_cut("go1.22/worker.trace", cut)
