"""Per-P timeline: which goroutine ran where, with GC and stop-the-world bands.

Each terminal cell covers ``dt`` nanoseconds; its block character says how much
of that time the P was busy (░ ▒ ▓ █) and its colour names the goroutine's
function. All of it is asked of :class:`gotrace.analysis.procs.ProcTimeline`,
which answers by binary search over prefix sums: a row of cells costs the same
at any zoom, however many intervals the trace holds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from gotrace.analysis.procs import ProcTimeline, Spans
from gotrace.durations import nice_ceiling
from gotrace.model import Model

from ..text import at, colour_of, dur, pad, safe, short_func

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
GUTTER = 7
_SHADES = " ░▒▓█"
_AXIS = Style(color="cyan")
_CURSOR = Style(reverse=True)
_LABEL = Style(bold=True)
_IDLE = Style(color="grey30")
_LEGEND = Style(dim=True)
_GC = "#d7875f"
_PAN = Binding.Group("Pan")
_ZOOM = Binding.Group("Zoom")
_STW = "#ff5f5f"


def cell_rows(procs: ProcTimeline, p: int, edges: I64) -> tuple[F64, I64]:
    """Busy share of P ``p`` in each cell [edges[i], edges[i+1]) and the goroutine row it shows.

    A cell shows the goroutine running at its middle, else the first one that ran
    inside it (-1: idle), resolved for all cells at once.
    """
    columns = len(edges) - 1
    occ = procs.density(p, int(edges[0]), int(edges[-1]), columns)
    sp: Spans = procs.spans(p)
    rows = np.full(columns, -1, np.int64)
    n = len(sp)
    if n == 0 or columns <= 0:
        return occ, rows
    lo, hi = edges[:-1], edges[1:]
    mid = (lo + hi) // 2
    m = np.searchsorted(sp.start, mid, "right") - 1
    mc = np.maximum(m, 0)
    cover = (m >= 0) & (sp.end[mc] > mid)
    k = np.searchsorted(sp.end, lo, "right")  # first interval ending after the cell starts
    kc = np.minimum(k, n - 1)
    touch = (k < n) & (sp.start[kc] < hi)
    idx = np.where(cover, mc, np.where(touch, kc, -1))
    return occ, procs.span_rows(p, idx)


def tick_step(span: int, columns: int) -> int:
    """A round time step (1, 2, 5 x 10^k ns) giving a label every ~14 columns."""
    return nice_ceiling(max(span * 14 // max(columns, 1), 1))


class Timeline(Widget, can_focus=True):
    """Axis, GC and STW bands, then one lane per P; a cursor names what it is on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Moving the cursor: help sums these up in one line.
        Binding("left", "move(-1)", "", show=False),
        Binding("right", "move(1)", "", show=False),
        Binding("up,k", "lane(-1)", "", show=False),
        Binding("down,j", "lane(1)", "", show=False),
        Binding("h,shift+left", "pan(-1)", "Pan ←", group=_PAN),
        Binding("l,shift+right", "pan(1)", "Pan →", group=_PAN),
        Binding("plus,equals_sign", "zoom(0.5)", "Zoom in", group=_ZOOM),
        Binding("minus", "zoom(2)", "Zoom out", group=_ZOOM),
        Binding("0", "reset", "Show all", show=False),
        Binding("g", "next_gc(1)", "GC"),
        Binding("G", "next_gc(-1)", "Prev GC", show=False),
        Binding("n", "next_run(1)", "Next run", show=False),
        Binding("N", "next_run(-1)", "Prev run", show=False),
        Binding("enter", "open", "Open"),
    ]
    DEFAULT_CSS = "Timeline { height: auto; max-height: 85%; }"

    t0: reactive[int] = reactive(0, repaint=True)
    span: reactive[int] = reactive(1, repaint=True)
    col: reactive[int] = reactive(0, repaint=True)
    lane: reactive[int] = reactive(0, repaint=True)

    class Moved(Message):
        """The cursor moved: ``text`` describes what is under it."""

        def __init__(self, timeline: Timeline, text: str, row: int | None) -> None:
            super().__init__()
            self.timeline = timeline
            self.text = text
            self.row = row

    class Open(Message):
        def __init__(self, timeline: Timeline, row: int) -> None:
            super().__init__()
            self.timeline = timeline
            self.row = row

        @property
        def control(self) -> Timeline:
            return self.timeline

    def __init__(self, procs: ProcTimeline, marks: list[int] | None = None, *,
                 name_of: Callable[[int], str] | None = None, id: str | None = None) -> None:
        super().__init__(id=id)
        self.procs = procs
        self.name_of = name_of or self._start_function
        self.model: Model = procs.model
        self.total = max(procs.span_ns, 1)
        self.lanes: list[int] = list(procs.procs)  # P ids, one row each
        self.marks = sorted(marks or [])
        self._names = self.model.tables.strings
        self._frame: list[Strip] | None = None
        self._frame_key: tuple[int, ...] = ()
        self.set_reactive(Timeline.span, self.total)

    def _start_function(self, row: int) -> str:
        return self._names[int(self.model.goroutines.name[row])] or "?"

    # --- geometry ---------------------------------------------------------
    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 4 + len(self.lanes)  # axis, GC, STW, a row per P, the colours

    @property
    def columns(self) -> int:
        return max(self.size.width - GUTTER, 1)

    def edges(self) -> I64:
        c = self.columns
        return (self.t0 + (np.arange(c + 1, dtype=np.int64) * self.span) // c).astype(np.int64)

    def cursor_time(self) -> int:
        c = self.columns
        return self.t0 + (self.col * self.span + self.span // 2) // c

    def lane_at_cursor(self) -> int | None:
        """Model row running on the cursor's P at the cursor's time (or within its cell)."""
        if not self.lanes:
            return None
        e = self.edges()
        _, rows = cell_rows(self.procs, self.lanes[self.lane], e[self.col: self.col + 2])
        return int(rows[0]) if rows[0] >= 0 else None

    # --- painting -------------------------------------------------------
    def _build(self) -> list[Strip]:
        key = (self.t0, self.span, self.col, self.lane, self.size.width, self.has_focus)
        if self._frame is not None and key == self._frame_key:
            return self._frame
        e = self.edges()
        lines = [self._axis(e), self._band("GC", self.procs.gc, e, _GC),
                 self._band("STW", self.procs.stw, e, _STW)]
        shown: Counter[str] = Counter()
        for i, p in enumerate(self.lanes):
            lines.append(self._lane_line(p, e, i == self.lane, shown))
        lines.append(self._legend(shown))
        self._frame, self._frame_key = lines, key
        return lines

    def _legend(self, shown: Counter[str]) -> Strip:
        """Which colour is which function, busiest in view first, as many as fit."""
        segs = [Segment(pad("", GUTTER))]
        room = self.columns
        for name, _ in shown.most_common():
            label = safe(short_func(name))
            if len(label) + 3 > room:
                break
            segs += [Segment("■ ", Style(color=colour_of(name))), Segment(label + " ", _LEGEND)]
            room -= len(label) + 3
        return Strip(segs)

    def _axis(self, e: I64) -> Strip:
        c = self.columns
        step = tick_step(self.span, c)
        chars = [" "] * c
        first = -(-int(e[0]) // step) * step
        for t in range(first, int(e[-1]), step):
            x = int((t - self.t0) * c // self.span)
            label = "|" + dur(t) if t else "|0"
            if x + len(label) <= c and all(ch == " " for ch in chars[x: x + len(label) + 1]):
                chars[x: x + len(label)] = label
        return Strip([Segment(pad("time", GUTTER), _LABEL), Segment("".join(chars), _AXIS)])

    def _band(self, name: str, spans: Spans, e: I64, colour: str) -> Strip:
        occ = spans.density(int(e[0]), int(e[-1]), len(e) - 1)
        text = "".join(_SHADES[min(int(np.ceil(o * 4)), 4)] for o in occ.tolist())
        segs = [Segment(pad(name, GUTTER), _LABEL), Segment(text, Style(color=colour))]
        return self._with_cursor(Strip(segs))

    def _lane_line(self, p: int, e: I64, current: bool, shown: Counter[str]) -> Strip:
        occ, tags = cell_rows(self.procs, p, e)
        segs = [Segment(pad(("▶" if current else " ") + f"P{p}", GUTTER),
                        Style(bold=True, reverse=current and self.has_focus))]
        run_style: Style | None = None
        run: list[str] = []
        styles: dict[int, Style] = {-1: Style(color="white")}
        for o, tag in zip(occ.tolist(), tags.tolist(), strict=True):
            ch = _SHADES[min(int(np.ceil(o * 4)), 4)] if tag >= 0 or o > 0 else " "
            if ch == " ":
                style = _IDLE
                ch = "·" if current else " "
            else:
                if tag >= 0:
                    shown[self.name_of(tag)] += 1
                style = styles.get(tag) or styles.setdefault(tag, Style(color=colour_of(self.name_of(tag))))
            if style != run_style and run:
                segs.append(Segment("".join(run), run_style))
                run = []
            run_style = style
            run.append(ch)
        if run:
            segs.append(Segment("".join(run), run_style))
        return self._with_cursor(Strip(segs))

    def _with_cursor(self, strip: Strip) -> Strip:
        x = GUTTER + self.col
        left, mid, right = strip.divide([x, x + 1, strip.cell_length])[:3]
        return Strip.join([left, mid.apply_style(_CURSOR), right])

    def render_line(self, y: int) -> Strip:
        lines = self._build()
        if y < 3:
            return lines[y].adjust_cell_length(self.size.width)
        if y == self.size.height - 1:
            return lines[-1].adjust_cell_length(self.size.width)
        # Lanes scroll under the fixed axis and bands when there are more Ps than lines.
        room = max(self.size.height - 4, 1)
        first = max(0, min(self.lane - room + 1, len(self.lanes) - room)) if self.lane >= room else 0
        i = 3 + first + (y - 3)
        if i < len(lines) - 1:
            return lines[i].adjust_cell_length(self.size.width)
        return Strip.blank(self.size.width)

    # --- cursor and view ----------------------------------------------------
    def describe(self) -> tuple[str, int | None]:
        t = self.cursor_time()
        cell = self.span / self.columns
        parts = [f"t={at(t)}", f"cell {dur(int(cell))}", f"view {at(self.t0)}–{dur(self.t0 + self.span)}"]
        row = self.lane_at_cursor()
        if self.lanes:
            parts.insert(1, f"P{self.lanes[self.lane]}")
        if row is not None:
            g = self.model.goroutines
            parts.append(f"g{int(g.id[row])} {safe(self.name_of(row))}")
        else:
            parts.append("idle")
        if self.procs.gc.index_at(t) is not None:
            parts.append("GC mark phase")
        parts.extend(safe(n) for n in self.procs.stw_intervals(t, t + 1)[2])
        return "  ".join(parts), row

    def _announce(self) -> None:
        text, row = self.describe()
        self.post_message(self.Moved(self, text, row))

    def on_resize(self) -> None:
        self.col = min(self.col, self.columns - 1)
        self._announce()

    def on_mount(self) -> None:
        self._announce()

    def _set_view(self, t0: int, span: int) -> None:
        span = max(min(span, self.total), self.columns)  # at least 1 ns per cell
        self.span = span
        self.t0 = max(0, min(t0, self.total - span))

    def center_on(self, t: int) -> None:
        """Put time t under the cursor, panning the view as needed."""
        self._set_view(t - self.span // 2, self.span)
        self.col = max(0, min(int((t - self.t0) * self.columns // self.span), self.columns - 1))
        self._announce()

    def action_move(self, delta: int) -> None:
        c = self.col + delta
        if 0 <= c < self.columns:
            self.col = c
        else:
            self._set_view(self.t0 + delta * self.span // self.columns, self.span)
        self._announce()

    def action_lane(self, delta: int) -> None:
        if self.lanes:
            self.lane = max(0, min(self.lane + delta, len(self.lanes) - 1))
            self._announce()

    def action_pan(self, direction: int) -> None:
        self._set_view(self.t0 + direction * self.span // 4, self.span)
        self._announce()

    def action_zoom(self, factor: float) -> None:
        t = self.cursor_time()
        span = int(self.span * factor)
        frac = self.col / self.columns
        self._set_view(t - int(span * frac), span)
        self.col = max(0, min(int((t - self.t0) * self.columns // self.span), self.columns - 1))
        self._announce()

    def action_reset(self) -> None:
        self._set_view(0, self.total)
        self._announce()

    def _jump(self, times: list[int], direction: int, what: str) -> None:
        t = self.cursor_time()
        cell = self.span // self.columns + 1
        later = [x for x in times if x > t + cell] if direction > 0 else [x for x in times if x < t - cell]
        if later:
            self.center_on(later[0] if direction > 0 else later[-1])
        else:
            self.notify(f"no {'later' if direction > 0 else 'earlier'} {what} than the cursor"
                        if times else f"no {what} in this trace", timeout=2)

    def action_next_gc(self, direction: int) -> None:
        self._jump(self.procs.gc.start.tolist(), direction, "GC")

    def jump_mark(self, direction: int) -> None:
        self._jump(self.marks, direction, "spike")

    def action_next_run(self, direction: int) -> None:
        """Next time the cursor's P starts running something (skips idle stretches)."""
        if not self.lanes:
            return
        start = self.procs.spans(self.lanes[self.lane]).start
        cell = self.span // self.columns
        if direction > 0:
            k = int(np.searchsorted(start, self.cursor_time() + cell, "right"))
            nxt = int(start[k]) if k < len(start) else None
        else:
            k = int(np.searchsorted(start, self.cursor_time() - cell, "left")) - 1
            nxt = int(start[k]) if k >= 0 else None
        if nxt is not None:
            self.center_on(nxt)

    def action_open(self) -> None:
        row = self.lane_at_cursor()
        if row is not None:
            self.post_message(self.Open(self, row))
        else:
            self.notify("the cursor is on an idle cell", timeout=1.5)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
