"""``gotrace view``: one app, a screen per question, the same keys everywhere.

1-4 switch between Overview, Spikes, Long-lived and Timeline (each keeps its
own place); Enter opens a goroutine, Escape goes back; ``/`` searches, ``?``
lists every key, Ctrl+P runs any action by name.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from functools import partial
from typing import ClassVar

from textual import constants
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.screen import Screen

from gotrace.model import Model

from .screens.goroutine import GoroutineScreen
from .session import Precomputed, Session
from .text import PAGES, TRACE_ONLY, clean

_PAGE_GROUP = Binding.Group("Pages", compact=True)
SWITCH_HOLD_S = 0.008


class GotraceApp(App[str | None]):
    """Exits with None, or with a one-line error message when the input cannot be read."""

    TITLE = "gotrace"
    CSS = """
    Screen { layers: base; }
    .title { background: $primary-background; color: $text; height: 1; }
    .hint { color: $text-muted; padding: 0 1; height: 1; }
    .pane-title { color: $accent; text-style: bold; height: 1; padding: 0 1; }
    DataTable { height: auto; max-height: 50%; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, f"page('{name}')", label, group=_PAGE_GROUP) for name, (key, label) in PAGES.items()),
        Binding("slash", "search", "Search"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, path: str | None = None, *, model: Model | None = None,
                 precomputed: Precomputed | None = None, snapshot: int | None = None) -> None:
        super().__init__()
        self.path = path
        self.snapshot = snapshot
        self._preloaded = model
        self._precomputed = precomputed
        self.session: Session | None = None
        self._goroutine_screens: list[GoroutineScreen] = []

    def get_driver_class(self) -> type[Driver]:
        """On Linux terminals, the driver with a quick Escape key (tui/driver.py)."""
        if sys.platform.startswith("linux") and constants.DRIVER is None:
            from .driver import QuickEscapeDriver

            return QuickEscapeDriver
        return super().get_driver_class()

    # --- loading ----------------------------------------------------------
    def on_mount(self) -> None:
        if self._preloaded is not None:
            self.start(self._preloaded, self._precomputed)
            return
        from .screens.loading import LoadingScreen

        assert self.path is not None
        self.push_screen(LoadingScreen(self.path, self.snapshot))

    def start(self, model: Model, pre: Precomputed | None = None) -> None:
        """The model is here: build the pages and open the one that answers first."""
        self.session = Session(model, pre)
        self.sub_title = model.source.path
        from .screens.longlived import LongLivedScreen
        from .screens.overview import OverviewScreen

        self.add_mode("overview", OverviewScreen)
        self.add_mode("longlived", LongLivedScreen)
        if model.is_trace:
            from .screens.spikes import SpikesScreen
            from .screens.timeline import TimelineScreen

            self.add_mode("spikes", SpikesScreen)
            self.add_mode("timeline", TimelineScreen)
        for n in model.notices:
            self.notify(clean(n), severity="warning", timeout=8, markup=False)  # may quote the input
        first = "overview" if model.is_trace else "longlived"
        # Compose every page now, unseen, so that its first visit costs a switch
        # (~20 ms) rather than a compose (~300 ms).
        with self.batch_update():
            for name in self._modes:
                if name != first:
                    self.switch_mode(name)
            self.switch_mode(first)
            # The same for the goroutine pages, one for each page to open a goroutine from.
            # Each tells some goroutine's story already, one that created none
            # as most did not: opening such a goroutine then lays nothing out anew.
            leaf = self.session.leaf_row() if len(model.goroutines) else None
            for _ in self._modes:
                spare = self._goroutine_screen(spare=True)
                if leaf is not None:  # a debug=1 dump counts stacks, not goroutines
                    spare.show(leaf)
                self.push_screen(spare)
                self.pop_screen()

    def delay_update(self, delay: float = 0.05) -> None:
        """Textual holds the screen for 50 ms on every page switch to hide the transition.

        The pages here are composed once and kept, so there is nothing to hide after
        a frame; the full 50 ms alone would break the 50 ms budget for a key press.
        """
        super().delay_update(min(delay, SWITCH_HOLD_S))

    # --- actions ----------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.session is None and action in ("page", "search"):
            return False
        if action == "page" and parameters and parameters[0] in TRACE_ONLY:
            return self.session is not None and self.session.model.is_trace
        return True

    def action_page(self, name: str) -> None:
        if self.session is None:
            return
        if name in TRACE_ONLY and not self.session.model.is_trace:
            self.notify(f"{PAGES[name][1]} needs an execution trace; this is a goroutine dump",
                        severity="warning", timeout=3)
            return
        self.switch_mode(name)

    def action_search(self) -> None:
        from .screens.search import SearchScreen

        if self.session is not None and not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen(self.session))

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def open_goroutine(self, row: int) -> None:
        """Show the goroutine's story on top of whatever page asked for it.

        From a goroutine's page it replaces what that page shows (Escape comes
        back); elsewhere a kept goroutine page that no page is showing is reused.
        """
        screen = self.screen
        if isinstance(screen, GoroutineScreen):
            screen.show(row, remember=True)
            return
        page = self._goroutine_screen()
        page.show(row)
        page.in_use = True
        self.push_screen(page)

    def _goroutine_screen(self, spare: bool = False) -> GoroutineScreen:
        """A goroutine page not on any page's stack (``spare``: a new one); installed, so popping keeps it."""
        free = None if spare else next((p for p in self._goroutine_screens if not p.in_use), None)
        if free is not None:
            return free
        assert self.session is not None
        page = GoroutineScreen(self.session)
        self.install_screen(page, f"goroutine-{len(self._goroutine_screens)}")
        self._goroutine_screens.append(page)
        return page

    # --- command palette: every binding by name ------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        seen = {"quit"}
        for active in screen.active_bindings.values():
            b = active.binding
            if not b.description or b.action in seen or not active.enabled:
                continue
            seen.add(b.action)
            key = b.key_display or b.key.split(",")[0]
            yield SystemCommand(f"{b.description}", f"key: {key}",
                                partial(self._run, active.node, b.action))

    def _run(self, node: object, action: str) -> None:
        self.call_later(self.run_action, action, node)  # type: ignore[arg-type]


def run(path: str, snapshot: int | None = None) -> str | None:
    """Run the viewer; returns an error line if the input could not be loaded."""
    return GotraceApp(path, snapshot=snapshot).run()
