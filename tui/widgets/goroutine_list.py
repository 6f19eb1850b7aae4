"""A list of any number of goroutines that paints only the lines on screen.

A DataTable builds every row up front (seconds at 100k rows); this list keeps
the selected rows as one numpy array and turns a row into a line of text only
when it is visible, with a small cache for repaints. Scrolling a million rows
costs the same as scrolling ten.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..session import Session
from ..text import clean, colour_of, dur, pad, short_func, site, state_colour

_HEADER_STYLE = Style(bold=True, color="cyan")
_CURSOR = Style(reverse=True)
_UNFOCUSED = Style(bgcolor="grey27")
_DIM = Style(dim=True)
_CACHE = 512


class GoroutineList(ScrollView, can_focus=True):
    """Columns: id, state, time in state, lifetime, function and where it is blocked."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "select", "Open", show=False),  # the title says so; the footer stays put
    ]
    DEFAULT_CSS = """
    GoroutineList { height: 1fr; overflow-x: hidden; }
    GoroutineList:focus { background-tint: $foreground 3%; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Selected(Message):
        """Enter on a goroutine: ``row`` is the model row to open."""

        def __init__(self, goroutines: GoroutineList, row: int) -> None:
            super().__init__()
            self.goroutines = goroutines
            self.row = row

        @property
        def control(self) -> GoroutineList:
            return self.goroutines

    def __init__(self, session: Session, rows: npt.NDArray[np.int64] | None = None, *,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.session = session
        self.rows: npt.NDArray[np.int64] = np.asarray(np.zeros(0) if rows is None else rows, np.int64)
        self._cache: OrderedDict[tuple[int, int, int], Strip] = OrderedDict()

    def on_mount(self) -> None:
        self.virtual_size = Size(0, len(self.rows) + 1)  # never wider: no relayout on resize

    # --- data -----------------------------------------------------------
    def set_rows(self, rows: npt.NDArray[np.int64]) -> None:
        self.rows = np.asarray(rows, np.int64)
        self._cache.clear()
        self.virtual_size = Size(0, len(self.rows) + 1)  # never wider: no relayout on resize
        self.set_reactive(GoroutineList.cursor, 0)
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    @property
    def current_row(self) -> int | None:
        """The model row under the cursor (None when empty)."""
        if not len(self.rows):
            return None
        return int(self.rows[min(self.cursor, len(self.rows) - 1)])

    # --- painting ---------------------------------------------------------
    def on_resize(self) -> None:
        self._cache.clear()
        self.virtual_size = Size(0, len(self.rows) + 1)  # never wider: no relayout on resize

    def _widths(self, width: int) -> tuple[int, int, int, int, int]:
        wid, wstate, wage, wlife = 9, 18, 8, 8
        rest = max(width - (wid + wstate + wage + wlife + 4), 10)
        return wid, wstate, wage, wlife, rest

    def header_text(self, width: int) -> str:
        wid, wstate, wage, wlife, rest = self._widths(width)
        lived = "LIVED" if self.session.model.is_trace else ""
        return (f"{pad('ID', wid, True)} {pad('STATE', wstate)} {pad('IN STATE', wage, True)} "
                f"{pad(lived, wlife, True)} {pad('FUNCTION  @ BLOCKED AT', rest)}")

    def line_for(self, index: int, width: int, mark: int = 0) -> Strip:
        """The text line of ``rows[index]``: cached, since only a screenful is ever drawn."""
        key = (index, width, mark)
        strip = self._cache.get(key)
        if strip is not None:
            self._cache.move_to_end(key)
            return strip
        s = self.session
        row = int(self.rows[index])
        wid, wstate, wage, wlife, rest = self._widths(width)
        label = s.state(row)
        name = clean(short_func(s.name(row)))
        at = s.blocked_at(row)
        where = clean(site(at, "")) if at is not None and at.func != s.name(row) else ""
        tail = name + (f"  @ {where}" if where else "")
        cut = pad(tail, rest)
        segs = [
            Segment(pad(str(int(s.g.id[row])), wid, True) + " "),
            Segment(pad(clean(label), wstate), Style(color=state_colour(label))),
            Segment(" " + pad(s.wait_text(s.in_state(row)), wage, True) + " "),
            Segment(pad(dur(s.lifetime(row)) if s.model.is_trace else "", wlife, True) + " "),
            Segment(cut[: len(name)], Style(color=colour_of(s.name(row)))),
            Segment(cut[len(name):], _DIM),
        ]
        strip = Strip(segs)
        if mark:
            strip = strip.apply_style(_CURSOR if mark == 2 else _UNFOCUSED)
        strip = strip.adjust_cell_length(width)
        self._cache[key] = strip
        if len(self._cache) > _CACHE:
            self._cache.popitem(last=False)
        return strip

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return Strip([Segment(pad(self.header_text(width), width), _HEADER_STYLE)])
        index = self.scroll_offset.y + y - 1
        if index >= len(self.rows):
            if index == 0:
                return Strip([Segment(pad("  (no goroutines)", width), _DIM)])
            return Strip.blank(width)
        mark = (2 if self.has_focus else 1) if index == self.cursor else 0
        return self.line_for(index, width, mark)

    # --- cursor ---------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh()
        self._scroll_cursor_into_view()

    def _scroll_cursor_into_view(self) -> None:
        visible = max(self.size.height - 1, 1)
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + visible:
            self.scroll_to(y=self.cursor - visible + 1, animate=False, immediate=True)

    def _move_to(self, index: int) -> None:
        if len(self.rows):
            self.cursor = max(0, min(index, len(self.rows) - 1))

    def action_cursor(self, delta: int) -> None:
        self._move_to(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._move_to(self.cursor + direction * max(self.size.height - 2, 1))

    def action_jump(self, where: int) -> None:
        self._move_to(where if where >= 0 else len(self.rows) - 1)

    def action_select(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(self.Selected(self, row))

    def on_click(self, event: object) -> None:
        y = getattr(event, "y", 0)
        if y >= 1:
            self._move_to(self.scroll_offset.y + y - 1)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
