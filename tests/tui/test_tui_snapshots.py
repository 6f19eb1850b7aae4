"""Each page at a fixed 100x30, compared with its stored SVG (pytest --snapshot-update to accept)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from gotrace.tui.app import GotraceApp
from textual.pilot import Pilot
from tui_inputs import LEAK_DUMP, SPIKE_TRACE, model_of, settle

SIZE = (100, 30)


def keys(*pressed: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for k in pressed:
            await pilot.press(k)
            await settle(pilot)

    return run_before


PAGES = {
    "overview": (SPIKE_TRACE, ()),
    "spikes": (SPIKE_TRACE, ("2",)),
    "long_lived": (SPIKE_TRACE, ("3",)),
    "long_lived_older_than": (SPIKE_TRACE, ("3", "f", "1", "5", "0", "m", "s", "enter", "down", "down")),
    "timeline": (SPIKE_TRACE, ("4", "plus", "plus", "s")),
    "goroutine": (SPIKE_TRACE, ("2", "enter", "enter")),
    "help": (SPIKE_TRACE, ("4", "question_mark")),
    "dump_long_lived": (LEAK_DUMP, ()),
    "dump_goroutine": (LEAK_DUMP, ("enter", "enter")),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_page_snapshot(page: str, snap_compare: Any) -> None:
    path, pressed = PAGES[page]
    app = GotraceApp(model=model_of(path, shown_as=f"samples/{path.name}"))
    assert snap_compare(app, terminal_size=SIZE, run_before=keys(*pressed))
