"""Dispatch a trace to the reader for its format, by the 16-byte header."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..errors import TraceFormatError
from ..tables import Tables
from .events import HEADER_LEN, EventChunk, Progress, TraceInfo

_HEADER = re.compile(rb"go 1\.(\d+) trace\x00*")

# The N in "go 1.N trace" each reader accepts (DESIGN.md, format facts).
V1_VERSIONS = frozenset({11, 19, 21})
V2_VERSIONS = frozenset({22, 23, 25, 26})

def parse_header(data: bytes) -> TraceInfo:
    head = bytes(data[:HEADER_LEN])
    m = _HEADER.fullmatch(head)
    if m is None or len(head) < HEADER_LEN:
        raise TraceFormatError("not a Go execution trace (no 'go 1.N trace' header)")
    version = int(m.group(1))
    if version not in V1_VERSIONS and version not in V2_VERSIONS:
        raise TraceFormatError(
            f"unsupported trace format 'go 1.{version} trace' "
            f"(supported: {', '.join(f'1.{v}' for v in sorted(V1_VERSIONS | V2_VERSIONS))})"
        )
    return TraceInfo(header=f"go 1.{version} trace", version=version, size=len(data))


def read_events(
    data: bytes, tables: Tables, progress: Progress | None = None, *, consume: bool = False
) -> tuple[TraceInfo, Iterator[EventChunk]]:
    """Return the trace's facts and a lazy iterator over its ordered event chunks.

    The iterator fills ``info.events`` and ``info.damage`` as it goes; read them
    after exhausting it. ``consume`` says the caller hands ``data`` over and never
    reads it again: the pages of a v2 trace's generations already read are given back
    to the OS as the reading goes (a v1 trace's bytes are dropped once decoded anyway).
    """
    info = parse_header(data)
    if info.version in V1_VERSIONS:
        from . import v1

        info.reader = "C" if v1.NATIVE else "Python"
        return info, v1.read(data, info, tables, progress)
    from . import v2

    info.reader = "C" if v2.NATIVE else "Python"
    return info, v2.read(data, info, tables, progress, consume=consume)
