"""The first screen: a progress bar while a child process parses; Escape gives up."""

from __future__ import annotations

import time
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import ProgressBar, Static
from textual.worker import get_current_worker

from gotrace.model import Model

from ..loader import Loader
from ..session import Precomputed
from ..text import lit
from ..widgets.footer import KeyFooter


class LoadingScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    LoadingScreen Static { width: auto; }
    LoadingScreen ProgressBar { width: auto; }
    """

    def __init__(self, path: str, snapshot: int | None) -> None:
        super().__init__()
        self.path = path
        self.snapshot = snapshot
        self.loader: Loader | None = None
        self.t0 = time.monotonic()

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Static(Text.assemble("loading ", lit(self.path, "bold")), id="what")
        with Center():
            yield ProgressBar(total=None, show_eta=True, id="bar")
        with Center():
            yield Static("", id="rate")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.run_worker(self._load, thread=True, exclusive=True)

    def _load(self) -> None:
        worker = get_current_worker()
        self.loader = Loader(self.path, self.snapshot)
        total = 0
        while not worker.is_cancelled:
            kind, value = self.loader.next_message()
            if worker.is_cancelled:
                return
            if kind == "total":
                total = int(value)
                self.app.call_from_thread(self._progress, 0, total)
            elif kind == "progress":
                self.app.call_from_thread(self._progress, int(value), total)
            elif kind == "analysing":
                self.app.call_from_thread(self._analysing)
            elif kind == "model":
                self.app.call_from_thread(self._done, *value)
                return
            else:
                self.app.call_from_thread(self.app.exit, str(value))
                return

    def _progress(self, done: int, total: int) -> None:
        bar = self.query_one("#bar", ProgressBar)
        bar.update(total=max(total, 1), progress=done)
        secs = time.monotonic() - self.t0
        rate = done / secs / 1e6 if secs > 0 else 0.0
        self.query_one("#rate", Static).update(
            Text(f"{done / 1e6:,.1f} of {total / 1e6:,.1f} MB  {rate:,.1f} MB/s  (Escape cancels)")
        )

    def _analysing(self) -> None:
        self.query_one("#bar", ProgressBar).update(total=None)
        secs = time.monotonic() - self.t0
        self.query_one("#rate", Static).update(
            Text(f"read in {secs:,.1f}s; finding spikes and long-lived goroutines…  (Escape cancels)"))

    def _done(self, model: Model, pre: Precomputed) -> None:
        self.app.pop_screen()
        self.app.start(model, pre)  # type: ignore[attr-defined]

    def action_cancel(self) -> None:
        if self.loader is not None:
            self.loader.cancel()
        self.workers.cancel_all()
        self.app.exit(None)
