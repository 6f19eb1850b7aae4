"""Long-lived goroutines: wait reason x blocking site x creation site, filtered by age as you type."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, Static

from gotrace.analysis.longlived import Group
from gotrace.durations import parse_duration

from ..findings import blocked_groups
from ..session import Session
from ..text import BOLD, DIM, count, dur, lit, pad, site, state_colour
from ..widgets.goroutine_list import GoroutineList

SORTS = {
    "count": lambda g: (-g.count, -g.wait.max),
    "longest wait": lambda g: (-g.wait.max, -g.count),
    "state": lambda g: (g.state, -g.count),
    "blocking site": lambda g: (site(g.blocking), -g.count),
}


class LongLivedScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "filter", "Filter age"),
        Binding("s", "sort", "Sort"),
        Binding("escape", "leave_filter", "Back to table", show=False),
    ]
    DEFAULT_CSS = """
    LongLivedScreen #bar { height: 1; padding: 0 1; }
    LongLivedScreen #bar Static { width: auto; }
    LongLivedScreen Input { border: none; height: 1; width: 24; padding: 0 1; }
    LongLivedScreen #status { padding: 0 0 0 2; }
    LongLivedScreen #groups { height: 1fr; max-height: 100%; }
    LongLivedScreen GoroutineList { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        self.session: Session = self.app.session  # type: ignore[attr-defined]
        self.groups: list[Group] = []
        self.sort = "count"
        self._summary = ""
        self._debounce: Timer | None = None
        yield Static(Text("Long-lived goroutines: state × blocked at × created at", style=BOLD),
                     classes="title")
        with Horizontal(id="bar"):
            yield Static(Text("blocked at least "))
            yield Input(placeholder="60m, 500ms…", id="older")
            yield Static(Text("…", style=DIM), id="status")
        table: DataTable[Text] = DataTable(id="groups", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(Text("goroutines of the selected group (Enter opens one)", style=DIM),
                     classes="pane-title", id="members-title")
        yield GoroutineList(self.session, id="members")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#groups", DataTable)
        for label, key in (("COUNT", "count"), ("STATE", "state"), ("MIN", "min"), ("P50", "p50"),
                           ("MAX", "max"), ("BLOCKED AT", "at"), ("CREATED AT", "created")):
            table.add_column(label, key=key)
        table.focus()
        self._recompute(None)

    # --- filtering ----------------------------------------------------------
    @on(Input.Changed, "#older")
    def _changed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(0.15, lambda: self._apply(event.value))

    @on(Input.Submitted, "#older")
    def _submitted(self, event: Input.Submitted) -> None:
        self._apply(event.value)
        self.query_one("#groups", DataTable).focus()

    def _apply(self, value: str) -> None:
        value = value.strip()
        status = self.query_one("#status", Static)
        if not value:
            self._recompute(None)
            return
        try:
            ns = parse_duration(value)
        except ValueError as e:
            status.update(lit(str(e), "red"))
            return
        self._recompute(ns)

    def _recompute(self, older_than: int | None) -> None:
        self.query_one("#status", Static).update(Text("grouping…", style=DIM))
        self.run_worker(lambda: self._group(older_than), thread=True, exclusive=True, group="group")

    def _group(self, older_than: int | None) -> None:
        groups = blocked_groups(self.session, older_than)
        self.app.call_from_thread(self._show, groups, older_than)

    def _show(self, groups: list[Group], older_than: int | None) -> None:
        self.groups = sorted(groups, key=SORTS[self.sort])
        total = sum(g.count for g in groups)
        age = f"≥ {dur(older_than)}" if older_than else "of any age"
        self._summary = f"{count(total)} blocked goroutines {age} in {len(groups):,} groups"
        self._status()
        self._fill()

    def _status(self) -> None:
        self.query_one("#status", Static).update(
            Text(f"{self._summary} · sorted by {self.sort} (s)", style=DIM))

    def _fill(self) -> None:
        table = self.query_one("#groups", DataTable)
        table.clear()
        wait = self.session.wait_text
        # Both sites share what the fixed columns leave, so nothing scrolls sideways.
        state_w = max((len(g.state) + 1 for g in self.groups), default=5)
        site_w = max((self.size.width - state_w - 7 - 3 * 6 - 2 * 7 - 2) // 2, 16)
        for i, g in enumerate(self.groups):
            table.add_row(
                Text(count(g.count), justify="right", style="bold"),
                lit(g.state + ("*" if g.inferred else ""), state_colour(g.state)),
                Text(wait(g.wait.min), justify="right"),
                Text(wait(g.wait.p50), justify="right"),
                Text(wait(g.wait.max), justify="right"),
                lit(pad(site(g.blocking, "-"), site_w).rstrip()),
                lit(pad(site(g.created_at, "(unknown creator)"), site_w).rstrip()),
                key=str(i),
            )
        members = self.query_one("#members", GoroutineList)
        members.set_rows(self.groups[0].rows if self.groups else members.rows[:0])

    # --- selection ----------------------------------------------------------
    @on(DataTable.RowHighlighted, "#groups")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is None or not self.groups:
            return
        g = self.groups[int(event.row_key.value)]
        self.query_one("#members", GoroutineList).set_rows(g.rows)
        self.query_one("#members-title", Static).update(Text.assemble(
            (f"{count(g.count)} goroutines ", "bold"), ("in ", ""), (g.state, state_colour(g.state)),
            (" at ", ""), lit(site(g.blocking, "-")), ("  (Enter opens one)", "dim")))

    @on(DataTable.RowSelected, "#groups")
    def _selected(self) -> None:
        self.query_one("#members", GoroutineList).focus()

    @on(DataTable.HeaderSelected, "#groups")
    def _header(self, event: DataTable.HeaderSelected) -> None:
        by = {"count": "count", "max": "longest wait", "state": "state", "at": "blocking site"}
        key = by.get(str(event.column_key.value))
        if key:
            self.sort = key
            self._resort()

    @on(GoroutineList.Selected)
    def _open(self, event: GoroutineList.Selected) -> None:
        self.app.open_goroutine(event.row)  # type: ignore[attr-defined]

    def action_filter(self) -> None:
        self.query_one("#older", Input).focus()

    def action_leave_filter(self) -> None:
        self.query_one("#groups", DataTable).focus()

    def action_sort(self) -> None:
        names = list(SORTS)
        self.sort = names[(names.index(self.sort) + 1) % len(names)]
        self._resort()

    def _resort(self) -> None:
        self.groups.sort(key=SORTS[self.sort])
        self._status()
        self._fill()
