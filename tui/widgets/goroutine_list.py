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
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from gotrace.render.table import cut, cut_start

from ..session import Session
from ..text import colour_of, dur, pad, safe, short_func, site, state_colour

_HEADER_STYLE = Style(bold=True, color="cyan")
_CURSOR = Style(reverse=True)
_UNFOCUSED = Style(bgcolor="grey27")
AT = "  @ "  # between a goroutine's function and where it is blocked
_DIM = Style(dim=True)
_CACHE = 512


class GoroutineList(ScrollView, can_focus=True):
    """Columns: id, state, time in state, lifetime (traces), function and where it is blocked,
    and a dump's labels; a debug=1 profile's rows are stack records with their goroutine count."""

    # Moving keys have no description: help sums them up in one line.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "", show=False),
        Binding("down,j", "cursor(1)", "", show=False),
        Binding("pageup", "page(-1)", "", show=False),
        Binding("pagedown", "page(1)", "", show=False),
        Binding("home", "jump(0)", "", show=False),
        Binding("end", "jump(-1)", "", show=False),
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

    def _columns(self) -> list[tuple[str, int]]:
        """Titles and widths before the function column, right-aligned (STATE: left)."""
        m = self.session.model
        if m.is_profile:  # rows are stack records: their number and how many goroutines
            return [("RECORD", 7), ("GOROUTINES", 10), ("STATE", 18)]
        cols = [("ID", 9), ("STATE", 18), ("IN STATE", 8)]
        return [*cols, ("LIVED", 8)] if m.is_trace else cols

    def header_text(self, width: int) -> str:
        cols = self._columns()
        used = sum(w + 1 for _, w in cols)
        tail = "FUNCTION  @ BLOCKED AT" + ("  {LABELS}" if self.session.model.extras is not None else "")
        return " ".join(pad(t, w, t != "STATE") for t, w in cols) + " " + pad(tail, max(width - used, 10))

    def line_for(self, index: int, width: int, mark: int = 0) -> Strip:
        """The text line of ``rows[index]``: cached, since only a screenful is ever drawn."""
        key = (index, width, mark)
        strip = self._cache.get(key)
        if strip is not None:
            self._cache.move_to_end(key)
            return strip
        s = self.session
        row = int(self.rows[index])
        label = s.state(row)
        values = {"ID": str(int(s.g.id[row])), "RECORD": str(int(s.g.id[row])),
                  "GOROUTINES": f"{s.weight(row):,}", "IN STATE": s.wait_text(s.in_state(row)),
                  "LIVED": dur(s.lifetime(row))}
        segs: list[Segment] = []
        used = 0
        for title, w in self._columns():
            if title == "STATE":
                segs.append(Segment(pad(safe(label), w) + " ", Style(color=state_colour(label))))
            else:
                segs.append(Segment(pad(values[title], w, True) + " "))
            used += w + 1
        name = safe(short_func(s.name(row)))
        at = s.blocked_at(row)
        where = safe(site(at, "")) if at is not None and at.func != s.name(row) else ""
        labels = s.labels(row)
        room = max(width - used, 10)
        if where and cell_len(name) + len(AT) + cell_len(where) > room:
            # Both in view: the name keeps at least half, each keeps its end (the method, the
            # file and line), rather than the site losing all but its package's first letters.
            name = cut_start(name, max(room // 2, room - len(AT) - cell_len(where)))
            where = cut(where, max(room - cell_len(name) - len(AT), 0))
        tail = name + (AT + where if where else "")
        if labels and cell_len(tail) + 4 <= room:  # what room is left: at least "  {…"
            tail += "  {" + safe(", ".join(f"{k}={v}" for k, v in sorted(labels.items()))) + "}"
        cut_tail = pad(tail, room)
        segs += [Segment(cut_tail[: len(name)], Style(color=colour_of(s.name(row)))),
                 Segment(cut_tail[len(name):], _DIM)]
        strip = Strip(segs)
        if mark:
            strip = strip.apply_style(_CURSOR if mark == 2 else _UNFOCUSED)
        strip = strip.adjust_cell_length(width)
        self._cache[key] = strip
        if len(self._cache) > _CACHE:
            self._cache.popitem(last=False)
        return strip

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width  # not under the scrollbar
        if y == 0:
            return Strip([Segment(pad(self.header_text(width), width), _HEADER_STYLE)])
        index = self.scroll_offset.y + y - 1
        if index >= len(self.rows):
            if index == 0:
                return Strip([Segment(pad("  (none)", width), _DIM)])
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
