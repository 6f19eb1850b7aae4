"""gotrace.memory: pages a single pass has left behind go back to the OS, the rest stays."""

from __future__ import annotations

import gzip
import json
import mmap
import sys
from pathlib import Path

import numpy as np
import pytest

from gotrace.memory import release_before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise(MADV_DONTNEED) is Linux's")
def test_whole_pages_before_the_mark_are_released_and_the_rest_is_kept() -> None:
    n = 16 * mmap.PAGESIZE // 8
    a = np.arange(1, n + 1, dtype=np.int64)
    released = release_before(a, n // 2)
    assert mmap.PAGESIZE * 6 <= released <= n // 2 * 8
    assert (a[n // 2:] == np.arange(n // 2 + 1, n + 1)).all()  # after the mark: untouched
    start = -(-a.ctypes.data // mmap.PAGESIZE) * mmap.PAGESIZE
    first = (start - a.ctypes.data) // 8
    gone = a[first: first + released // 8]
    assert (gone == 0).all()  # released: what was there is gone (nothing may read it again)
    assert (a[:first] == np.arange(1, first + 1)).all()  # the partial page before: kept


def test_nothing_to_release() -> None:
    a = np.arange(100, dtype=np.int64)
    assert release_before(a, 0) == 0
    assert release_before(a, 10) == 0  # less than a page
    assert release_before(np.arange(10_000)[::2], 5_000) == 0  # strided: left alone


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise(MADV_DONTNEED) is Linux's")
@pytest.mark.parametrize("name", ["spike.go1.27.trace", "spike.go1.25.trace", "leak.go1.23.trace"])
def test_a_consumed_v2_trace_gives_the_same_model_and_its_read_pages_back(name: str) -> None:
    """``read_events(consume=True)`` (the loader hands the file's bytes over) releases each
    generation's pages once it is ordered; the model must not notice."""
    from conftest import SAMPLES

    from gotrace.model.from_trace import build_trace_model
    from gotrace.tables import Tables
    from gotrace.trace.reader import read_events
    from gotrace.trace.v2 import generations

    path = SAMPLES / name
    models = []
    for consume in (False, True):
        data = path.read_bytes()
        tables = Tables()
        info, chunks = read_events(data, tables, consume=consume)
        models.append(build_trace_model(chunks, info, tables, "t"))
    kept, consumed = models
    for f in ("id", "state", "reason", "wait_ns", "exec_ns", "last_stack", "block_ns"):
        np.testing.assert_array_equal(getattr(kept.goroutines, f), getattr(consumed.goroutines, f))
    assert kept.intervals is not None and consumed.intervals is not None
    np.testing.assert_array_equal(kept.intervals.start, consumed.intervals.start)
    assert kept.tables.strings == consumed.tables.strings
    ends = [g.end for g in generations(path.read_bytes(), kept.info.version)]  # type: ignore[union-attr]
    if ends[0] < 2 * mmap.PAGESIZE:
        pytest.skip("the first generation is under two pages")
    page = mmap.PAGESIZE
    u8 = np.frombuffer(data, np.uint8)
    lo = -(-u8.ctypes.data // page) * page - u8.ctypes.data  # the first whole page
    assert not u8[lo:lo + page].any()  # given back: reads as zeros now


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="madvise(MADV_DONTNEED) is Linux's")
@pytest.mark.parametrize("native", [True, False], ids=["c", "python"])
def test_pages_behind_every_m_go_back_within_a_generation(native: bool,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Within a generation, after each chunk, the pages before every M's current batch
    (the orderer's low water) are given back: a big trace's generation no longer sits
    whole under the model. Both orderers say the same low water; the model is unchanged."""
    from gotrace.model.from_trace import build_trace_model
    from gotrace.tables import Tables
    from gotrace.trace import v2
    from gotrace.trace.reader import parse_header

    if native and not v2.NATIVE:
        pytest.skip("C orderer not built")
    monkeypatch.setattr(v2, "CHUNK_EVENTS", 257)
    zoo = Path(__file__).parent / "data" / "zoo"
    files = {p["name"]: p["files"] for p in json.loads((zoo / "manifest.json").read_text())["programs"]}
    trace = gzip.decompress((zoo / files["accept_loop"]["go1.27"]["trace"]).read_bytes())
    marks: list[int] = []
    real = v2.release_before
    monkeypatch.setattr(v2, "release_before", lambda arr, n: (marks.append(n), real(arr, n))[1])
    models = []
    for consume in (False, True):
        data = bytes(bytearray(trace))  # a copy: the consuming read zeroes what it gives back
        tables = Tables()
        info = parse_header(data)
        chunks = v2.read(data, info, tables, None, native, consume=consume)
        models.append(build_trace_model(chunks, info, tables, "t"))
    kept, consumed = models
    for f in ("id", "state", "reason", "wait_ns", "exec_ns", "last_stack", "block_ns"):
        np.testing.assert_array_equal(getattr(kept.goroutines, f), getattr(consumed.goroutines, f))
    first_end = next(v2.generations(trace, kept.info.version)).end  # type: ignore[union-attr]
    released = np.cumsum(marks)
    assert (released < first_end).sum() >= 2  # given back while its one generation was read


def test_both_orderers_say_the_same_low_water() -> None:
    from conftest import SAMPLES

    from gotrace.tables import Tables
    from gotrace.trace import v2
    from gotrace.trace.reader import parse_header

    if not v2.NATIVE:
        pytest.skip("C orderer not built")
    data = (SAMPLES / "spike.go1.27.trace").read_bytes()
    u8 = np.frombuffer(data, np.uint8)
    seen = []
    for native in (True, False):
        tables = Tables()
        info = parse_header(data)
        order = v2.new_orderer(info.version, native)
        marks = []
        for g in v2.generations(data, info.version):
            remap = v2._Remap(g, tables)
            if native:
                order.set_remap(remap.str_keys, remap.str_vals, remap.stack_keys, remap.stack_vals)
            order.start_generation(g.gen, g.freq, u8, g.strings, list(g.batches.items()), g.cpu)
            marks.append(order.low_water())
            while not order.run(257):
                marks.append(order.low_water())
                order.take() if not native else v2.build_chunk_native(order, remap, 0)
            marks.append(order.low_water())
        seen.append(marks)
    assert seen[0] == seen[1] and len(seen[0]) > 4 and seen[0][-1] is None
