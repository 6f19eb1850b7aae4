"""``?``: every key that works where you are, including the ones the footer has no room for."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ..text import BOLD, DIM

_KEY_NAMES = {
    "question_mark": "?", "slash": "/", "plus": "+", "minus": "-", "equals_sign": "=",
    "escape": "Esc", "enter": "Enter", "backspace": "Backspace", "pageup": "PgUp",
    "pagedown": "PgDn", "shift+left": "Shift+←", "shift+right": "Shift+→", "left": "←",
    "right": "→", "up": "↑", "down": "↓", "ctrl+p": "Ctrl+P", "ctrl+q": "Ctrl+Q", "tab": "Tab",
}


def key_label(keys: str) -> str:
    return " ".join(_KEY_NAMES.get(k, k) for k in keys.split(","))


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 76; max-width: 100%; height: 80%; border: round $accent;
                                  background: $surface; padding: 0 1; }
    """

    def __init__(self, under: Screen[object]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._table())

    def _table(self) -> Table:
        t = Table.grid(padding=(0, 2))
        t.add_column(style="bold cyan", no_wrap=True)
        t.add_column()
        t.add_row(Text("Keys", style=BOLD), Text(type(self.under).__name__.removesuffix("Screen"), style=DIM))
        t.add_row(Text("Ctrl+P"), Text("command palette: every action by name"))
        t.add_row(Text("Esc"), Text("closes this help", style=DIM))
        seen: set[tuple[str, str]] = set()
        for namespace, bindings in self.under._modal_binding_chain:
            for _, b in bindings:
                desc = b.description or b.action
                key = (b.key, desc)
                if key in seen:
                    continue
                seen.add(key)
                t.add_row(Text(key_label(b.key)), Text(desc) if b.description else Text(desc, style=DIM))
            del namespace
        return t

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.app.pop_screen()
