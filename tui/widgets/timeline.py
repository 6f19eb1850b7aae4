"""Per-P timeline: which goroutine ran where, with GC and stop-the-world bands.

Each terminal cell covers ``dt`` nanoseconds; its block character says how much
of that time the lane was busy (░ ▒ ▓ █) and its colour names the goroutine's
function. Every lane is a sorted, non-overlapping interval list with a running
sum of busy time, so a whole row of cells is two binary searches per cell edge,
whatever the zoom and however many events the trace holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from gotrace.durations import nice_ceiling
from gotrace.model import Model
from gotrace.trace.events import GoState

from ..text import clean, colour_of, dur, pad

I64 = npt.NDArray[np.int64]
GUTTER = 7
_SHADES = " ░▒▓█"
_AXIS = Style(color="cyan")
_CURSOR = Style(reverse=True)
_LABEL = Style(bold=True)
_GC = "#d7875f"
_STW = "#ff5f5f"


@dataclass(slots=True)
class Lane:
    """Non-overlapping [start, end) intervals sorted by start, each tagged with a model row."""

    name: str
    start: I64
    end: I64
    tag: I64
    cum: I64  # busy time before interval i

    @staticmethod
    def of(name: str, start: I64, end: I64, tag: I64) -> Lane:
        order = np.argsort(start, kind="stable")
        s, e, t = start[order], end[order], tag[order]
        if len(s):  # clip overlaps so busy time never counts twice
            e = np.maximum(e, s)
            prev_end = np.maximum.accumulate(e)
            s = np.maximum(s, np.concatenate([[s[0]], prev_end[:-1]]))
            e = np.maximum(e, s)
        cum = np.concatenate([[0], np.cumsum(e - s)]).astype(np.int64)
        return Lane(name, s.astype(np.int64), e.astype(np.int64), t.astype(np.int64), cum)

    def busy_until(self, t: I64) -> I64:
        """Busy ns in [0, t) for each t."""
        k = np.searchsorted(self.start, t, "right") - 1
        kc = np.maximum(k, 0)
        partial = np.clip(t - self.start[kc], 0, self.end[kc] - self.start[kc])
        return np.where(k >= 0, self.cum[kc] + partial, 0)

    def cells(self, edges: I64) -> tuple[npt.NDArray[np.float64], I64]:
        """Occupancy (0..1) and the tag of the longest-running interval touching each cell."""
        busy = self.busy_until(edges)
        width = np.maximum(np.diff(edges), 1)
        occ = np.diff(busy) / width
        lo, hi = edges[:-1], edges[1:]
        k = np.searchsorted(self.end, lo, "right")  # first interval ending after the cell start
        kc = np.minimum(k, max(len(self.start) - 1, 0))
        hit = (k < len(self.start)) & (self.start[kc] < hi) if len(self.start) else np.zeros(len(lo), bool)
        tag = np.where(hit, self.tag[kc] if len(self.start) else -1, -1)
        # A wide cell may hold many intervals: prefer the one covering the cell's middle.
        mid = (lo + hi) // 2
        m = np.searchsorted(self.start, mid, "right") - 1
        mc = np.maximum(m, 0)
        cover = (m >= 0) & (self.end[mc] > mid) if len(self.start) else np.zeros(len(lo), bool)
        tag = np.where(cover, self.tag[mc] if len(self.start) else -1, tag)
        return occ, tag.astype(np.int64)

    def at(self, t: int) -> int | None:
        """Index of the interval covering t."""
        k = int(np.searchsorted(self.start, t, "right")) - 1
        if k >= 0 and int(self.end[k]) > t:
            return k
        return None

    def next_start(self, t: int) -> int | None:
        k = int(np.searchsorted(self.start, t, "right"))
        return int(self.start[k]) if k < len(self.start) else None

    def prev_start(self, t: int) -> int | None:
        k = int(np.searchsorted(self.start, t, "left")) - 1
        return int(self.start[k]) if k >= 0 else None


def lanes_of(model: Model) -> tuple[list[Lane], Lane, Lane]:
    """Per-P running lanes (tag = goroutine row), then GC and STW lanes (tag = range index)."""
    ivl = model.intervals
    lanes: list[Lane] = []
    if ivl is not None and len(ivl):
        run = (ivl.state == GoState.RUNNING) & (ivl.p >= 0)
        ps = ivl.p[run]
        for p in np.unique(ps).tolist():
            sel = np.flatnonzero(run)[ps == p]
            lanes.append(Lane.of(f"P{p}", ivl.start[sel], ivl.end[sel], ivl.row[sel].astype(np.int64)))
    empty = np.zeros(0, np.int64)
    gc = stw = Lane.of("", empty, empty, empty)
    rg = model.ranges
    if rg is not None and len(rg.name):
        names = model.tables.strings
        idx = np.arange(len(rg.name), dtype=np.int64)
        is_gc = np.array([names[n] == "GC concurrent mark phase" for n in rg.name.tolist()], bool)
        is_stw = np.array([names[n].startswith("stop-the-world") for n in rg.name.tolist()], bool)
        gc = Lane.of("GC", rg.start[is_gc], rg.end[is_gc], idx[is_gc])
        stw = Lane.of("STW", rg.start[is_stw], rg.end[is_stw], idx[is_stw])
    else:
        gc = Lane.of("GC", empty, empty, empty)
        stw = Lane.of("STW", empty, empty, empty)
    return lanes, gc, stw


def tick_step(span: int, columns: int) -> int:
    """A round time step (1, 2, 5 x 10^k ns) giving a label every ~14 columns."""
    return nice_ceiling(max(span * 14 // max(columns, 1), 1))


class Timeline(Widget, can_focus=True):
    """Axis, GC and STW bands, then one lane per P; a cursor names what it is on."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1)", "←", show=False),
        Binding("right", "move(1)", "→", show=False),
        Binding("up,k", "lane(-1)", "Up", show=False),
        Binding("down,j", "lane(1)", "Down", show=False),
        Binding("h,shift+left", "pan(-1)", "Pan ←"),
        Binding("l,shift+right", "pan(1)", "Pan →"),
        Binding("plus,equals_sign", "zoom(0.5)", "Zoom in"),
        Binding("minus", "zoom(2)", "Zoom out"),
        Binding("0", "reset", "All"),
        Binding("g", "next_gc(1)", "Next GC"),
        Binding("G", "next_gc(-1)", "Prev GC", show=False),
        Binding("n", "next_run(1)", "Next run", show=False),
        Binding("N", "next_run(-1)", "Prev run", show=False),
        Binding("enter", "open", "Open goroutine"),
    ]
    DEFAULT_CSS = "Timeline { height: 1fr; }"

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

    def __init__(self, model: Model, marks: list[int] | None = None, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model = model
        self.total = max(int(model.span_ns or 0), 1)
        self.lanes, self.gc, self.stw = lanes_of(model)
        self.marks = sorted(marks or [])
        self._names = model.tables.strings
        self._frame: list[Strip] | None = None
        self._frame_key: tuple[int, ...] = ()
        self.set_reactive(Timeline.span, self.total)

    # --- geometry ---------------------------------------------------------
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
        lane = self.lanes[self.lane]
        e = self.edges()
        _, tags = lane.cells(e[self.col: self.col + 2])
        return int(tags[0]) if tags[0] >= 0 else None

    # --- painting -------------------------------------------------------
    def _build(self) -> list[Strip]:
        key = (self.t0, self.span, self.col, self.lane, self.size.width, self.has_focus)
        if self._frame is not None and key == self._frame_key:
            return self._frame
        e = self.edges()
        lines = [self._axis(e), self._band(self.gc, e, _GC), self._band(self.stw, e, _STW)]
        for i, lane in enumerate(self.lanes):
            lines.append(self._lane_line(lane, e, i == self.lane))
        self._frame, self._frame_key = lines, key
        return lines

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

    def _band(self, lane: Lane, e: I64, colour: str) -> Strip:
        occ, _ = lane.cells(e)
        text = "".join(_SHADES[min(int(np.ceil(o * 4)), 4)] for o in occ.tolist())
        segs = [Segment(pad(lane.name, GUTTER), _LABEL), Segment(text, Style(color=colour))]
        return self._with_cursor(Strip(segs))

    def _lane_line(self, lane: Lane, e: I64, current: bool) -> Strip:
        occ, tags = lane.cells(e)
        segs = [Segment(pad(("▶" if current else " ") + lane.name, GUTTER),
                        Style(bold=True, reverse=current and self.has_focus))]
        run_style: Style | None = None
        run: list[str] = []
        names = self._names
        gname = self.model.goroutines.name
        for o, tag in zip(occ.tolist(), tags.tolist(), strict=True):
            ch = _SHADES[min(int(np.ceil(o * 4)), 4)] if tag >= 0 or o > 0 else " "
            if ch == " ":
                style = Style(color="grey30")
                ch = "·" if current else " "
            else:
                style = Style(color=colour_of(names[int(gname[tag])]) if tag >= 0 else "white")
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
        # Lanes scroll under the fixed axis and bands when there are more Ps than lines.
        room = max(self.size.height - 3, 1)
        first = max(0, min(self.lane - room + 1, len(self.lanes) - room)) if self.lane >= room else 0
        i = 3 + first + (y - 3)
        if i < len(lines):
            return lines[i].adjust_cell_length(self.size.width)
        return Strip.blank(self.size.width)

    # --- cursor and view ----------------------------------------------------
    def describe(self) -> tuple[str, int | None]:
        t = self.cursor_time()
        cell = self.span / self.columns
        parts = [f"t={dur(t)}", f"cell {dur(int(cell))}", f"view {dur(self.t0)}–{dur(self.t0 + self.span)}"]
        row = self.lane_at_cursor()
        if self.lanes:
            parts.insert(1, self.lanes[self.lane].name)
        if row is not None:
            g = self.model.goroutines
            parts.append(f"g{int(g.id[row])} {clean(self._names[int(g.name[row])]) or '?'}")
        else:
            parts.append("idle")
        for band in (self.gc, self.stw):
            k = band.at(t)
            if k is not None:
                assert self.model.ranges is not None
                parts.append(clean(self._names[int(self.model.ranges.name[int(band.tag[k])])]))
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

    def _jump(self, times: list[int], direction: int) -> None:
        t = self.cursor_time()
        cell = self.span // self.columns + 1
        later = [x for x in times if x > t + cell] if direction > 0 else [x for x in times if x < t - cell]
        if later:
            self.center_on(later[0] if direction > 0 else later[-1])
        else:
            self.notify("no more", timeout=1.5)

    def action_next_gc(self, direction: int) -> None:
        self._jump(self.gc.start.tolist(), direction)

    def jump_mark(self, direction: int) -> None:
        self._jump(self.marks, direction)

    def action_next_run(self, direction: int) -> None:
        """Next time the cursor's P starts running something (skips idle stretches)."""
        if not self.lanes:
            return
        lane = self.lanes[self.lane]
        t = self.cursor_time() + self.span // self.columns
        nxt = lane.next_start(t) if direction > 0 else lane.prev_start(t - 2 * (self.span // self.columns))
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
