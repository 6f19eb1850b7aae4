"""A trace's interval table in files, not memory.

The interval table is most of a big trace's model (620 MB of a 111 MB trace's, where
its goroutines take 390 MB), and only the viewer's stories and timelines, ``procs`` and
``export`` read it, a small part at a time. Built in memory it set the viewer loader's
peak (1.45 GB, 13x that file). Given a spill directory, the C summary writes the
intervals to a scratch file as they close and sorts them from there into one ``.npy``
file a column (``_summary.c``, ``sort_spilled``); the table is then those files mapped
read-only, so the OS pages in what is read and can drop it again, and the viewer and
its loader map the same files (:mod:`gotrace.tui.loader`) and the model cache links them
into its entry rather than copying them (:func:`gotrace.cache.store`).

A spill directory lives as long as whoever made it: :func:`gotrace.spilldir.directory` makes one for the
process, removed when it exits; the viewer hands its own to the loader it starts. Mapped
columns stay readable after their files are removed (POSIX).
"""

from __future__ import annotations

import mmap
import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..errors import GotraceError
from .core import Intervals

SPILL_FROM = 256 << 20

def wanted(size: int) -> bool:
    """Whether a one-shot command reading a trace of ``size`` bytes should keep its interval
    table in files. The files cost time (``procs`` on a 111 MB trace: 4.6-5.7 s against
    3.1-3.3 s, on disk or tmpfs alike) and save private memory (1.35 GB there) but not
    RSS, which counts the table's pages as they are read. From :data:`SPILL_FROM` (a
    table of 1.5 GB and more) memory is what runs out first. The viewer always spills:
    it keeps the table for a whole session, and builds it behind its first screen."""
    return size >= SPILL_FROM


@contextmanager
def writing(spill: Path | None) -> Iterator[None]:
    """An OSError while the interval table's files are written (a full disk, most often)
    as the one line a user can act on."""
    try:
        yield
    except OSError as e:
        if spill is None:
            raise
        raise GotraceError(f"cannot write the interval table's files in {spill}: "
                           f"{e.strerror or e} (TMPDIR chooses where)") from None


def scratch(spill: Path) -> tuple[IO[bytes], IO[bytes]]:
    """The summary's two scratch files (the batches, then the partitions), nameless in
    ``spill``: they go when closed."""
    return tempfile.TemporaryFile(dir=spill), tempfile.TemporaryFile(dir=spill)


def create(spill: Path, dtypes: Sequence[tuple[str, Any]], n: int, nrows: int
           ) -> tuple[Path, list[tuple[IO[bytes], int]]]:
    """A new folder in ``spill`` with an empty ``.npy`` file for each interval column,
    sized for ``n`` intervals of ``nrows`` rows (``starts``: ``nrows + 1``); the folder
    and each file with where its data begins, for the sort to write into."""
    where = Path(tempfile.mkdtemp(prefix="intervals-", dir=spill))
    out: list[tuple[IO[bytes], int]] = []
    for name, dtype in dtypes:
        dt = np.dtype(dtype)
        length = nrows + 1 if name == "starts" else n
        f = (where / f"{name}.npy").open("wb+")
        at = _header(f, dt, length)
        f.truncate(at + length * dt.itemsize)
        out.append((f, at))
    return where, out


def _header(f: IO[bytes], dtype: np.dtype[Any], length: int) -> int:
    """Write the ``.npy`` header of a one-dimensional array of ``length`` items at the start
    of ``f``; where its data begins."""
    np.lib.format.write_array_header_1_0(
        f, {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": (length,)})
    return f.tell()


def mapped(where: Path) -> Intervals:
    """The interval table in folder ``where``, each column mapped read-only."""
    return Intervals(**{f.name: np.load(where / f"{f.name}.npy", mmap_mode="r", allow_pickle=False)
                        for f in fields(Intervals)})


def saved(ivl: Intervals, spill: Path) -> Intervals:
    """An interval table built in memory (the pure-Python summary), moved to files in
    ``spill`` as the C summary leaves its own: the same columns, mapped."""
    where = Path(tempfile.mkdtemp(prefix="intervals-", dir=spill))
    for f in fields(Intervals):
        np.save(where / f"{f.name}.npy", np.ascontiguousarray(getattr(ivl, f.name)), allow_pickle=False)
    return mapped(where)


class Column:
    """A new ``.npy`` file of ``length`` items in ``spill``, written front to back and
    mapped read-only once full (:meth:`mapped`): an index of a table kept in files (the
    per-P timeline's), which the viewer's loader then sends by the file's name, like the
    table. Written, not mapped while filled: its pages are page cache, never this
    process's RSS."""

    def __init__(self, spill: Path, length: int, dtype: Any) -> None:
        self.dtype = np.dtype(dtype)
        fd, name = tempfile.mkstemp(prefix="index-", suffix=".npy", dir=spill)
        self.path = Path(name)
        self.file = os.fdopen(fd, "wb")
        _header(self.file, self.dtype, length)
        self.left = length

    def write(self, part: np.ndarray) -> None:
        self.file.write(np.ascontiguousarray(part, self.dtype).data)
        self.left -= len(part)

    def mapped(self) -> np.memmap:
        self.file.close()
        if self.left:
            raise ValueError(f"{self.path}: {self.left} items short")
        out: np.memmap = np.load(self.path, mmap_mode="r", allow_pickle=False)
        return out


def let_go(column: np.ndarray, lo: int, hi: int) -> None:
    """Drop the pages of items ``lo:hi`` of a column mapped from a file from this process's
    memory (they stay in the page cache; reading them again maps them again): for a pass
    over a whole table kept in files, whose pages would otherwise all count in the RSS of
    whoever read them. Does nothing for a column in memory."""
    m = getattr(column, "_mmap", None)
    if not isinstance(column, np.memmap) or m is None or not hasattr(m, "madvise") \
            or not hasattr(mmap, "MADV_DONTNEED"):
        return
    base = column.offset % mmap.ALLOCATIONGRANULARITY  # where the items start in the map
    a = (base + lo * column.itemsize) // mmap.PAGESIZE * mmap.PAGESIZE
    b = min(-(-(base + hi * column.itemsize) // mmap.PAGESIZE) * mmap.PAGESIZE, len(m))
    if b > a:
        m.madvise(mmap.MADV_DONTNEED, a, b - a)


def file_of(column: np.ndarray) -> Path | None:
    """The ``.npy`` file that ``column`` maps whole (from :func:`mapped`, :class:`Column`
    or the model cache), else None."""
    if not isinstance(column, np.memmap) or column.filename is None or column.base is None:
        return None
    path = Path(column.filename)
    if path.suffix != ".npy" or not column.flags.c_contiguous:
        return None
    try:
        size = path.stat().st_size
    except OSError:
        return None
    return path if column.offset + column.nbytes == size else None
