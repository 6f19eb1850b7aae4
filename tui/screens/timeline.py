"""Timeline: what ran on each P, with GC and stop-the-world bands, at any zoom."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..session import Session
from ..spikes_view import spike_times
from ..text import BOLD, DIM, lit
from ..widgets.timeline import Timeline


class TimelineScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("s", "spike(1)", "Next spike"),
        Binding("S", "spike(-1)", "Prev spike", show=False),
    ]
    DEFAULT_CSS = """
    TimelineScreen #under { height: 1; padding: 0 1; background: $boost; }
    TimelineScreen #legend { height: 1; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        self.session: Session = self.app.session  # type: ignore[attr-defined]
        yield Static(Text("Timeline: goroutines running on each P", style=BOLD), classes="title")
        yield Timeline(self.session.model, spike_times(self.session), id="timeline")
        yield Static("", id="under")
        yield Static(Text("░▒▓█ busy share · colour: function · ←→↑↓ cursor · h/l pan · +/- zoom · "
                          "0 all · g GC · s spike · Enter opens", style=DIM, no_wrap=True,
                          overflow="ellipsis"), id="legend")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Timeline).focus()

    @on(Timeline.Moved)
    def _moved(self, event: Timeline.Moved) -> None:
        self.query_one("#under", Static).update(lit(event.text))

    @on(Timeline.Open)
    def _open(self, event: Timeline.Open) -> None:
        self.app.open_goroutine(event.row)  # type: ignore[attr-defined]

    def action_spike(self, direction: int) -> None:
        self.query_one(Timeline).jump_mark(direction)

    def show_time(self, t: int) -> None:
        """Centre the view on time t (used by other pages' "show on timeline")."""
        timeline = self.query_one(Timeline)
        timeline.call_after_refresh(timeline.center_on, t)
