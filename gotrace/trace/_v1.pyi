"""Types of gotrace.trace._v1, the C twin of decode_v1, order_v1 and convert_v1.

Column arguments are any object with the buffer protocol (numpy arrays, bytes);
results are Buf objects that numpy.frombuffer wraps without a copy.
"""

from collections.abc import Callable
from typing import Any, final

import numpy.typing as npt
from typing_extensions import Buffer as _Buffer

Buffer = _Buffer | npt.NDArray[Any]
"""What a column argument may be: any object with the buffer protocol (mypy does not
see numpy arrays as one on Python 3.11)."""

@final
class Buf:
    """Memory owned by the accelerator, exported through the buffer protocol."""

    def __buffer__(self, flags: int, /) -> memoryview: ...

@final
class Converter:
    """convert_v1.Converter's sequential state, carried from slice to slice."""

    def slice(
        self, lo: int, hi: int, string: Callable[[int], int], stack: Callable[[int], int],
        stw: Callable[[int], int], /,
    ) -> tuple[str | None, int, tuple[Buf, ...]]:
        """(error or None, last time, the 13 EventChunk columns) of events [lo, hi)."""

DecodeResult = tuple[
    Buf,  # ts: int32 offsets from its blocks' times, or (no blocks) int64 times
    Buf,  # the time (int64) of each block of 2**16 events
    Buf,  # typ
    Buf, Buf,  # p: where each run of one P's events starts (int64), and its P (int32)
    Buf, Buf, Buf,  # g a0 a1: int32 while every value fits, else int64 (told by the length)
    Buf, Buf,  # a2: the positions (int64) and values (int64) of its non-zero entries
    Buf,  # stk
    int,  # events
    list[tuple[int, int, int, int]],  # CPU samples: ts, p, g, stack
    dict[int, bytes], dict[int, list[int]], dict[int, tuple[int, int, int]], set[int],
    int,  # ticks per second
    str | None, int,  # Go's error and where the dropped data starts
]

def decode(data: Buffer, version: int, narg: bytes, flags: bytes,
           names: tuple[bytes, ...], /) -> DecodeResult:
    """decode_v1.decode's columns and tables, in file order."""

def order(ts: Buffer, ts_base: Buffer, typ: Buffer, p_at: Buffer, p: Buffer, g: Buffer,
          a0: Buffer, a1: Buffer,
          a2_at: Buffer, a2_val: Buffer, cpu_ts: Buffer, cpu_p: Buffer, cpu_g: Buffer,
          tables: bytes, max_repairs: int, /
          ) -> tuple[Buf, int, int, int, int, Buf]:
    """Go's v1 merge: (permutation, its item size: 4 below 2**31 events, else 8, unordered,
    stray exits, early exits, the (position, real time) int64 pairs of the syscall exits that
    take their real time)."""

def gather(perm: Buffer, col: Buffer, extra: Buffer, itemsize: int, perm_itemsize: int,
           consume: bool = False, /) -> Buf:
    """A column (then its CPU-sample extension) in permutation order; the permutation's
    entries are int32 (``perm_itemsize`` 4) or int64 (8). ``consume``: ``col`` is read for
    the last time, and its pages go back to the OS as they are read (it reads as zeros
    after); an index read twice is then a ValueError."""

def gather_kept(perm: Buffer, col: Buffer, typ: Buffer, keep: bytes, n_extra: int,
                perm_itemsize: int, consume: bool = False, /) -> tuple[Buf, int]:
    """An integer column in permutation order, its values kept for the types ``keep`` marks
    (0 elsewhere and for the ``n_extra`` CPU samples), in the fewest bytes they fit in: (the
    column, its width)."""

def gather_ts(perm: Buffer, ts: Buffer, ts_base: Buffer, extra: Buffer, perm_itemsize: int,
              consume: bool = False, /) -> Buf:
    """The decoded times (int64 ticks) in permutation order; ``consume`` as gather's."""

def gather_runs(perm: Buffer, at: Buffer, p: Buffer, extra: Buffer, n: int, perm_itemsize: int,
                consume: bool = False, /) -> Buf:
    """Each event's value (int32) from the runs (at, p) over n main events, in permutation
    order; indices past them continue into ``extra``. ``consume``: ``perm`` is read for the
    last time and its pages go back to the OS as it is read (it reads as zeros after)."""

def gather_sparse(perm: Buffer, at: Buffer, val: Buffer, n: int, perm_itemsize: int, /
                  ) -> tuple[Buf, Buf]:
    """The sparse column (at, val) over n main events, in permutation order."""

def finish(ts: Buffer, typ: Buffer, p: Buffer, g: Buffer, a0: Buffer, stk: Buffer, freq: float,
           timer_goids: Buffer, stack_ids: Buffer, sets_ev: bytes, /) -> None:
    """order_v1's post-merge fix-ups, in place."""

def syscall_blocked(typ: Buffer, g: Buffer, /) -> Buf:
    """The positions (int64, ascending) of the GoSysCalls whose goroutine blocks next."""

def converter(ts: Buffer, typ: Buffer, p: Buffer, g: Buffer, a0: Buffer, a1: Buffer,
              a2_at: Buffer, a2_val: Buffer, stk: Buffer, blocked: Buffer, layout: bytes, reasons: Buffer, /
              ) -> Converter:
    """convert_v1.Converter's state over the ordered columns."""

constants: dict[str, Any]
"""The C module's own copies of the spec's numbers, by name (tested against the spec)."""
