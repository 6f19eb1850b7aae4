"""``/``: find goroutines by function, file, id or label, as you type."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Input, Static

from ..session import Session
from ..text import BOLD, DIM, count, lit
from ..widgets.footer import KeyFooter
from ..widgets.goroutine_list import GoroutineList
from .page import Page


class SearchScreen(Page):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("down", "to_results", "Results", show=False),
    ]
    DEFAULT_CSS = """
    SearchScreen Input { margin: 0 1; }
    SearchScreen #found { height: 1; padding: 0 1; }
    """

    def __init__(self, session: Session, query: str = "") -> None:
        super().__init__()
        self.session = session
        self.query_text = query
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text("Search goroutines: function, file, id or label (regex or text)", style=BOLD),
                     classes="title")
        yield Input(value=self.query_text, placeholder="e.g. NewTimingWheel, handler.go, 1234, tenant=…",
                    id="q")
        yield Static(Text("type to search; Enter or ↓ goes to the results", style=DIM), id="found")
        yield GoroutineList(self.session, id="results")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#q", Input).focus()
        if self.query_text:
            self._search(self.query_text)

    @on(Input.Changed, "#q")
    def _changed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(0.2, lambda: self._search(event.value))

    @on(Input.Submitted, "#q")
    def _submitted(self, event: Input.Submitted) -> None:
        self.action_to_results()

    def _search(self, text: str) -> None:
        self.query_one("#found", Static).update(Text("searching…", style=DIM), layout=False)
        self.run_worker(lambda: self._work(text), thread=True, exclusive=True)

    def _work(self, text: str) -> None:
        rows = self.session.search(text)
        self.app.call_from_thread(self._show, text, rows)

    def _show(self, text: str, rows: object) -> None:
        import numpy as np

        found = np.asarray(rows, np.int64)
        self.query_one("#results", GoroutineList).set_rows(found)
        msg = Text(f"{count(len(found))} goroutines match ", style=DIM)
        msg.append_text(lit(text, "bold"))
        self.query_one("#found", Static).update(msg if text.strip() else Text("", style=DIM),
                                                layout=False)

    def action_to_results(self) -> None:
        self.query_one("#results", GoroutineList).focus()

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(GoroutineList.Selected, "#results")
    def _open(self, event: GoroutineList.Selected) -> None:
        self.app.open_goroutine(event.row)  # type: ignore[attr-defined]
