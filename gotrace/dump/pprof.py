"""The pprof protobuf form of the goroutine profiles: counts per stack with labels.

``/debug/pprof/goroutine`` and ``/debug/pprof/goroutineleak`` answer, without
``?debug=``, with a gzipped ``profile.proto`` message (writer:
``runtime/pprof/proto.go``; field numbers: ``internal/profile/encode.go``).
It says what a ``debug=1`` page says (how many goroutines share each stack,
with their labels), so it becomes the same Snapshot shape: ``kind="debug1"``,
``origin="pprof proto"`` and the profile's name from its sample type.

A small decoder of our own, not the ``protobuf`` package: the message is six
flat record types, the runtime's writer is simple, and an own decoder can do
what a generated one cannot here: range-check every number where it is read,
and keep the samples before a cut (a download stopped mid-way, a truncated
gzip) with a warning instead of refusing the whole message. It needs no
generated code tied to a protobuf runtime version and adds no dependency.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gotrace.dump.snapshot import MAX_GOROUTINES, ProfileGroup, Snapshot
from gotrace.errors import DumpFormatError
from gotrace.tables import Tables

_MAX_LINE = (1 << 31) - 1

# Profile fields and the wire type each must have (0 varint, 2 bytes).
_PROFILE_WIRE = {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 7: 0, 8: 0, 9: 0, 10: 0, 11: 2, 12: 0, 13: 0, 14: 0}
_COUNT_PROFILES = ("goroutine", "goroutineleak")


class _Cut(Exception):
    """The message ends inside a field: what was read before it stands."""


def _varint(buf: bytes, pos: int, end: int) -> tuple[int, int]:
    """Unsigned LEB128 at ``pos``; at most 10 bytes and 64 bits."""
    result = 0
    shift = 0
    while True:
        if pos >= end:
            raise _Cut
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            break
        shift += 7
        if shift >= 70:
            raise DumpFormatError("pprof profile: a varint is longer than 10 bytes")
    if result >> 64:
        raise DumpFormatError("pprof profile: a varint does not fit in 64 bits")
    return result, pos


def _fields(buf: bytes, pos: int, end: int) -> list[tuple[int, int, int, int]]:
    """(field, wire type, value or start, end) of each field in ``buf[pos:end]``.

    For a varint the third item is the value; for a length-delimited field
    it is the start of the bytes. Fixed32/64 are skipped over (the profile
    has none). Raises _Cut when the last field is incomplete.
    """
    out: list[tuple[int, int, int, int]] = []
    while pos < end:
        key, pos = _varint(buf, pos, end)
        num, wire = key >> 3, key & 7
        if num == 0:
            raise DumpFormatError("pprof profile: field number 0")
        if wire == 0:
            value, pos = _varint(buf, pos, end)
            out.append((num, 0, value, pos))
        elif wire == 2:
            size, pos = _varint(buf, pos, end)
            if size > end - pos:
                raise _Cut
            out.append((num, 2, pos, pos + size))
            pos += size
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        else:
            raise DumpFormatError(f"pprof profile: wire type {wire} is not protobuf")
        if pos > end:
            raise _Cut
    return out


def _ints(buf: bytes, f: tuple[int, int, int, int]) -> list[int]:
    """A repeated integer field: one varint, or packed (length-delimited) varints."""
    if f[1] == 0:
        return [f[2]]
    vals: list[int] = []
    pos, end = f[2], f[3]
    while pos < end:
        v, pos = _varint(buf, pos, end)
        vals.append(v)
    return vals


def _signed(v: int) -> int:
    """An int64 field's two's-complement value."""
    return v - (1 << 64) if v >> 63 else v


@dataclass(slots=True)
class _Function:
    name: int = 0
    filename: int = 0


@dataclass(slots=True)
class _Location:
    address: int = 0
    lines: list[tuple[int, int]] = field(default_factory=list)  # (function id, line)


def looks_like_profile(data: bytes) -> bool:
    """Whether ``data`` (gunzipped) reads as a pprof Profile message of a goroutine profile."""
    return starts_like_profile(data) and b"goroutine" in data


def starts_like_profile(data: bytes) -> bool:
    """Whether the start of ``data`` reads as a pprof Profile message (of any kind).

    The first top-level fields must decode with the wire types the Profile
    message gives them: text, even text starting with a digit, fails within a
    few bytes. The string table, which says what is profiled, comes last, so a
    reader that has only the start of the input can ask this much.
    """
    if len(data) < 8:
        return False
    pos = 0
    for _ in range(16):
        if pos >= len(data):
            break
        try:
            num, wire, _, pos = _field_at(data, pos, len(data))
        except (_Cut, DumpFormatError):
            return False
        if _PROFILE_WIRE.get(num) != wire:
            return False
    return True


def profile_kind(data: bytes) -> str | None:
    """The sample types of any pprof Profile message (``alloc_objects, ...``), else None."""
    if len(data) < 8 or _PROFILE_WIRE.get(data[0] >> 3) != data[0] & 7:
        return None
    try:
        top = _fields(data, 0, len(data))
        strings = [data[a:b].decode("utf-8", "replace") for num, _, a, b in top if num == 6]
        types = []
        for num, wire, a, b in top:
            if _PROFILE_WIRE.get(num, wire) != wire:
                return None
            if num == 1:
                vt = {f[0]: f[2] for f in _fields(data, a, b) if f[1] == 0}
                types.append(strings[vt.get(1, 0)])
    except (_Cut, DumpFormatError, IndexError):
        return None
    return ", ".join(types) if types else None


def parse_profile(data: bytes, tables: Tables) -> Snapshot:
    """One Snapshot (kind debug1, origin "pprof proto") from a gunzipped Profile message."""
    warnings: list[str] = []
    try:
        top = _fields(data, 0, len(data))
    except _Cut:
        top = _salvage(data)
        warnings.append(
            f"the protobuf profile is cut off ({len(data):,} bytes); kept the samples read before the cut"
        )
    damaged = 0

    def sub(a: int, b: int) -> list[tuple[int, int, int, int]]:
        """Fields of a nested record; a record that runs past its end is damage, left out."""
        nonlocal damaged
        try:
            return _fields(data, a, b)
        except _Cut:
            damaged += 1
            return []

    def ints(f: tuple[int, int, int, int]) -> list[int]:
        nonlocal damaged
        try:
            return _ints(data, f)
        except _Cut:
            damaged += 1
            return []

    strings: list[str] = []
    sample_types: list[tuple[int, int]] = []
    samples: list[tuple[int, int]] = []
    functions: dict[int, _Function] = {}
    locations: dict[int, _Location] = {}
    for num, wire, a, b in top:
        if _PROFILE_WIRE.get(num, wire) != wire:
            raise DumpFormatError(f"not a pprof profile (field {num} has wire type {wire})")
        if num == 6:
            strings.append(data[a:b].decode("utf-8", "replace"))
        elif num == 1:
            vt = {f[0]: f[2] for f in sub(a, b) if f[1] == 0}
            sample_types.append((vt.get(1, 0), vt.get(2, 0)))
        elif num == 2:
            samples.append((a, b))
        elif num == 5:
            fn = _Function()
            fid = 0
            for f in sub(a, b):
                if f[1] != 0:
                    continue
                if f[0] == 1:
                    fid = f[2]
                elif f[0] == 2:
                    fn.name = f[2]
                elif f[0] == 4:
                    fn.filename = f[2]
            functions[fid] = fn
        elif num == 4:
            loc = _Location()
            lid = 0
            for f in sub(a, b):
                if f[0] == 1 and f[1] == 0:
                    lid = f[2]
                elif f[0] == 3 and f[1] == 0:
                    loc.address = f[2]
                elif f[0] == 4 and f[1] == 2:
                    ln = {g[0]: g[2] for g in sub(f[2], f[3]) if g[1] == 0}
                    loc.lines.append((ln.get(1, 0), _signed(ln.get(2, 0))))
            locations[lid] = loc

    cut = bool(warnings)

    def string(idx: int) -> str:
        if idx >= len(strings):
            if cut:
                raise DumpFormatError(
                    "the protobuf profile is cut off before its string table ends"
                    f" ({len(data):,} bytes read): its frames cannot be named; fetch it again"
                )
            raise DumpFormatError(f"pprof profile: a name refers to string {idx} of {len(strings)}")
        return strings[idx]

    types = [string(t) for t, _ in sample_types]
    profile = next((t for t in types if t in _COUNT_PROFILES), None)
    if profile is None:
        what = ", ".join(types) or "no sample type"
        raise DumpFormatError(f"a pprof profile of {what}, not a goroutine profile")
    vi = types.index(profile)
    snap = Snapshot(kind="debug1", start_line=1, end_line=1, profile=profile, origin="pprof proto")
    snap.warnings.extend(warnings)
    leaked = profile == "goroutineleak"
    frame_cache: dict[int, tuple[int, ...]] = {}

    def frames_of(lid: int) -> tuple[int, ...]:
        """A location's frames, innermost (inlined) first, as pprof lists them."""
        nonlocal damaged
        hit = frame_cache.get(lid)
        if hit is not None:
            return hit
        loc = locations.get(lid)
        out: list[int] = []
        if loc is None:
            damaged += 1
        elif not loc.lines:
            out.append(tables.frame(f"{loc.address:#x}", "", 0))
        else:
            for fid, line in loc.lines:
                fn = functions.get(fid)
                if fn is None:
                    damaged += 1
                    continue
                if not 0 <= line <= _MAX_LINE:
                    damaged += 1
                    line = 0
                out.append(tables.frame(string(fn.name), string(fn.filename), line))
        frame_cache[lid] = res = tuple(out)
        return res

    for a, b in samples:
        locs: list[int] = []
        values: list[int] = []
        labels: dict[str, str] = {}
        for f in sub(a, b):
            if f[0] == 1:
                locs.extend(ints(f))
            elif f[0] == 2:
                values.extend(_signed(v) for v in ints(f))
            elif f[0] == 3 and f[1] == 2:
                lab = {g[0]: g[2] for g in sub(f[2], f[3]) if g[1] == 0}
                key = string(lab.get(1, 0))
                if lab.get(2):
                    labels[key] = string(lab[2])
                elif 3 in lab:
                    unit = string(lab.get(4, 0))
                    labels[key] = f"{_signed(lab[3])}{' ' + unit if unit else ''}"
        count = values[vi] if vi < len(values) else None
        if count is None or not 0 <= count <= MAX_GOROUTINES:
            damaged += 1
            continue
        frames: list[int] = []
        for lid in locs:
            frames.extend(frames_of(lid))
        snap.groups.append(
            ProfileGroup(count, tables.stack(tuple(frames)), dict(sorted(labels.items())), leaked)
        )
    if damaged:
        snap.warnings.append(
            f"{damaged} sample value(s), location(s) or line(s) of the protobuf profile are damaged"
            " and were left out"
        )
    snap.total = sum(g.count for g in snap.groups)
    return snap


def _salvage(data: bytes) -> list[tuple[int, int, int, int]]:
    """The complete top-level fields before a cut."""
    out: list[tuple[int, int, int, int]] = []
    pos = 0
    while pos < len(data):
        try:
            got = _field_at(data, pos, len(data))
        except _Cut:
            break
        out.append(got)
        pos = got[3]
    return out


def _field_at(data: bytes, pos: int, end: int) -> tuple[int, int, int, int]:
    """The one field at ``pos`` as _fields gives it; item 3 is where it ends."""
    key, p = _varint(data, pos, end)
    num, wire = key >> 3, key & 7
    if wire == 0:
        value, p = _varint(data, p, end)
        return (num, 0, value, p)
    if wire == 2:
        size, p = _varint(data, p, end)
        if size > end - p:
            raise _Cut
        return (num, 2, p, p + size)
    raise _Cut
