"""Types of gotrace.model._summary, the C twin of from_trace's goroutine summary."""

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
class Collector:
    """Keeps the events the model needs from each chunk, then summarizes them."""

    def add(self, time: Buffer, kind: Buffer, res_kind: Buffer, res: Buffer, frm: Buffer,
            to: Buffer, name: Buffer, p: Buffer, g: Buffer, stack: Buffer, tstack: Buffer, /
            ) -> None: ...
    def side(self) -> tuple[int, int, int, Buf, tuple[Buf, ...], tuple[Buf, ...],
                            tuple[Buf, ...], Buf, Buf]:
        """(first, last, events seen, syncs, syscall columns, P columns, range columns,
        P ids, stacks used)."""
    def goroutines(self, syncs: Buffer, first: int, last: int, forever_id: int,
                   root_names: Buffer, /) -> tuple[Buf, ...]:
        """The goroutine, block and interval columns (from_trace._NATIVE_COLS, _NATIVE_IVL)."""

constants: dict[str, Any]
"""The C module's own copies of events.py's numbers, by name (tested against them)."""
