"""Run ``gotrace`` as a user does: a separate process, its exit status, stdout and stderr.

In-process runs (click's CliRunner) cannot show what reaches a real terminal or
whether a traceback escapes at exit; these helpers run the installed package in
a child (``-P``: never the checkout's source folder) and time it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass

COMMAND = [sys.executable, "-P", "-c", "from gotrace.cli import main; main()"]


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.splitlines()


def run_gotrace(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> Run:
    """``gotrace ARGS`` with ``env`` added to the environment (GOTRACE_DEBUG removed)."""
    full = {k: v for k, v in os.environ.items() if k != "GOTRACE_DEBUG"}
    full.update(env or {})
    t = time.monotonic()
    p = subprocess.run([*COMMAND, *args], capture_output=True, env=full, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    return Run(p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"),
               time.monotonic() - t)
