"""The command-line contract: exit codes and one-line errors, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from gotrace import __version__
from gotrace.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_version() -> None:
    r = run("--version")
    assert r.exit_code == 0 and __version__ in r.output


def test_help_lists_commands() -> None:
    r = run("--help")
    assert r.exit_code == 0
    for cmd in ("info", "goroutines"):
        assert cmd in r.output


@pytest.mark.parametrize("cmd", ["info", "goroutines"])
def test_every_command_has_help(cmd: str) -> None:
    r = run(cmd, "--help")
    assert r.exit_code == 0 and "Usage:" in r.output


def test_missing_file_is_one_line_exit_1(tmp_path: Path) -> None:
    r = run("info", str(tmp_path / "missing.trace"))
    assert r.exit_code == 1
    assert r.stderr.strip().count("\n") == 0
    assert r.stderr.startswith("gotrace: error:") and "no such file" in r.stderr


def test_wrong_kind_of_file(tmp_path: Path) -> None:
    p = tmp_path / "notes.txt"
    p.write_text("just some notes\n")
    r = run("goroutines", str(p))
    assert r.exit_code == 1
    assert "not a Go execution trace or goroutine dump" in r.stderr
    assert "Traceback" not in r.output + r.stderr


def test_bad_duration_is_usage_error(tmp_path: Path) -> None:
    r = run("goroutines", "whatever", "--older-than", "soon")
    assert r.exit_code == 2
    assert "invalid duration" in r.stderr


def test_unsupported_trace_version(tmp_path: Path) -> None:
    p = tmp_path / "t.trace"
    p.write_bytes(b"go 1.99 trace\x00\x00\x00" + bytes(64))
    r = run("info", str(p))
    assert r.exit_code == 1
    assert "unsupported trace format 'go 1.99 trace'" in r.stderr


@pytest.mark.parametrize("name", ["spike.go1.21.trace", "spike.go1.27.trace"])
def test_info_says_which_reader_ran(name: str) -> None:
    import json

    from gotrace.trace import v1, v2

    path = SAMPLES / name
    r = CliRunner().invoke(cli, ["info", "--format", "json", str(path)])
    assert r.exit_code == 0, r.output
    native = v1.NATIVE if "1.21" in name else v2.NATIVE
    assert json.loads(r.stdout)["reader"].startswith("C accelerated" if native else "pure Python")
