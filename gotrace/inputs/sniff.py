"""What kind of bytes these are: a Go execution trace, a goroutine dump, or neither.

Kept apart from how the bytes arrive (the rest of ``gotrace.inputs``) so that
recognising a new kind of input touches only this module.
"""

from __future__ import annotations

from ..errors import UnknownInputError


def sniff(name: str, data: bytes) -> str:
    """'trace' or 'dump'; UnknownInputError naming what the bytes look like."""
    if data.startswith(b"go 1.") and b" trace" in data[:16]:
        return "trace"
    if not data.strip():
        raise UnknownInputError(f"{name}: empty input")
    head = data[:65536]
    if b"goroutine " in head or b"goroutine profile: total" in head:
        return "dump"
    if data.find(b"\ngoroutine ") >= 0:
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
    if data[:1] == b"\x0a" and b"goroutine" in data[:4096]:
        return "a pprof protobuf profile: fetch it with ?debug=2 for text"
    sample = data[:512]
    printable = sum(32 <= b < 127 or b in (9, 10, 13) for b in sample)
    if printable < len(sample) * 0.9:
        return f"binary data starting {sample[:8].hex(' ')}"
    first = data.split(b"\n", 1)[0][:60].decode("utf-8", "replace")
    return f"text starting {first!r}"
