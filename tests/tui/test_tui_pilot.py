"""Drive every page with keys on real inputs and check what is on screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from gotrace.tui.app import GotraceApp
from gotrace.tui.screens.goroutine import GoroutineScreen
from gotrace.tui.screens.longlived import LongLivedScreen
from gotrace.tui.screens.overview import OverviewScreen
from gotrace.tui.screens.spikes import SpikesScreen
from gotrace.tui.screens.timeline import TimelineScreen
from gotrace.tui.widgets.goroutine_list import GoroutineList
from screen_text import screen_text
from textual.widgets import Input
from tui_inputs import LEAK_CORPUS, LEAK_DUMP, SPIKE_TRACE, model_of, settle, sync

SIZE = (120, 40)


@sync
async def test_trace_pages_by_key() -> None:
    app = GotraceApp(model=model_of(SPIKE_TRACE))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)
        text = screen_text(app)
        assert "3,000 goroutines created in" in text and "subscription.(*Hub).Subscribe" in text
        assert "3,000 still alive" in text

        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, SpikesScreen)
        text = screen_text(app)
        assert "▲" in text and "subscription.(*Hub).Subscribe (hub.go:40)" in text
        assert "called from" in text and "100%" in text
        await pilot.press("enter")  # into the goroutines the site created
        await pilot.press("enter")  # open the first
        await settle(pilot)
        assert isinstance(app.screen, GoroutineScreen)
        text = screen_text(app)
        assert "subscription.(*Hub).Subscribe" in text and "states (" in text
        await pilot.press("escape")
        assert isinstance(app.screen, SpikesScreen)

        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, LongLivedScreen)
        text = screen_text(app)
        assert "3,000" in text and "subscription.(*Hub).watch" in text

        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        text = screen_text(app)
        for lane in ("P0", "P1", "GC", "STW", "time"):
            assert lane in text
        span_before = app.screen.query_one("#timeline").span  # type: ignore[attr-defined]
        await pilot.press("plus")
        assert app.screen.query_one("#timeline").span < span_before  # type: ignore[attr-defined]
        await pilot.press("s")  # the spike's burst
        await pilot.press("n", "enter")
        await settle(pilot)
        assert isinstance(app.screen, GoroutineScreen)


@sync
async def test_long_lived_age_filter_as_you_type() -> None:
    app = GotraceApp(model=model_of(SPIKE_TRACE))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await settle(pilot)
        await pilot.press("f", "1", "5", "0", "m", "s", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LongLivedScreen)
        assert "≥ 150ms" in screen_text(app)
        assert 0 < sum(g.count for g in screen.groups) < 3000
        assert all(g.wait.min >= 150_000_000 for g in screen.groups)
        inp = screen.query_one("#older", Input)
        inp.value = "5 minutes"
        await pilot.pause(0.3)
        assert "invalid duration" in screen_text(app)


@sync
async def test_dump_opens_on_long_lived_with_the_leak() -> None:
    app = GotraceApp(model=model_of(LEAK_DUMP))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LongLivedScreen)
        text = screen_text(app)
        assert "300  chan send" in text and "reports.(*Handler).render" in text
        await pilot.press("2")  # traces only: stays, says why
        assert isinstance(app.screen, LongLivedScreen)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, GoroutineScreen)
        text = screen_text(app)
        assert "dump" in text and "chan send" in text and "reports.(*Handler).ServeHTTP" in text


@sync
async def test_search_help_and_palette() -> None:
    app = GotraceApp(model=model_of(SPIKE_TRACE))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"hub).watch", "enter")  # not a regex: matched literally
        await pilot.pause(0.3)
        await settle(pilot)
        results = app.screen.query_one("#results", GoroutineList)
        assert len(results.rows) == 3000
        assert "3,000 goroutines match" in screen_text(app)
        await pilot.press("escape", "4", "question_mark")
        await pilot.pause()
        text = screen_text(app)
        assert "Zoom in" in text and "Next GC" in text and "Quit" in text
        await pilot.press("escape")
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Zoom in" in commands and "Long-lived" in commands and "Search" in commands


@sync
async def test_quit() -> None:
    app = GotraceApp(model=model_of(SPIKE_TRACE))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
    assert app.return_value is None


@pytest.mark.skipif(not LEAK_CORPUS.exists(), reason="corpus not available")
@sync
async def test_corpus_leak_group() -> None:
    app = GotraceApp(model=model_of(LEAK_CORPUS))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LongLivedScreen)
        top = screen.groups[0]
        assert (top.count, top.state) == (1200, "chan send")


@sync
async def test_loads_in_a_child_process_with_progress() -> None:
    app = GotraceApp(str(SPIKE_TRACE))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(100):
            await pilot.pause(0.1)
            if app.session is not None:
                break
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)


@sync
async def test_bad_input_exits_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "x.trace"
    bad.write_bytes(b"go 1.99 trace\x00\x00\x00junk")
    app = GotraceApp(str(bad))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(100):
            await pilot.pause(0.1)
            if app.return_value is not None:
                break
    assert app.return_value is not None and "unsupported trace format" in app.return_value
