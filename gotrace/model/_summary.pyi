"""Types of gotrace.model._summary, the C twin of from_trace's goroutine summary."""

from typing import Any, final, overload

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
class Collector:
    """Summarizes goroutines as chunks arrive (Go's summarizer, streaming); keeps every
    state interval too when made with ``intervals=True``."""

    def __init__(self, intervals: bool = True, spill: tuple[int, int] | None = None,
                 summary: bool = True) -> None:
        """``spill``: two scratch files' descriptors; the intervals then go to disk as
        they close, and :meth:`intervals` sorts them into the caller's files.
        ``summary=False``: the intervals only, finished by :meth:`ids`."""
    def add(self, time: Buffer, kind: Buffer, res_kind: Buffer, res: Buffer, frm: Buffer,
            to: Buffer, name: Buffer, p: Buffer, g: Buffer, stack: Buffer, tstack: Buffer,
            forever: int, named: Buffer, /) -> None:
        """One chunk's events; ``forever`` is the string id of "forever" (-1 until interned),
        ``named[s]`` is 1 when stack s's root frame names a function."""
    def side(self) -> tuple[int, int, int, Buf, tuple[Buf, ...], tuple[Buf, ...],
                            tuple[Buf, ...], Buf, Buf]:
        """(first, last, events seen, syncs, syscall columns, P columns, range columns,
        P ids, stacks used)."""
    def goroutines(self, root_names: Buffer, /) -> tuple[Buf, ...]:
        """The goroutine and block columns (from_trace._NATIVE_COLS), then the wakes
        (from_trace._NATIVE_WAKES)."""
    def ids(self) -> Buf:
        """On a collector made with ``summary=False``: the goroutine ids, ascending (int64),
        and :meth:`intervals` readied."""
    @overload
    def intervals(self) -> tuple[Buf, ...]:
        """After goroutines(), on a collector keeping them: the interval columns sorted by
        row (from_trace._NATIVE_IVL)."""
    @overload
    def intervals(self, out: list[tuple[int, int]], /) -> None:
        """The same for a collector that spilled them, sorted into ``out``'s (descriptor,
        offset) pairs, one a column."""
    def counts(self) -> tuple[int, int]:
        """After goroutines(): the intervals and rows that intervals() gives."""

constants: dict[str, Any]
"""The C module's own copies of events.py's numbers, by name (tested against them)."""

def spill_sizes(batch: int, window: int, /) -> tuple[int, int]:
    """For tests: intervals per spilled batch and per sorted window for collectors made from
    now on; returns the previous pair."""
