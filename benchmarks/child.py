"""One child process measured as the user runs it: wall time, CPU time and peak RSS.

Every benchmark here times fresh processes (the interpreter's start counts against
gotrace as Go's process start counts against Go), and they all do it this way.
The child writes to temporary files, not pipes, so a chatty one never blocks on a
full pipe; ``keep_output=False`` sends its stdout to /dev/null, for outputs so big
that writing them anywhere would be part of the time.

An installed gotrace has its modules compiled (pip writes the ``.pyc`` files); a
development checkout under ``PYTHONDONTWRITEBYTECODE=1`` recompiles every module it
imports on every run (~50 ms for a dump's ``goroutines``). The child runs without that
variable, so after the first run it starts as an installed one does.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Child:
    wall: float  # seconds
    user: float  # CPU seconds
    sys: float
    rss: int  # peak resident bytes
    stdout: str

    @property
    def cpu(self) -> float:
        return self.user + self.sys

    @property
    def rss_mb(self) -> float:
        return self.rss / 1e6


def measure(cmd: list[str], env: dict[str, str] | None = None, ok: tuple[int, ...] = (0,),
            keep_output: bool = True) -> Child:
    """Run ``cmd`` (with ``env`` added to this environment) to its end; SystemExit naming it
    when its exit status is not in ``ok`` (``gotrace leaks`` exits 3 when it finds leaks)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        proc = subprocess.Popen(cmd, stdout=out if keep_output else subprocess.DEVNULL, stderr=err,
                                env={**base, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        code = os.waitstatus_to_exitcode(status)
        if code not in ok:
            err.seek(0)
            raise SystemExit(f"{shlex.join(cmd)} exited {code}: {err.read().decode(errors='replace')[-500:]}")
        out.seek(0)
        return Child(wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss * 1024,
                     out.read().decode(errors="replace"))


def best(cmd: list[str], runs: int, **kw: object) -> Child:
    """The run with the least wall time of ``runs``."""
    return min((measure(cmd, **kw) for _ in range(max(runs, 1))),  # type: ignore[arg-type]
               key=lambda c: c.wall)
