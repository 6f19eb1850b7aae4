"""``gotrace view``: one app, a page per question, the same keys everywhere.

1-5 switch between Overview, Spikes, Long-lived, Timeline and Leaks (each keeps
its own place); Enter opens what is under the cursor, Escape goes back; ``/``
searches, ``?`` lists the page's keys, Ctrl+P runs any of gotrace's actions by name.

The input is read by a child process (:mod:`tui.loader`); the app shows Overview
as soon as the model arrives and hands each analysis that follows to the
session, where the pages waiting for it pick it up. A trace the model cache
holds is mapped here at once, and the child only computes the analyses.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import IO, Any, ClassVar

from textual import constants, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from gotrace.durations import show_ticks
from gotrace.model import Model

from .loader import Computed, Failed, Loaded, Loader, Message, Opened, Progress
from .messages import OpenGoroutine, OpenPage, WorkFailed
from .screens.goroutine import GoroutineScreen
from .screens.help import key_label, own_bindings
from .screens.loading import LoadingScreen
from .screens.page import DEBUG, Page
from .session import Session
from .spawn import Child, cache_may_serve
from .text import PAGES, TRACE_ONLY, safe

SWITCH_HOLD_S = 0.008
WARM_GAP_S = 0.02  # between composing one unseen page and the next: keys get through


def one_line(error: BaseException) -> str:
    """A failure as the line the user sees; the traceback is for GOTRACE_DEBUG=1."""
    return safe(f"internal error: {type(error).__name__}: {error} (a bug in gotrace; GOTRACE_DEBUG=1 "
                "shows where)")


def _import_pages() -> None:
    """The pages' modules, imported ahead of :meth:`GotraceApp.start` (each is a few hundred
    lines of Textual widgets: importing them all took 0.2 s)."""
    for name in ("leaks", "longlived", "overview", "search", "spikes", "timeline"):
        importlib.import_module(f"{__package__}.screens.{name}")


class GotraceApp(App[str | None]):
    """Exits with None, or with a one-line error message when the input cannot be read."""

    TITLE = "gotrace"
    CSS = """
    Screen { layers: base; }
    .title { background: $primary-background; color: $text; height: 1; }
    .hint { color: $text-muted; padding: 0 1; height: 1; }
    .pane-title { color: $accent; text-style: bold; height: 1; padding: 0 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        # One footer entry for the five (the top line says which is which).
        *(Binding(key, f"page('{name}')", "Pages" if key == "1" else label, show=key == "1",
                  key_display="1-5" if key == "1" else None) for name, (key, label) in PAGES.items()),
        Binding("slash", "search", "Search"),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False),
    ]

    def __init__(self, path: str | None = None, *, model: Model | None = None,
                 results: dict[str, Any] | None = None, snapshot: int | None = None,
                 stdin: IO[bytes] | None = None, loader: Loader | None = None,
                 earlier: Sequence[str] = ()) -> None:
        """``loader``: reads a child already reading ``path`` (:func:`tui.spawn.start_early`);
        ``earlier``: captures of the same service before it, which its leaks are judged after."""
        super().__init__()
        self.path = path
        self.earlier = tuple(earlier)
        self.snapshot = snapshot
        self.stdin = stdin
        self._preloaded = model
        self._results = results
        self.session: Session | None = None
        self.loader: Loader | None = loader
        self.failure_detail = ""  # the loader's traceback, for GOTRACE_DEBUG=1
        self._modes_added: list[str] = []
        self._unwarmed: list[str] = []
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
            self.start(self._preloaded, self._results or {})
            return
        assert self.path is not None
        if self.loader is None:
            if self._open_cached(self.path):
                return
            self.loader = Loader(self.path, self.snapshot, self.stdin, earlier=self.earlier)
        self.push_screen(LoadingScreen(self.loader.path))
        self._read(self.loader)
        self.call_after_refresh(_import_pages)  # while the child reads: 0.2 s less after it

    def _open_cached(self, path: str) -> bool:
        """Open Overview at once on a model the cache holds: mapped here, with the summary
        the entry keeps; a child maps the same entry for the other analyses, as the
        loader's would."""
        if not cache_may_serve(path, self.snapshot, self.stdin, self.earlier):
            return False
        from gotrace.load import cached

        from .session import still_to_come, with_model

        key, model = cached(path)
        if model is None:
            return False
        results = with_model(model, key)
        coming = still_to_come(model, results)
        self.loader = Loader(path, cached=model, coming=coming)
        self._read(self.loader)
        self.start(model, results, coming)
        return True

    @work(thread=True, exclusive=True, group="loader", exit_on_error=DEBUG)
    def _read(self, loader: Loader) -> None:
        """Off the UI thread: every message of the child, applied on the UI thread in order."""
        for msg in loader.messages():
            if loader.closed or not self.is_running:
                return
            self.call_from_thread(self._apply, loader, msg)

    def _apply(self, loader: Loader, msg: Message) -> None:
        if loader.closed and self.session is None:
            return  # cancelled while this was on its way
        screen = self.screen
        if isinstance(msg, Opened) and isinstance(screen, LoadingScreen):
            screen.opened(msg.total, msg.kind)
        elif isinstance(msg, Progress) and isinstance(screen, LoadingScreen):
            screen.progress(msg.done)
        elif isinstance(msg, Loaded):
            self.start(msg.model, msg.results, msg.coming)
        elif isinstance(msg, Computed) and self.session is not None:
            self.session.deliver(msg.name, msg.value)
        elif isinstance(msg, Failed):
            self.failure_detail = msg.detail
            if self.session is None:
                self.exit(msg.message)
            else:  # the model is here: the rest is computed on this side, when asked for
                self.notify(msg.message, severity="warning", timeout=8, markup=False)
                self.session.stop_coming()

    def close_loader(self) -> None:
        """Kill and reap the loader's child, if one runs: on every way out."""
        if self.loader is not None:
            self.loader.close()

    async def action_quit(self) -> None:
        self.close_loader()  # first: a read blocked on the child ends at once
        self.exit()

    def on_unmount(self) -> None:
        self.close_loader()

    def start(self, model: Model, results: dict[str, Any], coming: Iterable[str] = ()) -> None:
        """The model is here: build the pages and open Overview; the analyses fill in behind it."""
        from .screens.leaks import LeaksScreen
        from .screens.longlived import LongLivedScreen
        from .screens.overview import OverviewScreen

        session = self.session = Session(model, results, coming)
        show_ticks(model.info is not None and model.info.time_unit == "ticks")
        self.sub_title = safe(model.source.path)
        pages: dict[str, Callable[[Session], Page]] = {
            "overview": OverviewScreen, "longlived": LongLivedScreen, "leaks": LeaksScreen}
        if model.is_trace:
            from .screens.spikes import SpikesScreen
            from .screens.timeline import TimelineScreen

            pages.update(spikes=SpikesScreen, timeline=TimelineScreen)
        for name, page in pages.items():
            self.add_mode(name, partial(page, session))
            self._modes_added.append(name)
        if isinstance(self.screen, LoadingScreen):
            self.pop_screen()
        on_overview = set(results.get("summary", {}).get("data_lost", ()))
        for n in model.notices:
            if n not in on_overview:  # Overview lists the data lost: a toast would hide half of it
                self.notify(safe(n), severity="warning", timeout=8, markup=False)  # may quote the input
        self.switch_mode("overview")
        # Then compose every other page, unseen, so that its first visit costs a switch
        # (~20 ms) rather than a compose (~300 ms): one a tick, after Overview is drawn,
        # since together they took a second on the way to the first screen.
        self._unwarmed = [n for n in self._modes_added if n != "overview"]
        self.call_after_refresh(self._warm_next)

    def _warm_next(self) -> None:
        if not self.is_running:  # shutting down: Textual is closing the pages
            return
        if not self._unwarmed:
            assert self.session is not None
            self.session.when_ready(("by_creator",), self._spare_goroutine_pages)
            return
        name = self._unwarmed.pop(0)
        here = self.current_mode
        with self.batch_update():
            self.switch_mode(name)
            self.switch_mode(here)
        self.set_timer(WARM_GAP_S, self._warm_next)

    def _spare_goroutine_pages(self) -> None:
        """A goroutine page for each page to open a goroutine from, laid out now, unseen.

        Each tells some goroutine's story already, one that created none as most
        did not: opening such a goroutine then lays nothing out anew.
        """
        assert self.session is not None
        if not len(self.session.g):
            return
        leaf = self.session.leaf_row()
        with self.batch_update():
            for _ in self._modes_added:
                spare = self._goroutine_screen(spare=True)
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
        return not (self.session is None and action in ("page", "search"))

    def action_page(self, name: str) -> None:
        if self.session is None:
            return
        if name in TRACE_ONLY and not self.session.model.is_trace:
            self.notify(f"{PAGES[name][1]} needs an execution trace: a goroutine dump has no creation "
                        "times or scheduling", severity="warning", timeout=4)
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

    def on_open_goroutine(self, message: OpenGoroutine) -> None:
        """Show the goroutine's story on top of whatever page asked for it.

        From a goroutine's page it replaces what that page shows (Escape comes
        back); elsewhere a kept goroutine page that no page is showing is reused.
        """
        screen = self.screen
        if isinstance(screen, GoroutineScreen):
            screen.show(message.row, remember=True)
            return
        page = self._goroutine_screen()
        page.show(message.row)
        page.in_use = True
        self.push_screen(page)

    def on_open_page(self, message: OpenPage) -> None:
        self.action_page(message.page)
        screen = self.screen
        if isinstance(screen, Page) and self.current_mode == message.page:
            screen.show_item(message.item)

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

    # --- failures: one handler ------------------------------------------------
    def on_work_failed(self, message: WorkFailed) -> None:
        if self.session is None:
            self.exit(one_line(message.error))
        else:
            self.notify(one_line(message.error), severity="error", timeout=10, markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own worker (the loader's reader)."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.post_message(WorkFailed(event.worker.error))

    # --- command palette: gotrace's own actions, by name --------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        if self.session is not None:
            for name, (key, label) in PAGES.items():
                if name in TRACE_ONLY and not self.session.model.is_trace:
                    continue
                yield SystemCommand(label, f"page {key}", partial(self.call_later, self.action_page, name))
        for node, b in own_bindings(screen):
            if b.action.startswith("page("):
                continue
            yield SystemCommand(b.description, f"key {key_label(b)}", partial(self._run, node, b.action))

    def _run(self, node: Any, action: str) -> None:
        self.call_later(self.run_action, action, node)


def run(path: str, snapshot: int | None = None, stdin: IO[bytes] | None = None,
        child: Child | None = None, earlier: Sequence[str] = ()) -> str | None:
    """Run the viewer; returns an error line if the input could not be loaded.

    ``stdin``: the input itself when ``path`` is ``-`` (the keys come from the terminal);
    ``child``: a loader's child already reading it, started before this module was imported;
    ``earlier``: captures of the same service before it, oldest first.
    """
    loader = Loader(path, snapshot, stdin, child=child) if child is not None else None
    app = GotraceApp(path, snapshot=snapshot, stdin=stdin, loader=loader, earlier=earlier)
    try:
        error = app.run()
    finally:
        app.close_loader()
    if error and DEBUG and app.failure_detail:
        print(app.failure_detail, file=sys.stderr)
    return error if isinstance(error, str) else None

