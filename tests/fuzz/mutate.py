"""Mutation strategies: how a valid trace or dump is turned into a hostile one.

Each strategy is ``f(rng, data, others) -> bytes``: ``data`` is the input being
mutated, ``others`` the other seeds of the same target (for splices). A fuzz
input is a seed with one to five strategies applied, cut to :data:`MAX_SIZE`
(the issue's limits are for inputs under 1 MB).

Traces get byte-level damage plus what their grammar invites: varints made
huge, overlong or near 2^63 (timestamps, ids, sizes), headers of another
version, and for the v2 format whole batches dropped, repeated, swapped or
with their header fields rewritten. Dumps get text damage: lines repeated
thousands of times, odd indents, NULs, CRLF, long lines, huge numbers, cut
lines, terminal escapes and invalid UTF-8. The mini-parser here is written from
the format notes (DESIGN.md), not shared with the readers it tests.
"""

from __future__ import annotations

import gzip
import random
import re
from collections.abc import Callable, Sequence

MAX_SIZE = 1_000_000
Strategy = Callable[[random.Random, bytes, Sequence[bytes]], bytes]

INTERESTING_BYTES = (0x00, 0x01, 0x3F, 0x40, 0x7F, 0x80, 0xC0, 0xFF)
BIG_NUMBERS = (
    2**63 - 1, 2**63, 2**63 + 1, 2**64 - 1, 2**63 - 1000, 2**62, 2**32, 2**32 - 1, 2**31, 2**31 - 1,
    2**53 + 1, 10**18, 0, 1,
)
VERSIONS = (b"11", b"19", b"21", b"22", b"23", b"25", b"26", b"27", b"99", b"1", b"")
HOSTILE_TEXT = (
    b"\x1b[2J", b"\x1b]0;title\x07", b"\x1b]8;;http://x\x1b\\", b"\r", b"\x07", b"\xe2\x80\xae",
    b"\x00", b"\xff\xfe", b"\xed\xa0\x80", b"\xc2\x9b", b"[bold]", b"%s%n", b"\t", b"\\",
)


def uvarint(value: int) -> bytes:
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _pos(rng: random.Random, data: bytes) -> int:
    return rng.randrange(len(data) + 1)


def _span(rng: random.Random, data: bytes, most: int = 256) -> tuple[int, int]:
    a = rng.randrange(len(data) + 1)
    return a, min(len(data), a + rng.randint(1, most))


# --- bytes --------------------------------------------------------------------------------------


def flip_bits(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        i = rng.randrange(len(out))
        out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def set_bytes(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        out[rng.randrange(len(out))] = rng.choice(INTERESTING_BYTES)
    return bytes(out)


def insert_bytes(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    i = _pos(rng, data)
    return data[:i] + rng.randbytes(rng.randint(1, 64)) + data[i:]


def delete_range(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    a, b = _span(rng, data, rng.choice((4, 64, 4096)))
    return data[:a] + data[b:]


def duplicate_range(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    a, b = _span(rng, data, rng.choice((8, 256, 4096)))
    i = _pos(rng, data)
    return data[:i] + data[a:b] * rng.choice((1, 2, 10, 100)) + data[i:]


def swap_ranges(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    a, b, c, d = sorted(_pos(rng, data) for _ in range(4))
    return data[:a] + data[c:d] + data[b:c] + data[a:b] + data[d:]


def cut(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    return data[: _pos(rng, data)]


def splice(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    other = rng.choice(others) if others else data
    return data[: _pos(rng, data)] + other[_pos(rng, other):]


def overwrite_from_other(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    other = rng.choice(others) if others else data
    a, b = _span(rng, other, 1024)
    i = _pos(rng, data)
    return data[:i] + other[a:b] + data[i + (b - a):]


# --- varint streams (both trace formats) --------------------------------------------------------


def _varint_at(rng: random.Random, data: bytes, start: int = 16) -> tuple[int, int] | None:
    """A random varint's span: it starts after a byte < 0x80 and ends at the next one."""
    if len(data) <= start + 1:
        return None
    i = rng.randrange(start, len(data))
    while i < len(data) and data[i - 1] >= 0x80:
        i += 1
    j = i
    while j < len(data) and data[j] >= 0x80:
        j += 1
    return (i, j + 1) if j < len(data) else None


def huge_varint(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    """A varint replaced by a big number (2^63 ± k, 2^64 - 1, 2^32...), overlong or overflowing."""
    span = _varint_at(rng, data)
    if span is None:
        return data
    kind = rng.random()
    if kind < 0.6:
        new = uvarint(max(0, rng.choice(BIG_NUMBERS) + rng.choice((0, 0, 1, -1, 7))) if kind < 0.5 else
                      rng.getrandbits(rng.randint(8, 64)))
    elif kind < 0.8:
        new = b"\xff" * 9 + bytes([rng.choice((0x01, 0x02, 0x7F))])  # 10 bytes, over 64 bits
    else:
        new = b"\x80" * rng.randint(10, 40) + b"\x01"  # overlong
    return data[: span[0]] + new + data[span[1]:]


def small_varint(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    """A varint made 0, 1 or a small neighbour: ids that collide, sizes of nothing."""
    span = _varint_at(rng, data)
    if span is None:
        return data
    return data[: span[0]] + uvarint(rng.choice((0, 0, 1, 2, 3, 127, 128))) + data[span[1]:]


def other_version(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    """The header of another (or no) Go version on this body."""
    header = b"go 1." + rng.choice(VERSIONS) + b" trace"
    return header.ljust(16, b"\0")[:16] + data[16:]


# --- v2 batches ---------------------------------------------------------------------------------


def _uvarint_read(data: bytes, i: int) -> tuple[int, int] | None:
    x = shift = 0
    while i < len(data) and shift < 70:
        b = data[i]
        i += 1
        x |= (b & 0x7F) << shift
        if b < 0x80:
            return x, i
        shift += 7
    return None


def v2_batches(data: bytes) -> list[tuple[int, int, int]]:
    """(start, payload start, end) of each batch after the header, as far as they parse:
    ``EvEventBatch gen m ts size payload``, the experimental batch with its extra byte,
    and Go 1.26's one-byte end-of-generation marker."""
    out = []
    i = 16
    while i < len(data):
        typ = data[i]
        if typ == 52:
            out.append((i, i + 1, i + 1))
            i += 1
            continue
        if typ not in (1, 49):
            break
        j = i + 1 + (typ == 49)
        fields = []
        for _ in range(4):
            r = _uvarint_read(data, j)
            if r is None:
                return out
            fields.append(r[0])
            j = r[1]
        end = j + fields[3]
        if end > len(data):
            break
        out.append((i, j, end))
        i = end
    return out


def _batch_op(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    batches = v2_batches(data)
    if len(batches) < 2:
        return flip_bits(rng, data, others)
    a = rng.choice(batches)
    b = rng.choice(batches)
    op = rng.randrange(6)
    if op == 0:  # drop
        return data[: a[0]] + data[a[2]:]
    if op == 1:  # repeat
        return data[: a[2]] + data[a[0]: a[2]] * rng.choice((1, 2, 50)) + data[a[2]:]
    if op == 2 and a[0] < b[0] and a[2] <= b[0]:  # swap
        return data[: a[0]] + data[b[0]: b[2]] + data[a[2]: b[0]] + data[a[0]: a[2]] + data[b[2]:]
    if op == 3:  # to the end, as if written by another generation
        return data[: a[0]] + data[a[2]:] + data[a[0]: a[2]]
    if op == 4 and a[2] > a[1]:  # damage inside, the framing kept
        body = bytearray(data[a[1]: a[2]])
        for _ in range(rng.randint(1, 4)):
            body[rng.randrange(len(body))] = rng.choice(INTERESTING_BYTES)
        return data[: a[1]] + bytes(body) + data[a[2]:]
    # rewrite one header field: gen, m, ts or size
    head = data[a[0]: a[1]]
    j = 1 + (head[:1] == b"\x31")
    fields = []
    for _ in range(4):
        r = _uvarint_read(head, j)
        if r is None:
            return data
        fields.append(r[0])
        j = r[1]
    k = rng.randrange(4)
    fields[k] = rng.choice((0, 1, fields[k] + 1, fields[k] - 1 if fields[k] else 2, 2**63 - 1, 2**64 - 1,
                            65536, 65537, rng.getrandbits(32)))
    new = head[: 1 + (head[:1] == b"\x31")] + b"".join(uvarint(max(0, f)) for f in fields)
    return data[: a[0]] + new + data[a[1]:]


def batch_surgery(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    return _batch_op(rng, data, others)


# --- dump text ----------------------------------------------------------------------------------


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def repeat_lines(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    n = rng.randint(1, 8)
    return b"".join(lines[:i] + lines[i: i + n] * rng.choice((2, 10, 1000, 20000)) + lines[i:])


def delete_lines(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    lines = _lines(data)
    i = rng.randrange(len(lines))
    return b"".join(lines[:i] + lines[i + rng.randint(1, 6):])


def swap_lines(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 5)):
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return b"".join(lines)


def odd_indent(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    lines = _lines(data)
    for _ in range(rng.randint(1, 20)):
        i = rng.randrange(len(lines))
        line = lines[i]
        lines[i] = rng.choice((b"", b"\t", b"\t\t", b"    ", b" ", b"\t ", b"        ")) + line.lstrip(b" \t")
    return b"".join(lines)


def nuls(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 10)):
        out.insert(rng.randrange(len(out) + 1), 0)
    return bytes(out)


def crlf(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    choice = rng.randrange(3)
    if choice == 0:
        return data.replace(b"\n", b"\r\n")
    if choice == 1:
        return data.replace(b"\n", b"\r")
    lines = _lines(data)
    for _ in range(rng.randint(1, 10)):
        i = rng.randrange(len(lines))
        lines[i] = lines[i].rstrip(b"\n") + b"\r\n"
    return b"".join(lines)


def long_line(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    """One line made very long: a function name, a path, a label, a state."""
    lines = _lines(data)
    i = rng.randrange(len(lines))
    line = lines[i]
    j = rng.randrange(len(line) + 1)
    filler = rng.choice((b"a", b"x.", b"/", b" ", b"(", b"[", b"{", b"a/b.", b"0x1", b"\xc3\xa9"))
    lines[i] = line[:j] + filler * rng.choice((1000, 100_000, 400_000)) + line[j:]
    return b"".join(lines)


_NUMBER = re.compile(rb"\d+")


def huge_number(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    """A number (goroutine id, line, minutes, offset, total) replaced by a huge or odd one."""
    found = list(_NUMBER.finditer(data[:MAX_SIZE]))
    if not found:
        return data
    out = data
    for m in sorted(rng.sample(found, min(len(found), rng.randint(1, 4))), key=lambda m: -m.start()):
        new = rng.choice((b"9223372036854775807", b"9223372036854775808", b"18446744073709551616",
                          b"99999999999999999999999999999999", b"0", b"-1", b"00000000001", b"1e9",
                          str(rng.choice(BIG_NUMBERS)).encode()))
        out = out[: m.start()] + new + out[m.end():]
    return out


def hostile_text(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    """Terminal escapes, bidi overrides, invalid UTF-8 and markup inside names and labels."""
    out = data
    for _ in range(rng.randint(1, 6)):
        i = _pos(rng, out)
        out = out[:i] + rng.choice(HOSTILE_TEXT) + out[i:]
    return out


def odd_headers(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    """A goroutine header bent: brackets, states, flags and labels as the runtime never writes them."""
    found = list(re.finditer(rb"goroutine \d+[^\n]*", data[:MAX_SIZE]))
    if not found:
        return data
    m = rng.choice(found)
    new = rng.choice((
        b"goroutine 1 [", b"goroutine 1 []:", b"goroutine [running]:", b"goroutine 18446744073709551615 [x]:",
        b"goroutine 7 [chan receive, 99999999999 minutes, locked to thread]:",
        b"goroutine 7 gp=0xc000 m=nil [select, 1 minutes]:", b"goroutine 7 [sleep] {\"a\": \"b\":",
        b"goroutine 7 [running] {}:", b"goroutine 7 [running]:" + b"[x]" * 1000,
        b"goroutine profile: total 18446744073709551616", b"1 @ 0x1 0x2 0xffffffffffffffffff",
        b"created by main.f in goroutine 99999999999999999999999", b"[originating from goroutine -1]:",
        b"...additional frames elided...", b"panic: \x1b]0;x\x07", b"goroutine 7 [select (durable)]:",
    ))
    return data[: m.start()] + new + data[m.end():]


def splice_lines(rng: random.Random, data: bytes, others: Sequence[bytes]) -> bytes:
    other = _lines(rng.choice(others)) if others else _lines(data)
    lines = _lines(data)
    i = rng.randrange(len(lines))
    a = rng.randrange(len(other))
    return b"".join(lines[:i] + other[a: a + rng.randint(1, 200)] + lines[i:])


# --- targets ------------------------------------------------------------------------------------

BYTES: list[tuple[Strategy, int]] = [
    (flip_bits, 6), (set_bytes, 4), (insert_bytes, 2), (delete_range, 3), (duplicate_range, 2),
    (swap_ranges, 1), (cut, 3), (splice, 2), (overwrite_from_other, 1),
]
TRACE: list[tuple[Strategy, int]] = [*BYTES, (huge_varint, 6), (small_varint, 3), (other_version, 1)]
STRATEGIES: dict[str, list[tuple[Strategy, int]]] = {
    "v1": TRACE,
    "v2": [*TRACE, (batch_surgery, 8)],
    "dump": [
        (repeat_lines, 3), (delete_lines, 3), (swap_lines, 2), (odd_indent, 3), (nuls, 2), (crlf, 2),
        (long_line, 2), (huge_number, 5), (hostile_text, 3), (odd_headers, 4), (splice_lines, 3),
        (cut, 2), (flip_bits, 1), (delete_range, 1), (duplicate_range, 1),
    ],
}


def mutate(rng: random.Random, target: str, data: bytes, others: Sequence[bytes]) -> tuple[bytes, list[str]]:
    """One fuzz input from a seed: 1-5 strategies, cut to MAX_SIZE, now and then gzipped (whole or
    cut short) to take the inputs layer along. Returns the bytes and the strategies' names."""
    strategies, weights = zip(*STRATEGIES[target], strict=True)
    names = []
    for f in rng.choices(strategies, weights, k=rng.choice((1, 1, 2, 2, 3, 5))):
        data = f(rng, data, others)[:MAX_SIZE]
        names.append(f.__name__)
    if rng.random() < 0.05:
        packed = gzip.compress(data, compresslevel=1)
        data = packed if rng.random() < 0.5 else packed[: _pos(rng, packed)]
        names.append("gzip")
    return data, names
