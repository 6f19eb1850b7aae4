"""The first hour with the viewer: each item of the issue, tried the way a user meets it."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from conftest import SAMPLES
from gotrace.tui.app import GotraceApp
from gotrace.tui.screens.goroutine import GoroutineScreen
from gotrace.tui.screens.help import HelpScreen
from gotrace.tui.screens.longlived import LongLivedScreen, nice_floor, suggested_age, typed
from gotrace.tui.screens.overview import OverviewScreen
from gotrace.tui.screens.search import SearchScreen
from gotrace.tui.screens.spikes import SpikesScreen
from gotrace.tui.session import Session, precompute
from gotrace.tui.textual_private import notifications
from gotrace.tui.widgets.goroutine_list import GoroutineList
from gotrace.tui.widgets.group_tree import GroupTree
from screen_text import screen_text
from textual.widgets import Input
from tui_inputs import LEAK_DUMP, SPIKE_TRACE, model_of, settle, sync

from gotrace.analysis.grouping import Dist, Group

SMALL = (80, 24)
PROFILE = SAMPLES / "stuck.go1.27.debug1.txt"
TEST_TIMEOUT = SAMPLES / "testtimeout.go1.27.txt"
GENERIC = ("ctrl+pageup", "super", "Copy", "question_mark", "Screenshot", "Theme", "Maximize", "focus_next")


def app_of(path: object) -> GotraceApp:
    model = model_of(path)  # type: ignore[arg-type]
    return GotraceApp(model=model, results=precompute(model))


# --- a debug=1 profile: stack records with counts --------------------------------------------------
@sync
async def test_a_profile_counts_goroutines_on_every_page() -> None:
    app = app_of(PROFILE)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        # The hidden waits are read from the PCs: 120 labelled workers wait, as debug=2 says.
        assert "231 in 13 stack records" in text and "122 chan send or receive  54 select" in text

        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LongLivedScreen)
        assert sum(g.count for g in screen.groups) == 230  # goroutines, not the 12 records
        assert "230 goroutines (12 records) of any age in 10 groups" in screen_text(app)
        tree = screen.query_one(GroupTree)
        first = "".join(s.text for s in tree.render_line(0)).split()
        assert first[:2] == ["▼", "chan"] and first[-4:] == ["122", "-", "-", "-"]  # no waits in a profile
        members = screen.query_one("#members", GoroutineList)
        head = "".join(s.text for s in members.render_line(0))
        assert head.split()[:3] == ["RECORD", "GOROUTINES", "STATE"]
        assert "by (unknown creator)" not in screen_text(app)  # a profile has no creators to show
        await pilot.press("f")  # no waits: said so rather than an age filter that matches nothing
        assert any("prints no wait times" in n for n in notifications(app))

        await pilot.press("slash", *"deliver")
        await pilot.pause(0.4)
        await settle(pilot)
        assert isinstance(app.screen, SearchScreen)
        assert "54 goroutines (1 record) match deliver" in screen_text(app)
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, GoroutineScreen)
        text = screen_text(app)
        assert "stack record 2 of 13: 54 goroutines" in text and "pubsub.(*Topic).deliver" in text


@sync
async def test_a_profile_record_shows_its_labels() -> None:
    app = app_of(PROFILE)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        from gotrace.tui.messages import OpenGoroutine

        app.post_message(OpenGoroutine(0))  # 96 queue workers labelled queue=orders
        await settle(pilot)
        text = screen_text(app)
        assert "96 goroutines" in text and "queue=orders" in text


# --- the age filter ---------------------------------------------------------------------------------
@sync
async def test_the_age_filter_is_visible_while_typed_and_escape_leaves_it() -> None:
    app = app_of(SPIKE_TRACE)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LongLivedScreen)
        older = screen.query_one("#older", Input)
        assert older.placeholder == "e.g. 100ms"  # about half the longest wait of this 249 ms trace
        await pilot.press("f", "1", "5", "0", "m", "s")
        await pilot.pause(0.3)
        await settle(pilot)
        bar = screen_text(app).splitlines()[1]
        assert "150ms" in bar and older.region.height == 1  # the text typed, on one visible line
        assert "1,004 goroutines ≥ 150ms in 6 groups · Enter: done" in bar
        await pilot.press("question_mark")  # typed into the filter: fine
        assert older.value == "150ms?" and not isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert screen.query_one(GroupTree).has_focus


def test_suggested_ages() -> None:
    def groups(max_ns: int) -> list[Group]:
        return [Group("select", None, None, 0, np.zeros(1, np.int64), 1, Dist(0, 0, 0, max_ns))]

    trace = Session(model_of(SPIKE_TRACE))
    dump = Session(model_of(LEAK_DUMP))
    assert suggested_age(trace, groups(249_000_000)) == "100ms"
    assert suggested_age(trace, groups(30_000_000_000)) == "10s"
    assert suggested_age(dump, groups(3 * 3600 * 10**9)) == "1h"
    assert suggested_age(dump, groups(0)) == "1m"
    assert typed(300_000_000) == "300ms" and typed(90 * 10**9) == "90s" and typed(7200 * 10**9) == "2h"
    assert [nice_floor(n) for n in (1, 7, 20, 49, 100)] == [1, 5, 20, 20, 100]


# --- help and the command palette ------------------------------------------------------------------
@sync
async def test_help_shows_the_pages_own_keys_first_and_no_generic_ones() -> None:
    app = app_of(SPIKE_TRACE)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("3", "question_mark")
        await pilot.pause(0.1)
        inside = [ln[2:-2] for ln in screen_text(app).splitlines() if ln[1:2] == "│"]  # the box's lines
        keys = [ln.split()[0] for ln in inside if ln.split()]
        assert keys[:4] == ["Keys:", "f", "s", "Esc"]  # the page's own, at the top of an 80x24 screen
        text = screen_text(app)
        assert not any(g in text for g in GENERIC)
        await pilot.press("escape", "4", "question_mark")
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "← ←" not in text and "Zoom in" in text and "Keys: Timeline" in text


@sync
async def test_the_palette_offers_gotraces_own_actions_by_name() -> None:
    app = app_of(SPIKE_TRACE)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("3")
        await settle(pilot)
        commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert {"Overview", "Leaks", "Older than…", "Sort", "Search", "Quit"} <= set(commands)
        assert commands["Help"] == "key ?" and commands["Leaks"] == "page 5"
        assert not any(g in title or g in help_ for title, help_ in commands.items() for g in GENERIC)
        assert "Copy selected text" not in commands and "Keys" not in commands


# --- a dump -----------------------------------------------------------------------------------------
@sync
async def test_a_dump_shows_its_pages_and_says_why_the_others_are_not_there() -> None:
    app = app_of(LEAK_DUMP)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        lines = screen_text(app).splitlines()
        assert lines[0].startswith(" 1 Overview  3 Long-lived  5 Leaks")
        assert "1-5 Pages" in lines[-1] and "13 Pages" not in lines[-1]
        for key, page in (("2", "Spikes"), ("4", "Timeline")):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, OverviewScreen)
            assert any(n.startswith(f"{page} needs an execution trace") for n in notifications(app))


@sync
async def test_a_test_timeout_shows_the_panic_and_the_tests_running() -> None:
    app = app_of(TEST_TIMEOUT)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "panic: test timed out after 2s" in text
        assert "running tests  TestConcurrentTransfers (2s)" in text


# --- English ------------------------------------------------------------------------------------------
@sync
async def test_one_is_singular_and_zero_is_zero() -> None:
    app = app_of(TEST_TIMEOUT)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        plain = " ".join(f.text.plain for f in screen.shown)
        assert "1 goroutine in sync.Mutex.Lock" in plain and "1 goroutines" not in plain
    app = app_of(SPIKE_TRACE)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "1 GC cycle," in screen_text(app)
        await pilot.press("2")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, SpikesScreen) and screen.sp is not None
        handle = next(s for s in screen.sp.sites if s.frame is not None and s.frame.func.endswith("Handle"))
        screen.show_item(handle.index)  # its peak is at the start: "at 0", not "at 0ns"
        await settle(pilot)
        text = screen_text(app)
        assert "peak 5 at 0;" in text and "at 0ns" not in text


# --- searching ------------------------------------------------------------------------------------------
@sync
async def test_an_older_search_never_lands_after_a_newer_one(monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_of(SPIKE_TRACE)
    release = threading.Event()
    real = Session.search

    def search(self: Session, text: str) -> np.ndarray:
        if text == "slow":
            release.wait(5)  # still searching when the newer query's result is shown
        return real(self, text)

    monkeypatch.setattr(Session, "search", search)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        screen._search("slow")
        await pilot.pause(0.05)
        screen._search("hub).watch")
        await pilot.pause(0.3)
        release.set()
        await settle(pilot)
        assert len(screen.query_one("#results", GoroutineList).rows) == 3000
        assert "match hub).watch" in screen_text(app)


@sync
async def test_a_failing_page_worker_is_one_line_and_the_app_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: Session, text: str) -> np.ndarray:
        raise ValueError("boom")

    monkeypatch.setattr(Session, "search", broken)
    app = app_of(SPIKE_TRACE)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("slash", "x")
        await pilot.pause(0.4)
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, SearchScreen)
        line = "internal error: ValueError: boom (a bug in gotrace"
        assert any(n.startswith(line) for n in notifications(app))


@sync
async def test_a_trace_timed_in_ticks_shows_ticks() -> None:
    """A cut Go 1.21 trace without its frequency record: times are ticks, and the viewer says so."""
    from conftest import DATA

    app = app_of(DATA / "v1" / "keepalive_1_21_cut.trace")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "4.6M ticks" in text, text
        assert "times are in ticks" in text  # Overview lists the data lost...
        assert not any("in ticks" in n for n in notifications(app))  # ...so no toast hides it
        await pilot.press("3")
        await settle(pilot)
        text = screen_text(app)
        assert "e.g. 2M ticks" in text and "ms" not in text, text
        await pilot.press("f", *"1M", "enter")  # the age filter takes ticks too
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LongLivedScreen) and screen.older_than == 1_000_000
