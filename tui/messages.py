"""What pages ask of the app: open a goroutine, open a page at an item.

Pages post these and the app handles them (they bubble from any widget through
its screen to the app), so no page reaches into the app's methods.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message


class OpenGoroutine(Message):
    """Show goroutine ``row`` (a profile: stack record ``row``) on a goroutine page."""

    def __init__(self, row: int) -> None:
        super().__init__()
        self.row = row


class OpenPage(Message):
    """Switch to ``page`` (a key of ``tui.text.PAGES``) with ``item`` selected.

    What an item is depends on the page: a suspect's index on Leaks, a site's
    index on Spikes, a group's (state, blocked at, created at) on Long-lived.
    """

    def __init__(self, page: str, item: Any = None) -> None:
        super().__init__()
        self.page = page
        self.item = item


class WorkFailed(Message):
    """Background work raised: the app shows one line (and exits with it if nothing is loaded)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error
