"""The Leaks page and Overview's findings: the real leak first, each finding a link to its page."""

from __future__ import annotations

import pytest
from conftest import CORPUS, SAMPLES
from gotrace.tui.app import GotraceApp
from gotrace.tui.findings import findings, panic_lines
from gotrace.tui.screens.goroutine import GoroutineScreen
from gotrace.tui.screens.leaks import LeaksScreen
from gotrace.tui.screens.longlived import LongLivedScreen
from gotrace.tui.screens.overview import OverviewScreen
from gotrace.tui.screens.spikes import SpikesScreen
from gotrace.tui.session import Session, precompute
from gotrace.tui.widgets.goroutine_list import GoroutineList
from screen_text import screen_text
from textual.widgets import DataTable, OptionList
from tui_inputs import LEAK_CORPUS, LEAK_DUMP, SPIKE_TRACE, model_of, series_of, settle, sync

from gotrace.analysis.leaks import PROOF_KINDS
from gotrace.render.leaks import points

SIZE = (120, 40)
MIXED_CORPUS = [CORPUS / v / "mixed.trace" for v in ("go1.19", "go1.23", "go1.26")]
WORKER_CORPUS = [CORPUS / v / "worker.trace" for v in ("go1.21", "go1.26")]


def shown(app: GotraceApp) -> list[str]:
    screen = app.screen
    assert isinstance(screen, OverviewScreen)
    return [f.text.plain for f in screen.shown]


@sync
async def test_leaks_page_lists_suspects_and_opens_their_goroutines() -> None:
    model = model_of(SPIKE_TRACE)
    app = GotraceApp(model=model, results=precompute(model))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LeaksScreen) and screen.report is not None
        top = screen.report.suspects[0]
        assert (top.verdict, top.group.count, top.group.state) == ("likely", 3000, "select")
        table = screen.query_one("#suspects", DataTable)
        assert table.row_count == len(screen.report.suspects) and table.cursor_row == 0
        text = screen_text(app)
        assert "0 leak · 1 likely" in text and "3,070 goroutines, 9 groups of them judged" in text
        assert "subscription.(*Hub).watch (hub.go:46)" in text  # the table's BLOCKED AT
        assert "likely 79/100 · 3,000 goroutines in select" in text
        assert "at example.com/samples/spike/subscription.(*Hub).watch (hub.go:46)" in text
        assert "+45" in text and "3,000 goroutines wait at this one site" in text
        members = screen.query_one("#members", GoroutineList)
        assert len(members.rows) == 3000
        await pilot.press("enter")  # into its goroutines
        assert members.has_focus
        await pilot.press("enter")  # open one
        await settle(pilot)
        assert isinstance(app.screen, GoroutineScreen)
        assert "subscription.(*Hub).watch" in screen_text(app)
        await pilot.press("escape")
        assert app.screen is screen and members.has_focus
        await pilot.press("escape")  # back to the suspects
        assert table.has_focus
        await pilot.press("down")
        assert screen.query_one("#members", GoroutineList).rows.tolist() == \
            screen.report.suspects[1].group.rows.tolist()


@sync
async def test_findings_put_the_leak_first_and_each_opens_its_page_at_it() -> None:
    model = model_of(SPIKE_TRACE)
    app = GotraceApp(model=model, results=precompute(model))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        lines = shown(app)
        assert lines[0].startswith("likely 79 · 3,000 goroutines in select at subscription.(*Hub).watch")
        assert "never served" in lines[0]  # its strongest evidence: nothing ever woke them
        assert lines[1].startswith("spike · 3,000 goroutines created in 170ms")
        assert lines[2].startswith("3,011 goroutines blocked at the end in 9 groups")
        options = app.screen.query_one("#findings", OptionList)
        assert options.has_focus and options.highlighted == 0
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LeaksScreen)
        assert app.screen.query_one("#suspects", DataTable).cursor_row == 0

        await pilot.press("1", "down", "enter")  # the spike: Spikes, at its site
        await settle(pilot)
        spikes = app.screen
        assert isinstance(spikes, SpikesScreen) and spikes.site is not None
        assert spikes.site.frame is not None and spikes.site.frame.func.endswith("(*Hub).Subscribe")

        await pilot.press("1", "down", "enter")  # long-lived: the tree, at that group
        await settle(pilot)
        ll = app.screen
        assert isinstance(ll, LongLivedScreen)
        node = ll.query_one("#groups").cursor_node  # type: ignore[attr-defined]
        assert node.data.key == ("select", ll.groups[0].blocking, ll.groups[0].created_at)


@sync
async def test_a_finding_on_a_later_suspect_selects_it() -> None:
    model = model_of(SPIKE_TRACE)
    app = GotraceApp(model=model, results=precompute(model))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        from gotrace.tui.messages import OpenPage

        app.post_message(OpenPage("leaks", 3))
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LeaksScreen) and screen.report is not None
        assert screen.query_one("#suspects", DataTable).cursor_row == 3
        assert screen.query_one("#members", GoroutineList).rows.tolist() == \
            screen.report.suspects[3].group.rows.tolist()


@pytest.mark.skipif(not LEAK_CORPUS.exists(), reason="corpus not available")
def test_the_real_leak_comes_before_a_spike_of_goroutines_that_all_ended() -> None:
    """The held-out trace's shape: a spike that ended must not come before 1,200 in chan send."""
    model = model_of(LEAK_CORPUS)
    found, waiting = findings(Session(model, precompute(model)))
    assert not waiting
    assert found[0].page == "leaks"
    assert found[0].text.plain.startswith(
        "leak 100 · 1,200 goroutines in chan send at server.longRunningTask")
    assert "runtime." not in found[0].text.plain


@pytest.mark.parametrize("path", MIXED_CORPUS + WORKER_CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_runtime_goroutines_are_never_a_finding(path: object) -> None:
    """No runtime worker is ever named. worker has nothing wrong, and the findings say so;
    in mixed, a small leak of its own code (a sync.Cond never signalled) may come first."""
    model = model_of(path)  # type: ignore[arg-type]
    found, _ = findings(Session(model, precompute(model)))
    first = found[0].text.plain
    assert first.startswith("no leak suspects") or ("mixed" in str(path) and "main.mixed" in first)
    assert not any("runtime." in f.text.plain or "gcBgMarkWorker" in f.text.plain for f in found)


@sync
async def test_a_dump_finding_is_selectable_too() -> None:
    app = GotraceApp(model=model_of(LEAK_DUMP))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        # Its senders' handlers returned: likely, the first finding, above the summary.
        assert shown(app)[0].startswith("likely 70 · 300 goroutines in chan send")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LeaksScreen) and screen.report is not None
        assert screen.report.suspects[0].verdict == "likely"


def test_panic_lines() -> None:
    timeout = "panic: test timed out after 2s\n\trunning tests:\n\t\tTestA (2s)\n\t\tTestB (2s)"
    assert panic_lines(timeout) == ("panic: test timed out after 2s", [], ["TestA (2s)", "TestB (2s)"])
    assert panic_lines("panic: boom\n\tsecond line") == ("panic: boom", ["second line"], [])
    assert panic_lines("") == ("", [], [])


def test_every_proof_reads_proof_on_the_page() -> None:
    """What decides a verdict alone is shown as "proof", not as its (zero) points: every kind
    the analysis counts as proof, so a new one cannot be forgotten here."""
    assert "bubble-deadlock" in PROOF_KINDS
    assert {points(k, 0) for k in PROOF_KINDS} == {"proof"}
    assert points("no-waker", 30) == "+30" and points("benign-shape", 0) == "benign"
    assert points("capped", 0) == "capped"


@sync
async def test_e_gives_a_suspects_whole_case_the_screen_at_80x24() -> None:
    """At 80x24 the evidence pane shows eight lines; a dump's suspect has more. ``e`` gives it
    the goroutines' room (and gives it back); a short trace's cap is read before its points."""
    app = GotraceApp(model=model_of(LEAK_DUMP))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, LeaksScreen) and screen.report is not None
        last = screen.report.suspects[0].evidence[-1].text
        members = screen.query_one("#members", GoroutineList)
        assert members.display and last[:30] not in screen_text(app)
        assert "more lines of evidence: e shows them" in screen_text(app)
        await pilot.press("e")
        await settle(pilot)
        assert not members.display and last[:30] in screen_text(app)
        await pilot.press("e")
        await settle(pilot)
        assert members.display
    app = GotraceApp(model=model_of(SPIKE_TRACE))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        assert "capped likely at most: waited 194ms at most in the trace" in screen_text(app)


@sync
async def test_home_and_end_go_to_the_first_and_last_suspect() -> None:
    app = GotraceApp(model=model_of(SPIKE_TRACE))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        table = app.screen.query_one("#suspects", DataTable)
        assert table.row_count > 2 and table.cursor_row == 0
        await pilot.press("end")
        assert table.cursor_row == table.row_count - 1
        await pilot.press("home")
        assert table.cursor_row == 0


@sync
async def test_a_profiles_record_offers_no_creator_or_children_to_follow() -> None:
    """A debug=1 profile names no creators and no goroutine ids: c and Tab would only say
    what cannot be known, so they are not offered."""
    from tui_inputs import SAMPLES

    app = GotraceApp(model=model_of(SAMPLES / "stuck.go1.27.debug1.txt"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        await pilot.press("enter", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, GoroutineScreen)
        assert screen.check_action("creator", ()) is False and screen.check_action("children", ()) is False
        text = screen_text(app)
        assert "debug=1 prints no creators, waits or ids: ?debug=2 has them" in text
        assert "Creator" not in text


@sync
async def test_the_leaks_page_of_a_file_of_dumps_says_it_judged_them_as_a_series() -> None:
    model, earlier = series_of()
    app = GotraceApp(model=model, results=precompute(model, earlier))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert shown(app)[0].startswith("leak 100 · 36 goroutines in chan send at "
                                        "main.(*PriceService).lookup")
        await pilot.press("5")
        await settle(pilot)
        text = screen_text(app)
        assert "judged as a series, after the 2 dumps before it in its file" in text
        assert "grew in every snapshot: 12 → 24 → 36" in text
    alone = GotraceApp(model=model, results=precompute(model))  # the loader stopped: one dump
    async with alone.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        assert "as a series" not in screen_text(alone)
        assert "no history" not in screen_text(alone)  # one dump said leak: it needs none


@sync
async def test_the_leaks_page_of_one_dump_short_of_leak_says_what_to_capture_next() -> None:
    model = model_of(SAMPLES / "leak-early.go1.23.debug2.txt")
    app = GotraceApp(model=model, results=precompute(model))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        assert "one dump has no history: take another later, open both: gotrace view OLD NEW" in \
            screen_text(app).splitlines()[2]
