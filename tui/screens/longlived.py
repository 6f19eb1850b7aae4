"""Long-lived goroutines: wait reason -> blocked at -> created at, filtered by age as you type.

The tree answers "what are they stuck on and who made them"; the list under it
holds the goroutines of the node under the cursor, and Enter opens one. A
debug=1 profile's records count their goroutines everywhere here; it prints no
waits, so its age columns say "-" and it has no age filter.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Input, Static, Tree
from textual.widgets.tree import TreeNode

from gotrace.analysis.grouping import Group
from gotrace.durations import format_duration, in_ticks, nice_ceiling, parse_duration, parse_ticks

from ..findings import goroutines
from ..groups import SORTS, Node, narrow, tree_of
from ..messages import OpenGoroutine
from ..session import Session
from ..text import BOLD, DIM, dur, lit, plural, site, state_colour, tabs
from ..textual_private import exiting
from ..widgets.footer import KeyFooter
from ..widgets.goroutine_list import GoroutineList
from ..widgets.group_tree import GroupTree
from .page import DEBUG, Page

_LEVEL_WORD = ("in", "blocked at", "created at")
TYPING_HINT = "an age as in Go: 300ms, 90s, 5m, 1h30m · Esc: done"


MINUTE = 60_000_000_000
DUMP_AGES_MIN = (1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 720, 1440)
_UNITS = (("h", 3600 * 10**9), ("m", 60 * 10**9), ("s", 10**9), ("ms", 10**6), ("us", 10**3), ("ns", 1))


def typed(ns: int) -> str:
    """A round duration as one would type it: ``100ms``, ``5m``, ``2h`` (``2M ticks`` when
    times are ticks)."""
    if in_ticks():
        return format_duration(ns)
    for unit, size in _UNITS:
        if ns >= size and ns % size == 0:
            return f"{ns // size}{unit}"
    return f"{ns}ns"


def nice_floor(ns: int) -> int:
    """Largest 1, 2 or 5 x 10^k ns that is at most ``ns`` (at least 1)."""
    v = nice_ceiling(max(ns, 1))
    if v <= ns:
        return v
    lead = int(str(v)[0])
    scale = v // lead
    return max({1: scale // 2, 2: scale, 5: 2 * scale}[lead], 1)


def suggested_age(session: Session, groups: list[Group]) -> str:
    """An age worth typing for this input, about half the longest wait: a 249 ms trace
    suggests ``100ms``, a dump of goroutines blocked for hours ``1h``."""
    longest = max((g.wait.max for g in groups), default=0)
    if session.model.is_trace:
        return typed(nice_floor(longest // 2)) if longest > 1 else "1ms"
    fits = [m for m in DUMP_AGES_MIN if m * MINUTE <= longest // 2]
    return typed((fits[-1] if fits else 1) * MINUTE)


class LongLivedScreen(Page):
    PAGE = "longlived"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "filter", "Older than…"),
        Binding("s", "sort", "Sort"),
        Binding("escape", "to_tree", "Back to tree", show=False),
    ]
    DEFAULT_CSS = """
    LongLivedScreen #bar { height: 1; padding: 0 1; }
    LongLivedScreen #bar Static { width: auto; }
    LongLivedScreen #bar Input, LongLivedScreen #bar Input:focus {
        border: none; height: 1; width: 16; padding: 0 1; margin: 0 1;
        background: $boost;
    }
    LongLivedScreen #bar Input:focus { background: $accent 30%; text-style: bold; }
    LongLivedScreen #bar #status { padding: 0 0 0 1; width: 1fr; }
    LongLivedScreen #head { height: 1; }
    LongLivedScreen GroupTree { height: 1fr; max-height: 45%; min-height: 3; }
    LongLivedScreen #members-title { height: 1; }
    LongLivedScreen GoroutineList { height: 1fr; min-height: 3; }
    """

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self.groups: list[Group] = []
        self.older_than: int | None = None
        self.sort = "count"
        self._summary = ""
        self._debounce: Timer | None = None
        self._pending_item: tuple[Any, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Static(tabs("longlived", self.session.model.is_trace,
                          "goroutines still blocked: wait reason › blocked at › created at"),
                     classes="title")
        with Horizontal(id="bar"):
            yield Static(Text("blocked ≥"))
            profile = self.session.model.is_profile
            yield Input(placeholder="no waits" if profile else "", id="older", disabled=profile)
            yield Static(Text("grouping…", style=DIM), id="status")
        yield Static("", id="head")
        wait_text = (lambda ns: "-") if self.session.model.is_profile else self.session.wait_text
        yield GroupTree(wait_text, id="groups")
        yield Static(Text("", style=DIM), classes="pane-title", id="members-title")
        yield GoroutineList(self.session, id="members")
        yield KeyFooter()

    def on_mount(self) -> None:
        if exiting(self.app):  # warmed unseen and mounted while the app closes
            return
        self.query_one("#groups", GroupTree).focus()
        self.need(("long_lived",), self._recompute)

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
            ns = (parse_ticks(value) if in_ticks() else parse_duration(value)) if value else None
        except ValueError as e:
            self.query_one("#status", Static).update(lit(str(e), "red"), layout=False)
            return
        if ns != self.older_than or not self.groups:
            self.older_than = ns
            self._recompute()

    def _recompute(self) -> None:
        self._group(self.older_than, self.sort)

    @work(thread=True, exclusive=True, group="group", exit_on_error=DEBUG)
    def _group(self, older_than: int | None, sort: str) -> None:
        """Off the UI thread: narrowing and the tree touch every blocked goroutine."""
        groups = narrow(self.session.model, self.session.long_lived(), older_than)
        nodes = tree_of(self.session.model, groups, sort)
        self.deliver(self._show, groups, nodes, older_than)

    def _show(self, groups: list[Group], nodes: list[Node], older_than: int | None) -> None:
        self.groups = groups
        total = sum(g.count for g in groups)
        age = f"≥ {dur(older_than)}" if older_than else "of any age"
        self._summary = f"{goroutines(self.session, total, sum(len(g.rows) for g in groups))} " \
                        f"{age} in {plural(len(groups), 'group')}"
        self._status()
        if not self.older_than and not self.session.model.is_profile:
            self.query_one("#older", Input).placeholder = f"e.g. {suggested_age(self.session, groups)}"
        tree = self.query_one("#groups", GroupTree)
        tree.show(nodes)
        self.call_after_refresh(self._header)
        self._list(nodes[0] if nodes else None)
        if self._pending_item is not None:
            self.show_item(self._pending_item)

    def _status(self) -> None:
        older = self.query_one("#older", Input)
        if not older.has_focus:
            text = f"{self._summary} · by {self.sort} (s)"
        else:
            text = f"{self._summary} · Enter: done" if older.value.strip() else TYPING_HINT
        self.query_one("#status", Static).update(
            Text(text, style=DIM, no_wrap=True, overflow="ellipsis"), layout=False)

    @on(events.DescendantFocus)
    @on(events.DescendantBlur)
    def _typing(self) -> None:
        """While the age is typed, the status line says how (the footer's keys are the input's)."""
        self.call_after_refresh(self._status)

    # --- selection ----------------------------------------------------------
    def show_item(self, item: Any) -> None:
        """Put the cursor on the group ``item`` = (state, blocked at, created at)."""
        if not isinstance(item, tuple):
            return
        tree = self.query_one("#groups", GroupTree)
        if not self.groups:
            self._pending_item = item
            return
        self._pending_item = None

        def find(node: TreeNode[Node]) -> TreeNode[Node] | None:
            if node.data is not None and node.data.key == item:
                return node
            for kid in node.children:
                hit = find(kid)
                if hit is not None:
                    return hit
            return None

        hit = find(tree.root)
        if hit is not None:
            parent = hit.parent
            while parent is not None:
                parent.expand()
                parent = parent.parent
            tree.call_after_refresh(tree.move_cursor, hit)
        tree.focus()

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
        t = Text.assemble((goroutines(self.session, node.count, len(node.rows)), BOLD),
                          f" {_LEVEL_WORD[node.level]} ")
        t.append_text(lit(what, state_colour(node.state) if node.level == 0 else "bold"))
        t.append("  (Enter: list, Enter again: open one)", style=DIM)
        t.no_wrap, t.overflow = True, "ellipsis"
        title.update(t, layout=False)

    def _nothing(self) -> str:
        if self.older_than:
            return "no goroutines blocked that long"
        return "no blocked goroutines in this input"

    @on(Tree.NodeSelected, "#groups")
    def _selected(self) -> None:
        self.query_one("#members", GoroutineList).focus()

    @on(GoroutineList.Selected)
    def _open(self, event: GoroutineList.Selected) -> None:
        self.post_message(OpenGoroutine(event.row))

    def action_filter(self) -> None:
        if self.session.model.is_profile:
            self.notify("a debug=1 profile prints no wait times: take a debug=2 dump to filter by age",
                        severity="warning", timeout=4)
            return
        self.query_one("#older", Input).focus()

    def action_to_tree(self) -> None:
        self.query_one("#groups", GroupTree).focus()

    def action_sort(self) -> None:
        names = list(SORTS)
        self.sort = names[(names.index(self.sort) + 1) % len(names)]
        self._recompute()

