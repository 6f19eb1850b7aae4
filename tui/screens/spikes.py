"""Spikes: call sites ranked by their busiest window; the chosen one's rate, callers and goroutines."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Sparkline, Static

from gotrace.analysis.spikes import Site, Spikes

from ..messages import OpenGoroutine, OpenPage
from ..session import Session
from ..text import (
    DIM,
    HEAD,
    at,
    count,
    dur,
    lit,
    pad_site,
    plural,
    safe,
    short_func,
    site,
    state_colour,
    tabs,
)
from ..textual_private import exiting
from ..widgets.footer import KeyFooter
from ..widgets.goroutine_list import GoroutineList
from ..widgets.row_table import RowTable
from .page import DEBUG, Page

MAX_CALLER_LINES = 3


class SpikesScreen(Page):
    PAGE = "spikes"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("u", "user_frames", "User frames"),
        Binding("t", "on_timeline", "On timeline"),
    ]
    DEFAULT_CSS = """
    SpikesScreen #sites { height: auto; max-height: 35%; }
    SpikesScreen #rate { height: 2; margin: 0 1; }
    SpikesScreen #rate-title, SpikesScreen #rate-axis { height: 1; padding: 0 1; }
    SpikesScreen #callers { height: 5; padding: 0 1; }
    SpikesScreen GoroutineList { height: 1fr; min-height: 4; }
    """

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.user_frames = False
        self.sp: Spikes | None = None
        self.site: Site | None = None
        self._pending_item: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(tabs("spikes", True, "goroutine creation by call site, busiest first"),
                     classes="title")
        yield RowTable(id="sites")
        yield Static(Text("", style=HEAD), id="rate-title")
        yield Sparkline([], id="rate")
        yield Static("", id="rate-axis")
        yield Static("", id="callers")
        yield GoroutineList(self.session, id="created")
        yield KeyFooter()

    def on_mount(self) -> None:
        if exiting(self.app):  # warmed unseen and mounted while the app closes
            return
        table = self.query_one("#sites", DataTable)
        for label, key in (("", "flag"), ("PEAK", "peak"), ("/s AT PEAK", "rate"), ("TOTAL", "total"),
                           ("ALIVE", "alive"), ("END STATE", "state"), ("CREATED AT", "site")):
            table.add_column(label, key=key)
        table.focus()
        self.need(("spikes", "site_index"), self._load)

    def _load(self) -> None:
        self._compute(self.user_frames)

    @work(thread=True, exclusive=True, group="spikes", exit_on_error=DEBUG)
    def _compute(self, user_frames: bool) -> None:
        self.deliver(self._show, self.session.spikes(user_frames))

    def _show(self, sp: Spikes) -> None:
        self.sp = sp
        per_s = 1e9 / sp.window_ns
        table = self.query_one("#sites", DataTable)
        table.clear()
        site_w = max(self.app.size.width - 62, 16)  # the rest of the row: no sideways scrolling
        for i, s in enumerate(sp.sites):
            table.add_row(
                Text("▲" if s.is_spike else " ", style="bold yellow"),
                Text(count(s.peak_count), justify="right", style="bold" if s.is_spike else ""),
                Text(f"{s.peak_count * per_s:,.0f}", justify="right"),
                Text(count(s.total), justify="right"),
                Text(count(s.alive_at_end), justify="right"),
                lit(s.end_state or "-", state_colour(s.end_state or "dead")),
                lit(pad_site(safe(site(s.frame, "(unknown: existed before the trace)")), site_w).rstrip()),
                key=str(i),
            )
        if self._pending_item is not None:
            self.show_item(self._pending_item)
        elif sp.sites:
            self._select(sp.sites[0])

    def show_item(self, item: Any) -> None:
        """Select the site whose ``Site.index`` is ``item`` (of the go statements, not user frames)."""
        if not isinstance(item, int):
            return
        if self.sp is None or self.user_frames:
            self._pending_item = item
            if self.user_frames:
                self.action_user_frames()
            return
        self._pending_item = None
        rank = next((i for i, site in enumerate(self.sp.sites) if site.index == item), None)
        if rank is not None:
            table = self.query_one("#sites", DataTable)
            table.move_cursor(row=rank)
            table.focus()
            self._select(self.sp.sites[rank])

    @on(DataTable.RowHighlighted, "#sites")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.sp is not None and event.row_key.value is not None:
            self._select(self.sp.sites[int(event.row_key.value)])

    @on(DataTable.RowSelected, "#sites")
    def _chosen(self) -> None:
        self.query_one("#created", GoroutineList).focus()

    def _select(self, s: Site) -> None:
        assert self.sp is not None
        sp = self.sp
        self.site = s
        title = Text("creation rate of ", style=HEAD)
        title.append_text(lit(site(s.frame, "(unknown creator)"), "bold"))
        title.append(f"  per {dur(sp.window_ns)}", style=DIM)
        self.query_one("#rate-title", Static).update(title, layout=False)
        self.query_one("#rate", Sparkline).data = s.series.astype(float).tolist()
        axis = Text(f"0 … {dur(sp.span_ns)}   peak {count(s.peak_count)}", style=DIM)
        if s.peak_window >= 0:
            axis.append(f" at {at(s.peak_window * sp.window_ns)}", style=DIM)
        if s.burst is not None:
            lo, hi = sp.burst_span(s)
            axis.append(f"; burst {at(lo)}–{dur(hi)}: {count(s.burst.count)} created", style=DIM)
        axis.append(f"; usual {s.baseline * 1e9 / sp.window_ns:,.0f}/s", style=DIM)
        self.query_one("#rate-axis", Static).update(axis, layout=False)
        self.query_one("#callers", Static).update(self._callers(s), layout=False)
        self.query_one("#created", GoroutineList).set_rows(self.session.site_rows(sp, s.index))

    def _callers(self, s: Site) -> Text:
        out = Text("called from", style=HEAD, no_wrap=True, overflow="ellipsis")
        if not s.callers:
            out.append("  (no caller frames recorded)", style=DIM)
        for c in s.callers[:MAX_CALLER_LINES]:
            out.append(f"\n{c.count / max(s.total, 1):>5.0%} ", style="bold")
            out.append(f"{count(c.count):>7}  ", style=DIM)
            chain = " ← ".join(short_func(f.func) for f in c.frames[:4]) or "(top of stack)"
            out.append_text(lit(chain + (" ← …" if len(c.frames) > 4 else "")))
        if len(s.callers) > MAX_CALLER_LINES:
            out.append(f"\n      … {plural(len(s.callers) - MAX_CALLER_LINES, 'more chain')}", style=DIM)
        return out

    @on(GoroutineList.Selected, "#created")
    def _open(self, event: GoroutineList.Selected) -> None:
        self.post_message(OpenGoroutine(event.row))

    def action_user_frames(self) -> None:
        self.user_frames = not self.user_frames
        self.notify("sites: first user frame of the creation stack" if self.user_frames
                    else "sites: the go statement itself", timeout=2)
        self.need(("spikes", "site_index"), self._load)

    def action_on_timeline(self) -> None:
        if self.sp is None or self.site is None:
            return
        if self.site.peak_window < 0:
            self.notify("these goroutines existed before the trace began: no creation to show",
                        timeout=3)
            return
        lo, _ = self.sp.burst_span(self.site)
        self.post_message(OpenPage("timeline", lo))
