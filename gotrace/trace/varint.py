"""Unsigned LEB128 varints, the integer encoding of every Go trace format.

Go decodes them with ``encoding/binary.Uvarint``, which rejects a value that
needs more than 64 bits (more than 10 bytes, or a 10th byte above 1); a reader
that silently accepted those would read a corrupt file differently from Go.
Both the scalar and the bulk decoder here apply exactly that rule.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

MAX_LEN = 10


def uvarint(data: bytes, pos: int) -> tuple[int, int]:
    """Decode one varint at ``data[pos:]``; return (value, position after it).

    Raises ValueError if the input ends inside the varint or it overflows 64 bits.
    """
    x = 0
    shift = 0
    end = len(data)
    for i in range(MAX_LEN):
        if pos >= end:
            raise ValueError("truncated varint")
        b = data[pos]
        pos += 1
        if b < 0x80:
            if i == MAX_LEN - 1 and b > 1:
                raise ValueError("varint overflows 64 bits")
            return x | (b << shift), pos
        x |= (b & 0x7F) << shift
        shift += 7
    raise ValueError("varint overflows 64 bits")


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


def uvarints(buf: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Decode a buffer holding nothing but consecutive varints, vectorised.

    Returns (values, start offsets). Raises ValueError if the buffer ends inside
    a varint or any value overflows 64 bits.
    """
    buf = np.asarray(buf, dtype=np.uint8)
    n = len(buf)
    if n == 0:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    last = np.flatnonzero(buf < 0x80)
    if len(last) == 0 or last[-1] != n - 1:
        raise ValueError("truncated varint")
    starts = np.empty(len(last), np.int64)
    starts[0] = 0
    starts[1:] = last[:-1] + 1
    lengths = last - starts + 1
    if lengths.max() > MAX_LEN:
        raise ValueError("varint overflows 64 bits")
    ten = lengths == MAX_LEN
    if ten.any() and (buf[last[ten]] > 1).any():
        raise ValueError("varint overflows 64 bits")
    # Position of each byte inside its varint -> its shift.
    owner = np.repeat(np.arange(len(last)), lengths)
    idx = np.arange(n, dtype=np.int64) - starts[owner]
    parts = (buf & 0x7F).astype(np.uint64) << (7 * idx).astype(np.uint64)
    values = np.zeros(len(last), np.uint64)
    np.bitwise_or.at(values, owner, parts)
    return values, starts
