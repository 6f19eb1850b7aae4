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
