"""What kind of bytes these are: a Go execution trace, a goroutine dump, or neither.

Kept apart from how the bytes arrive (the rest of ``gotrace.inputs``) so that
recognising a new kind of input touches only this module.
"""

from __future__ import annotations

from ..dump.pprof import looks_like_profile, profile_kind
from ..errors import UnknownInputError

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
