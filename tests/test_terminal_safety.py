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
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from gotrace_process import COMMAND
from hostile_text import (
    ESC_CLEAR,
    FILE,
    FUNC,
    HOSTILE_HEADER,
    LABEL,
    OSC_LINK,
    OSC_TITLE,
    assert_safe,
    assert_shown,
    hostile_dump,
    hostile_trace,
)

from gotrace.cli import cli
from gotrace.render import table


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    p = tmp_path / f"dump{ESC_CLEAR}\u202e.txt"  # the file name too
    p.write_text(hostile_dump())
    return p


def run(*args: str, width: int | None = None, monkeypatch: pytest.MonkeyPatch | None = None):
    if width is not None and monkeypatch is not None:
        monkeypatch.setattr(table, "terminal_width", lambda: width)
    return CliRunner().invoke(cli, list(args))


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
