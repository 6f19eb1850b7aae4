"""The viewer shows hostile input text as visible escapes on every page, never obeys it.

Each page of a dump and of a trace whose names carry escapes, OSC sequences, CR,
BEL, C1 and bidi controls is opened, with the goroutine page of its first row,
and every line on the screen is checked for a raw control character.
"""

from __future__ import annotations

from pathlib import Path

from gotrace.tui.app import GotraceApp
from gotrace.tui.session import precompute
from hostile_text import ESC_CLEAR, HOSTILE, assert_safe, hostile_dump, hostile_trace
from screen_text import screen_text
from tui_inputs import settle, sync

from gotrace.load import load


async def _walk(path: Path, keys: str) -> list[str]:
    model = load(str(path))
    app = GotraceApp(model=model, results=precompute(model))
    screens: list[str] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screens.append(screen_text(app))
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
            screens.append(screen_text(app))
            await pilot.press("enter")  # the row's goroutine, or the page the finding opens
            await settle(pilot)
            screens.append(screen_text(app))
            await pilot.press("escape")
            await settle(pilot)
    return screens


@sync
async def test_a_hostile_dump_on_every_page(tmp_path: Path) -> None:
    p = tmp_path / f"dump{ESC_CLEAR}\u202e.txt"
    p.write_text(hostile_dump())
    screens = await _walk(p, "135")
    assert_safe(*screens)
    assert any("\\x1b" in s for s in screens)  # shown, made visible


@sync
async def test_a_hostile_trace_on_every_page(tmp_path: Path) -> None:
    screens = await _walk(hostile_trace(tmp_path), "12345")
    assert_safe(*screens)
    assert any("\\x1b" in s for s in screens)


def test_the_tab_line_and_literals_neutralise_bidi_and_c1() -> None:
    from gotrace.tui.text import lit, tabs

    for text in (lit(HOSTILE).plain, tabs("overview", True, HOSTILE).plain):
        assert_safe(text)
        assert "\\x1b" in text
