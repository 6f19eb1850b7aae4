"""Drive every page with keys on real inputs and check what is on screen."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gotrace.tui.app import GotraceApp
from gotrace.tui.messages import OpenGoroutine
from gotrace.tui.screens.goroutine import GoroutineScreen
from gotrace.tui.screens.longlived import LongLivedScreen
from gotrace.tui.screens.overview import OverviewScreen
from gotrace.tui.screens.spikes import SpikesScreen
from gotrace.tui.screens.timeline import TimelineScreen
from gotrace.tui.session import Session, precompute
from gotrace.tui.text import dur
from gotrace.tui.textual_private import notifications
from gotrace.tui.widgets.goroutine_list import GoroutineList
from gotrace.tui.widgets.group_tree import GroupTree
from gotrace.tui.widgets.story import Story
from screen_text import screen_text
from textual.widgets import Input
from tui_inputs import (
    LEAK_CORPUS,
    LEAK_DUMP,
    SPIKE_TRACE,
    SPIKE_TRACE_V1,
    TIMINGWHEEL_CORPUS,
    V1_CORPUS,
    model_of,
    settle,
    sync,
)

from gotrace.trace.events import GoState

SIZE = (120, 40)


def findings_of(app: GotraceApp) -> list[str]:
    """Overview's findings as plain text, in order (the screen wraps them)."""
    screen = app.screen
    assert isinstance(screen, OverviewScreen)
    return [f.text.plain for f in screen.shown]


def tree_lines(app: GotraceApp) -> list[str]:
    """The long-lived tree's lines as shown (guides included)."""
    tree = app.screen.query_one(GroupTree)
    return ["".join(s.text for s in tree.render_line(y)).rstrip() for y in range(tree.size.height)]


@sync
async def test_trace_pages_by_key() -> None:
    app = GotraceApp(model=model_of(SPIKE_TRACE))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)
        found = findings_of(app)
        spike = next(f for f in found if f.startswith("spike"))
        assert "3,000 goroutines created in" in spike and "subscription.(*Hub).Subscribe" in spike
        assert "3,000 still alive" in spike
        assert "1 Overview  2 Spikes  3 Long-lived  4 Timeline  5 Leaks" in screen_text(app)

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
        assert "subscription.(*Hub).watch" in text and "last stack" in text
        await pilot.press("escape")
        assert isinstance(app.screen, SpikesScreen)

        await pilot.press("3")
        await settle(pilot)
        assert isinstance(app.screen, LongLivedScreen)
        lines = tree_lines(app)
        assert lines[0].startswith("▼ select")
        assert lines[0].split()[-4:] == ["3,000", "30ms", "117ms", "194ms"]
        assert lines[1].startswith("└ ▼ at subscription.(*Hub).watch (hub.go:46)")
        assert lines[2].startswith("  └   by subscription.(*Hub).Subscribe (hub.go:40)")

        await pilot.press("4")
        await settle(pilot)
        assert isinstance(app.screen, TimelineScreen)
        text = screen_text(app)
        for lane in ("▶P0", " P1", " P2", " P3", "GC", "STW", "time   |0"):
            assert lane in text
        timeline = app.screen.query_one("#timeline")
        span_before = timeline.span  # type: ignore[attr-defined]
        await pilot.press("plus")
        assert timeline.span < span_before  # type: ignore[attr-defined]
        await pilot.press("s")  # the spike's burst
        await pilot.press("n", "enter")
        await settle(pilot)
        assert isinstance(app.screen, GoroutineScreen)


@sync
async def test_long_lived_tree_drills_down_to_a_goroutine() -> None:
    app = GotraceApp(model=model_of(SPIKE_TRACE))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LongLivedScreen)
        members = screen.query_one("#members", GoroutineList)
        assert len(members.rows) == 3000  # the wait reason's goroutines
        await pilot.press("down", "down")  # to the creation site: the group itself
        assert len(members.rows) == screen.groups[0].count == 3000
        assert "3,000 goroutines created at subscription.(*Hub).Subscribe" in screen_text(app)
        await pilot.press("left")  # a leaf: up to its blocking site
        await pilot.press("left")  # collapse it
        assert len(tree_lines(app)[2].strip()) and "by subscription" not in tree_lines(app)[2]
        await pilot.press("right", "right")  # open it again, then go to its child
        assert "by subscription" in tree_lines(app)[2]
        await pilot.press("s")  # by longest wait: the runtime's goroutines first
        await settle(pilot)
        assert "by longest wait" in screen_text(app)
        assert not tree_lines(app)[0].startswith("▼ select")
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("enter", "end", "enter")  # the list, its last goroutine, open it
        await settle(pilot)
        assert isinstance(app.screen, GoroutineScreen)
        assert "select" in screen_text(app) and "subscription.(*Hub).watch" in screen_text(app)


def story_lines(app: GotraceApp) -> list[str]:
    """Every line of the goroutine page's story, drawn or not."""
    story = app.screen.query_one(Story)
    return [story.line_text(i).plain for i in range(story.line_count)]


@sync
async def test_goroutine_page_is_reused_and_shows_each_goroutine() -> None:
    app = GotraceApp(model=model_of(SPIKE_TRACE))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await settle(pilot)
        members = app.screen.query_one("#members", GoroutineList)
        first, second = (int(app.session.g.id[r]) for r in members.rows[:2])  # type: ignore[union-attr]
        await pilot.press("enter", "enter")  # the list, then its first goroutine
        await settle(pilot)
        page = app.screen
        assert isinstance(page, GoroutineScreen)
        assert f"goroutine {first}  " in screen_text(app)
        await pilot.press("escape", "down", "enter")
        await settle(pilot)
        assert app.screen is page  # the same screen, updated in place
        text = screen_text(app)
        assert f"goroutine {second}  " in text and f"goroutine {first}  " not in text
        assert "subscription.(*Hub).watch" in text and "runtime.selectgo" in text

        await pilot.press("c")  # its creator replaces it on the same page...
        await settle(pilot)
        assert app.screen is page
        text = screen_text(app)
        assert f"goroutine {second}  " not in text and "main.(*server).worker" in text.splitlines()[0]
        assert "runtime.selectgo" not in "\n".join(story_lines(app)[:12])
        await pilot.press("escape")  # ...and Escape comes back to it before leaving
        await settle(pilot)
        assert app.screen is page and f"goroutine {second}  " in screen_text(app)
        await pilot.press("escape")
        assert isinstance(app.screen, LongLivedScreen)

        await pilot.press("enter", "4")  # open it again, then go to another page...
        await settle(pilot)
        row = app.session.row_of(first)  # type: ignore[union-attr]
        assert row is not None
        app.post_message(OpenGoroutine(row))  # ...which opens a goroutine on a page of its own
        await settle(pilot)
        other = app.screen
        assert isinstance(other, GoroutineScreen) and other is not page
        assert f"goroutine {first}  " in screen_text(app)
        await pilot.press("3")
        await settle(pilot)
        assert app.screen is page and f"goroutine {second}  " in screen_text(app)


@sync
async def test_goroutine_story_lists_every_interval_and_its_exit() -> None:
    model = model_of(SPIKE_TRACE)
    app = GotraceApp(model=model)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ivl = model.intervals
        assert ivl is not None
        busy = int(np.argmax(np.diff(ivl.starts)))  # more intervals than a screen built them all
        n = ivl.of_row(busy).stop - ivl.of_row(busy).start
        assert n > 1000
        app.post_message(OpenGoroutine(busy))
        await settle(pilot)
        lines = story_lines(app)
        assert f"states ({n:,} intervals)" in lines
        header = lines.index(f"states ({n:,} intervals)") + 1
        assert len(lines) == header + 1 + n
        await pilot.press("end")  # the last screenful is drawn on demand
        await settle(pilot)
        assert lines[-1].split()[-1] in screen_text(app)

        dead = int(np.flatnonzero(model.goroutines.state == GoState.NOT_EXIST)[0])
        await pilot.press("escape")
        app.post_message(OpenGoroutine(dead))
        await settle(pilot)
        last = story_lines(app)[-1]
        assert last.split() == [dur(int(model.goroutines.ended_ns[dead])), "ended"]
        assert "dead" not in last


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
        # The same groups as regrouping only the goroutines that old (the CLI's --older-than).
        from gotrace.analysis.grouping import group_rows
        from gotrace.analysis.selection import select_rows

        model = model_of(SPIKE_TRACE)
        expected = group_rows(model, select_rows(model, older_than_ns=150_000_000))
        assert [(g.state, g.count, g.wait) for g in screen.groups] == \
            [(g.state, g.count, g.wait) for g in expected]
        lines = tree_lines(app)
        assert lines[0].startswith("▼ select") and lines[0].split()[-4] == f"{expected[0].count:,}"
        inp = screen.query_one("#older", Input)
        inp.value = "5 minutes"
        await pilot.pause(0.3)
        assert "invalid duration" in screen_text(app)
        inp.value = "1h"  # nothing that old: an empty tree, said so
        await pilot.pause(0.3)
        await settle(pilot)
        assert "0 goroutines ≥ 1h" in screen_text(app)
        assert "no goroutines blocked that long" in screen_text(app)


@sync
async def test_dump_opens_on_overview_with_the_leak_first() -> None:
    app = GotraceApp(model=model_of(LEAK_DUMP))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen)
        text = screen_text(app)
        assert "2 Spikes" not in text and "4 Timeline" not in text  # traces only
        first = findings_of(app)[0]  # the CLI's verdict: one group likely, its handlers gone
        assert first.startswith("likely 70 · 300 goroutines in chan send at reports.(*Handler).render")
        await pilot.press("3")
        await settle(pilot)
        lines = tree_lines(app)
        assert lines[0].startswith("▼ chan send") and lines[0].split()[-4:] == ["300", "<1m", "<1m", "<1m"]
        assert "at reports.(*Handler).render (reports.go:46)" in lines[1]
        await pilot.press("2")  # a trace's page: said so, and nothing moves
        await pilot.pause()
        assert isinstance(app.screen, LongLivedScreen)
        assert any("needs an execution trace" in n for n in notifications(app))
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
        await pilot.press("escape", "4")
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.1)  # a modal is laid out on the next frame
        text = screen_text(app)
        assert "Zoom in" in text and "GC" in text and "Quit" in text and "Ctrl+P" in text
        await pilot.press("escape")
        commands = [c.title for c in app.get_system_commands(app.screen)]
        assert "Zoom in" in commands and "Long-lived" in commands and "Search" in commands


@sync
async def test_quit() -> None:
    app = GotraceApp(model=model_of(SPIKE_TRACE))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
    assert app.return_value is None


@sync
async def test_old_format_trace_every_page() -> None:
    app = GotraceApp(model=model_of(SPIKE_TRACE_V1))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "go 1.21 trace" in screen_text(app)
        assert "3,000 goroutines created in" in screen_text(app)
        await pilot.press("2")
        await settle(pilot)
        assert "subscription.(*Hub).Subscribe (hub.go:40)" in screen_text(app)
        await pilot.press("3")
        await settle(pilot)
        assert tree_lines(app)[0].startswith("▼ select")
        await pilot.press("4")
        await settle(pilot)
        text = screen_text(app)
        assert "▶P0" in text and " P3" in text and "GC" in text
        await pilot.press("n", "enter")
        await settle(pilot)
        assert isinstance(app.screen, GoroutineScreen)
        assert "states (" in screen_text(app)


@pytest.mark.parametrize("path", V1_CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
@sync
async def test_corpus_old_format_traces_open(path: Path) -> None:
    model = model_of(path)
    app = GotraceApp(model=model, results=precompute(model))
    async with app.run_test(size=(100, 30)) as pilot:
        for key in ("1", "2", "3", "4", "enter"):
            await pilot.press(key)
            await settle(pilot)
        assert "▶P0" in screen_text(app) or isinstance(app.screen, GoroutineScreen)


@pytest.mark.skipif(not TIMINGWHEEL_CORPUS.exists(), reason="corpus not available")
@sync
async def test_leaking_stacks_three_keys_from_the_overview() -> None:
    """The issue's promise: the spike on the first screen, the leak's stack three keys away."""
    model = model_of(TIMINGWHEEL_CORPUS)
    app = GotraceApp(model=model, results=precompute(model))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        found = findings_of(app)
        assert any("20,000 goroutines created in" in f and "collection.NewTimingWheel" in f for f in found)
        await pilot.press("3", "enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, GoroutineScreen)
        text = screen_text(app)
        assert "last stack" in text and "collection.(*TimingWheel)" in text


@pytest.mark.skipif(not LEAK_CORPUS.exists(), reason="corpus not available")
@sync
async def test_corpus_leak_group() -> None:
    model = model_of(LEAK_CORPUS)
    app = GotraceApp(model=model, results=precompute(model))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LongLivedScreen)
        top = screen.groups[0]
        assert (top.count, top.state) == (1200, "chan send")
        assert tree_lines(app)[0].startswith("▼ chan send")


def test_session_uses_what_the_loader_computed() -> None:
    model = model_of(SPIKE_TRACE)
    pre = precompute(model)
    session = Session(model, pre)
    for name in ("summary", "leaks", "spikes", "long_lived", "procs", "by_creator", "site_index"):
        assert session.ready(name)
    assert session.spikes() is pre["spikes"]
    sp = session.spikes()
    for s in sp.sites:
        assert session.site_rows(sp, s.index).tolist() == sp.rows_of(s).tolist()


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
        assert app.session is not None and app.session.ready("procs") and app.session.ready("long_lived")


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


@pytest.mark.parametrize("name", ["stuck.go1.27.debug1.txt", "leak.go1.23.sigquit.txt",
                                  "testtimeout.go1.27.txt", "stuck.go1.27.debug2.txt"])
@sync
async def test_every_kind_of_dump_opens(name: str) -> None:
    from conftest import SAMPLES

    app = GotraceApp(model=model_of(SAMPLES / name))
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, OverviewScreen) and findings_of(app)
        await pilot.press("3")
        await settle(pilot)
        assert tree_lines(app)[0].startswith("▼ ")
        await pilot.press("enter", "enter")
        await settle(pilot)
        assert isinstance(app.screen, GoroutineScreen) and "stack" in screen_text(app)
