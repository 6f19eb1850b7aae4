"""Where input comes from and what it is, decided in one place.

A path, ``-`` for stdin, or an http(s) URL; gzip is undone transparently. A trace
is recognised by its header; anything else is tried as a goroutine dump; what is
neither is refused with a line saying what was seen.
"""

from __future__ import annotations

import gzip
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path

from .dump.pprof import looks_like_profile, profile_kind
from .errors import InputError, UnknownInputError

MAX_INPUT = 8 << 30  # refuse to pull more than 8 GiB into memory


@dataclass(slots=True)
class RawInput:
    name: str
    data: bytes
    kind: str  # "trace" | "dump"


def read_bytes(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    if source.startswith(("http://", "https://")):
        from .dump.fetch import fetch_url

        return fetch_url(source, timeout=30.0, max_bytes=1 << 30)
    p = Path(source)
    try:
        size = p.stat().st_size
        if p.is_dir():
            raise InputError(f"{source}: is a directory, not a trace or dump file")
        if size > MAX_INPUT:
            raise InputError(f"{source}: {size / 2**30:.1f} GiB is more than gotrace reads (8 GiB)")
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{source}: no such file") from None
    except PermissionError:
        raise InputError(f"{source}: permission denied") from None
    except IsADirectoryError:
        raise InputError(f"{source}: is a directory, not a trace or dump file") from None
    except OSError as e:
        raise InputError(f"{source}: {e.strerror or e}") from None


def _gunzip(name: str, data: bytes) -> bytes:
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        # A truncated .gz still yields what was compressed before the cut.
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            return d.decompress(data)
        except zlib.error as e:
            raise InputError(f"{name}: corrupt gzip data ({e})") from None


_DUMP_MARKS = (
    b"goroutine profile: total",
    b"goroutineleak profile: total",
    b"WARNING: DATA RACE",
)


def sniff(name: str, data: bytes) -> str:
    """'trace' or 'dump'; UnknownInputError naming what the bytes look like.

    "dump" covers every goroutine listing: the text forms, the pprof protobuf
    goroutine/goroutineleak profiles and race-detector reports.
    """
    if data.startswith(b"go 1.") and b" trace" in data[:16]:
        return "trace"
    if not data.strip():
        raise UnknownInputError(f"{name}: empty input")
    if looks_like_profile(data):
        return "dump"
    head = data[:65536]
    if b"goroutine " in head or any(mark in head for mark in _DUMP_MARKS):
        return "dump"
    if data.find(b"\ngoroutine ") >= 0 or data.find(b"WARNING: DATA RACE") >= 0:
        return "dump"
    raise UnknownInputError(f"{name}: not a Go execution trace or goroutine dump ({describe(data)})")


def describe(data: bytes) -> str:
    """A few words on what unknown bytes look like, to help the user pick the right file."""
    if data[:2] == b"\x1f\x8b":
        return "gzip data"
    if data[:4] == b"\x7fELF":
        return "an ELF executable"
    if data[:1] in (b"{", b"[") and data.lstrip()[:1] in (b"{", b"["):
        return "JSON"
    kind = profile_kind(data)
    if kind is not None:
        return f"a pprof protobuf profile of {kind}, not of goroutines"
    sample = data[:512]
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in sample)
    if printable < len(sample) * 0.9:
        return f"binary data starting {sample[:8].hex(' ')}"
    first = data.split(b"\n", 1)[0][:60].decode("utf-8", "replace")
    return f"text starting {first!r}"


def open_input(source: str) -> RawInput:
    data = read_bytes(source)
    name = "stdin" if source == "-" else source
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(name, data)
    return RawInput(name=name, data=data, kind=sniff(name, data))
