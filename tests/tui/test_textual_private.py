"""Textual's private API as tui/textual_private.py uses it: still there, in a release it was read against.

When Textual is upgraded and this fails, read each helper against the new
release, fix what moved, and add the release to ``CHECKED_WITH``.
"""

from __future__ import annotations

import dataclasses

import textual
from gotrace.tui import textual_private
from textual import events
from textual.app import App, ComposeResult
from textual.color import Color
from textual.drivers import linux_driver
from textual.screen import Screen
from textual.widgets import Footer, Static, Tree
from tui_inputs import sync


def test_checked_against_the_installed_textual() -> None:
    assert textual.__version__ in textual_private.CHECKED_WITH, (
        f"Textual {textual.__version__}: read tui/textual_private.py against it, then add it to CHECKED_WITH")


def test_what_each_helper_reaches_into_is_there() -> None:
    app = App[None]()
    assert isinstance(getattr(app, "_css_update_count", None), int)
    assert isinstance(getattr(Screen(), "_css_update_count", None), int)
    assert "refresh_styles" in {f.name for f in dataclasses.fields(events.ScreenResume)}
    assert callable(getattr(Tree("x"), "_invalidate", None))
    assert hasattr(Footer(), "_bindings_ready")
    assert hasattr(linux_driver, "selectors")
    assert hasattr(app, "_notifications")
    assert hasattr(Screen(), "_compositor")
    assert getattr(app, "_exit", None) is False


@sync
async def test_a_screen_marked_styled_when_made_does_not_restyle_the_app_when_first_shown() -> None:
    """``mark_styled`` when a screen is made: Textual's first switch to a mode's screen
    skips ``refresh_css`` (a reparse of every CSS source and a restyle of every node) for a
    marked screen, and the screen's widgets are styled all the same; an unmarked screen
    still pays for it."""

    class Marked(Screen[None]):
        DEFAULT_CSS = "Marked Static { color: red; }"

        def __init__(self) -> None:
            super().__init__()
            textual_private.mark_styled(self)

        def compose(self) -> ComposeResult:
            yield Static("x")

    class Plain(Screen[None]):
        def compose(self) -> ComposeResult:
            yield Static("y")

    app = App[None]()
    refreshed: list[str] = []
    async with app.run_test() as pilot:
        real = app.refresh_css

        def counting(animate: bool = True) -> None:
            refreshed.append(app.current_mode)
            real(animate)

        app.refresh_css = counting  # type: ignore[method-assign]
        app.add_mode("marked", Marked)
        app.add_mode("plain", Plain)
        await app.switch_mode("marked")
        await pilot.pause()
        assert refreshed == []
        assert app.screen.query_one(Static).styles.color == Color.parse("red")
        await app.switch_mode("plain")
        await pilot.pause()
        assert refreshed
