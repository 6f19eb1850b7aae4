"""Line-oriented reader for every text form of a goroutine dump.

One pass over the lines handles pprof ``debug=2`` pages, panic / fatal error /
signal tracebacks (``GOTRACEBACK=all|system|crash``: ``gp= m=`` headers,
``fp= sp= pc=`` suffixes, goroutine 0, register dumps) and ``debug=1`` count
profiles, also when each line carries a constant prefix (a log prefix, the
indentation of test output). Speed comes from doing almost nothing per frame:
a frame line is split with ``str.rfind``/``str.find`` and looked up in a cache
of already-interned frames; regexes run only on headers and rare lines.

Snapshots are cut where a new dump evidently begins: a ``panic:``/``fatal
error:``/``SIGxxx:`` line, a ``goroutine profile:`` header, a goroutine id seen
before in the current dump, a change of prefix, or a ``[running]`` goroutine
after unrelated lines (every debug=2 page starts with the goroutine writing it).
"""

from __future__ import annotations

import re
from typing import Final

from gotrace.dump.labels import parse_label_list
from gotrace.dump.snapshot import CreatedBy, DumpGoroutine, ProfileGroup, Snapshot
from gotrace.dump.states import BracketInfo, parse_bracket
from gotrace.tables import Tables

HEADER: Final = re.compile(
    r"goroutine (\d+)(?: gp=(0x[0-9a-fA-F]+) m=(nil|\d+)(?: mp=(0x[0-9a-fA-F]+))?)? \["
)
PROFILE_HEADER: Final = re.compile(r"(goroutine(?:leak)?) profile: total (\d+)\s*$")
_RECORD: Final = re.compile(r"(\d+) @(?: 0x[0-9a-fA-F]+)*\s*$")
_MARKER: Final = re.compile(r"(?:panic: |fatal error: |SIG[A-Z0-9]+: )")
_LOC: Final = re.compile(r"(.*):(\d+)(?= |$)")
_ORIGIN: Final = re.compile(r"\[originating from goroutine (\d+)\]:")
_WHITESPACE: Final = re.compile(r"[ \t]*")

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

_BRACKET_CACHE_LIMIT: Final = 50_000


def _split_brackets(rest: str) -> tuple[str, str | None] | None:
    """Split what follows ``[`` into the bracket text and the label text (or None).

    ``rest`` is ``select, 5 minutes]:`` (no labels), ``select labels:{"k": "v"}]:``
    (Go 1.26) or ``select] {k: v}:`` (Go 1.27). The status and its decorations
    never contain ``]``, so the first ``]`` closes the brackets unless 1.26 labels
    come first. None when the header is cut short (no closing ``]...:``).
    """
    if not rest.endswith(":"):
        return None
    close = rest.find("]")
    lab = rest.find(" labels:{")
    if lab != -1 and (close == -1 or lab < close):
        if not rest.endswith("}]:"):
            return None
        return rest[:lab], rest[lab + 9 : -3]
    if close == -1:
        return None
    after = rest[close + 1 : -1]
    if not after:
        return rest[:close], None
    if after.startswith(" {") and after.endswith("}"):
        return rest[:close], after[2:-1]
    return None


def _location(fileline: str) -> str:
    """``\t/src/x.go:12 +0x1d`` -> ``/src/x.go:12`` (the pc offset never splits a frame)."""
    s = fileline.find(" +0x")
    return fileline[1:s] if s > 0 else fileline[1:]


class _Pending:
    """A panic / fatal error / signal line waiting for the dump it introduces."""

    __slots__ = ("after_separator", "collecting", "line", "message", "prefix")

    def __init__(self, line: int, prefix: str, first: str, after_separator: bool) -> None:
        self.line = line
        self.prefix = prefix
        self.message = [first]
        self.collecting = True
        self.after_separator = after_separator


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
        self._ids: set[int] = set()
        self._noise = False
        self._pending: _Pending | None = None
        self._last_nonblank = ""
        self._continued = False
        self._profile_open = False
        self._frames: dict[tuple[str, str], int] = {}
        self._created: dict[tuple[str, str], CreatedBy] = {}
        self._brackets: dict[str, tuple[BracketInfo, dict[str, str] | None] | None] = {}
        # Only meaningful while feeding the final lines: index of the last
        # non-blank line, and whether the input stops mid-line.
        self._last_content = -1
        self._no_newline = False

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
            if line[0] == "g" and line.startswith("goroutine "):
                m = header_match(line)
                if m is not None:
                    i = self._goroutine(lines, i, m, "", base, final)
                    continue
                pm = PROFILE_HEADER.match(line)
                if pm is not None:
                    i = self._open_profile(lines, i, pm, "", base)
                    continue
            else:
                k = line.find("goroutine ")
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
        if stripped.strip() != "-----":
            self._noise = True
        self._last_nonblank = stripped.strip()

    # ------------------------------------------------------------- snapshots
    def _snapshot_for(self, gid: int, state: str, prefix: str, lineno: int) -> Snapshot:
        """The snapshot a goroutine header belongs to, opening a new one if needed."""
        cur = self._cur
        pending = self._pending
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
            new = (
                cur is None
                or cur.kind == "debug1"
                or cur.prefix != prefix
                or pending is not None
                or (gid in self._ids and not self._continued)
                or (self._noise and state == "running" and not self._continued)
            )
        if new:
            self._close()
            cur = Snapshot(kind="debug2", start_line=lineno, end_line=lineno, prefix=prefix)
            if pending is not None:
                cur.kind = "traceback"
                cur.start_line = pending.line
                cur.panic_message = "\n".join(pending.message)
            self._continued = False
            self._cur = cur
            self.snapshots.append(cur)
            self._ids = set()
        self._pending = None
        self._noise = False
        assert cur is not None
        return cur

    def _close(self) -> None:
        cur = self._cur
        if cur is not None and cur.kind == "debug1":
            self._finish_profile(cur)
        self._cur = None
        self._profile_open = False

    def finish(self) -> list[Snapshot]:
        """Close the last snapshot; returns every snapshot found, in file order."""
        self._close()
        return self.snapshots

    # ------------------------------------------------------------- goroutine
    def _bracket(self, rest: str) -> tuple[BracketInfo, dict[str, str] | None] | None:
        cache = self._brackets
        hit = cache.get(rest, False)
        if hit is not False:
            return hit  # type: ignore[return-value]
        split = _split_brackets(rest)
        result: tuple[BracketInfo, dict[str, str] | None] | None
        if split is None:
            result = None
        else:
            inner, label_text = split
            labels = parse_label_list(label_text) if label_text is not None else None
            unreadable = label_text is not None and labels is None
            result = None if unreadable else (parse_bracket(inner), labels)
        if len(cache) >= _BRACKET_CACHE_LIMIT:
            cache.clear()
        cache[rest] = result
        return result

    def _frame(self, func: str, fileline: str) -> int:
        """Frame id for a function and its ``\\tfile:line +0x..`` line (cached)."""
        loc = _location(fileline)
        key = (func, loc)
        fid = self._frames.get(key)
        if fid is None:
            lm = _LOC.match(loc)
            if lm is None:
                fid = self.tables.frame(func, loc.strip(), 0)
            else:
                fid = self.tables.frame(func, lm.group(1), int(lm.group(2)))
            self._frames[key] = fid
        return fid

    def _created_by(self, text: str, fileline: str) -> CreatedBy:
        loc = _location(fileline)
        key = (text, loc)
        cb = self._created.get(key)
        if cb is None:
            func = text
            parent: int | None = None
            k = text.rfind(" in goroutine ")
            if k > 0 and text[k + 14 :].isdigit():
                func = text[:k]
                parent = int(text[k + 14 :])
            lm = _LOC.match(loc)
            if lm is None:
                cb = (func, loc.strip(), 0, parent)
            else:
                cb = (func, lm.group(1), int(lm.group(2)), parent)
            self._created[key] = cb
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
        if ws and not nxt[len(ws) :].startswith("\t") and lines[i + 2].startswith(ws + "\t"):
            return ws
        return prefix

    def _goroutine(
        self, lines: list[str], i: int, m: re.Match[str], prefix: str, base: int, final: bool
    ) -> int:
        """Parse the goroutine whose header is ``lines[i]``; returns the next index."""
        header = lines[i]
        parsed = self._bracket(header[m.end() :])
        if parsed is None:
            if final and i >= self._last_content and self._cur is not None:
                self._cur.warnings.append(
                    f"line {base + i}: goroutine header cut off at the end of the input: {header!r}"
                )
            self._other_line(header, base + i)
            return i + 1
        info, labels = parsed
        prefix = self._body_prefix(lines, i, prefix)
        gid = int(m.group(1))
        snap = self._snapshot_for(gid, info.state, prefix, base + i)
        plen = len(prefix)
        bare_prefix = prefix.rstrip()

        frames: list[int] = []
        args: list[str] = []
        created: CreatedBy | None = None
        ancestors: list[int] = []
        elided = False
        unavailable = False
        in_ancestor = False
        incomplete = False  # the last element read misses its file line
        frame = self._frame
        n = len(lines)
        j = i + 1
        while j < n:
            line = lines[j]
            if plen:
                if not line.startswith(prefix):
                    if line.isspace() or line == bare_prefix:
                        break
                    if line:
                        self._noise = True
                    break
                line = line[plen:]
            if not line or line.isspace():
                break
            c = line[0]
            if c == "\t":
                if line.startswith("\tgoroutine running on other thread"):
                    unavailable = True
                j += 1
                continue
            if c == "c" and line.startswith("created by "):
                if j + 1 < n:
                    fl = lines[j + 1]
                    if plen:
                        fl = fl[plen:] if fl.startswith(prefix) else ""
                    if fl.startswith("\t"):
                        if not in_ancestor:
                            created = self._created_by(line[11:], fl)
                        j += 2
                        continue
                incomplete = True
                j += 1
                continue
            if c == "." and line.startswith("...") and line.endswith(" elided..."):
                if not in_ancestor:
                    elided = True
                j += 1
                continue
            if c == "[" and line.startswith("[originating from goroutine "):
                om = _ORIGIN.match(line)
                if om is not None:
                    ancestors.append(int(om.group(1)))
                    in_ancestor = True
                    j += 1
                    continue
            if c == "g" and line.startswith("goroutine ") and HEADER.match(line):
                break
            if j + 1 < n:
                fl = lines[j + 1]
                if plen:
                    fl = fl[plen:] if fl.startswith(prefix) else ""
                if fl and fl[0] == "\t":
                    if not in_ancestor:
                        k = line.rfind("(")
                        if k > 0 and line[-1] == ")":
                            frames.append(frame(line[:k], fl))
                            args.append(line[k + 1 : -1])
                        else:
                            frames.append(frame(line, fl))
                            args.append("")
                    j += 2
                    continue
            if line.startswith("non-Go function"):
                if not in_ancestor:
                    frames.append(self.tables.frame(line, "", 0))
                    args.append("")
                j += 1
                continue
            # Not part of a stack: a log line, or a frame cut off by the end.
            if final and j >= self._last_content and (line[-1] == ")" or self._no_newline):
                incomplete = True
            else:
                self._noise = True
            break

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
            frame_args=tuple(args),
            created_by=created,
            ancestors=ancestors,
            frames_elided=elided,
            line=base + i,
            stack_unavailable=unavailable,
        )
        if m.group(2) is not None:
            g.gp = m.group(2)
            mid = m.group(3)
            g.m = None if mid == "nil" else int(mid)
            g.mp = m.group(4)
            snap.kind = "traceback" if snap.kind == "debug2" else snap.kind
        snap.goroutines.append(g)
        self._ids.add(gid)
        snap.end_line = base + max(j - 1, i)
        if final and j >= self._last_content:
            if incomplete or (not frames and not unavailable):
                snap.warnings.append(
                    f"goroutine {gid} (line {base + i}) is cut off at the end of the input;"
                    f" kept with the {len(frames)} frame(s) read"
                )
            elif self._no_newline:
                snap.warnings.append(
                    f"the input ends mid-line: the last frame of goroutine {gid}"
                    f" (line {base + i}) may be cut off"
                )
        self._last_nonblank = ""
        return j

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
            total=int(pm.group(2)),
            prefix=prefix,
        )
        self.snapshots.append(snap)
        self._cur = snap
        self._ids = set()
        self._profile_open = True
        self._noise = False
        return self._profile_records(lines, i + 1, base)

    def _profile_records(self, lines: list[str], i: int, base: int) -> int:
        """Read ``count @ pcs`` records until a line that is not one; returns its index."""
        snap = self._cur
        assert snap is not None
        prefix = snap.prefix
        plen = len(prefix)
        n = len(lines)
        tables = self.tables
        while i < n:
            line = lines[i]
            if plen:
                if not line.startswith(prefix):
                    if line.isspace() or line == prefix.rstrip():
                        i += 1
                        continue
                    self._profile_open = False
                    return i
                line = line[plen:]
            if not line or line.isspace():
                i += 1
                continue
            rm = _RECORD.match(line)
            if rm is None:
                self._profile_open = False
                return i
            count = int(rm.group(1))
            labels: dict[str, str] = {}
            frames: list[int] = []
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
                        snap.warnings.append(f"line {base + j}: unreadable labels {fl[9:]!r}")
                    else:
                        labels = parsed
                else:
                    frames.append(self._profile_frame(fl))
                j += 1
            snap.groups.append(ProfileGroup(count, tables.stack(tuple(frames)), labels))
            snap.end_line = base + j - 1
            i = j
        return i

    def _profile_frame(self, line: str) -> int:
        """``#\\t0x68f038\\tmain.f+0x18\\tdir/main.go:78`` (tabwriter may double tabs)."""
        parts = [p for p in line[1:].split("\t") if p]
        if len(parts) < 3:
            pc = parts[0] if parts else "?"
            return self.tables.frame(pc.strip(), "", 0)
        sym = parts[1]
        k = sym.rfind("+0x")
        func = sym[:k] if k > 0 else sym
        lm = _LOC.match(parts[2].rstrip())
        if lm is None:
            return self.tables.frame(func, parts[2].strip(), 0)
        return self.tables.frame(func, lm.group(1), int(lm.group(2)))

    def _finish_profile(self, snap: Snapshot) -> None:
        counted = sum(g.count for g in snap.groups)
        if snap.total is not None and counted != snap.total:
            snap.warnings.append(
                f"profile header says total {snap.total} but its records add up to {counted}"
                " (cut off?)"
            )
