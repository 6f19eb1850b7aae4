"""Protocol Buffers wire format, written a column at a time with numpy.

Perfetto's trace and pprof's profile are protobuf messages. The protobuf
runtime builds one Python object per message: for the millions of slices of a
churn trace that is millions of objects, a few µs each, before a byte is
written. Here a *batch* of messages of one type is encoded at once: each field
is an array (one value per message), the byte size of every message is
computed with array arithmetic, and the bytes are put in place with fancy
indexing, so the cost is a few numpy passes per field whatever the number of
messages. Embedded messages given as a :class:`Batch` are written in place,
inside their parent, never copied; a field whose value is the same in every
message is encoded once and stamped.

Only what the exporters need is here: varint and fixed64 scalars, embedded
messages, strings, already-encoded fields, and packed repeated varints. The
encoding follows https://protobuf.dev/programming-guides/encoding/: a field is
a key varint ``(number << 3) | wire type`` then its value; varints are
little-endian groups of 7 bits with the high bit set on all but the last byte;
a negative int64 is its 64-bit two's complement (10 bytes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

U8 = npt.NDArray[np.uint8]
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
Mask = npt.NDArray[np.bool_]

VARINT = 0
FIXED64 = 1
LEN = 2
# Not wire types: how a field of a batch is stored.
CONST = -1  # the same key and value in every message: bytes encoded once
RAW = -2  # fields already encoded, copied as they are
NESTED = -3  # an embedded message given as a Batch, written in place

# A varint needs k + 2 bytes from _LIMITS[k] on.
_LIMITS = np.array([1 << (7 * k) for k in range(1, 10)], np.uint64)


_LOW7 = np.uint64(0x7F)
_SEVEN = np.uint64(7)


def varint_sizes(values: U64) -> I64:
    """Bytes each value takes as a varint (1 to 10): one pass per size the largest value needs."""
    v = np.asarray(values, np.uint64)
    sizes = np.ones(len(v), np.int64)
    top = v.max() if len(v) else 0
    for limit in _LIMITS:
        if limit > top:
            break
        sizes += v >= limit
    return sizes


def as_u64(values: npt.ArrayLike) -> U64:
    """Values as uint64, negatives as their two's complement (protobuf's int64 rule)."""
    a = np.asarray(values)
    if a.dtype == np.uint64:
        return a
    return a.astype(np.int64).view(np.uint64)


def put_varints(buf: U8, pos: I64, values: U64, sizes: I64) -> None:
    """Write each value as a varint at ``buf[pos[i]:pos[i] + sizes[i]]``.

    Values are taken by size class (a timestamp column is mostly one class), and
    byte j of a class is written in one pass, in place (new arrays per pass cost
    more than the arithmetic).
    """
    counts = np.bincount(sizes, minlength=11)
    for k in np.flatnonzero(counts).tolist():
        if counts[k] == len(values):
            v, p = values.copy(), pos.copy()
        else:
            take = sizes == k
            v, p = values[take], pos[take]
        if k == 1:
            buf[p] = v
            continue
        byte = np.empty(len(v), np.uint8)
        low = np.empty(len(v), np.uint64)
        for j in range(k):
            np.bitwise_and(v, _LOW7, out=low)
            byte[:] = low
            if j < k - 1:
                byte |= 0x80
            buf[p] = byte
            if j < k - 1:
                np.right_shift(v, _SEVEN, out=v)
                p += 1


def key(number: int, wire_type: int) -> bytes:
    """The field key of a field number and wire type, as varint bytes."""
    return varint_bytes((number << 3) | wire_type)


def varint_bytes(value: int) -> bytes:
    out = bytearray()
    value &= (1 << 64) - 1
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


@dataclass(slots=True)
class Encoded:
    """``n`` encoded messages (or byte strings) back to back: message ``i`` is
    ``data[offsets[i]:offsets[i + 1]]``."""

    data: U8
    offsets: I64

    def __len__(self) -> int:
        return len(self.offsets) - 1

    @property
    def sizes(self) -> I64:
        return np.diff(self.offsets)

    def tobytes(self) -> bytes:
        return self.data[self.offsets[0]: self.offsets[-1]].tobytes()


def strings(texts: list[str]) -> Encoded:
    """UTF-8 byte strings as an Encoded batch (the payload of ``string`` fields)."""
    raw = [t.encode("utf-8", "surrogatepass") for t in texts]
    lengths = np.fromiter((len(b) for b in raw), np.int64, len(raw))
    offsets = np.zeros(len(raw) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return Encoded(np.frombuffer(b"".join(raw), np.uint8).copy(), offsets)


def packed_varints(values: npt.ArrayLike, counts: I64) -> Encoded:
    """Per message, ``counts[i]`` consecutive values as one packed repeated varint payload."""
    v = as_u64(values)
    sizes = varint_sizes(v)
    ends = np.zeros(len(v) + 1, np.int64)
    np.cumsum(sizes, out=ends[1:])
    buf = np.zeros(int(ends[-1]), np.uint8)
    put_varints(buf, ends[:-1], v, sizes)
    bounds = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=bounds[1:])
    return Encoded(buf, ends[bounds])


def _gather_ranges(starts: I64, lengths: I64) -> I64:
    """Indices ``starts[i] .. starts[i] + lengths[i] - 1`` for every i, concatenated."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    first = np.zeros(len(lengths), np.int64)
    np.cumsum(lengths[:-1], out=first[1:])
    return np.repeat(starts - first, lengths) + np.arange(total, dtype=np.int64)


def _stamp(buf: U8, at: I64, data: bytes) -> None:
    for j, b in enumerate(data):
        buf[at + j] = b


class Batch:
    """``n`` messages of one type, built field by field, each field an array.

    ``present`` (a bool mask) leaves a field out of the messages where it is
    False: protobuf has no "null", an absent field is simply not written. Fields
    are written in the order they are added. A scalar value is the same in
    every message.
    """

    def __init__(self, n: int) -> None:
        self.n = n
        self._fields: list[tuple[int, bytes, object, Mask | None]] = []
        self._sizes: list[I64] | None = None  # per field, set by sizes()
        self._varint: list[I64 | None] = []  # per field, the varint's (or length's) own size
        self._total: I64 | None = None

    def varint(self, number: int, values: npt.ArrayLike, present: Mask | None = None) -> Batch:
        if np.ndim(values) == 0:
            encoded = key(number, VARINT) + varint_bytes(int(np.asarray(values)))
            self._fields.append((CONST, encoded, None, present))
        else:
            self._fields.append((VARINT, key(number, VARINT), as_u64(values), present))
        return self

    def fixed64(self, number: int, values: npt.ArrayLike, present: Mask | None = None) -> Batch:
        v = as_u64(np.broadcast_to(np.asarray(values), (self.n,)))
        self._fields.append((FIXED64, key(number, FIXED64), v, present))
        return self

    def message(self, number: int, sub: Encoded | Batch, present: Mask | None = None) -> Batch:
        """An embedded message, string or bytes field: one payload per message, encoded
        already or (a Batch) written in place."""
        if (len(sub) if isinstance(sub, Encoded) else sub.n) != self.n:
            raise ValueError(f"field {number}: payloads for another number of messages than {self.n}")
        self._fields.append((NESTED if isinstance(sub, Batch) else LEN, key(number, LEN), sub, present))
        return self

    def raw(self, fields: Encoded, present: Mask | None = None) -> Batch:
        """Fields already encoded (``fields`` holds each message's), copied in as they are:
        how a repeated field with a different number of entries per message is added."""
        if len(fields) != self.n:
            raise ValueError(f"{len(fields)} field runs for {self.n} messages")
        self._fields.append((RAW, b"", fields, present))
        return self

    def sizes(self) -> I64:
        """Encoded size of every message."""
        total = np.zeros(self.n, np.int64)
        self._sizes = []
        self._varint = []
        for kind, tag, payload, present in self._fields:
            vsize = None
            if kind == CONST:
                size = np.full(self.n, len(tag), np.int64)
            elif kind == VARINT:
                vsize = varint_sizes(payload)  # type: ignore[arg-type]
                size = len(tag) + vsize
            elif kind == FIXED64:
                size = np.full(self.n, len(tag) + 8, np.int64)
            elif kind == RAW:
                size = payload.sizes  # type: ignore[attr-defined]
            else:
                inner = payload.sizes() if kind == NESTED else payload.sizes  # type: ignore[attr-defined]
                vsize = varint_sizes(as_u64(inner))
                size = len(tag) + vsize + inner
            if present is not None:
                size = np.where(present, size, 0)
            self._sizes.append(size)
            self._varint.append(vsize)
            total += size
        self._total = total
        return total

    def write(self, buf: U8, at: I64, rows: I64 | None = None) -> None:
        """Write messages ``rows`` (default all) at positions ``at`` of ``buf``; ``sizes()`` first."""
        assert self._sizes is not None, "sizes() computes the layout write() follows"
        at = at.copy()
        for (kind, tag, payload, present), size, vsize in zip(self._fields, self._sizes, self._varint,
                                                              strict=True):
            sub_rows = rows
            sub_at = at
            if present is not None:
                keep = present if rows is None else present[rows]
                sub_rows = np.flatnonzero(keep) if rows is None else rows[keep]
                sub_at = at[keep]
            idx = np.arange(self.n) if sub_rows is None else sub_rows
            _stamp(buf, sub_at, tag)  # a CONST field is all in its "tag"
            if kind != CONST:
                pos = sub_at + len(tag)
                if kind == VARINT:
                    assert vsize is not None
                    put_varints(buf, pos, payload[idx], vsize[idx])  # type: ignore[index]
                elif kind == FIXED64:
                    v = payload[idx]  # type: ignore[index]
                    buf[(pos[:, None] + np.arange(8)).reshape(-1)] = v.astype("<u8").view(np.uint8)
                elif kind == NESTED:
                    sub: Batch = payload  # type: ignore[assignment]
                    assert sub._total is not None and vsize is not None
                    lsz = vsize[idx]
                    put_varints(buf, pos, as_u64(sub._total[idx]), lsz)
                    sub.write(buf, pos + lsz, idx)
                else:
                    enc: Encoded = payload  # type: ignore[assignment]
                    lens = enc.sizes[idx]
                    if kind == LEN:
                        assert vsize is not None
                        lsz = vsize[idx]
                        put_varints(buf, pos, as_u64(lens), lsz)
                        pos = pos + lsz
                    buf[_gather_ranges(pos, lens)] = enc.data[_gather_ranges(enc.offsets[idx], lens)]
            at += size if rows is None else size[rows]

    def encode(self) -> Encoded:
        offsets = np.zeros(self.n + 1, np.int64)
        np.cumsum(self.sizes(), out=offsets[1:])
        buf = np.zeros(int(offsets[-1]), np.uint8)
        self.write(buf, offsets[:-1])
        return Encoded(buf, offsets)
