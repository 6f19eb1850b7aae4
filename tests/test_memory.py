"""gotrace.memory: pages a single pass has left behind go back to the OS, the rest stays."""

from __future__ import annotations

import mmap
import sys

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
