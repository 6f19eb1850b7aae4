"""goleak's report, read as the goroutine dump it quotes.

`go.uber.org/goleak <https://github.com/uber-go/goleak>`_ fails a test (``VerifyNone``:
through ``t.Error``, indented in the test log) or a test binary (``VerifyTestMain``: on
stderr, ``goleak: Errors on successful test run: ...``) with the goroutines that outlived
it, after retrying until they had every chance to end::

    found unexpected goroutines:
    [Goroutine 7 in state chan send, with example.com/x.items.func1 on top of the stack:
    example.com/x.items.func1()
    \t/src/x/x.go:16 +0x38
    created by example.com/x.items in goroutine 6
    \t/src/x/x.go:14 +0x7f
     Goroutine 8 in state chan send, with ...
    ]

Each goroutine is introduced by goleak's own line (``internal/stack.Stack.String``);
goleak before 1.3 kept the runtime's ``goroutine 7 [chan send]:`` header under it,
later versions drop it. :func:`as_dump` turns the report into the dump the line
reader knows, line for line (so that line numbers hold): goleak's line becomes the
runtime's header, or a blank line where the header follows it; the closing ``]``
becomes blank; and the report's first line becomes a ``goleak:`` marker, which the
reader keeps as the dump's message, as it keeps a panic's (``Snapshot.panic_message``),
and from which the leak verdicts know that goleak found these goroutines
(:mod:`gotrace.analysis.leaks`, evidence ``goleak``).
"""

from __future__ import annotations

import re
from typing import Final

LEAD: Final = b"found unexpected goroutines:"
MARKER: Final = "goleak: "
_HEAD: Final = re.compile(rb"([ \t]*?)[\[ ]?Goroutine ([0-9]+) in state ")
_WITH: Final = b", with "
_TOP: Final = b" on top of the stack:"


def as_dump(data: bytes) -> bytes:
    """``data`` with each goleak report in it rewritten as a goroutine dump; ``data`` itself
    when it holds none (the check is one search)."""
    if LEAD not in data:
        return data
    lines = data.split(b"\n")
    lead = -1  # the first line of the report being read, -1 outside one
    marked = False  # its first line is a marker yet
    for i, line in enumerate(lines):
        if LEAD in line:
            lead, marked = i, False
            continue
        if lead < 0:
            continue
        head = _head(line)
        if head is not None:
            indent, gid, state = head
            if not marked:
                lines[lead], marked = _marker(lines[lead], indent), True
            after = lines[i + 1].lstrip(b" \t") if i + 1 < len(lines) else b""
            quoted = after.startswith(b"goroutine " + gid + b" [")
            lines[i] = indent if quoted else indent + b"goroutine " + gid + b" [" + state + b"]:"
        elif line.strip() == b"]":
            lines[i] = line[: len(line) - len(line.lstrip(b" \t"))]
            lead = -1
    return b"\n".join(lines)


def _head(line: bytes) -> tuple[bytes, bytes, bytes] | None:
    """goleak's line for a goroutine (``Goroutine 7 in state chan send, with f on top of
    the stack:``) as its indentation, id and state; None for any other line. The state ends
    at the first ``, with `` (the runtime's states have none); read without backtracking, for
    a hostile line may be megabytes long."""
    m = _HEAD.match(line)
    rest = line.rstrip(b" \t\r")
    if m is None or not rest.endswith(_TOP):
        return None
    cut = rest.find(_WITH, m.end())
    if cut <= m.end():
        return None
    return m.group(1), m.group(2), rest[m.end():cut]


def _marker(line: bytes, indent: bytes) -> bytes:
    """The report's first line as the marker the dump reader starts a dump at, at the
    indentation of the goroutines that follow (a test log indents them, not its first line)."""
    text = line.strip(b" \t\r")
    if not text.startswith(MARKER.encode()):
        text = MARKER.encode() + text
    return indent + text
