"""Each page compared with its stored SVG (``pytest --snapshot-update`` to accept a change).

Most at 100x30; the ones an on-call engineer meets first also at 80x24, the
size of a bare SSH window.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import SAMPLES
from gotrace.tui.app import GotraceApp
from gotrace.tui.session import precompute
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input
from tui_inputs import LEAK_DUMP, SPIKE_TRACE, model_of, series_of, settle

SIZE = (100, 30)
SMALL = (80, 24)
STUCK_PROFILE = SAMPLES / "stuck.go1.27.debug1.txt"
TEST_TIMEOUT = SAMPLES / "testtimeout.go1.27.txt"


#: Longer than any input's debounce (the age filter waits 0.15 s after a key).
DEBOUNCE_S = 0.4


def steady_cursors(app: App[Any]) -> None:
    """Stop the inputs' cursors blinking: half a second on a loaded machine hid one (a flaky CI).

    A key pressed after this shows the cursor again, and it stays shown.
    """
    for box in app.screen.query(Input):
        box.cursor_blink = False


def keys(*pressed: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for k in pressed:
            await pilot.press(k)
            await settle(pilot)
            steady_cursors(pilot.app)
        if pressed:
            # A typed filter applies when its debounce fires: on a loaded machine the
            # snapshot was taken sometimes before, sometimes after (a flaky CI).
            await pilot.pause(DEBOUNCE_S)
            await settle(pilot)

    return run_before


PAGES: dict[str, tuple[Path, tuple[str, ...], tuple[int, int]]] = {
    "overview": (SPIKE_TRACE, (), SIZE),
    "spikes": (SPIKE_TRACE, ("2",), SIZE),
    "long_lived": (SPIKE_TRACE, ("3",), SIZE),
    "long_lived_older_than": (SPIKE_TRACE, ("3", "f", *"150ms", "enter", "down", "down"), SIZE),
    "timeline": (SPIKE_TRACE, ("4", "plus", "plus", "s"), SIZE),
    "goroutine": (SPIKE_TRACE, ("2", "enter", "enter"), SIZE),
    "help": (SPIKE_TRACE, ("4", "question_mark"), SIZE),
    "leaks": (SPIKE_TRACE, ("5",), SIZE),
    "dump_overview": (LEAK_DUMP, (), SIZE),
    "dump_long_lived": (LEAK_DUMP, ("3",), SIZE),
    "dump_goroutine": (LEAK_DUMP, ("3", "enter", "enter"), SIZE),
    # 80x24: the first screens, the filter being typed, the page's keys in help.
    "small_overview": (SPIKE_TRACE, (), SMALL),
    "small_leaks": (SPIKE_TRACE, ("5",), SMALL),
    "small_filter_typing": (SPIKE_TRACE, ("3", "f", "1", "0", "0", "m"), SMALL),
    "small_help_long_lived": (SPIKE_TRACE, ("3", "question_mark"), SMALL),
    "small_test_timeout_overview": (TEST_TIMEOUT, (), SMALL),
    "small_profile_overview": (STUCK_PROFILE, (), SMALL),
    "small_profile_long_lived": (STUCK_PROFILE, ("3",), SMALL),
    "small_profile_leaks": (STUCK_PROFILE, ("5", "enter"), SMALL),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_page_snapshot(page: str, snap_compare: Any) -> None:
    path, pressed, size = PAGES[page]
    model = model_of(path, shown_as=f"samples/{path.name}")
    app = GotraceApp(model=model, results=precompute(model))
    assert snap_compare(app, terminal_size=size, run_before=keys(*pressed))


def test_series_leaks_snapshot(snap_compare: Any) -> None:
    """A file of three dumps appended over time, at 80x24: the Leaks page says it judged them
    as a series, and the leak's growth is among the first lines of its evidence."""
    model, earlier = series_of(shown_as="samples/dumps.txt")
    app = GotraceApp(model=model, results=precompute(model, earlier))
    assert snap_compare(app, terminal_size=SMALL, run_before=keys("5"))
