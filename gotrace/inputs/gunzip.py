"""gzip undone as a stream, never more than the cap, keeping what a damaged file holds.

``gzip.decompress`` inflates everything before anyone can look at it: a 2 MB
file of compressed zeros became 4 GB in memory before gotrace could say it was
not a trace. Here the inflated bytes come out a bounded piece at a time, so the
caller sniffs the first kilobytes and stops, and the total is counted against
the cap as it grows.

Damage is not fatal when something was inflated before it: a truncated
download or a corrupt tail keeps the bytes before the damage (a prefix of a
trace or dump is still worth reading) and adds one notice saying so.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from ..errors import InputError
from .limits import too_big

MAGIC = b"\x1f\x8b"
STEP = 1 << 20  # inflated bytes per piece: bounds memory between two looks at the cap


def inflate(name: str, chunks: Iterable[bytes], cap: int, notices: list[str]) -> Iterator[bytes]:
    """The inflated bytes of the gzip stream in ``chunks`` (one member or several, as gzip
    writes them), in pieces of at most :data:`STEP` bytes.

    InputError when the data is corrupt before any byte came out, or when the
    inflated total passes ``cap``. Damage after that ends the stream early with
    a notice appended to ``notices``.
    """
    src = iter(chunks)
    pending = b""
    out = 0
    members = 0
    while True:
        pending = _skip_zeros(pending, src)
        if not pending:
            return
        if members and not pending.startswith(MAGIC[: len(pending)]):
            notices.append(f"{name}: data after the end of the gzip stream is not gzip; ignored it")
            return
        members += 1
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        data = pending
        while True:
            try:
                piece = d.decompress(data, STEP)
            except zlib.error as e:
                if out == 0:
                    raise InputError(f"{name}: corrupt gzip data ({e})") from None
                notices.append(f"{name}: the gzip data is corrupt after {out:,} inflated bytes ({e}); "
                               "read what came before")
                return
            if piece:
                out += len(piece)
                if out > cap:
                    raise too_big(name, cap, "inflates to")
                yield piece
            if d.eof:
                pending = d.unused_data
                break
            data = d.unconsumed_tail
            if not data:
                data = next(src, b"")
                if not data:
                    tail = d.flush()
                    out += len(tail)
                    if out > cap:
                        raise too_big(name, cap, "inflates to")
                    if tail:
                        yield tail
                    if out == 0:
                        raise InputError(f"{name}: the gzip data ends before any content (truncated)")
                    notices.append(f"{name}: the gzip data ends early (truncated?); read the {out:,} "
                                   "bytes it holds")
                    return


def _skip_zeros(pending: bytes, src: Iterator[bytes]) -> bytes:
    """``pending`` with leading zero bytes dropped, refilled from ``src``: gzip allows zero
    padding between and after members. Empty at the end of the input."""
    while True:
        pending = pending.lstrip(b"\0")
        if len(pending) >= len(MAGIC):
            return pending
        more = next(src, b"")
        if not more:
            return pending
        pending += more
