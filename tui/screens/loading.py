"""The first screen: what is being read, how far along, and that Escape gives up.

A trace's reader reports bytes read; a dump's parser reports nothing, so a dump
shows a moving bar and the time spent rather than a percentage stuck at 0. Once
a trace is read the model is still being built, which reports nothing either.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Middle
from textual.screen import Screen
from textual.widgets import ProgressBar, Static

from ..text import DIM, lit
from ..widgets.footer import KeyFooter


class LoadingScreen(Screen[Any]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "app.quit", "Cancel")]
    DEFAULT_CSS = """
    LoadingScreen Static { width: auto; }
    LoadingScreen ProgressBar { width: auto; }
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        self.input_name = name
        self.total = 0
        self.kind = ""
        self.read_done = False
        self.t0 = time.monotonic()

    def compose(self) -> ComposeResult:
        with Middle(), Center():
            yield Static(Text.assemble("loading ", lit(self.input_name, "bold")), id="what")
        with Center():
            yield ProgressBar(total=None, show_eta=False, id="bar")
        with Center():
            yield Static(Text("reading the input…  (Escape cancels)", style=DIM), id="rate")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.set_interval(0.5, self._tick)

    def opened(self, total: int, kind: str) -> None:
        """The input is in memory: ``total`` bytes of a trace or a dump."""
        self.total, self.kind = total, kind
        self._tick()

    def progress(self, done: int) -> None:
        """A trace's reader has read ``done`` of the bytes."""
        bar = self.query_one("#bar", ProgressBar)
        if done < self.total:
            bar.update(total=self.total, progress=done)
            secs = time.monotonic() - self.t0
            rate = done / secs / 1e6 if secs > 0 else 0.0
            left = (self.total - done) / (rate * 1e6) if rate > 0 else 0.0
            self._say(f"{done / 1e6:,.1f} of {self.total / 1e6:,.1f} MB · {rate:,.1f} MB/s · "
                      f"about {left:,.0f}s left")
        else:
            self.read_done = True
            bar.update(total=None)
            self._tick()

    def _tick(self) -> None:
        """The line under a bar that cannot say how far along it is: what happens, for how long."""
        bar = self.query_one("#bar", ProgressBar)
        if bar.total is not None:
            return
        secs = time.monotonic() - self.t0
        size = f"{self.total / 1e6:,.1f} MB " if self.total else ""
        if self.kind == "dump":
            what = f"parsing the {size}dump"
        elif self.kind == "trace":
            what = "building the model of the trace" if self.read_done else f"reading the {size}trace"
        else:
            what = "reading the input"
        self._say(f"{what}… {secs:,.0f}s")

    def _say(self, text: str) -> None:
        self.query_one("#rate", Static).update(Text(f"{text}  (Escape cancels)", style=DIM))
