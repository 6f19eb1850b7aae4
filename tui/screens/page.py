"""What every page of the app shares: its session, a cheap switch back to it, and how its
background work reports back."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from textual import events, work
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from ..messages import WorkFailed
from ..session import Session
from ..textual_private import keep_styles, mark_styled

DEBUG = bool(os.environ.get("GOTRACE_DEBUG"))
"""``GOTRACE_DEBUG=1``: a failing worker stops the app with its traceback (Textual's own way)."""


class Page(Screen[Any]):
    """A page of the session: its workers report to the app, and it is not restyled when it
    comes back unless the theme changed meanwhile.

    Textual tells only the node that started a worker that it failed (its message
    does not bubble), so a page forwards the failure to the app's one handler
    (:class:`WorkFailed`). Textual restyles every widget of a screen it switches
    to, in case the app's CSS changed while it was away; on these pages that was
    half of a page switch's time, for styles that had not changed.
    """

    PAGE: ClassVar[str] = ""  # its key in tui.text.PAGES, for the pages 1-5
    _styled_for: tuple[str, frozenset[str]] | None = None

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        mark_styled(self)  # no restyle of the whole app when first shown

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        error = event.worker.error
        if event.state == WorkerState.ERROR and error is not None:
            self.post_message(WorkFailed(error))

    def deliver(self, fn: Callable[..., None], *args: Any) -> None:
        """From a worker's thread: run ``fn(*args)`` on the UI, unless the worker was cancelled
        before it gets there (a newer search replaced it): an older result never lands
        after a newer one."""
        worker = get_current_worker()

        def run() -> None:
            if not worker.is_cancelled and self.is_attached:  # not a page being taken down
                fn(*args)

        if not worker.is_cancelled and self.app.is_running:
            self.app.call_from_thread(run)

    def need(self, names: Iterable[str], fn: Callable[[], None]) -> None:
        """Call ``fn`` on the UI thread once analyses ``names`` are at hand: when the loader
        delivers them, or, when none is coming, once a worker has computed them here."""
        names = tuple(names)

        def go() -> None:
            if not self.is_attached:  # the app is closing
                return
            if all(self.session.ready(n) for n in names):
                fn()
            else:
                self._compute_analyses(names, fn)

        self.session.when_ready(names, go)

    @work(thread=True, exit_on_error=DEBUG)
    def _compute_analyses(self, names: tuple[str, ...], fn: Callable[[], None]) -> None:
        for n in names:
            self.session.get(n)
        self.deliver(fn)

    def show_item(self, item: Any) -> None:
        """Select ``item`` (see :class:`tui.messages.OpenPage`); pages without items just open."""

    def _style_key(self) -> tuple[str, frozenset[str]]:
        return self.app.theme, frozenset(self.app.classes)

    def post_message(self, message: Message) -> bool:
        if isinstance(message, events.ScreenSuspend):
            self._styled_for = self._style_key()
        elif isinstance(message, events.ScreenResume) and self._styled_for == self._style_key():
            keep_styles(message)
        return super().post_message(message)

    def on_mount(self) -> None:
        # Just styled with the app's current CSS; without this, Textual reparses and
        # restyles all CSS (~100 ms) on the first visit of every page, and restyles
        # a goroutine's page again right after composing it.
        mark_styled(self)
        self._styled_for = self._style_key()
