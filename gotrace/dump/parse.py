"""Entry points: bytes or text in, snapshots out.

The input is cut into pieces of a few MB at blank lines (a blank line always
ends a goroutine), and each piece is decoded and split on its own: the peak
memory is the input plus one piece's lines, not a list of every line of a
100 MB dump.

Bytes go through the C scanner (``_scan.c``) when it is built: it hands over
the plain debug=2 blocks as columns, keyed by their distinct headers and
stacks, and the lines around them as regions; each distinct header and stack
is read once by the same Python reader, and the regions line by line. The
pure-Python path (``GOTRACE_PURE_PYTHON=1``, or no compiler) gives the same
snapshots (tests/dump/test_dump_accel.py).
"""

from __future__ import annotations

import gc
import gzip
import zlib
from pathlib import Path
from typing import Any, AnyStr

import numpy as np

from gotrace.accel import load
from gotrace.dump import goleak, testjson
from gotrace.dump.pprof import looks_like_profile, parse_profile
from gotrace.dump.race import parse_race_reports
from gotrace.dump.snapshot import PlainBlocks, Snapshot
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


def parse_dumps(data: str | bytes, tables: Tables, *, accelerated: bool = True) -> list[Snapshot]:
    """Every goroutine dump in ``data``, in file order (see _parse_dumps).

    ``accelerated=False`` takes the pure-Python path even when the C scanner
    is built: the tests compare the two.

    The cycle collector is paused meanwhile: parsing makes hundreds of
    thousands of objects and no cycles, and each collection would walk them
    all again (a third of the time on a 100 MB dump).
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return _parse_dumps(data, tables, accelerated)
    finally:
        if paused:
            gc.enable()


def _parse_dumps(data: str | bytes, tables: Tables, accelerated: bool) -> list[Snapshot]:
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
        data = _unwrapped(data)
        scan = load("gotrace.dump._scan") if accelerated else None
        if scan is None or not _read_fast(scan, data, reader):
            reader = DumpReader(tables)
            _feed_bytes(reader, data, 1, True)
    else:
        data = data.removeprefix("\ufeff")
        raw = data.encode("utf-8", "surrogatepass")
        unwrapped = _unwrapped(raw)
        if unwrapped is not raw:
            data = unwrapped.decode("utf-8", "surrogatepass")
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


def _unwrapped(data: bytes) -> bytes:
    """The goroutine dumps a test log wraps, as the runtime printed them: ``go test -json``
    events joined back into text, goleak's report as the dump it quotes; ``data`` itself
    when it is neither (each module checks for its own form)."""
    return goleak.as_dump(testjson.as_text(data))


def _feed_bytes(reader: DumpReader, data: bytes, base: int, final: bool, crlf: bool = True) -> None:
    """Feed ``data`` to the line reader in pieces cut at blank lines.

    ``crlf`` turns CRLF line ends into LF per piece; False when the caller
    already did it for the whole input (doing it twice would eat a CR of CRCRLF).
    """
    spans = _pieces(data, b"\n\n", b"\n\r\n")
    for k, (start, end) in enumerate(spans):
        raw = data[start:end]
        newlines = raw.count(b"\n")
        if crlf and b"\r" in raw:
            raw = raw.replace(b"\r\n", b"\n")
        reader.feed(raw.decode("utf-8", "replace").split("\n"), base, final and k == len(spans) - 1)
        base += newlines


def _read_fast(scan: Any, data: bytes, reader: DumpReader) -> bool:
    """Read ``data`` with the C scanner's plain blocks; False to take the line path instead.

    Refused (False) only when a distinct header is one the line path would
    not read as a header at all, so that it keeps the whole decision.
    """
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n")
    ids, lines, hks, bks, parents, starts, regions, heads, _, first, nls = scan.scan(data)
    headers = []
    for raw in heads:
        text = raw.decode("utf-8", "replace")
        parsed = reader._bracket(text)
        if parsed is None:
            return False
        headers.append((parsed[0], parsed[1], text))
    offsets = np.frombuffer(starts, np.int64)
    nblocks = len(offsets)
    scratch = Snapshot(kind="debug2", start_line=0, end_line=0)

    def block_lines(i: int) -> list[str]:
        s = int(offsets[i])
        e = data.find(b"\n\n", s)
        e = len(data) if e < 0 else e + 1
        if i + 1 < nblocks:
            e = min(e, int(offsets[i + 1]))
        return data[s:e].decode("utf-8", "replace").split("\n")

    stacks = []
    tables = reader.tables
    for i in np.frombuffer(first, np.int64).tolist():
        st = reader._stack(block_lines(i), 0, "", scratch, 0, False)
        site = None if st.created is None else st.created[:3]
        stacks.append((tables.stack(tuple(st.frames)), site, st.elided))

    def args(i: int) -> tuple[str, ...]:
        return tuple(DumpReader(tables)._stack(block_lines(i), 0, "", scratch, 0, False).args)

    blocks = PlainBlocks(
        np.frombuffer(ids, np.int64),
        np.frombuffer(lines, np.int64),
        np.frombuffer(hks, np.int32),
        np.frombuffer(bks, np.int32),
        np.frombuffer(parents, np.int64),
        np.frombuffer(nls, np.int64),
        headers,
        stacks,
        args,
    )
    reg = np.frombuffer(regions, np.int64).reshape(-1, 3).tolist()
    done = 0  # blocks added so far
    line_pos, line_no = 0, 1  # a position whose line number is known
    for start, end, before in reg:
        blocks_before = before
        if blocks_before > done:
            reader.add_blocks(blocks, done, blocks_before)
            done = blocks_before
            line_pos, line_no = int(offsets[done - 1]), int(blocks.lines[done - 1])
        base = line_no + data.count(b"\n", line_pos, start)
        _feed_bytes(reader, data[start:end], base, end == len(data), crlf=False)
        line_pos, line_no = start, base
    if done < nblocks:
        reader.add_blocks(blocks, done, nblocks)
    return True


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
