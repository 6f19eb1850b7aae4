"""Loading progress on stderr: only for a terminal, only after a second.

Scripts and CI read stderr too; a progress bar there would be noise, so nothing is
drawn unless stderr is a terminal, and short loads draw nothing at all. Rich draws
the bar, so it fits the terminal's width (one line, redrawn in place, gone when
the load ends) however narrow the SSH window is.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

from .render.text import safe

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

DELAY_S = 1.0


class StderrProgress:
    """Callable with bytes done; draws ``loading FILE ━━━━━━━   45% 12.3/40.0 MB 30 MB/s 0:00:04``."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None) -> None:
        self.total = max(total, 1)
        self.label = safe(label)
        self.stream = stream or sys.stderr
        try:
            self.enabled = self.stream.isatty()
        except (AttributeError, ValueError):
            self.enabled = False
        self.t0 = time.monotonic()
        self.last_draw = 0.0
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, done: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.t0 < DELAY_S or now - self.last_draw < 0.1:
            return
        self.last_draw = now
        if self._bar is None:
            # Imported here: most loads draw nothing, and Rich takes a tenth of a second to import.
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )

            self._bar = Progress(
                TextColumn("{task.description}", style="", markup=False),
                BarColumn(bar_width=None),
                TextColumn("{task.percentage:>3.0f}%"),
                DownloadColumn(),
                TransferSpeedColumn(),
                TimeRemainingColumn(),
                console=Console(file=self.stream, highlight=False),
                transient=True,
                auto_refresh=False,
                expand=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.total)
        assert self._task is not None
        self._bar.update(self._task, completed=min(done, self.total))
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
