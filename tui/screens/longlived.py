"""Long-lived goroutines: wait reason -> blocked at -> created at, filtered by age as you type.

The tree answers "what are they stuck on and who made them"; the list under it
holds the goroutines of the node under the cursor, and Enter opens one.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Input, Static, Tree

from gotrace.analysis.grouping import Group
from gotrace.durations import parse_duration

from ..groups import SORTS, Node, narrow, tree_of
from ..session import Session
from ..text import BOLD, DIM, count, dur, lit, site, state_colour, tabs
from ..widgets.footer import KeyFooter
from ..widgets.goroutine_list import GoroutineList
from ..widgets.group_tree import GroupTree
from .page import Page

_LEVEL_WORD = ("in", "blocked at", "created at")


class LongLivedScreen(Page):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "filter", "Older than…"),
        Binding("s", "sort", "Sort"),
        Binding("escape", "to_tree", "Back to tree", show=False),
    ]
    DEFAULT_CSS = """
    LongLivedScreen #bar { height: 1; padding: 0 1; }
    LongLivedScreen #bar Static { width: auto; }
    LongLivedScreen Input { border: none; height: 1; width: 16; padding: 0 1; }
    LongLivedScreen #bar #status { padding: 0 0 0 1; width: 1fr; }
    LongLivedScreen #head { height: 1; }
    LongLivedScreen GroupTree { height: 1fr; max-height: 45%; min-height: 3; }
    LongLivedScreen #members-title { height: 1; }
    LongLivedScreen GoroutineList { height: 1fr; min-height: 3; }
    """

    def compose(self) -> ComposeResult:
        self.session: Session = self.app.session  # type: ignore[attr-defined]
        self.groups: list[Group] = []
        self.older_than: int | None = None
        self.sort = "count"
        self._summary = ""
        self._debounce: Timer | None = None
        yield Static(tabs("longlived", self.session.model.is_trace,
                          "goroutines still blocked: wait reason › blocked at › created at"),
                     classes="title")
        with Horizontal(id="bar"):
            yield Static(Text("blocked ≥"))
            yield Input(placeholder="e.g. 60m", id="older")
            yield Static(Text("grouping…", style=DIM), id="status")
        yield Static("", id="head")
        yield GroupTree(self.session.wait_text, id="groups")
        yield Static(Text("", style=DIM), classes="pane-title", id="members-title")
        yield GoroutineList(self.session, id="members")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#groups", GroupTree).focus()
        self._recompute()

    def on_resize(self) -> None:
        self.call_after_refresh(self._header)

    def _header(self) -> None:
        tree = self.query_one("#groups", GroupTree)
        self.query_one("#head", Static).update(tree.header(tree.scrollable_content_region.width),
                                               layout=False)

    # --- filtering ----------------------------------------------------------
    @on(Input.Changed, "#older")
    def _changed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(0.15, lambda: self._apply(event.value))

    @on(Input.Submitted, "#older")
    def _submitted(self, event: Input.Submitted) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._apply(event.value)
        self.query_one("#groups", GroupTree).focus()

    def _apply(self, value: str) -> None:
        value = value.strip()
        try:
            ns = parse_duration(value) if value else None
        except ValueError as e:
            self.query_one("#status", Static).update(lit(str(e), "red"), layout=False)
            return
        if ns != self.older_than or not self.groups:
            self.older_than = ns
            self._recompute()

    def _recompute(self) -> None:
        if not self.session.ready("long_lived"):
            self.query_one("#status", Static).update(Text("grouping…", style=DIM), layout=False)
        older, sort = self.older_than, self.sort
        self.run_worker(lambda: self._group(older, sort), thread=True, exclusive=True, group="group")

    def _group(self, older_than: int | None, sort: str) -> None:
        """Off the UI thread: grouping (once) and narrowing touch every blocked goroutine."""
        groups = narrow(self.session.model, self.session.long_lived(), older_than)
        nodes = tree_of(self.session.model, groups, sort)
        self.app.call_from_thread(self._show, groups, nodes, older_than)

    def _show(self, groups: list[Group], nodes: list[Node], older_than: int | None) -> None:
        self.groups = groups
        total = sum(g.count for g in groups)
        age = f"≥ {dur(older_than)}" if older_than else "of any age"
        self._summary = f"{count(total)} blocked {age} in {len(groups):,} groups"
        self._status()
        tree = self.query_one("#groups", GroupTree)
        tree.show(nodes)
        self.call_after_refresh(self._header)
        self._list(nodes[0] if nodes else None)

    def _status(self) -> None:
        self.query_one("#status", Static).update(
            Text(f"{self._summary} · by {self.sort} (s)", style=DIM, no_wrap=True, overflow="ellipsis"),
            layout=False)

    # --- selection ----------------------------------------------------------
    @on(Tree.NodeHighlighted, "#groups")
    def _highlighted(self, event: Tree.NodeHighlighted[Node]) -> None:
        self._list(event.node.data)

    def _list(self, node: Node | None) -> None:
        members = self.query_one("#members", GoroutineList)
        title = self.query_one("#members-title", Static)
        if node is None:
            members.set_rows(members.rows[:0])
            title.update(Text(self._nothing(), style=DIM), layout=False)
            return
        members.set_rows(node.rows)
        what = site(node.frame, "(unknown)") if node.level else node.state
        t = Text.assemble((count(node.count), BOLD), " goroutines ", _LEVEL_WORD[node.level], " ")
        t.append_text(lit(what, state_colour(node.state) if node.level == 0 else "bold"))
        t.append("  (Enter: list, Enter again: open one)", style=DIM)
        t.no_wrap, t.overflow = True, "ellipsis"
        title.update(t, layout=False)

    def _nothing(self) -> str:
        if self.older_than:
            return "no goroutines blocked that long"
        if self.session.model.source.format == "debug=1":
            return "a debug=1 dump counts stacks, not goroutines: take a debug=2 dump for states and waits"
        return "no blocked goroutines in this input"

    @on(Tree.NodeSelected, "#groups")
    def _selected(self) -> None:
        self.query_one("#members", GoroutineList).focus()

    @on(GoroutineList.Selected)
    def _open(self, event: GoroutineList.Selected) -> None:
        self.app.open_goroutine(event.row)  # type: ignore[attr-defined]

    def action_filter(self) -> None:
        self.query_one("#older", Input).focus()

    def action_to_tree(self) -> None:
        self.query_one("#groups", GroupTree).focus()

    def action_sort(self) -> None:
        names = list(SORTS)
        self.sort = names[(names.index(self.sort) + 1) % len(names)]
        self._recompute()
