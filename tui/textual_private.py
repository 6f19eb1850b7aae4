"""Every use of Textual's private API, in one place, and the releases it was checked against.

Each helper names what it reaches into and why no public API does it. After a
Textual upgrade, ``tests/tui/test_textual_private.py`` tells whether each still
finds what it expects; add the release to :data:`CHECKED_WITH` once it does.
Each helper degrades to doing nothing (a slower page switch, a slower Escape)
rather than failing, so an untested release still runs.
"""

from __future__ import annotations

import selectors
from types import SimpleNamespace
from typing import Any

from textual import events
from textual._context import active_app
from textual.app import App
from textual.drivers import linux_driver
from textual.screen import Screen
from textual.widgets import Footer, Tree

CHECKED_WITH = ("8.2.8",)
"""Textual releases these helpers were read against (pyproject allows >=8.2,<9)."""


def mark_styled(screen: Screen[Any]) -> None:
    """Tell Textual the screen has the app's current CSS (``Screen._css_update_count``).

    A page calls it when it is made and when it is mounted. Textual reparses every
    source of CSS and restyles every node of the app when a mode's screen is first
    shown (``App._init_mode``), in case the app's CSS changed: it has not (the theme is
    set once), and the page's widgets are styled as they mount, their own CSS parsed as
    they register (40-80 ms on the way to Overview, and again on each page composed
    unseen after it). Unmarked once mounted, Textual restyled all CSS (~100 ms) on the
    first visit of every page, although the page was styled when it was composed.
    """
    try:
        app = active_app.get()
    except LookupError:  # made outside a running app (a test): nothing to skip
        return
    if hasattr(screen, "_css_update_count") and hasattr(app, "_css_update_count"):
        screen._css_update_count = app._css_update_count


def keep_styles(message: events.ScreenResume) -> None:
    """A page coming back keeps its styles (``ScreenResume.refresh_styles``, undocumented).

    Textual restyles every widget of a screen it switches to, in case the app's
    CSS changed meanwhile; that was half of a page switch.
    """
    message.refresh_styles = False


def relayout_tree(tree: Tree[Any]) -> None:
    """Drop a Tree's cached lines (``Tree._invalidate``): its labels depend on its width."""
    invalidate = getattr(tree, "_invalidate", None)
    if invalidate is not None:
        invalidate()


def footer_composed(footer: Footer) -> bool:
    """Whether the footer has built its keys once (``Footer._bindings_ready``)."""
    return bool(getattr(footer, "_bindings_ready", False))


def use_input_selector(selector: type[selectors.BaseSelector]) -> None:
    """Make Linux's input thread wait with ``selector`` (it builds one from its module's global
    ``selectors``; there is no parameter). See tui/driver.py for why."""
    linux_driver.selectors = SimpleNamespace(  # type: ignore[assignment]
        SelectSelector=selector, EVENT_READ=selectors.EVENT_READ)


def screen_lines(app: App[Any]) -> list[str]:
    """The text of every line of the screen as last drawn (``Screen._compositor``): for tests
    and the first-screen benchmark, which must read what a user would see."""
    strips = app.screen._compositor.render_strips()
    return ["".join(seg.text for seg in strip) for strip in strips]


def notifications(app: App[Any]) -> list[str]:
    """The messages of the notifications on screen (``App._notifications``): for tests."""
    return [str(n.message) for n in getattr(app, "_notifications", ())]


def exiting(app: App[Any]) -> bool:
    """Whether ``app.exit()`` was called (``App._exit``): a page composed unseen to warm it
    may still get its Mount while the app closes, after its children are gone."""
    return bool(getattr(app, "_exit", False))
