"""Race-detector reports (``go test -race``, ``go run -race``) as one snapshot.

A report names the goroutines of a data race: each access (``Write at 0x.. by
goroutine 7:``) with the goroutine's stack at that access, and, for each of
them, where it was created (``Goroutine 7 (running) created at:``) and whether
it is still running. That is what a dump says about a goroutine, so every
goroutine named in the reports of one run becomes a DumpGoroutine: its stack
is the access stack, its state the report's ``running``/``finished``, its
creation site the top frame of the ``created at`` stack (the ``go``
statement). A goroutine that takes part in several races appears once per
distinct access stack. The snapshot's ``origin`` is "race report" and its
``panic_message`` summarises the reports.

The format is the race runtime's (ThreadSanitizer's Go mode): frames indented
by two spaces, file lines by six, ``main goroutine`` for goroutine 1.
"""

from __future__ import annotations

import re
from typing import Final

from gotrace.dump.snapshot import CreatedBy, DumpGoroutine, Snapshot
from gotrace.dump.text import MAX_LINE, file_shaped, location, number
from gotrace.tables import Tables

_START: Final = "WARNING: DATA RACE"
_SEPARATOR: Final = "=================="
_ACCESS: Final = re.compile(
    r"\s*((?:Previous )?(?:[Aa]tomic )?(?:[Rr]ead|[Ww]rite)) at (0x[0-9a-fA-F]+)"
    r" by (?:goroutine ([0-9]+)|(main) goroutine):\s*$"
)
_CREATED: Final = re.compile(r"\s*Goroutine ([0-9]+) \((\w+)\) created at:\s*$")
_LOC: Final = re.compile(r"(.*):([0-9]+)(?= |$)")
_FOUND: Final = re.compile(r"Found ([0-9]+) data race\(s\)")

_STATES: Final = {"running": "running", "finished": "finished"}


def has_race_report(text: str) -> bool:
    return _START in text


class _Section:
    """One heading of a report and the frames under it."""

    __slots__ = ("frames", "heading", "line")

    def __init__(self, heading: re.Match[str], line: int) -> None:
        self.heading = heading
        self.line = line
        self.frames: list[tuple[str, str, int, str]] = []  # func, file, line, args


def _frames(lines: list[str], i: int, out: list[tuple[str, str, int, str]]) -> int:
    """Read function/file line pairs from ``lines[i]``; returns the first other index."""
    n = len(lines)
    while i + 1 < n:
        func = lines[i].strip()
        loc_text = lines[i + 1].strip()
        if not func or not lines[i + 1][:1].isspace() or not file_shaped(loc_text):
            break
        lm = _LOC.match(location(loc_text))
        assert lm is not None
        line = int(lm.group(2))
        k = func.rfind("(")
        args = ""
        if k > 0 and func.endswith(")"):
            func, args = func[:k], func[k + 1 : -1]
        out.append((func, lm.group(1), line if line <= MAX_LINE else 0, args))
        i += 2
    return i


def parse_race_reports(text: str, tables: Tables) -> Snapshot | None:
    """The goroutines every race report in ``text`` names, as one snapshot; None if none."""
    lines = text.split("\n")
    reports: list[tuple[int, list[_Section]]] = []
    end_line = 0
    i = 0
    n = len(lines)
    while i < n:
        if lines[i].strip() != _START:
            i += 1
            continue
        start = i
        sections: list[_Section] = []
        i += 1
        while i < n and lines[i].strip() not in (_SEPARATOR, _START):
            m = _ACCESS.match(lines[i]) or _CREATED.match(lines[i])
            if m is None:
                i += 1
                continue
            sec = _Section(m, i + 1)
            i = _frames(lines, i + 1, sec.frames)
            sections.append(sec)
        end_line = i + 1 if i < n else n
        reports.append((start + 1, sections))
    if not reports:
        return None
    snap = Snapshot(kind="traceback", start_line=reports[0][0], end_line=end_line, origin="race report")
    found = _FOUND.search(text)
    summary = f"{_START}: {len(reports)} report(s)"
    if found is not None:
        summary += f" ({found.group(0)})"
    snap.panic_message = summary
    seen: set[tuple[int, int]] = set()
    for _, sections in reports:
        created: dict[int, tuple[str, CreatedBy | None]] = {}
        for sec in sections:
            m = sec.heading
            if m.re is _CREATED:
                gid = number(m.group(1))
                site = sec.frames[0] if sec.frames else None
                cb: CreatedBy | None = None if site is None else (site[0], site[1], site[2], None)
                if gid is not None:
                    created[gid] = (_STATES.get(m.group(2), m.group(2)), cb)
        for sec in sections:
            m = sec.heading
            if m.re is not _ACCESS:
                continue
            gid = 1 if m.group(4) else number(m.group(3) or "")
            if gid is None:
                snap.warnings.append(f"line {sec.line}: goroutine id {m.group(3)} cannot be represented")
                continue
            stack = tables.stack(tuple(tables.frame(f, fl, ln) for f, fl, ln, _ in sec.frames))
            if (gid, stack) in seen:
                continue
            seen.add((gid, stack))
            state, cb = created.get(gid, ("running", None))
            snap.goroutines.append(
                DumpGoroutine(
                    id=gid,
                    state=state,
                    raw_state=f"{m.group(1).lower()} at {m.group(2)}",
                    wait_minutes=None,
                    flags=frozenset(),
                    synctest_bubble=None,
                    labels={},
                    stack_id=stack,
                    frame_args=tuple(a for *_, a in sec.frames),
                    created_by=cb,
                    ancestors=[],
                    frames_elided=False,
                    line=sec.line,
                )
            )
    return snap
