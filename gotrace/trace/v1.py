"""Reader for the old trace format (``go 1.11/1.19/1.21 trace``).

Produces exactly the stream Go 1.27's ``internal/trace.Reader`` produces for
these files: decode (decode_v1), order like tracev1's parser (order_v1), then
convert to abstract events like tracev1.go (convert_v1), bracketed by the sync
events ReadEvent adds. Damage (a cut or corrupt file) keeps every whole batch
before the first bad record and what Go's ordering can place; the loss is
reported in ``info.damage``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from ..errors import TraceFormatError
from ..tables import Tables
from . import decode_v1
from .convert_v1 import Converter
from .decode_v1 import decode
from .events import MAX_TIME_NS, Damage, EventChunk, Kind, TraceInfo
from .order_v1 import order

Progress = Callable[[int], None]


NATIVE: bool = decode_v1.NATIVE
"""True when the C accelerator (gotrace.trace._v1) is built and not disabled by
GOTRACE_PURE_PYTHON=1; both paths give identical events and damage."""


def read(data: bytes, info: TraceInfo, tables: Tables,
         progress: Progress | None = None) -> Iterator[EventChunk]:
    native = NATIVE
    dec = decode(data, info.version, progress, native)
    if dec.error is not None:
        lost = len(data) - dec.error_offset
        if dec.n_events == 0 and not dec.cpu:
            raise TraceFormatError(f"{info.header}: cannot decode any batch: {dec.error} "
                                   f"(at byte {dec.error_offset})")
        info.damage.append(Damage(
            f"trace damaged at byte {dec.error_offset} of {len(data)} ({dec.error}): "
            f"kept the {dec.n_events} events of the whole batches before it", lost))
    if dec.ticks_per_sec == 0:
        # Go rejects the trace; but the record is written last, so the events
        # before it are whole batches of a trace that was cut short.
        if dec.n_events == 0 and not dec.cpu:
            raise TraceFormatError(f"{info.header}: no EvFrequency event")
        info.damage.append(Damage(
            "the tick frequency record (written at the end of the trace) is missing: "
            "times are in ticks, not nanoseconds", 0))
        info.time_unit = "ticks"
    del data  # decoded: the file's bytes are not needed again (and may be the last reference)
    ev = order(dec, native)
    late = len(ev.ts) - int(np.searchsorted(ev.ts, MAX_TIME_NS))
    if late:
        # Ticks are range-checked as read, but the frequency scales them: events it
        # puts past MAX_TIME_NS (they are last, times are sorted) are the lost tail.
        ev.keep(len(ev.ts) - late)
        info.damage.append(Damage(
            f"dropped the last {late} events: at {dec.ticks_per_sec or 'an unknown number of'} "
            "ticks per second they would be more than 2^60 ns after the first "
            "(timestamps out of range)", 0))
    rejected = ev.unordered + ev.stray_exits + ev.early_exits
    if rejected:
        why = [f"{n} {what}" for n, what in (
            (ev.unordered, "whose goroutine's preceding events are missing (Go: no consistent "
                           "ordering of events possible)"),
            (ev.stray_exits, "syscall exits without a syscall (Go: stray syscall exit)"),
            (ev.early_exits, "syscall exits before their syscall (Go: time stamps out of order)"),
        ) if n]
        info.damage.append(Damage(
            f"kept {rejected} events Go's ordering rejects, in time order: {'; '.join(why)}", 0))
    conv = Converter(ev, tables, info.version, dec.strings, dec.stacks, dec.pcs, native)
    del dec
    n = 0
    # Chunks are held back until one carries a real event: salvage keeps a good
    # prefix, and a conversion that stops before its first event kept nothing.
    held: list[EventChunk] | None = []
    for chunk in conv.chunks():
        if held is None:
            ready = [chunk]
        else:
            held.append(chunk)
            if not (chunk.kind != Kind.SYNC).any():
                continue
            ready, held = held, None
        for c in ready:
            n += len(c)
            yield c
        if progress is not None:
            progress(info.size)
    if held is not None:
        if conv.error is not None:
            raise TraceFormatError(f"{info.header}: no event could be converted: {conv.error}")
        for c in held:
            n += len(c)
            yield c
    elif conv.error is not None:
        info.damage.append(Damage(f"conversion stopped: {conv.error}", 0))
    info.events = n
