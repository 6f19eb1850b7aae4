"""Timeline: what ran on each P, with GC and stop-the-world bands, at any zoom."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from ..messages import OpenGoroutine
from ..session import Session
from ..text import DIM, lit, tabs
from ..widgets.footer import KeyFooter
from ..widgets.timeline import Timeline
from .page import Page


class TimelineScreen(Page):
    PAGE = "timeline"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "spike(1)", "Spike"),
        Binding("S", "spike(-1)", "Prev spike", show=False),
    ]
    DEFAULT_CSS = """
    TimelineScreen #under { height: 1; padding: 0 1; background: $boost; }
    TimelineScreen #legend { height: 1; padding: 0 1; }
    """

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._pending_time: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(tabs("timeline", True, "goroutines running on each P"), classes="title")
        yield Static(Text("indexing the per-P timeline…", style=DIM), id="placeholder")
        yield Static("", id="under")
        yield Static(Text("░▒▓█ busy share · colour: function · ←→↑↓ cursor · h/l pan · +/- zoom · "
                          "0 all · g GC · s spike · Enter opens", style=DIM, no_wrap=True,
                          overflow="ellipsis"), id="legend")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.need(("procs", "spikes"), self._indexed)

    def _indexed(self) -> None:
        procs = self.session.procs()
        if procs is None:
            self.query_one("#placeholder", Static).update(Text("this trace has no per-P data", style=DIM))
            return
        timeline = Timeline(procs, self.session.spike_times(), name_of=self.session.name, id="timeline")
        self.mount(timeline, after=self.query_one("#placeholder"))
        self.query_one("#placeholder").remove()
        timeline.focus()
        if self._pending_time is not None:
            self.show_time(self._pending_time)

    @on(Timeline.Moved)
    def _moved(self, event: Timeline.Moved) -> None:
        self.query_one("#under", Static).update(lit(event.text), layout=False)

    @on(Timeline.Open)
    def _open(self, event: Timeline.Open) -> None:
        self.post_message(OpenGoroutine(event.row))

    def action_spike(self, direction: int) -> None:
        for timeline in self.query(Timeline):
            timeline.jump_mark(direction)

    def show_item(self, item: Any) -> None:
        """An item here is a time (ns since the trace began)."""
        if isinstance(item, int):
            self.show_time(item)

    def show_time(self, t: int) -> None:
        """Centre the view on time t (used by other pages' "show on timeline")."""
        found = self.query(Timeline)
        if not found:
            self._pending_time = t
            return
        timeline = found.first()
        timeline.call_after_refresh(timeline.center_on, t)
