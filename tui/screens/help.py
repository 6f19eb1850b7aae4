"""``?``: the page's own keys first, then the ones that work everywhere.

Only gotrace's own bindings are listed (and offered by the command palette):
Textual's generic ones (focus moves, copy, the tree's and table's own keys)
would fill an 80x24 screen before the page's keys, and nobody reading a trace at
3 a.m. needs ``ctrl+pageup``. Moving keys get one line at the end.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ..text import BOLD, DIM, PAGES, TRACE_ONLY

_KEY_NAMES = {
    "question_mark": "?", "slash": "/", "plus": "+", "minus": "-", "equals_sign": "=",
    "escape": "Esc", "enter": "Enter", "backspace": "Backspace", "pageup": "PgUp",
    "pagedown": "PgDn", "shift+left": "Shift+←", "shift+right": "Shift+→", "left": "←",
    "right": "→", "up": "↑", "down": "↓", "ctrl+p": "Ctrl+P", "ctrl+c": "Ctrl+C", "tab": "Tab",
}
_OURS = ("gotrace.tui.",)
MOVING = ("↑↓←→ (j k) PgUp PgDn Home End move the cursor; ←→ fold a tree; Tab moves between panes; "
          "Enter opens, Esc goes back")


def key_label(b: Binding) -> str:
    """How a key is written on a keyboard: ``?``, ``Shift+←``, ``h Shift+←``."""
    if b.key_display:
        return b.key_display
    return " ".join(_KEY_NAMES.get(k, k) for k in b.key.split(","))


def _own(node: DOMNode) -> list[Binding]:
    """The bindings gotrace's own classes give ``node`` (not Textual's), most derived first."""
    out: list[Binding] = []
    for cls in type(node).__mro__:
        if cls.__module__.startswith(_OURS) and "BINDINGS" in cls.__dict__:
            out.extend(b for b in cls.__dict__["BINDINGS"] if isinstance(b, Binding))
    return out


def own_bindings(screen: Screen[Any]) -> list[tuple[DOMNode, Binding]]:
    """What a key does here, in the order to read it: the page, what has focus, then the app.

    Bindings without a description (moving keys) and disabled ones are left out;
    an action bound by several of the nodes is listed for the nearest.
    """
    nodes: list[DOMNode] = [screen]
    focused = screen.focused
    chain = [] if focused is None else [n for n in focused.ancestors_with_self if n is not screen]
    nodes += [n for n in chain if isinstance(n, DOMNode) and n is not screen.app]
    nodes.append(screen.app)
    seen: set[str] = set()
    out: list[tuple[DOMNode, Binding]] = []
    for node in nodes:
        for b in _own(node):
            if not b.description or b.action in seen:
                continue
            action, _, params = b.action.partition("(")
            args = tuple(p.strip("'\" ") for p in params.rstrip(")").split(",")) if params else ()
            if node.check_action(action, args) is False:
                continue
            seen.add(b.action)
            out.append((node, b))
    return out


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 78; max-width: 100%; height: auto; max-height: 100%;
                                  border: round $accent; background: $surface; padding: 0 1; }
    """

    def __init__(self, under: Screen[Any]) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._table())

    def _table(self) -> Table:
        t = Table.grid(padding=(0, 2))
        t.add_column(style="bold cyan", no_wrap=True)
        t.add_column()
        app = self.under.app
        page = getattr(self.under, "PAGE", "")
        name = PAGES[page][1] if page in PAGES else type(self.under).__name__.removesuffix("Screen")
        t.add_row(Text(f"Keys: {name}", style=BOLD), Text("Esc closes", style=DIM))
        everywhere: list[tuple[str, Text]] = []
        for node, b in own_bindings(self.under):
            row = (key_label(b), Text(b.description))
            if b.action.startswith("page("):
                continue  # one line below for the five
            if node is app:
                everywhere.append(row)
            else:
                t.add_row(*row)
        t.add_row("", "")
        t.add_row(Text("Everywhere", style=BOLD), "")
        session = getattr(app, "session", None)
        is_trace = session is None or session.model.is_trace
        pages = "  ".join(f"{key} {label}" for name, (key, label) in PAGES.items()
                          if is_trace or name not in TRACE_ONLY)
        t.add_row("1-5", Text(pages))
        for key, desc in everywhere:
            t.add_row(key, desc)
        t.add_row("Ctrl+P", Text("every action by name"))
        t.add_row("", Text(MOVING, style=DIM))
        return t

    def action_dismiss(self) -> None:  # type: ignore[override]
        self.app.pop_screen()
