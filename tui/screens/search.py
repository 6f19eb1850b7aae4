"""``/``: find goroutines by function, file, id or label, as you type.

Each keystroke (after a short pause) starts a search in an exclusive worker
group: starting a new one cancels the one before, and a cancelled search's
result is dropped on arrival (:meth:`Worked.deliver`), so the list always shows
the latest query's matches.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widgets import Input, Static

from ..findings import goroutines
from ..messages import OpenGoroutine
from ..session import Rows, Session
from ..text import BOLD, DIM, lit
from ..textual_private import exiting
from ..widgets.footer import KeyFooter
from ..widgets.goroutine_list import GoroutineList
from .page import DEBUG, Page


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
        super().__init__(session)
        self.query_text = query
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        what = "stack records" if self.session.model.is_profile else "goroutines"
        yield Static(Text(f"Search {what}: function, file, id or label (regex or text)", style=BOLD),
                     classes="title")
        yield Input(value=self.query_text, placeholder="e.g. NewTimingWheel, handler.go, 1234, tenant=…",
                    id="q")
        yield Static(Text("type to search; Enter or ↓ goes to the results", style=DIM), id="found")
        yield GoroutineList(self.session, id="results")
        yield KeyFooter()

    def on_mount(self) -> None:
        if exiting(self.app):  # warmed unseen and mounted while the app closes
            return
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
        self._work(text)

    @work(thread=True, exclusive=True, group="search", exit_on_error=DEBUG)
    def _work(self, text: str) -> None:
        self.deliver(self._show, text, self.session.search(text))

    def _show(self, text: str, found: Rows) -> None:
        self.query_one("#results", GoroutineList).set_rows(found)
        n = goroutines(self.session, self.session.count(found), len(found))
        msg = Text(f"{n} match ", style=DIM)
        msg.append_text(lit(text, "bold"))
        self.query_one("#found", Static).update(msg if text.strip() else Text("", style=DIM),
                                                layout=False)

    def action_to_results(self) -> None:
        self.query_one("#results", GoroutineList).focus()

    def action_back(self) -> None:
        self.app.pop_screen()

    @on(GoroutineList.Selected, "#results")
    def _open(self, event: GoroutineList.Selected) -> None:
        self.post_message(OpenGoroutine(event.row))
