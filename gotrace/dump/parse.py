"""Entry points: bytes or text in, snapshots out.

The input is cut into pieces of a few MB at blank lines (a blank line always
ends a goroutine), and each piece is decoded and split on its own: the peak
memory is the input plus one piece's lines, not a list of every line of a
100 MB dump.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import AnyStr

from gotrace.dump.pprof import looks_like_profile, parse_profile
from gotrace.dump.race import parse_race_reports
from gotrace.dump.snapshot import Snapshot
from gotrace.dump.text import DumpReader
from gotrace.errors import DumpFormatError, InputError
from gotrace.tables import Tables

_PIECE = 1 << 22


def _pieces(data: AnyStr, nl2: AnyStr, crnl2: AnyStr) -> list[tuple[int, int]]:
    """(start, end) of pieces that end just after a newline followed by a blank line."""
    n = len(data)
    out: list[tuple[int, int]] = []
    pos = 0
    while pos < n:
        end = n
        if n - pos > _PIECE + _PIECE // 2:
            cut = data.find(nl2, pos + _PIECE)
            limit = cut if cut >= 0 else n
            cr = data.find(crnl2, pos + _PIECE, limit)
            if cr >= 0:
                cut = cr
            if cut >= 0:
                end = cut + 1
        out.append((pos, end))
        pos = end
    return out


def parse_dumps(data: str | bytes, tables: Tables) -> list[Snapshot]:
    """Every goroutine dump in ``data``, in file order.

    Raises DumpFormatError (one line) when the input is empty, binary, or holds
    no goroutine dump at all. Problems inside a dump (a cut-off last goroutine,
    a debug=1 profile whose counts do not add up) are Snapshot.warnings.
    """
    if not data:
        raise DumpFormatError("empty input: no goroutine dump to read")
    if isinstance(data, bytes):
        if data[:2] == b"\x1f\x8b":
            data = _gunzip(data)
        if looks_like_profile(data):
            return [parse_profile(data, tables)]
    reader = DumpReader(tables)
    base = 1
    if isinstance(data, bytes):
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        spans = _pieces(data, b"\n\n", b"\n\r\n")
        for k, (start, end) in enumerate(spans):
            raw = data[start:end]
            newlines = raw.count(b"\n")
            if b"\r" in raw:
                raw = raw.replace(b"\r\n", b"\n")
            reader.feed(raw.decode("utf-8", "replace").split("\n"), base, k == len(spans) - 1)
            base += newlines
    else:
        data = data.removeprefix("\ufeff")
        spans = _pieces(data, "\n\n", "\n\r\n")
        for k, (start, end) in enumerate(spans):
            text = data[start:end]
            newlines = text.count("\n")
            if "\r" in text:
                text = text.replace("\r\n", "\n")
            reader.feed(text.split("\n"), base, k == len(spans) - 1)
            base += newlines
    snapshots = reader.finish()
    if isinstance(data, bytes):
        text = data.decode("utf-8", "replace") if b"WARNING: DATA RACE" in data else ""
    else:
        text = data if "WARNING: DATA RACE" in data else ""
    if text:
        race = parse_race_reports(text.replace("\r\n", "\n"), tables)
        if race is not None:
            snapshots.append(race)
            snapshots.sort(key=lambda s: s.start_line)
    if not snapshots:
        head = data[:4096]
        binary = (b"\x00" in head) if isinstance(head, bytes) else ("\x00" in head)
        if binary:
            raise DumpFormatError(
                f"input is binary data ({len(data)} bytes), not a goroutine dump"
            )
        raise DumpFormatError(
            "no goroutine dump found: expected 'goroutine N [state]:' headers"
            " or a 'goroutine profile: total N' line"
        )
    return snapshots


def _gunzip(data: bytes) -> bytes:
    """Gzip undone; a truncated stream yields what was compressed before the cut."""
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        try:
            return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
        except zlib.error as e:
            raise DumpFormatError(f"corrupt gzip data ({e})") from None


def parse_file(path: str | Path, tables: Tables) -> list[Snapshot]:
    """Read and parse a dump file; unreadable files raise InputError."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror or err}") from None
    return parse_dumps(data, tables)
