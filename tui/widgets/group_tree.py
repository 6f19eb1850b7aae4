"""The long-lived tree: one line per wait reason, blocking site and creation site, with aligned numbers.

Groups are few (tens, rarely thousands), so Textual's Tree is the right widget;
each label is laid out at paint time for the width at hand, so the COUNT / MIN /
P50 / MAX columns line up at the right edge whatever the depth, and the site
text is cut with an ellipsis rather than scrolled sideways.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from ..groups import Node
from ..text import DIM, lit, pad, pad_site, safe, site, state_colour
from ..textual_private import relayout_tree

STATS_W = 4 * 8  # COUNT MIN P50 MAX
GUIDE = 2
EXPAND_ALL_UP_TO = 80  # nodes; beyond that only the biggest path opens


class GroupTree(Tree[Node]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right", "open_node", "", show=False),
        Binding("left", "close_node", "", show=False),
    ]
    DEFAULT_CSS = "GroupTree { overflow-x: hidden; scrollbar-gutter: stable; }"

    def __init__(self, wait_text: Callable[[int], str], *, id: str | None = None) -> None:
        super().__init__(Text("groups"), id=id)
        self.show_root = False
        self.auto_expand = False
        self.guide_depth = GUIDE
        self.wait_text = wait_text

    # --- content ---------------------------------------------------------
    def show(self, nodes: list[Node]) -> None:
        """Replace the tree; small trees open fully, big ones along the biggest path."""
        self.clear()
        total = sum(1 + len(n.children) + sum(len(m.children) for m in n.children) for n in nodes)
        everything = total <= EXPAND_ALL_UP_TO
        for i, n in enumerate(nodes):
            self._add(self.root, n, everything or i == 0)
        if nodes:
            self.move_cursor_to_line(0)

    def _add(self, parent: TreeNode[Node], node: Node, expand: bool) -> None:
        if not node.children:
            parent.add_leaf(Text(""), data=node)
            return
        child = parent.add(Text(""), data=node, expand=expand)
        for i, kid in enumerate(node.children):
            self._add(child, kid, expand and (i == 0 or len(node.children) * 3 <= EXPAND_ALL_UP_TO))

    # --- painting ----------------------------------------------------------
    def header(self, width: int) -> Text:
        """Column titles lined up with :meth:`render_label`'s numbers."""
        left = "wait reason (*: read from the stack) › blocked at › created at"
        if len(left) > width - STATS_W:
            left = "wait reason › blocked at › created at"
        stats = f"{'COUNT':>8}{'MIN':>8}{'P50':>8}{'MAX':>8}"
        return Text(pad(left, max(width - STATS_W, 1)) + stats, style="bold cyan", no_wrap=True)

    def render_label(self, node: TreeNode[Node], base_style: Style, style: Style) -> Text:
        data = node.data
        if data is None:
            return Text("")
        depth = 0
        p = node.parent
        while p is not None and p is not self.root:
            depth += 1
            p = p.parent
        width = self.scrollable_content_region.width
        room = max(width - GUIDE * depth - 2 - STATS_W, 8)
        if data.level == 0:
            name = lit(pad(safe(data.state) + ("*" if data.inferred else ""), room),
                       Style(color=state_colour(data.state), bold=True))
        elif data.level == 1:
            name = lit("at " + pad_site(safe(site(data.frame, "(no user frame)")), room - 3))
        else:
            name = lit("by " + pad_site(safe(site(data.frame, "(unknown creator)")), room - 3), DIM)
        name.stylize(style)
        icon = (self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE) if node.allow_expand \
            else "  "
        w = self.wait_text
        stats = Text(f"{data.count:>8,}{w(data.wait.min):>8}{w(data.wait.p50):>8}{w(data.wait.max):>8}",
                     style="bold" if data.level == 0 else "")
        return Text.assemble((icon, base_style + Style(bold=True)), name, stats)

    def on_resize(self) -> None:
        relayout_tree(self)

    # --- keys ---------------------------------------------------------------
    def action_open_node(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand and not node.is_expanded:
            node.expand()
        elif node is not None and node.children:
            self.move_cursor(node.children[0])

    def action_close_node(self) -> None:
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and node.is_expanded:
            node.collapse()
        elif node.parent is not None and node.parent is not self.root:
            self.move_cursor(node.parent)
