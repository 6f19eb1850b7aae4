"""Input text never drives the terminal: escapes, OSC sequences, CR, BEL and bidi overrides in
function names, labels, file paths, panic messages and file names are shown, not obeyed.

Every text output (tables, headlines, details, notices, error lines) must carry
them as visible escapes (``\\x1b``, ``\\u202e``), on a terminal and piped; JSON
must carry them exactly (its encoder escapes control characters itself).
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES
from gotrace_process import COMMAND

from gotrace.cli import cli
from gotrace.render import table

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


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    p = tmp_path / f"dump{ESC_CLEAR}\u202e.txt"  # the file name too
    p.write_text(hostile_dump())
    return p


def run(*args: str, width: int | None = None, monkeypatch: pytest.MonkeyPatch | None = None):
    if width is not None and monkeypatch is not None:
        monkeypatch.setattr(table, "terminal_width", lambda: width)
    return CliRunner().invoke(cli, list(args))


def assert_safe(*texts: str) -> None:
    for text in texts:
        bad = UNSAFE.search(text)
        if bad is not None:
            around = text[max(0, bad.start() - 60): bad.end() + 20]
            pytest.fail(f"raw U+{ord(bad.group()):04X} in {around!r}")


def assert_shown(text: str) -> None:
    """The hostile text is there, made visible (on a narrow terminal, up to the cut)."""
    assert "\\x1b" in text, text


COMMANDS = [
    ("info",), ("goroutines",), ("goroutines", "--group-by", "none"), ("goroutines", "--wide"),
    ("leaks",), ("leaks", "--all"),
]


@pytest.mark.parametrize("width", [None, 80, 200], ids=["piped", "tty80", "tty200"])
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_dump_text_output_is_safe(dump: Path, command: tuple[str, ...], width: int | None,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    r = run(*command, str(dump), width=width, monkeypatch=monkeypatch)
    assert r.exit_code in (0, 3), r.output
    assert_safe(r.stdout, r.stderr)
    assert_shown(r.stdout)


@pytest.mark.parametrize("width", [None, 80], ids=["piped", "tty80"])
def test_diff_output_is_safe(tmp_path: Path, width: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = tmp_path / "old.txt", tmp_path / f"new{OSC_TITLE}.txt"
    old.write_text(hostile_dump())
    new.write_text(hostile_dump(extra=5))
    r = run("diff", str(old), str(new), width=width, monkeypatch=monkeypatch)
    assert r.exit_code == 0, r.output
    assert_safe(r.stdout, r.stderr)
    assert_shown(r.stdout)


@pytest.mark.parametrize("width", [None, 80], ids=["piped", "tty80"])
@pytest.mark.parametrize("command", [("spikes",), ("spikes", "--wide"), ("info",), ("goroutines",),
                                     ("events",)], ids=" ".join)
def test_trace_text_output_is_safe(tmp_path: Path, command: tuple[str, ...], width: int | None,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    r = run(*command, str(hostile_trace(tmp_path)), width=width, monkeypatch=monkeypatch)
    assert r.exit_code == 0, r.output
    assert_safe(r.stdout, r.stderr)
    if command[0] != "info":
        assert "\\x1b" in r.stdout


def test_spike_details_show_the_escaped_site_and_callers(tmp_path: Path) -> None:
    r = run("spikes", str(hostile_trace(tmp_path)))
    details = r.stdout.split("\n\n")[1]
    assert "S\\x1b[2J\\x1b]0;t\\x07\\x1b]8;;x\\x1b\\\\x0d\\u202e" in details
    assert "api.\\x1b[2J\\u202e\\x07\\x0d" in details


def test_json_keeps_the_exact_text(dump: Path) -> None:
    r = run("goroutines", str(dump), "--format", "json", "--group-by", "none")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    g = next(x for x in doc["goroutines"] if x["id"] == 6)
    assert g["stack"][0] == {"func": FUNC, "file": FILE, "line": 22}
    assert g["labels"] == {LABEL: f"a{HOSTILE_HEADER}"}
    assert "\x1b" not in r.stdout  # the encoder's \u001b, which no terminal obeys
    info = json.loads(run("info", str(dump), "--format", "json").stdout)
    assert info["file"] == str(dump)


def test_notices_and_usage_errors_quote_the_input_safely(dump: Path) -> None:
    r = run("goroutines", str(dump), "--state", "IO wait")  # a Go state the dump does not hold
    assert r.exit_code == 0
    assert r.stderr.startswith("gotrace: warning: no goroutine in ")
    assert_safe(r.stderr)
    assert_shown(r.stderr)
    r = run("goroutines", str(dump), "--state", "no such state")
    assert r.exit_code == 2
    assert_safe(r.stderr)
    assert_shown(r.stderr)


def test_error_lines_quote_the_input_safely(tmp_path: Path) -> None:
    r = run("info", str(tmp_path / f"missing{OSC_LINK}\r\u202e.txt"))
    assert r.exit_code == 1
    assert len(r.stderr.splitlines()) == 1
    assert_safe(r.stderr)
    assert r.stderr.endswith(": no such file\n")


def test_undecodable_file_name_bytes_are_shown_as_bytes(tmp_path: Path) -> None:
    name = os.fsdecode(b"dump\xff\xfe.txt")  # surrogateescape: what argv gives Python
    p = tmp_path / name
    p.write_text(hostile_dump())
    r = run("info", str(p))
    assert r.exit_code == 0
    assert "dump\\xff\\xfe.txt" in r.stdout


def _on_a_pty(*args: str) -> tuple[str, str]:
    """``gotrace ARGS`` with stdout a real terminal (80 columns); stdout and stderr as text."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "GOTRACE_DEBUG"} | {"COLUMNS": "80", "LINES": "24"}
    p = subprocess.Popen([*COMMAND, *args], stdout=slave, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                         env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert p.stderr is not None
    err = p.stderr.read().decode()
    p.wait(30)
    # The terminal turns each newline into CR LF; a CR of the input's own would stand alone.
    return b"".join(chunks).decode().replace("\r\n", "\n"), err


@pytest.mark.parametrize("command", [("goroutines",), ("info",), ("leaks",)], ids=" ".join)
def test_a_real_terminal_gets_no_escape(dump: Path, command: tuple[str, ...]) -> None:
    out, err = _on_a_pty(*command, str(dump))
    assert_safe(out, err)
    assert_shown(out)
    if command == ("goroutines",):  # the table fits the terminal (the headline may wrap)
        assert max(len(line) for line in out.splitlines()[1:]) <= 80, out


@pytest.mark.xfail(strict=True, reason="tui/text.py lit() and clean() escape C0 and DEL only: U+202E and "
                   "C1 controls reach the screen (tui/ is the TUI helper's)")
def test_the_tui_neutralises_bidi_too() -> None:
    from gotrace.tui.text import clean, lit

    assert "\x1b" not in lit(HOSTILE).plain
    assert_safe(lit(HOSTILE).plain, clean(HOSTILE))
