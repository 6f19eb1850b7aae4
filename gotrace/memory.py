"""Giving memory back to the OS early: the pages of a column that a single pass has left behind.

A v1 trace's ordered events (about 27 bytes each: half a gigabyte for a 100 MB trace)
are converted front to back, a slice at a time. Held whole until the last slice,
they sat on top of the model being built from them. After each slice the pages
wholly before it are released (Linux ``madvise(MADV_DONTNEED)``): the array keeps
its shape and its allocation, which is freed as usual, but those pages no longer
count in the process's memory. They would read as zeros if anything looked back;
nothing does, since each converter reads ``[lo, hi)`` and what lies ahead only.
"""

from __future__ import annotations

import ctypes
import mmap
import sys

import numpy as np

_MADV_DONTNEED = 4
_PAGE = mmap.PAGESIZE


def _libc(name: str, *argtypes: type) -> ctypes._CFuncPtr | None:  # type: ignore[name-defined]
    """The C library's function ``name`` returning an int, on Linux; None where it is not
    there (another OS, or a C library other than glibc)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError):
        return None
    fn.argtypes = argtypes
    fn.restype = ctypes.c_int
    return fn


_madvise = _libc("madvise", ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int)
_malloc_trim = _libc("malloc_trim", ctypes.c_size_t)


def trim() -> None:
    """Give the OS back the heap memory freed so far (glibc keeps it for reuse).

    Reading a trace allocates and frees a chunk's columns millions of bytes at a time;
    glibc's heap keeps most of what was freed (~170 MB after a 119 MB trace), on top of
    the model built from it. Trimming during the read costs 30-60% of its time (every 8th
    chunk: 6% for 6% less peak); once after it, and once after the columns are made (~95
    MB more), costs milliseconds. A no-op where the C library has no ``malloc_trim``.
    """
    if _malloc_trim is not None:
        _malloc_trim(0)


def release_before(arr: np.ndarray, stop: int) -> int:
    """Return to the OS the whole pages of ``arr[:stop]``, which the caller never reads
    again; the bytes released (0 where the OS offers no way, or for a strided array)."""
    if _madvise is None or stop <= 0 or arr.ndim != 1 or not arr.flags.c_contiguous:
        return 0
    addr = arr.ctypes.data
    start = -(-addr // _PAGE) * _PAGE
    end = (addr + min(stop, len(arr)) * arr.itemsize) // _PAGE * _PAGE
    if end <= start or _madvise(start, end - start, _MADV_DONTNEED) != 0:
        return 0
    return end - start
