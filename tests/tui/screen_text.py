"""What a Pilot-driven app shows, as plain lines, for assertions on screen content."""

from __future__ import annotations

from gotrace.tui.textual_private import screen_lines
from textual.app import App


def screen_text(app: App[object]) -> str:
    return "\n".join(screen_lines(app))
