"""Line-oriented reader for every text form of a goroutine dump.

One pass over the lines handles pprof ``debug=2`` pages, panic / fatal error /
signal tracebacks (``GOTRACEBACK=all|system|crash``: ``gp= m=`` headers,
``fp= sp= pc=`` suffixes, goroutine 0, register dumps), ``debug=1`` count
profiles (``goroutine`` and Go 1.26+ ``goroutineleak``), also when each line
carries a constant prefix (a log prefix, the indentation of test output).

Stack lines are recognised by shape, not by their exact indentation: a file
line is an indented ``file:line`` (a tab from the runtime, spaces after a trip
through an editor or a chat tool, one space in a cgo ``??:0`` frame), a
function line is whatever precedes one. Lines that are neither (log output
interleaved on stderr) are skipped when the stack goes on after them, and
counted; stack-shaped lines that cannot be paired are counted as dropped.

Snapshots are cut where a new dump evidently begins: a ``panic:``/``fatal
error:``/``SIGxxx:`` line, a ``goroutine profile:`` header, a change of prefix,
or a goroutine id seen before in the current dump. One exception: inside a
crash traceback the runtime may print the goroutine it is crashing on a second
time (once as the crashing goroutine, once among the others). The same id
with the same header in one crash stays in that dump and is counted once.

Every number is range-checked where it is read: a goroutine id, creator id,
count or wait that does not fit the int64 columns is damage, reported in
``Snapshot.warnings``, never an overflow later.
"""

from __future__ import annotations

import re
from typing import Final

import numpy as np
import numpy.typing as npt

from gotrace.dump.labels import parse_label_list
from gotrace.dump.snapshot import (
    MAX_GOROUTINES,
    CreatedBy,
    DumpGoroutine,
    PlainBlocks,
    ProfileGroup,
    Snapshot,
)
from gotrace.dump.states import INT64_MAX, BracketInfo, parse_bracket
from gotrace.tables import Tables

HEADER: Final = re.compile(
    r"goroutine ([0-9]+)(?: gp=(0x[0-9a-fA-F]+) m=(nil|[0-9]+)(?: mp=(0x[0-9a-fA-F]+))?)? \["
)
PROFILE_HEADER: Final = re.compile(r"(goroutine(?:leak)?) profile: total ([0-9]+)\s*$")
_RECORD: Final = re.compile(r"([0-9]+) @(?: 0x[0-9a-fA-F]+)*\s*$")
# goleak's report is read as a dump that begins at its marker (gotrace.dump.goleak).
_MARKER: Final = re.compile(r"(?:panic: |fatal error: |SIG[A-Z0-9]+: |goleak: )")
_LOC: Final = re.compile(r"(.*):([0-9]+)(?= |$)")
_ORIGIN: Final = re.compile(r"\[originating from goroutine ([0-9]+)\]:")
_ELIDED: Final = re.compile(r"\.\.\.(?:[0-9]+|additional) frames elided\.\.\.\s*$")
_SPACE: Final = re.compile(r"\s")
_WHITESPACE: Final = re.compile(r"[ \t]*")
_DIGITS: Final = re.compile(r"[0-9]+")

# Go's line numbers are int32; anything larger is damage, not a line.
MAX_LINE: Final = (1 << 31) - 1

# Lines a crash prints between its panic/fatal/signal line and the first
# goroutine header; anything else there means the marker was a log message.
_PREAMBLE_STARTS: Final = (
    "\t",
    "[",
    "PC=",
    "runtime stack:",
    "signal arrived",
    "unexpected",
    "instruction bytes:",
    "runtime: ",
    "fatal error: ",
    "panic: ",
    "goroutine ",
    "-----",
    "non-Go function",
)

# Lines that always end a goroutine's stack: the start of something else.
_HARD_ENDS: Final = ("runtime stack:", "-----", "PC=", "signal arrived", "[signal ")

# Starts of every line _kind gives a kind other than _FUNC/_OTHER (when not
# indented): a line without them, followed by a tab line, is a function line.
_SPECIAL_STARTS: Final = (
    "created by ",
    ".",
    "[",
    "goroutine",
    "non-Go function",
    "panic: ",
    "fatal error: ",
    "SIG",
    "runtime stack:",
    "-----",
    "PC=",
    "signal arrived",
)

# How many unrecognised lines in a row may sit inside a stack (interleaved
# log output) before the stack is taken to have ended before them.
_NOISE_LOOKAHEAD: Final = 64

_BRACKET_CACHE_LIMIT: Final = 50_000
_DAMAGE_SHOWN: Final = 5

# Kinds of a line inside a goroutine's stack.
_BLANK: Final = 0
_FILE: Final = 1
_FUNC: Final = 2  # function-shaped: name(args)
_CREATED: Final = 3
_ELIDE: Final = 4
_ORIGIN_K: Final = 5
_UNAVAIL: Final = 6
_NONGO: Final = 7
_OTHER: Final = 8  # a function line only if a file line follows, else noise
_END: Final = 9  # the start of something else (header, marker, register dump)


QUOTED = 100
"""The most of an input line a warning quotes: enough to find it, never a wall of text."""


def _hidden_pcs(record: str, first_frame: str) -> tuple[int, int, int]:
    """A debug=1 record's innermost two PCs, and how many PCs of its ``@`` line come before its
    first printed frame (``#\t0x4eb971\tmain.f+0xd1\t...``: the call, one byte before the
    return address the line lists), or -1 when that frame is not among them."""
    pcs = record.split("@", 1)[1].split()[:64]
    words = first_frame[1:].split(None, 1)
    try:
        values = [int(pc, 16) for pc in pcs]
        shown = int(words[0], 16) if words else -2
    except ValueError:
        return 0, 0, -1
    if not values or max(values) > INT64_MAX:
        return 0, 0, -1
    second = values[1] if len(values) > 1 else 0
    for k, value in enumerate(values):
        if value == shown + 1 or value == shown:
            return values[0], second, k
    return values[0], second, -1


def quoted(text: str) -> str:
    """``text`` as a warning shows it: repr'd, cut to :data:`QUOTED` characters with ``…``."""
    return repr(text) if len(text) <= QUOTED else repr(text[:QUOTED]) + "…"


def split_brackets(rest: str) -> tuple[str, str | None] | None:
    """Split what follows ``[`` into the bracket text and the label text (or None).

    ``rest`` is ``select, 5 minutes]:`` (no labels), ``select labels:{"k": "v"}]:``
    (Go 1.26) or ``select] {k: v}:`` (Go 1.27). A status never contains ``]``
    as the runtime prints it, but a damaged or hand-edited one may
    (``select [x]]:``): then the brackets close at the last ``]``. None when
    the header is cut short (no closing ``]...:``).
    """
    if not rest.endswith(":"):
        return None
    lab = rest.find(" labels:{")
    if lab != -1 and rest.endswith("}]:"):
        close = rest.find("]")
        if close == -1 or lab < close:
            return rest[:lab], rest[lab + 9 : -3]
    if rest.endswith("]:"):
        return rest[:-2], None
    if rest.endswith("}:"):
        close = rest.find("] {")
        for _ in range(8):  # a few candidates: a hostile header must not cost O(n^2)
            if close == -1:
                break
            label_text = rest[close + 3 : -2]
            if parse_label_list(label_text) is not None:
                return rest[:close], label_text
            close = rest.find("] {", close + 1)
        close = rest.find("] {")
        if close != -1:
            return rest[:close], rest[close + 3 : -2]
    return None


def location(text: str) -> str:
    """``/src/x.go:12 +0x1d fp=..`` -> ``/src/x.go:12`` (the pc offset never splits a frame)."""
    s = text.find(" +0x")
    return text[:s] if s > 0 else text


def file_shaped(text: str) -> bool:
    """Whether stripped ``text`` reads as ``file:line`` with only a pc suffix after it."""
    loc = location(text)
    m = _LOC.match(loc)
    if m is None:
        return False
    rest = loc[m.end() :]
    return not rest or rest.startswith((" fp=", " pc=", " sp="))


def _kind(s: str) -> int:
    """What a line (its prefix removed) is inside a goroutine's stack."""
    if not s or s.isspace():
        return _BLANK
    c = s[0]
    if c == "\t" or c == " ":
        t = s.lstrip(" \t")
        if t.startswith("goroutine running on other thread"):
            return _UNAVAIL
        # The runtime indents file lines with a tab; trust that, and read
        # space-indented lines (tabs expanded, cgo " ??:0") by their shape.
        if c == "\t" or file_shaped(t):
            return _FILE
        s = t
        c = s[0]
    if c == "c" and s.startswith("created by "):
        return _CREATED
    if c == "." and _ELIDED.match(s):
        return _ELIDE
    if c == "[" and s.startswith("[originating from goroutine "):
        return _ORIGIN_K
    if c == "g" and s.startswith("goroutine ") and HEADER.match(s):
        return _END
    if c == "n" and s.startswith("non-Go function"):
        return _NONGO
    if _MARKER.match(s) or s.startswith(_HARD_ENDS) or PROFILE_HEADER.match(s):
        return _END
    return _FUNC if func_shaped(s) else _OTHER


def func_shaped(s: str) -> bool:
    """``name(args)`` with no whitespace in the name: how a function line looks.

    Linear on purpose (no backtracking regex): a 1 MB line must not hang.
    """
    t = s.rstrip()
    k = t.rfind("(")
    return k > 0 and t[-1] == ")" and _SPACE.search(t, 0, k) is None


def number(text: str, limit: int = INT64_MAX) -> int | None:
    """ASCII digits as an int, or None when empty, not digits or above ``limit``."""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= limit else None


class _Pending:
    """A panic / fatal error / signal line waiting for the dump it introduces."""

    __slots__ = ("after_separator", "collecting", "line", "message", "prefix")

    def __init__(self, line: int, prefix: str, first: str, after_separator: bool) -> None:
        self.line = line
        self.prefix = prefix
        self.message = [first]
        self.collecting = True
        self.after_separator = after_separator


class _Stack:
    """What the lines under one goroutine header say (see DumpReader._stack)."""

    __slots__ = (
        "ancestors", "args", "at_end", "created", "elided", "end", "frames", "incomplete", "unavailable",
    )

    def __init__(
        self,
        frames: list[int],
        args: list[str],
        created: CreatedBy | None,
        ancestors: list[int],
        elided: bool,
        unavailable: bool,
        incomplete: bool,
        end: int,
        at_end: bool,
    ) -> None:
        self.frames = frames
        self.args = args
        self.created = created
        self.ancestors = ancestors
        self.elided = elided
        self.unavailable = unavailable
        self.incomplete = incomplete
        self.end = end  # index of the first line after the stack
        self.at_end = at_end  # the stack reaches the end of the input


class _IdSet:
    """The goroutine ids of the current snapshot: a set of those read one by one, and the
    sorted arrays of the scanner's runs (a set of 364 k ints took a tenth of a second)."""

    __slots__ = ("_arrays", "_set")

    def __init__(self) -> None:
        self._set: set[int] = set()
        self._arrays: list[npt.NDArray[np.int64]] = []

    def add(self, gid: int) -> None:
        self._set.add(gid)

    def add_sorted(self, ids: npt.NDArray[np.int64]) -> None:
        self._arrays.append(ids)

    def __contains__(self, gid: int) -> bool:
        if gid in self._set:
            return True
        for a in self._arrays:
            k = int(np.searchsorted(a, gid))
            if k < len(a) and int(a[k]) == gid:
                return True
        return False

    def isdisjoint(self, ids: npt.NDArray[np.int64]) -> bool:
        """Whether none of the sorted ``ids`` is in the set."""
        if self._set and np.isin(ids, np.fromiter(self._set, np.int64, len(self._set))).any():
            return False
        for a in self._arrays:
            k = np.searchsorted(a, ids).clip(max=len(a) - 1)
            if (a[k] == ids).any():
                return False
        return True


class DumpReader:
    """Incremental parser: feed line lists (cut at blank lines), then ``finish()``.

    State that crosses a feed boundary is only dump-level (current snapshot,
    open debug=1 profile, pending panic line); callers cut the text at blank
    lines, which always end a goroutine.
    """

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.snapshots: list[Snapshot] = []
        self._cur: Snapshot | None = None
        self._ids = _IdSet()
        # Crash tracebacks only: header text and index per id, to recognise a
        # goroutine the runtime printed twice.
        self._seen: dict[int, tuple[str, int]] = {}
        self._pending: _Pending | None = None
        self._last_nonblank = ""
        self._continued = False
        self._profile_open = False
        self._frames: dict[tuple[str, str], int] = {}
        self._created: dict[tuple[str, str], tuple[str, str, int, int | None] | None] = {}
        self._brackets: dict[str, tuple[BracketInfo, dict[str, str] | None] | None] = {}
        self._damage: dict[int, int] = {}  # snapshot identity -> damage reports
        # Lines dropped or skipped before the first snapshot opens.
        self._orphan_damage: list[str] = []
        # Only meaningful while feeding the final lines: index of the last
        # non-blank line, and whether the input stops mid-line.
        self._last_content = -1
        self._no_newline = False

    # ---------------------------------------------------------------- damage
    def damage(self, snap: Snapshot | None, lineno: int, what: str) -> None:
        """Report a value that cannot be represented; the first few by line, then a count."""
        if snap is None:
            if len(self._orphan_damage) < _DAMAGE_SHOWN:
                self._orphan_damage.append(f"line {lineno}: {what}")
            return
        n = self._damage.get(id(snap), 0) + 1
        self._damage[id(snap)] = n
        if n <= _DAMAGE_SHOWN:
            snap.warnings.append(f"line {lineno}: {what}")

    # ----------------------------------------------------------------- lines
    def feed(self, lines: list[str], base: int, final: bool) -> None:
        """Parse ``lines``; ``base`` is the 1-based file line of ``lines[0]``.

        ``final`` says no more lines follow, so an unfinished goroutine at the
        end is a truncated one.
        """
        n = len(lines)
        i = 0
        header_match = HEADER.match
        if final:
            last = n - 1
            while last >= 0 and (not lines[last] or lines[last].isspace()):
                last -= 1
            self._last_content = last
            self._no_newline = n > 0 and lines[-1] != ""
        while i < n:
            line = lines[i]
            if not line or line.isspace() or self._is_prefixed_blank(line):
                i += 1
                if self._pending is not None:
                    self._pending.collecting = False
                continue
            if self._profile_open:
                i = self._profile_records(lines, i, base)
                if i < n and self._profile_open:
                    continue
                if i >= n:
                    break
                line = lines[i]
            if line[0] == "g" and line.startswith("goroutine"):
                m = header_match(line)
                if m is not None:
                    i = self._goroutine(lines, i, m, "", base, final)
                    continue
                pm = PROFILE_HEADER.match(line)
                if pm is not None:
                    i = self._open_profile(lines, i, pm, "", base)
                    continue
            else:
                k = line.find("goroutine")
                if k > 0:
                    m = header_match(line, k)
                    if m is not None:
                        i = self._goroutine(lines, i, m, line[:k], base, final)
                        continue
                    pm = PROFILE_HEADER.match(line, k)
                    if pm is not None:
                        i = self._open_profile(lines, i, pm, line[:k], base)
                        continue
            self._other_line(line, base + i)
            i += 1

    def _is_prefixed_blank(self, line: str) -> bool:
        """A blank line of a prefixed dump: just the prefix (maybe right-trimmed)."""
        prefix = self._cur.prefix if self._cur is not None else ""
        if self._pending is not None and self._pending.prefix:
            prefix = self._pending.prefix
        if not prefix:
            return False
        if line.startswith(prefix):
            return not line[len(prefix) :].strip()
        return line == prefix.rstrip()

    def _other_line(self, line: str, lineno: int) -> None:
        """A line outside any goroutine: panic text, a marker, or noise."""
        pending = self._pending
        if pending is not None and pending.collecting:
            body = line[len(pending.prefix) :] if line.startswith(pending.prefix) else line
            pending.message.append(body)
            return
        mk = _MARKER.search(line)
        if mk is not None:
            prefix = line[: mk.start()]
            self._pending = _Pending(
                lineno, prefix, line[mk.start() :], self._last_nonblank == "-----"
            )
            self._last_nonblank = line
            return
        stripped = line
        if pending is not None and line.startswith(pending.prefix):
            stripped = line[len(pending.prefix) :]
        if (
            pending is not None
            and not stripped.startswith(_PREAMBLE_STARTS)
            and not stripped.rstrip().endswith(")")
        ):
            self._pending = None
        self._last_nonblank = stripped.strip()

    # ------------------------------------------------------------- snapshots
    def _snapshot_for(self, gid: int, header: str, prefix: str, lineno: int) -> tuple[Snapshot, int]:
        """The snapshot a goroutine header belongs to, opening a new one if needed.

        Returns it and, for a goroutine a crash printed a second time, the
        index of its first print (else -1).
        """
        cur = self._cur
        pending = self._pending
        dup = -1
        if pending is not None and pending.prefix not in ("", prefix):
            pending = self._pending = None
        if (
            pending is not None
            and pending.after_separator
            and cur is not None
            and cur.kind == "traceback"
            and cur.prefix == prefix
        ):
            # GOTRACEBACK=crash: after "-----" each M prints its signal and its
            # own stack; that is still the same dump, ids may repeat.
            self._continued = True
            new = False
        else:
            repeated = gid in self._ids and not self._continued
            if repeated and pending is None and cur is not None and cur.kind == "traceback":
                seen = self._seen.get(gid)
                if seen is not None and seen[0] == header:
                    repeated = False
                    dup = seen[1]
            new = (
                cur is None
                or cur.kind == "debug1"
                or cur.prefix != prefix
                or pending is not None
                or repeated
            )
        if new:
            dup = -1  # a print twice only counts within its own dump
            self._close()
            cur = Snapshot(kind="debug2", start_line=lineno, end_line=lineno, prefix=prefix)
            if pending is not None:
                cur.kind = "traceback"
                cur.start_line = pending.line
                cur.panic_message = "\n".join(pending.message)
            self._continued = False
            self._cur = cur
            self.snapshots.append(cur)
            self._ids = _IdSet()
            self._seen = {}
        self._pending = None
        assert cur is not None
        return cur, dup

    def _close(self) -> None:
        cur = self._cur
        if cur is not None:
            if cur.kind == "debug1":
                self._finish_profile(cur)
            self._summarise(cur)
        self._cur = None
        self._profile_open = False

    def _summarise(self, snap: Snapshot) -> None:
        """Say what was skipped or dropped, once per snapshot."""
        more = self._damage.pop(id(snap), 0) - _DAMAGE_SHOWN
        if more > 0:
            snap.warnings.append(f"{more} more value(s) could not be represented")
        if snap.noise_lines:
            snap.warnings.append(
                f"skipped {snap.noise_lines} line(s) of other output interleaved with the stacks"
            )
        if snap.dropped_lines:
            snap.warnings.append(
                f"{snap.dropped_lines} stack line(s) could not be attached to a frame and were dropped"
            )

    def finish(self) -> list[Snapshot]:
        """Close the last snapshot; returns every snapshot found, in file order."""
        self._close()
        if self.snapshots and self._orphan_damage:
            self.snapshots[0].warnings[:0] = self._orphan_damage
        return self.snapshots

    # ------------------------------------------------------------- goroutine
    def _bracket(self, rest: str) -> tuple[BracketInfo, dict[str, str] | None] | None:
        cache = self._brackets
        hit = cache.get(rest, False)
        if hit is not False:
            return hit  # type: ignore[return-value]
        split = split_brackets(rest)
        result: tuple[BracketInfo, dict[str, str] | None] | None
        if split is None:
            result = None
        else:
            inner, label_text = split
            labels = parse_label_list(label_text) if label_text is not None else None
            if label_text is not None and labels is None:
                # Labels we cannot read: keep the goroutine, state and all.
                result = (parse_bracket(inner + "] {" + label_text + "}"), None)
            else:
                result = (parse_bracket(inner), labels)
        if len(cache) >= _BRACKET_CACHE_LIMIT:
            cache.clear()
        cache[rest] = result
        return result

    def _frame(self, func: str, fileline: str, snap: Snapshot, lineno: int) -> int:
        """Frame id for a function and its ``file:line +0x..`` text, stripped (cached)."""
        loc = location(fileline)
        key = (func, loc)
        fid = self._frames.get(key)
        if fid is None:
            lm = _LOC.match(loc)
            if lm is None:
                fid = self.tables.frame(func, loc.strip(), 0)
            else:
                line = int(lm.group(2))
                if line > MAX_LINE:
                    self.damage(snap, lineno, f"line number {lm.group(2)} cannot be represented")
                    return self.tables.frame(func, lm.group(1), 0)
                fid = self.tables.frame(func, lm.group(1), line)
            self._frames[key] = fid
        return fid

    def _created_by(self, text: str, fileline: str, snap: Snapshot, lineno: int) -> CreatedBy:
        loc = location(fileline)
        key = (text, loc)
        if key in self._created:
            cached = self._created[key]
            if cached is not None:
                return cached
        func = text
        parent: int | None = None
        damaged = False
        k = text.rfind(" in goroutine ")
        if k > 0 and _DIGITS.fullmatch(text, k + 14):
            func = text[:k]
            parent = number(text[k + 14 :])
            if parent is None:
                damaged = True
                self.damage(snap, lineno, f"creator id {text[k + 14:]} cannot be represented")
        lm = _LOC.match(loc)
        cb: CreatedBy
        if lm is None:
            cb = (func, loc.strip(), 0, parent)
        else:
            line = int(lm.group(2))
            if line > MAX_LINE:
                damaged = True
                self.damage(snap, lineno, f"line number {lm.group(2)} cannot be represented")
                line = 0
            cb = (func, lm.group(1), line, parent)
        # Damage is reported per occurrence, so a damaged line is not cached.
        self._created[key] = None if damaged else cb
        return cb

    def _body_prefix(self, lines: list[str], i: int, prefix: str) -> str:
        """The prefix of the stack lines under a header at ``lines[i]``.

        Usually the header's own prefix. ``t.Log`` and similar loggers put a
        ``file.go:12: `` tag on the first line only and indent the rest: then
        the body's indentation is the prefix.
        """
        n = len(lines)
        if not prefix or prefix.isspace() or i + 2 >= n:
            return prefix
        nxt = lines[i + 1]
        if nxt.startswith(prefix):
            return prefix
        ws_end = _WHITESPACE.match(nxt)
        assert ws_end is not None
        ws = nxt[: ws_end.end()]
        after = lines[i + 2]
        if (
            ws
            and not nxt[len(ws) :].startswith(("\t", " "))
            and after.startswith(ws)
            and _kind(after[len(ws) :]) == _FILE
        ):
            return ws
        return prefix

    def _stack(
        self, lines: list[str], i: int, prefix: str, snap: Snapshot, base: int, final: bool
    ) -> _Stack:
        """Read the stack under the header ``lines[i]``: frames, creator, ancestors...

        Counts the noise skipped and lines dropped into ``snap``.
        """
        plen = len(prefix)
        bare_prefix = prefix.rstrip()

        frames: list[int] = []
        args: list[str] = []
        created: CreatedBy | None = None
        ancestors: list[int] = []
        elided = False
        unavailable = False
        in_ancestor = False
        pending = -1  # index of a function line waiting for its file line
        pending_text = ""
        created_text: str | None = None
        incomplete = False  # the last element read misses its file line
        noise = 0
        dropped = 0
        n = len(lines)

        def body(idx: int) -> str | None:
            """The line without the prefix; None for a line of other output."""
            raw = lines[idx]
            if not plen:
                return raw
            if raw.startswith(prefix):
                return raw[plen:]
            if not raw or raw.isspace() or raw == bare_prefix:
                return ""
            return None

        def kind_at(idx: int) -> int:
            s = body(idx)
            return _OTHER if s is None else _kind(s)

        j = i + 1
        while j < n:
            s = lines[j] if not plen else body(j)
            # The runtime's own shape, decided without _kind: a tab file line,
            # or a plain function line followed by one (same result, fewer calls).
            if s and s[0] == "\t" and not s.startswith("\tgoroutine running on other thread"):
                kind = _FILE
            elif (
                s
                and pending < 0
                and created_text is None
                and j + 1 < n
                and not s[0].isspace()
                and not s.startswith(_SPECIAL_STARTS)
                and (lines[j + 1] if not plen else body(j + 1) or "")[:1] == "\t"
            ):
                pending, pending_text = j, s.rstrip()
                j += 1
                continue
            else:
                kind = _OTHER if s is None else _kind(s)
            if kind in (_BLANK, _END):
                break
            if kind == _FILE:
                assert s is not None
                text = s.lstrip(" \t")
                if pending >= 0:
                    if not in_ancestor:
                        k = pending_text.rfind("(")
                        if k > 0 and pending_text[-1] == ")":
                            frames.append(self._frame(pending_text[:k], text, snap, base + j))
                            args.append(pending_text[k + 1 : -1])
                        else:
                            frames.append(self._frame(pending_text, text, snap, base + j))
                            args.append("")
                    pending = -1
                elif created_text is not None:
                    if not in_ancestor:
                        created = self._created_by(created_text, text, snap, base + j)
                    created_text = None
                else:
                    dropped += 1
                j += 1
                continue
            if kind == _OTHER:
                if (
                    s is not None
                    and pending < 0
                    and created_text is None
                    and j + 1 < n
                    and kind_at(j + 1) == _FILE
                ):
                    # A function line of an unusual shape (a cgo symbolizer's name).
                    pending, pending_text = j, s.strip()
                    j += 1
                    continue
                # Output from elsewhere, or the end of this goroutine: look
                # past it for the stack going on.
                k = j + 1
                limit = min(n, j + 1 + _NOISE_LOOKAHEAD)
                while k < limit and kind_at(k) == _OTHER:
                    k += 1
                nk = kind_at(k) if k < limit else _BLANK
                goes_on = nk in (_FUNC, _CREATED, _ELIDE, _ORIGIN_K, _UNAVAIL, _NONGO) or (
                    nk == _FILE and (pending >= 0 or created_text is not None)
                )
                if not goes_on:
                    if (
                        final
                        and j == self._last_content
                        and s is not None
                        and (s.rstrip().endswith(")") or self._no_newline)
                    ):
                        incomplete = True  # a function line cut off by the end
                    break
                noise += k - j
                j = k
                continue
            # A new stack element: anything still waiting for a file line lost it.
            if pending >= 0 or created_text is not None:
                dropped += 1
                pending = -1
                created_text = None
            assert s is not None
            t = s.lstrip(" \t")
            if kind == _FUNC:
                pending, pending_text = j, t.rstrip()
            elif kind == _CREATED:
                created_text = t[11:].rstrip()
            elif kind == _ELIDE:
                if not in_ancestor:
                    elided = True
            elif kind == _ORIGIN_K:
                om = _ORIGIN.match(t)
                if om is not None:
                    anc = number(om.group(1))
                    if anc is None:
                        self.damage(snap, base + j, f"ancestor id {om.group(1)} cannot be represented")
                    else:
                        ancestors.append(anc)
                in_ancestor = True
            elif kind == _UNAVAIL:
                unavailable = True
            elif kind == _NONGO:
                if j + 1 < n and kind_at(j + 1) == _FILE:
                    pending, pending_text = j, t.rstrip()
                elif not in_ancestor:
                    frames.append(self.tables.frame(t.rstrip(), "", 0))
                    args.append("")
            j += 1

        at_end = final and j >= self._last_content
        if pending >= 0 or created_text is not None:
            if at_end:
                incomplete = True
            else:
                dropped += 1
        at_end = final and j >= self._last_content
        if pending >= 0 or created_text is not None:
            if at_end:
                incomplete = True
            else:
                dropped += 1
        snap.noise_lines += noise
        snap.dropped_lines += dropped
        return _Stack(frames, args, created, ancestors, elided, unavailable, incomplete, j, at_end)

    def _goroutine(
        self, lines: list[str], i: int, m: re.Match[str], prefix: str, base: int, final: bool
    ) -> int:
        """Parse the goroutine whose header is ``lines[i]``; returns the next index."""
        header = lines[i]
        lineno = base + i
        parsed = self._bracket(header[m.end() :])
        if parsed is None:
            if final and i >= self._last_content and self._cur is not None:
                self._cur.warnings.append(
                    f"line {lineno}: goroutine header cut off at the end of the input: {quoted(header)}"
                )
            elif self._cur is not None:
                self._cur.warnings.append(f"line {lineno}: unreadable goroutine header {quoted(header)}")
            self._other_line(header, lineno)
            return i + 1
        info, labels = parsed
        prefix = self._body_prefix(lines, i, prefix)
        gid: int | None = int(m.group(1))  # HEADER matched ASCII digits
        if gid is not None and gid > INT64_MAX:
            gid = None
        snap, dup = self._snapshot_for(
            -1 if gid is None else gid, header[len(prefix) :], prefix, lineno
        )
        if gid is not None and info.damage is not None:
            self.damage(snap, lineno, f"goroutine {gid}: {info.damage}")
        st = self._stack(lines, i, prefix, snap, base, final)
        j = st.end
        frames = st.frames
        at_end = st.at_end
        snap.end_line = base + max(j - 1, i)
        self._last_nonblank = ""
        if gid is None:
            self.damage(snap, lineno, f"goroutine id {m.group(1)} cannot be represented; goroutine skipped")
            return j

        tables = self.tables
        g = DumpGoroutine(
            id=gid,
            state=info.state,
            raw_state=info.raw_state,
            wait_minutes=info.wait_minutes,
            flags=info.flags,
            synctest_bubble=info.bubble,
            labels=dict(labels) if labels else {},
            stack_id=tables.stack(tuple(frames)),
            frame_args=tuple(st.args),
            created_by=st.created,
            ancestors=st.ancestors,
            frames_elided=st.elided,
            line=lineno,
            stack_unavailable=st.unavailable,
        )
        if m.group(2) is not None:
            g.gp = m.group(2)
            mid = m.group(3)
            if mid != "nil":
                g.m = number(mid)
                if g.m is None:
                    self.damage(snap, lineno, f"goroutine {gid}: m={mid} cannot be represented")
            g.mp = m.group(4)
            snap.kind = "traceback" if snap.kind == "debug2" else snap.kind
        if dup < 0 and snap.kind == "debug2":
            snap.goroutines.append(g)
            self._ids.add(gid)
        else:
            self._add(snap, g, dup, header[len(prefix) :])
        if at_end:
            if st.incomplete or (not frames and not st.unavailable):
                snap.warnings.append(
                    f"goroutine {gid} (line {lineno}) is cut off at the end of the input;"
                    f" kept with the {len(frames)} frame(s) read"
                )
            elif self._no_newline:
                snap.warnings.append(
                    f"the input ends mid-line: the last frame of goroutine {gid}"
                    f" (line {lineno}) may be cut off"
                )
        return j

    def _add(self, snap: Snapshot, g: DumpGoroutine, dup: int, header: str) -> None:
        """Append ``g``, or for a goroutine a crash printed twice keep the fuller print."""
        if dup >= 0:
            first = snap.goroutines[dup]
            snap.warnings.append(
                f"goroutine {g.id} is printed twice (lines {first.line} and {g.line}); counted once"
            )
            stacks = self.tables.stacks
            if len(stacks[g.stack_id]) > len(stacks[first.stack_id]):
                snap.goroutines[dup] = g
            return
        if snap.kind == "traceback":
            self._seen[g.id] = (header, len(snap.goroutines))
        snap.goroutines.append(g)
        self._ids.add(g.id)

    # -------------------------------------------------------------- fast path
    def add_blocks(self, blocks: PlainBlocks, lo: int, hi: int) -> None:
        """Blocks ``lo:hi`` of the C scanner's plain debug=2 blocks, as ``_goroutine`` would read them.

        Each distinct header and stack block was read once (``PlainBlocks``);
        per goroutine only its id, creator id and line vary. Anything that
        may open a new snapshot (a pending crash line, a repeated id, another
        kind of dump) goes through the same ``_snapshot_for`` as the line path.
        """
        if hi - lo > 1:
            self.add_blocks(blocks, lo, lo + 1)
            if self._bulk(blocks, lo + 1, hi):
                return
            lo += 1
        ids = blocks.ids[lo:hi].tolist()
        lines = blocks.lines[lo:hi].tolist()
        hks = blocks.header_keys[lo:hi].tolist()
        nls = blocks.nlines[lo:hi].tolist()
        headers = blocks.headers
        known = self._ids
        cur = self._cur
        for k, gid in enumerate(ids):
            i = lo + k
            info, _, text = headers[hks[k]]
            line = lines[k]
            if (
                cur is None
                or cur is not self._cur
                or cur.kind != "debug2"
                or cur.prefix
                or self._pending is not None
                or self._profile_open
                or gid in known
            ):
                self._profile_open = False
                header = f"goroutine {gid} [{text}"
                cur, dup = self._snapshot_for(gid, header, "", line)
                known = self._ids
            else:
                dup = -1
                header = ""
            if info.damage is not None:
                self.damage(cur, line, f"goroutine {gid}: {info.damage}")
            if dup < 0 and cur.kind == "debug2":
                cur.goroutines.extend_plain(blocks, i, i + 1)
                known.add(gid)
            else:
                self._add(cur, blocks.goroutine(i), dup, header or f"goroutine {gid} [{text}")
            cur.end_line = line + nls[k] - 1
        self._last_nonblank = ""

    def _bulk(self, blocks: PlainBlocks, lo: int, hi: int) -> bool:
        """Blocks ``lo:hi`` into the current debug=2 snapshot in one go, as columns.

        Only when nothing can happen between them: the snapshot is a plain
        debug=2 one, no id repeats, no header carries damage. False leaves
        them to the per-goroutine loop.
        """
        cur = self._cur
        if (
            cur is None
            or cur.kind != "debug2"
            or cur.prefix
            or self._pending is not None
            or self._profile_open
        ):
            return False
        fresh = np.sort(blocks.ids[lo:hi])
        if bool((fresh[1:] == fresh[:-1]).any()) or not self._ids.isdisjoint(fresh):
            return False
        if any(h[0].damage is not None for h in blocks.headers):
            return False
        cur.goroutines.extend_plain(blocks, lo, hi)
        self._ids.add_sorted(fresh)
        cur.end_line = int(blocks.lines[hi - 1] + blocks.nlines[hi - 1]) - 1
        self._last_nonblank = ""
        return True

    # ---------------------------------------------------------------- debug=1
    def _open_profile(
        self, lines: list[str], i: int, pm: re.Match[str], prefix: str, base: int
    ) -> int:
        self._close()
        self._pending = None
        snap = Snapshot(
            kind="debug1",
            start_line=base + i,
            end_line=base + i,
            prefix=prefix,
            profile=pm.group(1),
        )
        snap.total = number(pm.group(2))
        if snap.total is None:
            self.damage(snap, base + i, f"profile total {pm.group(2)} cannot be represented")
        self.snapshots.append(snap)
        self._cur = snap
        self._ids = _IdSet()
        self._seen = {}
        self._profile_open = True
        return self._profile_records(lines, i + 1, base)

    def _record_follows(self, lines: list[str], i: int, prefix: str) -> int:
        """Index of a ``count @`` record within the noise lookahead after ``i``, or -1."""
        plen = len(prefix)
        for k in range(i, min(len(lines), i + _NOISE_LOOKAHEAD)):
            line = lines[k]
            if plen:
                if not line.startswith(prefix):
                    continue
                line = line[plen:]
            if not line or line.isspace():
                return -1
            if _RECORD.match(line):
                return k
            if line.startswith(("#", "goroutine")) or _MARKER.match(line):
                return -1
        return -1

    def _profile_records(self, lines: list[str], i: int, base: int) -> int:
        """Read ``count @ pcs`` records until a line that is not one; returns its index."""
        snap = self._cur
        assert snap is not None
        prefix = snap.prefix
        plen = len(prefix)
        n = len(lines)
        tables = self.tables
        leaked = snap.profile == "goroutineleak"
        while i < n:
            line = lines[i]
            if plen:
                if not line.startswith(prefix):
                    if line.isspace() or line == prefix.rstrip():
                        i += 1
                        continue
                    nxt = self._record_follows(lines, i + 1, prefix)
                    if nxt < 0:
                        self._profile_open = False
                        return i
                    snap.noise_lines += nxt - i
                    i = nxt
                    continue
                line = line[plen:]
            if not line or line.isspace():
                i += 1
                continue
            rm = _RECORD.match(line)
            if rm is None:
                nxt = self._record_follows(lines, i + 1, prefix)
                if nxt < 0:
                    self._profile_open = False
                    return i
                snap.noise_lines += nxt - i
                i = nxt
                continue
            count = number(rm.group(1), MAX_GOROUTINES)
            labels: dict[str, str] = {}
            frames: list[int] = []
            first_frame = ""
            j = i + 1
            while j < n:
                fl = lines[j]
                if plen:
                    if not fl.startswith(prefix):
                        break
                    fl = fl[plen:]
                if not fl.startswith("#"):
                    break
                if fl.startswith("# labels: {"):
                    body = fl[11:].rstrip()
                    parsed = parse_label_list(body[:-1]) if body.endswith("}") else None
                    if parsed is None:
                        snap.warnings.append(f"line {base + j}: unreadable labels {quoted(fl[9:])}")
                    else:
                        labels = parsed
                else:
                    first_frame = first_frame or fl
                    frames.append(self._profile_frame(fl, snap, base + j))
                j += 1
            if count is None:
                self.damage(
                    snap, base + i, f"record count {rm.group(1)} cannot be represented; record skipped"
                )
            else:
                first_pc, second_pc, hidden = _hidden_pcs(line, first_frame)
                snap.groups.append(ProfileGroup(count, tables.stack(tuple(frames)), labels, leaked,
                                                first_pc, second_pc, hidden))
            snap.end_line = base + j - 1
            i = j
        return i

    def _profile_frame(self, line: str, snap: Snapshot, lineno: int) -> int:
        """``#\\t0x68f038\\tmain.f+0x18\\tdir/main.go:78`` (tabwriter may double tabs).

        Tabs expanded to spaces read the same: pc, symbol, then the location.
        """
        parts = [p for p in line[1:].split("\t") if p.strip()]
        if len(parts) < 3:
            parts = line[1:].split(None, 2)
        if len(parts) < 3:
            pc = parts[0] if parts else "?"
            return self.tables.frame(pc.strip(), "", 0)
        sym = parts[1].strip()
        k = sym.rfind("+0x")
        func = sym[:k] if k > 0 else sym
        loc = parts[2].strip()
        lm = _LOC.match(loc)
        if lm is None:
            return self.tables.frame(func, loc, 0)
        line_no = int(lm.group(2))
        if line_no > MAX_LINE:
            self.damage(snap, lineno, f"line number {lm.group(2)} cannot be represented")
            line_no = 0
        return self.tables.frame(func, lm.group(1), line_no)

    def _finish_profile(self, snap: Snapshot) -> None:
        counted = sum(g.count for g in snap.groups)
        if snap.total is not None and counted != snap.total:
            snap.warnings.append(
                f"profile header says total {snap.total} but its records add up to {counted}"
                " (cut off?)"
            )
