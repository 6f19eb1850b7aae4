"""Leaks: every group of blocked goroutines judged, most certain first, with the evidence.

One look answers "is something leaking, where, and how sure": the table lists
the suspects as ``gotrace leaks`` does (verdict, score, count, state, where they
are blocked, where they were created); under it the selected suspect's evidence,
each fact with the points it earned; under that its goroutines. Enter moves into
them, Enter again opens one, Escape comes back to the table.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from gotrace.analysis.leaks import PROOF_KINDS, LeakReport, Suspect
from gotrace.render.leaks import points, wants_history
from gotrace.render.text import site as full_site

from ..findings import goroutines
from ..messages import OpenGoroutine
from ..session import Session
from ..text import (
    BOLD,
    DIM,
    VERDICT_STYLES,
    count,
    lit,
    pad,
    pad_site,
    plural,
    safe,
    site,
    state_colour,
    tabs,
)
from ..textual_private import exiting
from ..widgets.footer import KeyFooter
from ..widgets.goroutine_list import GoroutineList
from ..widgets.row_table import RowTable
from .page import Page

STATE_W = 13
# VERDICT ("likely 55") COUNT STATE, a cell's padding on both sides of five columns, the scrollbar.
FIXED_W = 9 + 7 + STATE_W + 5 * 2 + 2


class LeaksScreen(Page):
    PAGE = "leaks"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "evidence", "All evidence"),
        Binding("escape", "to_table", "Back to suspects", show=False),
    ]
    DEFAULT_CSS = """
    LeaksScreen #headline { height: 1; padding: 0 1; }
    LeaksScreen #series { height: auto; max-height: 4; padding: 0 1; display: none; }
    LeaksScreen #series.-shown { display: block; }
    LeaksScreen #suspects { height: auto; max-height: 30%; }
    LeaksScreen #why { height: auto; max-height: 8; padding: 0 1; }
    LeaksScreen #members-title { height: 1; }
    LeaksScreen GoroutineList { height: 1fr; min-height: 4; }
    LeaksScreen.-evidence #why { max-height: 100%; }
    LeaksScreen.-evidence #members-title, LeaksScreen.-evidence GoroutineList { display: none; }
    """

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.report: LeakReport | None = None
        self._pending_item: int | None = None

    def compose(self) -> ComposeResult:
        yield Static(tabs("leaks", self.session.model.is_trace, "leak suspects, most certain first"),
                     classes="title")
        yield Static(Text("judging the groups of blocked goroutines…", style=DIM), id="headline")
        yield Static("", id="series")
        yield RowTable(id="suspects")
        yield Static("", id="why")
        yield Static(Text("", style=DIM), classes="pane-title", id="members-title")
        yield GoroutineList(self.session, id="members")
        yield KeyFooter()

    def on_mount(self) -> None:
        if exiting(self.app):  # warmed unseen and mounted while the app closes
            return
        table = self.query_one("#suspects", DataTable)
        for label, key in (("VERDICT", "verdict"), ("COUNT", "count"), ("STATE", "state"),
                           ("BLOCKED AT", "blocked"), ("CREATED AT", "created")):
            table.add_column(label, key=key)
        table.focus()
        self.need(("leaks",), self._show)

    def _show(self) -> None:
        report = self.report = self.session.leaks()
        verdicts = {v: sum(1 for s in report.suspects if s.verdict == v) for v in ("leak", "likely", "watch")}
        head = Text(no_wrap=True, overflow="ellipsis")
        for v, n in verdicts.items():
            head.append(f"{n:,} {v}", style=VERDICT_STYLES[v] if n else DIM)
            head.append(" · ")
        total = plural(self.session.model.goroutines.count(), "goroutine")
        judged = f"{total}, {plural(len(report.suspects), 'group')} of them judged"
        head.append(judged, style=DIM)
        self.query_one("#headline", Static).update(head)
        self._series(report)
        table = self.query_one("#suspects", DataTable)
        table.clear()
        rest = max(self.app.size.width - FIXED_W, 20)
        # A profile names no creators: its blocking sites take the column's room.
        creators = any(s.group.created_at is not None for s in report.suspects)
        if not creators and "created" in table.columns:
            table.remove_column("created")
        blocked_w = rest * 11 // 20 if creators else rest
        created_w = rest - blocked_w
        for i, s in enumerate(report.suspects):
            g = s.group
            cells = [
                Text(f"{s.verdict:<6} {s.score:>2}", style=VERDICT_STYLES[s.verdict]),
                Text(count(g.count), justify="right", style=BOLD if s.verdict != "benign" else ""),
                lit(pad(safe(g.state), STATE_W).rstrip(), state_colour(g.state)),
                lit(pad_site(safe(site(g.blocking, "(no stack)")), blocked_w).rstrip()),
            ]
            if creators:
                cells.append(lit(pad_site(safe(site(g.created_at, "-")), created_w).rstrip(), DIM))
            table.add_row(*cells, key=str(i))
        if not report.suspects:
            self.query_one("#why", Static).update(Text("no goroutine is blocked: nothing can leak",
                                                       style=DIM))
            self.query_one("#members-title", Static).update("")
            return
        item = self._pending_item if self._pending_item is not None else 0
        self._pending_item = None
        self.show_item(item)

    def _series(self, report: LeakReport) -> None:
        """Say what the verdicts were judged on when it is more than the capture shown (the
        dumps before it in its file, the files given before it), and what the series itself
        warns of (a restart, an order); of one capture that said no leak, what to take next."""
        lines = []
        *earlier, shown = report.captures or [""]
        if earlier:
            mine = sum(n.startswith(f"{shown} #") for n in earlier)
            others = len(earlier) - mine
            given = [f"the {plural(others, 'capture')} given before it"] if others else []
            own = [f"the {plural(mine, 'dump')} before it in its file"] if mine else []
            lines.append(Text(f"judged as a series, after {' and '.join(given + own)}", style=DIM))
        lines += [Text(f"note: {safe(n)}", style=DIM) for n in report.notes]
        if wants_history(report):  # one line at 80 columns (gotrace leaks says more)
            at = " at ?debug=2" if self.session.model.is_profile else ""
            lines.append(Text(f"one dump has no history: take another later{at}, open both: "
                              "gotrace view OLD NEW", style=DIM))
        widget = self.query_one("#series", Static)
        widget.update(Text("\n").join(lines))
        widget.set_class(bool(lines), "-shown")

    def show_item(self, item: Any) -> None:
        """Select suspect ``item`` (its index in the report), even before the report is in."""
        if not isinstance(item, int):
            return
        if self.report is None:
            self._pending_item = item
            return
        if 0 <= item < len(self.report.suspects):
            table = self.query_one("#suspects", DataTable)
            table.move_cursor(row=item)
            table.focus()
            self._select(self.report.suspects[item])

    @on(DataTable.RowHighlighted, "#suspects")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        if self.report is not None and event.row_key.value is not None:
            self._select(self.report.suspects[int(event.row_key.value)])

    @on(DataTable.RowSelected, "#suspects")
    def _chosen(self) -> None:
        self.query_one("#members", GoroutineList).focus()

    def _select(self, s: Suspect) -> None:
        g = s.group
        why = Text()
        why.append(f"{s.verdict} {s.score}/100", style=VERDICT_STYLES[s.verdict])
        why.append(" · ")
        why.append(goroutines(self.session, g.count, len(g.rows)), style=BOLD)
        why.append(" in ")
        why.append(safe(g.state), style=state_colour(g.state))
        # A grid, so that a site too long for the width wraps under itself, not under its label.
        sites = Table.grid(padding=(0, 1))
        sites.add_column(justify="right", no_wrap=True)
        sites.add_column()
        sites.add_row("at", Text(safe(full_site(g.blocking, "(no stack)")), style=BOLD))
        if g.created_at is not None:
            sites.add_row("  created at", Text(safe(full_site(g.created_at))))
        facts = Table.grid(padding=(0, 1))
        facts.add_column(justify="right", width=7, no_wrap=True)
        facts.add_column()
        for e in s.evidence:
            strong = e.points > 0 or e.kind in PROOF_KINDS
            facts.add_row(Text(points(e.kind, e.points), style=BOLD if strong else DIM),
                          Text(safe(e.text), style="" if strong else DIM))
        self.query_one("#why", Static).update(Group(why, sites, facts))
        members = self.query_one("#members", GoroutineList)
        members.set_rows(g.rows)
        self._members_title(0)
        self.call_after_refresh(self._mark_cut)

    def _members_title(self, cut: int) -> None:
        """The goroutines' title, after how many lines of the case the pane above cuts."""
        unit = "records" if self.session.model.is_profile else "goroutines"
        title = Text()
        if cut:
            title.append(f"(+{plural(cut, 'more line')} of evidence: e shows them)  ", style=DIM)
        title.append(f"its {unit}", style=BOLD)
        title.append("  (Enter: list, Enter again: open one)", style=DIM)
        self.query_one("#members-title", Static).update(title)

    def _mark_cut(self) -> None:
        """Say so when the pane cuts the case (eight lines at 80x24): the rest is one key away."""
        why = self.query_one("#why", Static)
        if self.has_class("-evidence") or not why.size.height:
            return
        full = why.get_content_height(why.container_size, why.container_viewport.size,
                                     why.content_size.width)
        if full > why.size.height:
            self._members_title(full - why.size.height)

    @on(GoroutineList.Selected, "#members")
    def _open(self, event: GoroutineList.Selected) -> None:
        self.post_message(OpenGoroutine(event.row))

    def action_evidence(self) -> None:
        """Give the evidence the goroutines' room, or give it back: at 80x24 the pane shows
        eight lines, and a suspect's case can take more."""
        self.toggle_class("-evidence")
        self.query_one("#suspects", DataTable).focus()
        self.call_after_refresh(self._mark_cut)

    def action_to_table(self) -> None:
        self.query_one("#suspects", DataTable).focus()
