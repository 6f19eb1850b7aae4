"""The issue's hostile inputs through the ``gotrace`` command, against a local HTTP server.

Each must fail fast with exactly one ``gotrace: error:`` line naming the input,
exit 1, and no traceback. Times include starting Python (about a second here).
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from gotrace_process import Run, run_gotrace
from hostile_server import DUMP, ZERO_BOMB, serve


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serve() as url:
        yield url


def one_line(r: Run, name: str, words: str) -> str:
    assert r.code == 1, (r.code, r.stderr)
    assert r.stdout == ""
    assert len(r.stderr_lines) == 1, r.stderr
    line = r.stderr_lines[0]
    assert line.startswith(f"gotrace: error: {name}: "), line
    assert words in line, line
    return line


def test_gzip_bomb_file(tmp_path: Path) -> None:
    p = tmp_path / "bomb.gz"
    p.write_bytes(ZERO_BOMB)
    r = run_gotrace("info", str(p))
    one_line(r, str(p), "not a Go execution trace or goroutine dump (binary data starting 00 00")
    assert r.seconds < 10


@pytest.mark.parametrize("path", ["/bomb.gz", "/bomb-encoded"])
def test_gzip_bomb_over_http(server: str, path: str) -> None:
    r = run_gotrace("goroutines", f"{server}{path}")
    one_line(r, f"{server}{path}", "binary data starting 00 00")
    assert r.seconds < 10


def test_dump_text_bomb_over_http_stops_at_the_cap(server: str) -> None:
    r = run_gotrace("info", f"{server}/dumpbomb.gz", env={"GOTRACE_MAX_INPUT": "64M"})
    one_line(r, f"{server}/dumpbomb.gz", "inflates to more than the 64 MiB gotrace reads (set GOTRACE_MAX")
    assert r.seconds < 15


def test_slow_drip_server(server: str) -> None:
    r = run_gotrace("info", f"{server}/slow", env={"GOTRACE_FETCH_TIMEOUT": "2s"})
    one_line(r, f"{server}/slow", "gave up after 2s with")
    assert r.seconds < 10


def test_redirect_to_ftp(server: str) -> None:
    r = run_gotrace("info", f"{server}/ftp")
    one_line(r, f"{server}/ftp", "redirected to ftp://127.0.0.1/dump.txt; gotrace follows redirects only to")
    assert r.seconds < 10


def test_redirect_loop(server: str) -> None:
    r = run_gotrace("info", f"{server}/loop")
    one_line(r, f"{server}/loop", "redirect loop")
    assert r.seconds < 10


def test_http_404(server: str) -> None:
    r = run_gotrace("goroutines", f"{server}/missing")
    one_line(r, f"{server}/missing", "HTTP 404 Not Found")
    assert r.seconds < 10


def test_oversize_body(server: str) -> None:
    r = run_gotrace("info", f"{server}/big", env={"GOTRACE_MAX_INPUT": "1M"})
    one_line(r, f"{server}/big", "more than the 1 MiB gotrace reads")
    assert r.seconds < 10


def test_cut_body_is_read_with_a_warning(server: str) -> None:
    r = run_gotrace("goroutines", f"{server}/cut")
    assert r.code == 0, r.stderr
    assert r.stderr_lines == [f"gotrace: warning: {server}/cut: the connection closed after {len(DUMP)} "
                              "bytes, before the end of the response; read what arrived"]
    assert "main.main" in r.stdout


def test_truncated_gzip_file_is_read_with_a_warning(tmp_path: Path) -> None:
    body = b"".join(b"goroutine %d [select]:\nmain.f()\n\t/x.go:9 +0x1\n\n" % i for i in range(1, 5000))
    p = tmp_path / "cut.txt.gz"
    p.write_bytes(gzip.compress(body)[:-100])
    r = run_gotrace("goroutines", str(p))
    assert r.code == 0, r.stderr
    assert r.stderr_lines[0].startswith(f"gotrace: warning: {p}: the gzip data ends early (truncated?)")


def test_a_hostile_status_line_reaches_the_terminal_escaped(server: str) -> None:
    r = run_gotrace("info", f"{server}/hostile-status")
    line = one_line(r, f"{server}/hostile-status", "HTTP 500 \\x1b]0;pwned\\x07\\x1b[2J")
    assert "\x1b" not in line and "\x07" not in line
