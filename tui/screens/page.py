"""What every page of the app shares: a cheap switch back to it."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.screen import Screen


class Page(Screen[None]):
    """A screen that is not restyled when it comes back unless the theme changed meanwhile.

    Textual restyles every widget of a screen it switches to, in case the app's
    CSS changed while it was away; on these pages that was half of a page
    switch's time, for styles that had not changed.
    """

    _styled_for: tuple[str, frozenset[str]] | None = None

    def _style_key(self) -> tuple[str, frozenset[str]]:
        return self.app.theme, frozenset(self.app.classes)

    def post_message(self, message: Message) -> bool:
        if isinstance(message, events.ScreenSuspend):
            self._styled_for = self._style_key()
        elif isinstance(message, events.ScreenResume) and self._styled_for == self._style_key():
            message.refresh_styles = False
        return super().post_message(message)

    def on_mount(self) -> None:
        # Just styled with the app's current CSS; without this, Textual reparses and
        # restyles all CSS (~100 ms) on the first visit of every page, and restyles
        # a goroutine's page again right after composing it.
        if hasattr(self, "_css_update_count") and hasattr(self.app, "_css_update_count"):
            self._css_update_count = self.app._css_update_count
        self._styled_for = self._style_key()
