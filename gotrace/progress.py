"""Loading progress on stderr: only for a terminal, only after a second.

Scripts and CI read stderr too; a progress bar there would be noise, so nothing is
printed unless stderr is a terminal, and short loads print nothing at all.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class StderrProgress:
    """Callable with bytes done; draws ``loading 45% 12.3 MB/s ETA 4s`` in place."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total = max(total, 1)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.t0 = time.monotonic()
        self.last_draw = 0.0
        self.drawn = False

    def __call__(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        elapsed = now - self.t0
        if elapsed < 1.0 or now - self.last_draw < 0.1:
            return
        self.last_draw = now
        rate = done / elapsed if elapsed else 0.0
        eta = (self.total - done) / rate if rate else 0.0
        pct = 100 * done / self.total
        self.stream.write(
            f"\r{self.label}: {pct:5.1f}%  {done / 1e6:,.1f}/{self.total / 1e6:,.1f} MB"
            f"  {rate / 1e6:,.1f} MB/s  ETA {eta:,.0f}s   "
        )
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\r" + " " * 78 + "\r")
            self.stream.flush()
