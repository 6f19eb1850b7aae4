"""Structure-aware mutations of Go traces (v1 and v2), for the hostile-input campaign.

A seed trace is split into its records (v1: events, strings and stacks grouped in
per-P batches; v2: batches, and the varints of every batch that is made of
varints), a mutation is applied to that structure, and the file is written
again with every length prefix and batch size made consistent, so that a
mutation reaches the code behind the framing instead of only its first check.
Blind mutations (bit flips, cuts, inserted or duplicated bytes) cover the
framing itself.

Used by campaign.py (the long run) and, through the inputs it found, by
test_tracefuzz.py (the committed regression corpus).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from gotrace.trace import spec_v1 as s1
from gotrace.trace import spec_v2 as s2
from gotrace.trace.varint import encode_uvarint, uvarint

HEADER_LEN = 16
U64 = 1 << 64

# Values that sit on the edges the readers must range-check: id and size limits,
# int32/int64/uint64 boundaries, and times that overflow once scaled to ns.
EDGES = (0, 1, 2, 127, 128, (1 << 16), (1 << 31) - 1, 1 << 31, (1 << 32) - 1, 1 << 32,
         (1 << 53) + 1, (1 << 62) - 1, 1 << 62, (1 << 63) - 1, 1 << 63, (1 << 63) + 1,
         U64 - 2, U64 - 1)


def edge(rng: random.Random) -> int:
    """An interesting 64-bit value: an edge, or a random width."""
    if rng.random() < 0.75:
        return rng.choice(EDGES)
    return rng.getrandbits(rng.choice((8, 16, 32, 48, 63, 64)))


def _varints(data: bytes) -> list[int] | None:
    """Every byte of ``data`` as consecutive varints, or None if it is not made of them."""
    out: list[int] = []
    pos = 0
    try:
        while pos < len(data):
            v, pos = uvarint(data, pos)
            out.append(v)
    except ValueError:
        return None
    return out


# --- v2 ---------------------------------------------------------------------


@dataclass
class Batch2:
    """One v2 batch: header fields and payload (``tokens`` when it is all varints)."""

    typ: int
    exp: int = 0
    gen: int = 0
    m: int = 0
    time: int = 0
    payload: bytes = b""
    tokens: list[int] | None = None

    def encode(self) -> bytes:
        if self.typ == s2.EV_END_OF_GENERATION:
            return bytes([self.typ])
        body = (b"".join(encode_uvarint(t) for t in self.tokens) if self.tokens is not None
                else self.payload)
        head = bytes([self.typ]) + (bytes([self.exp]) if self.typ == s2.EV_EXPERIMENTAL_BATCH
                                    else b"")
        return (head + encode_uvarint(self.gen) + encode_uvarint(self.m)
                + encode_uvarint(self.time) + encode_uvarint(len(body)) + body)


def parse_v2(data: bytes) -> list[Batch2]:
    """The batches of a well-formed v2 trace."""
    out: list[Batch2] = []
    pos = HEADER_LEN
    while pos < len(data):
        typ = data[pos]
        pos += 1
        if typ == s2.EV_END_OF_GENERATION:
            out.append(Batch2(typ))
            continue
        exp = 0
        if typ == s2.EV_EXPERIMENTAL_BATCH:
            exp = data[pos]
            pos += 1
        gen, pos = uvarint(data, pos)
        m, pos = uvarint(data, pos)
        time, pos = uvarint(data, pos)
        size, pos = uvarint(data, pos)
        payload = data[pos:pos + size]
        pos += size
        tokens = None if (payload[:1] == bytes([s2.EV_STRINGS]) or exp) else _varints(payload)
        out.append(Batch2(typ, exp, gen, m, time, payload, tokens))
    return out


def write_v2(header: bytes, batches: list[Batch2]) -> bytes:
    return header + b"".join(b.encode() for b in batches)


def _mutate_v2(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    batches = parse_v2(data)
    header = data[:HEADER_LEN]
    real = [i for i, b in enumerate(batches) if b.typ != s2.EV_END_OF_GENERATION]
    i = rng.choice(real)
    b = batches[i]
    kind = rng.choice(("time", "time", "gen", "m", "token", "token", "token", "freq",
                       "dup", "swap", "drop", "move"))
    if kind == "time":
        b.time = edge(rng) if rng.random() < 0.8 else max(0, b.time + rng.randint(-5, 5))
        return f"v2 batch {i} time={b.time}", write_v2(header, batches)
    if kind in ("gen", "m"):
        old = getattr(b, kind)
        setattr(b, kind, edge(rng) if rng.random() < 0.7 else (old + rng.randint(-2, 2)) % U64)
        return f"v2 batch {i} {kind}={getattr(b, kind)}", write_v2(header, batches)
    if kind in ("token", "freq"):
        cands = [j for j, c in enumerate(batches) if c.tokens]
        if kind == "freq":
            cands = [j for j in cands if batches[j].tokens[0] in (s2.EV_FREQUENCY, s2.EV_SYNC)]
        if not cands:
            return _blind(data, rng)
        j = rng.choice(cands)
        toks = batches[j].tokens
        assert toks is not None
        k = rng.randrange(1, len(toks)) if len(toks) > 1 else 0
        toks[k] = edge(rng)
        return f"v2 batch {j} token {k}={toks[k]}", write_v2(header, batches)
    if kind == "dup":
        batches.insert(rng.randrange(len(batches) + 1), Batch2(**vars(b)))
        return f"v2 duplicate batch {i}", write_v2(header, batches)
    j = rng.randrange(len(batches))
    if kind == "swap":
        batches[i], batches[j] = batches[j], batches[i]
        return f"v2 swap batches {i} {j}", write_v2(header, batches)
    if kind == "drop":
        del batches[i]
        return f"v2 drop batch {i}", write_v2(header, batches)
    batches.insert(j, batches.pop(i))
    return f"v2 move batch {i} to {j}", write_v2(header, batches)


# --- v1 ---------------------------------------------------------------------


@dataclass
class Record1:
    """One v1 record: type, wire arguments, and trailing bytes (string data, log text)."""

    typ: int
    args: list[int]
    tail: bytes = b""
    string_id: int | None = None  # EvString: its id; args is empty

    def encode(self) -> bytes:
        if self.typ == s1.EV_STRING:
            assert self.string_id is not None
            return (bytes([self.typ]) + encode_uvarint(self.string_id)
                    + encode_uvarint(len(self.tail)) + self.tail)
        if 1 <= len(self.args) <= 3 and not self.tail:
            return (bytes([self.typ | (len(self.args) - 1) << 6])
                    + b"".join(encode_uvarint(a) for a in self.args))
        body = b"".join(encode_uvarint(a) for a in self.args)
        out = bytes([self.typ | 3 << 6]) + encode_uvarint(len(body)) + body
        if self.typ == s1.EV_USER_LOG:
            out += encode_uvarint(len(self.tail)) + self.tail
        return out


def parse_v1(data: bytes) -> list[Record1]:
    """The records of a well-formed v1 trace, in file order."""
    out: list[Record1] = []
    pos = HEADER_LEN
    while pos < len(data):
        b = data[pos]
        pos += 1
        typ, narg = b & 0x3F, (b >> 6) + 1
        if typ == s1.EV_STRING:
            sid, pos = uvarint(data, pos)
            n, pos = uvarint(data, pos)
            out.append(Record1(typ, [], data[pos:pos + n], sid))
            pos += n
            continue
        args: list[int] = []
        if narg <= 3:
            for _ in range(narg):
                v, pos = uvarint(data, pos)
                args.append(v)
            out.append(Record1(typ, args))
            continue
        n, pos = uvarint(data, pos)
        end = pos + n
        while pos < end:
            v, pos = uvarint(data, pos)
            args.append(v)
        tail = b""
        if typ == s1.EV_USER_LOG:
            n, pos = uvarint(data, pos)
            tail = data[pos:pos + n]
            pos += n
        out.append(Record1(typ, args, tail))
    return out


def write_v1(header: bytes, records: list[Record1]) -> bytes:
    return header + b"".join(r.encode() for r in records)


def _batches_v1(records: list[Record1]) -> list[tuple[int, int]]:
    starts = [i for i, r in enumerate(records) if r.typ == s1.EV_BATCH]
    return list(zip(starts, [*starts[1:], len(records)], strict=True))


def _mutate_v1(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    recs = parse_v1(data)
    header = data[:HEADER_LEN]
    kind = rng.choice(("ticks", "freq", "arg", "arg", "arg", "dt", "record", "dupbatch",
                       "swapbatch", "dropbatch", "droprecord"))
    batches = _batches_v1(recs)
    with_args = [i for i, r in enumerate(recs) if r.args]
    if kind == "ticks" and batches:
        lo, _ = rng.choice(batches)
        recs[lo].args[1] = edge(rng)
        return f"v1 batch at record {lo} ticks={recs[lo].args[1]}", write_v1(header, recs)
    if kind == "freq":
        for r in recs:
            if r.typ == s1.EV_FREQUENCY:
                r.args[0] = edge(rng)
                return f"v1 frequency={r.args[0]}", write_v1(header, recs)
    if kind in ("arg", "dt") and with_args:
        i = rng.choice(with_args)
        k = 0 if kind == "dt" else rng.randrange(len(recs[i].args))
        recs[i].args[k] = edge(rng)
        return f"v1 record {i} (type {recs[i].typ}) arg {k}={recs[i].args[k]}", write_v1(header,
                                                                                          recs)
    if kind == "record":
        i = rng.randrange(len(recs))
        recs.insert(rng.randrange(len(recs) + 1), Record1(**vars(recs[i])))
        return f"v1 duplicate record {i}", write_v1(header, recs)
    if kind == "droprecord":
        i = rng.randrange(len(recs))
        del recs[i]
        return f"v1 drop record {i}", write_v1(header, recs)
    if batches and kind in ("dupbatch", "swapbatch", "dropbatch"):
        lo, hi = rng.choice(batches)
        block = recs[lo:hi]
        if kind == "dropbatch":
            del recs[lo:hi]
            return f"v1 drop batch at record {lo}", write_v1(header, recs)
        if kind == "dupbatch":
            at = rng.choice([b[0] for b in batches] + [len(recs)])
            recs[at:at] = [Record1(**vars(r)) for r in block]
            return f"v1 duplicate batch at record {lo}", write_v1(header, recs)
        lo2, hi2 = rng.choice(batches)
        if lo2 != lo:
            (a, b), (c, d) = sorted([(lo, hi), (lo2, hi2)])
            recs = recs[:a] + recs[c:d] + recs[b:c] + recs[a:b] + recs[d:]
        return f"v1 swap batches at records {lo} {lo2}", write_v1(header, recs)
    return _blind(data, rng)


# --- format-blind -------------------------------------------------------------


def _blind(data: bytes, rng: random.Random) -> tuple[str, bytes]:
    b = bytearray(data)
    body = len(b) - HEADER_LEN
    kind = rng.choice(("flip", "flip", "byte", "cut", "insert", "dup", "varint"))
    at = HEADER_LEN + rng.randrange(max(body, 1))
    if kind == "flip":
        n = rng.randint(1, 4)
        for _ in range(n):
            b[HEADER_LEN + rng.randrange(max(body, 1))] ^= 1 << rng.randrange(8)
        return f"{n} bit flips", bytes(b)
    if kind == "byte":
        b[at] = rng.choice((0, 0x7F, 0x80, 0xFF, rng.randrange(256)))
        return f"byte {at}={b[at]}", bytes(b)
    if kind == "cut":
        return f"cut at {at}", bytes(b[:at])
    if kind == "insert":
        junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        return f"insert {len(junk)} bytes at {at}", bytes(b[:at] + junk + b[at:])
    if kind == "dup":
        n = rng.randint(1, 256)
        return f"duplicate {n} bytes at {at}", bytes(b[:at + n] + b[at:])
    huge = encode_uvarint(edge(rng))
    return f"varint {huge.hex()} at {at}", bytes(b[:at] + huge + b[at:])


def mutate(data: bytes, rng: random.Random, rounds: int = 1) -> tuple[str, bytes]:
    """One mutant of a well-formed trace: ``rounds`` mutations, structured or blind."""
    version = int(data[5:7].strip(b" ")) if data[4:5] == b"." else 0
    structured: Callable[[bytes, random.Random], tuple[str, bytes]] = (
        _mutate_v1 if version in (11, 19, 21) else _mutate_v2)
    steps = []
    for _ in range(rounds):
        try:
            what, data = structured(data, rng) if rng.random() < 0.7 else _blind(data, rng)
        except (ValueError, IndexError):  # an earlier round broke the structure
            what, data = _blind(data, rng)
        steps.append(what)
    return "; ".join(steps), data
