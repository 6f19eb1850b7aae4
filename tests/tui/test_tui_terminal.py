"""``gotrace view`` as a user runs it: in a real terminal (a pty), from the shell, with its exit status.

Slower than Pilot (a process and a terminal each), so only what Pilot cannot
see: the input piped in with ``-`` while the keys come from the terminal, and
the exit status of leaving.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import shutil
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest
from tui_inputs import SERIES_PARTS, SPIKE_TRACE

GOTRACE = shutil.which("gotrace", path=os.path.dirname(sys.executable)) or shutil.which("gotrace")
pytestmark = pytest.mark.skipif(GOTRACE is None or not sys.platform.startswith("linux"),
                                reason="needs the gotrace command and a Linux pty")


class Terminal:
    """``gotrace ARGS`` in an 80x24 pty; ``stdin_data``: piped in as its stdin instead."""

    def __init__(self, args: list[str], stdin_data: bytes | None = None) -> None:
        read_end, write_end = os.pipe() if stdin_data is not None else (-1, -1)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: a session on the pty, stdin maybe a pipe
            if stdin_data is not None:
                os.dup2(read_end, 0)
                os.close(write_end)
            os.execv(str(GOTRACE), [str(GOTRACE), *args])
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        if stdin_data is not None:
            os.close(read_end)
            os.write(write_end, stdin_data)
            os.close(write_end)
        self.out = b""

    def wait_for(self, text: bytes, seconds: float = 30.0) -> bool:
        end = time.monotonic() + seconds
        while text not in self.out and time.monotonic() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    self.out += os.read(self.fd, 65536)
                except OSError:
                    break
        return text in self.out

    def press(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def exit_status(self, seconds: float = 5.0) -> int | None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.wait_for(b"\x00", 0.05)  # keep the pty drained
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        return None


def test_view_reads_the_input_from_stdin_and_the_keys_from_the_terminal() -> None:
    term = Terminal(["view", "-"], SPIKE_TRACE.read_bytes())
    assert term.wait_for(b"findings"), term.out[-2000:]
    term.press(b"q")
    assert term.exit_status() == 0


def test_escape_while_loading_exits_with_status_zero(tmp_path: Path) -> None:
    fifo = tmp_path / "never.trace"
    os.mkfifo(fifo)  # a load that never ends
    term = Terminal(["view", str(fifo)])
    assert term.wait_for(b"Escape cancels"), term.out[-2000:]
    term.press(b"\x1b")
    assert term.exit_status() == 0
    assert b"error" not in term.out


def test_view_of_several_captures_shows_the_last_and_judges_its_leaks_after_the_others() -> None:
    first, second, third = SERIES_PARTS
    term = Terminal(["view", str(first), str(second), str(third)])
    assert term.wait_for(b"findings"), term.out[-2000:]
    term.press(b"5")
    assert term.wait_for(b"the 2 captures given before it"), term.out[-2000:]
    term.press(b"q")
    assert term.exit_status() == 0


def test_view_of_stdin_among_several_captures_is_a_usage_error() -> None:
    from click.testing import CliRunner

    from gotrace.cli import cli

    r = CliRunner().invoke(cli, ["view", str(SERIES_PARTS[0]), "-"])
    assert r.exit_code == 2 and "- (stdin) is one input alone" in r.output
