"""Types of gotrace.trace._order_v2, the C twin of order_v2.Ordering (plus v2.build_chunk)."""

from collections.abc import Sequence
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

Built = tuple[
    int, int,  # events kept (cut at the first unknown string or stack id), last time
    Buf, Buf, Buf, Buf, Buf, Buf, Buf, Buf, Buf, Buf, Buf, Buf, Buf,  # EventChunk's columns
    Buf, Buf,  # wire event type and the four arguments after dt (uint64), for every event
]

@final
class Ordering:
    """Scheduler state across generations plus the current generation's output buffers."""

    def __init__(self, widths: bytes, range_start: bytes, names: tuple[str, ...]) -> None: ...
    def set_columns(self, kind: Buffer, stack_slot: Buffer, res_kind: Buffer, res_src: Buffer,
                    frm: Buffer, to: Buffer, name_slot: Buffer, tstack_slot: Buffer,
                    task: Buffer, check_stack: Buffer, check_string: Buffer, /) -> None:
        """spec_v2's per-type column tables, as bytes."""
    def set_remap(self, str_keys: Buffer, str_vals: Buffer, stack_keys: Buffer,
                  stack_vals: Buffer, /) -> None:
        """This generation's ids -> Tables ids (sorted uint64 keys, int64 values)."""
    def start_generation(self, gen: int, freq: float, data: Buffer, strings: dict[int, str],
                         ms_batches: Sequence[tuple[int, Sequence[tuple[int, int, int]]]],
                         cpu: Sequence[tuple[int, int, int, int, int]], /) -> None:
        """installGen: one cursor per M over its (offset, size, base time) batches."""
    def low_water(self) -> int | None:
        """The first file offset the generation may still read (the earliest current batch
        of the Ms not done), or None when all are done."""
    def emit_side(self, rec: tuple[int, int, int, int, int], g: int, p: int, m: int, t: int, /
                  ) -> None:
        """Buffer an event the reader made: (type, 4 arguments), goroutine, proc, thread, time."""
    def run(self, limit: int, /) -> bool:
        """Order until ``limit`` events are buffered; True when the generation is done."""
    def build(self, first_time: int, /) -> tuple[Built, list[str]]:
        """The buffered events as columns, and the task names UserTaskEnd events index."""

constants: dict[str, Any]
"""The C module's own copies of the spec's numbers, by name (tested against the spec)."""
