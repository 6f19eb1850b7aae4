"""Input text made to drive a terminal (escapes, OSC sequences, CR, BEL, C1 and bidi controls)
in every place a dump or trace carries text, and the check that none of it reaches a screen raw.

Shared by the CLI's and the viewer's terminal-safety tests.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import SAMPLES

ESC_CLEAR = "\x1b[2J"
OSC_TITLE = "\x1b]0;pwned\x07"
OSC_LINK = "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
HOSTILE = ESC_CLEAR + OSC_TITLE + OSC_LINK + "\r\x07\u202e"
# For the goroutine header (state, labels), where brackets would end the header early.
HOSTILE_HEADER = "\x1b\x07\r\u202e\x9b2J"
# Raw control characters (newline aside), DEL, C1, bidi controls and line separators.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")

FUNC = f"main.wor{HOSTILE}ker"
FILE = f"/src/ma{HOSTILE}in.go"
LABEL = "tenant"  # a key with control characters makes the dump reader drop the goroutine
PANIC = f"boom{HOSTILE}!"


def hostile_dump(extra: int = 0) -> str:
    """A panic dump whose every name, path, label and message carries the escapes."""
    g = [f"panic: {PANIC}\n\ngoroutine 1 [running]:\nmain.main()\n\t{FILE}:35 +0x1b9\n"]
    for i in range(6, 9 + extra):
        g.append(f"goroutine {i} [chan receive, 90 minutes] {{{LABEL}: \"a{HOSTILE_HEADER}\"}}:\n{FUNC}()\n"
                 f"\t{FILE}:22 +0x19\ncreated by main.ma{HOSTILE}in in goroutine 1\n\t{FILE}:12 +0x5f\n")
    g.append(f"goroutine 20 [sel{HOSTILE_HEADER}ect]:\n{FUNC}()\n\t{FILE}:30 +0x19\n")
    return "\n".join(g)


def hostile_trace(tmp_path: Path) -> Path:
    """spike.go1.27.trace with a creating site's function name and file path rewritten in place,
    same length, so the trace stays valid and the names reach ``spikes``."""
    data = (SAMPLES / "spike.go1.27.trace").read_bytes()
    site = "S" + ESC_CLEAR + "\x1b]0;t\x07\x1b]8;;x\x1b\\\r\u202e"  # every kind, in 29 bytes
    for old, new in ((b"subscription.(*Hub).Subscribe", site), (b"hub.go", "h\x1b]0\x07\r"),
                     (b"api.(*Server).Handle", "api." + ESC_CLEAR + "\u202e\x07\r")):
        raw = new.encode()
        assert len(raw) <= len(old) and data.count(old) == 1
        data = data.replace(old, raw.ljust(len(old), b"x"))
    p = tmp_path / "hostile.trace"
    p.write_bytes(data)
    return p


def assert_safe(*texts: str) -> None:
    for text in texts:
        bad = UNSAFE.search(text)
        if bad is not None:
            around = text[max(0, bad.start() - 60): bad.end() + 20]
            pytest.fail(f"raw U+{ord(bad.group()):04X} in {around!r}")


def assert_shown(text: str) -> None:
    """The hostile text is there, made visible (on a narrow terminal, up to the cut)."""
    assert "\\x1b" in text, text
