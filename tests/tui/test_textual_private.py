"""Textual's private API as tui/textual_private.py uses it: still there, in a release it was read against.

When Textual is upgraded and this fails, read each helper against the new
release, fix what moved, and add the release to ``CHECKED_WITH``.
"""

from __future__ import annotations

import dataclasses

import textual
from gotrace.tui import textual_private
from textual import events
from textual.app import App
from textual.drivers import linux_driver
from textual.screen import Screen
from textual.widgets import Footer, Tree


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
