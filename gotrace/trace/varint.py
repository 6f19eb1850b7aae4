"""Unsigned LEB128 varints, the integer encoding of every Go trace format: all decoding here.

Go decodes them with ``encoding/binary.Uvarint``, which rejects a value that
needs more than 64 bits (more than 10 bytes, or a 10th byte above 1); a reader
that silently accepted those would read a corrupt file differently from Go.
Every decoder here applies exactly that rule: one varint at a position
(``uvarint``), a buffer made of nothing but varints (``uvarints``, vectorised),
one varint at each of many positions (``uvarints_at``), and the split of any
bytes into varint-shaped units that the v1 decoder walks (``units``). The C
accelerators share the same rule in ``_varint.h``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

MAX_LEN = 10


class TruncatedVarint(ValueError):
    """The input ends inside a varint."""


class VarintOverflow(ValueError):
    """A varint needs more than 64 bits."""


def uvarint(data: bytes, pos: int) -> tuple[int, int]:
    """Decode one varint at ``data[pos:]``; return (value, position after it).

    Raises TruncatedVarint or VarintOverflow (both ValueErrors).
    """
    x = 0
    shift = 0
    end = len(data)
    for i in range(MAX_LEN):
        if pos >= end:
            raise TruncatedVarint("truncated varint")
        b = data[pos]
        pos += 1
        if b < 0x80:
            if i == MAX_LEN - 1 and b > 1:
                raise VarintOverflow("varint overflows 64 bits")
            return x | (b << shift), pos
        x |= (b & 0x7F) << shift
        shift += 7
    raise VarintOverflow("varint overflows 64 bits")


def encode_uvarint(value: int) -> bytes:
    """Encode a non-negative integer below 2**64 (used by tests and fixtures)."""
    if value < 0 or value >= 1 << 64:
        raise ValueError("uvarint out of range")
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


class Units(NamedTuple):
    """Varint-shaped runs of a buffer: each ends at a byte below 0x80."""

    starts: npt.NDArray[np.int64]  # first byte of each unit
    ends: npt.NDArray[np.int64]  # its last byte (the one below 0x80)
    values: npt.NDArray[np.uint64]  # its value (meaningless where ``overflow``)
    overflow: npt.NDArray[np.bool_]  # more than 64 bits: Go rejects it


def units(buf: npt.NDArray[np.uint8]) -> Units:
    """Split ``buf`` into units; bytes after the last byte below 0x80 belong to none."""
    ends = np.flatnonzero(buf < 0x80).astype(np.int64)
    n = len(ends)
    starts = np.empty(n, np.int64)
    if n == 0:
        return Units(starts, ends, np.zeros(0, np.uint64), np.zeros(0, np.bool_))
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts + 1
    overflow = (lengths > MAX_LEN) | ((lengths == MAX_LEN) & (buf[ends] > 1))
    covered = buf[: int(ends[-1]) + 1]
    # Each byte's position inside its unit gives its shift (capped: the value of
    # an overflowing unit is never used, but the shift must stay below 64).
    inunit = np.arange(len(covered), dtype=np.int64) - np.repeat(starts, lengths)
    shift = np.minimum(inunit, MAX_LEN - 1).astype(np.uint64) * np.uint64(7)
    parts = (covered & 0x7F).astype(np.uint64) << shift
    return Units(starts, ends, np.bitwise_or.reduceat(parts, starts), overflow)


def uvarints(buf: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Decode a buffer holding nothing but consecutive varints: (values, start offsets).

    Raises TruncatedVarint if it ends inside a varint, VarintOverflow if one needs
    more than 64 bits.
    """
    buf = np.asarray(buf, dtype=np.uint8)
    small = buf < 0x80
    if bool(small.all()):  # one byte each: the usual case for small batches
        return buf.astype(np.uint64), np.arange(len(buf), dtype=np.int64)
    u = units(buf)
    if len(u.ends) == 0 or int(u.ends[-1]) != len(buf) - 1:
        raise TruncatedVarint("truncated varint")
    if bool(u.overflow.any()):
        raise VarintOverflow("varint overflows 64 bits")
    return u.values, u.starts


def uvarints_at(buf: npt.NDArray[np.uint8], pos: npt.NDArray[np.int64]
                ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Decode one varint at each position of ``pos``: (values, positions after them).

    The positions must start varints already validated (as every event a reader
    ordered is); a read past the buffer's end clamps to its last byte.
    """
    last = len(buf) - 1
    v = np.zeros(len(pos), np.uint64)
    q = pos.copy()
    active = np.ones(len(pos), np.bool_)
    for k in range(MAX_LEN):
        b = buf[np.minimum(q, last)].astype(np.uint64)
        v |= np.where(active, (b & np.uint64(0x7F)) << np.uint64(7 * k), np.uint64(0))
        q += active
        active &= b >= 0x80
        if not active.any():
            break
    return v, q
