"""Custom widgets through render_line(y), and input text shown literally."""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
from gotrace.tui.app import GotraceApp
from gotrace.tui.screens.goroutine import GoroutineScreen
from gotrace.tui.session import Session
from gotrace.tui.widgets.goroutine_list import GoroutineList
from gotrace.tui.widgets.timeline import Lane, Timeline, tick_step
from screen_text import screen_text
from textual.app import App, ComposeResult
from tui_inputs import SPIKE_TRACE, model_of, settle, sync

from gotrace.load import load
from gotrace.model import Model
from gotrace.tables import Frame


def line(strip: object) -> str:
    return "".join(seg.text for seg in strip)  # type: ignore[attr-defined]


class Host(App[None]):
    def __init__(self, widget: object) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget  # type: ignore[misc]


def test_lane_cells_occupancy_and_owner() -> None:
    # Busy [0,10) with row 7 and [15,20) with row 8; cells of 10 ns.
    lane = Lane.of("P0", np.array([15, 0]), np.array([20, 10]), np.array([8, 7]))
    occ, tags = lane.cells(np.array([0, 10, 20, 30]))
    assert occ.tolist() == [1.0, 0.5, 0.0]
    assert tags.tolist() == [7, 8, -1]
    assert lane.at(16) == 1 and lane.at(12) is None
    assert lane.busy_until(np.array([5, 17, 100])).tolist() == [5, 12, 15]


def test_tick_step_is_round() -> None:
    assert tick_step(1_000_000_000, 100) == 200_000_000
    assert tick_step(100, 100) == 20


@sync
async def test_goroutine_list_paints_visible_lines_only() -> None:
    model = model_of(SPIKE_TRACE)
    session = Session(model)
    rows = np.arange(len(model.goroutines), dtype=np.int64)
    widget = GoroutineList(session, rows)
    async with Host(widget).run_test(size=(100, 12)) as pilot:
        await pilot.pause()
        assert line(widget.render_line(0)).split()[:3] == ["ID", "STATE", "IN"]
        first = line(widget.render_line(1))
        assert first.split()[0] == str(int(model.goroutines.id[0]))
        assert len(first) == 100
        widget.focus()
        await pilot.press("end")
        assert widget.cursor == len(rows) - 1
        last = line(widget.render_line(widget.size.height - 1))
        assert last.split()[0] == str(int(model.goroutines.id[-1]))
        assert len(widget._cache) <= 2 * widget.size.height  # only what was on screen


@sync
async def test_timeline_lines_and_zoom() -> None:
    model = model_of(SPIKE_TRACE)
    widget = Timeline(model)
    async with Host(widget).run_test(size=(100, 12)) as pilot:
        await pilot.pause()
        assert line(widget.render_line(0)).startswith("time   |0")
        assert line(widget.render_line(1)).startswith("GC")
        assert line(widget.render_line(2)).startswith("STW")
        assert line(widget.render_line(3)).startswith("▶P0")
        assert line(widget.render_line(4)).startswith(" P1")
        assert any(ch in line(widget.render_line(3)) for ch in "░▒▓█")
        widget.focus()
        total = widget.span
        await pilot.press("plus", "plus")
        assert widget.span == total // 4
        await pilot.press("0")
        assert widget.span == total
        await pilot.press("n")  # next time P0 runs something
        text, row = widget.describe()
        assert row is not None and f"g{int(model.goroutines.id[row])}" in text


def _with_markup_names(model: Model) -> Model:
    """A copy whose first goroutine and first frame are named with Rich markup."""
    m = copy.copy(model)
    m.tables = copy.copy(model.tables)
    m.tables.strings = list(model.tables.strings)
    m.tables.frames = list(model.tables.frames)
    m.goroutines = copy.copy(model.goroutines)
    m.goroutines.name = model.goroutines.name.copy()
    sid = len(m.tables.strings)
    m.tables.strings.append("main.[bold]evil[/bold]\x1b[31m")
    m.goroutines.name[0] = sid
    user = int(m.tables.stacks[int(m.goroutines.last_stack[0])][-1])
    m.tables.frames[user] = Frame("main.[red]x[/red]", "/src/[b]main.go", 1)
    return m


@sync
async def test_input_strings_are_never_markup() -> None:
    model = _with_markup_names(model_of(SPIKE_TRACE))
    widget = GoroutineList(Session(model), np.arange(3, dtype=np.int64))
    async with Host(widget).run_test(size=(120, 6)) as pilot:
        await pilot.pause()
        text = line(widget.render_line(1))
        assert "main.[bold]evil[/bold]\\x1b[31m" in text
    app = GotraceApp(model=model)
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        app.open_goroutine(0)
        await settle(pilot)
        assert isinstance(app.screen, GoroutineScreen)
        assert "goroutine 1  main.[bold]evil[/bold]\\x1b[31m" in screen_text(app)
        story = app.screen.story().plain  # the whole Static, most of it below the fold
        assert "main.[red]x[/red]" in story and "/src/[b]main.go:1" in story


LABELLED_DUMP = """goroutine 1 [running]:
main.main()
\t/src/main.go:30 +0x1d

goroutine 7 [chan receive, 3 minutes] {tenant: "[bold]acme", queue: orders}:
main.worker(0xc000010000)
\t/src/main.go:12 +0x25
created by main.main in goroutine 1
\t/src/main.go:20 +0x35
"""


@sync
async def test_dump_labels_shown_literally(tmp_path: Path) -> None:
    path = tmp_path / "labels.txt"
    path.write_text(LABELLED_DUMP)
    model = load(str(path))
    row = model.goroutines.row_of(7)
    assert row is not None
    app = GotraceApp(model=model)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "chan send" not in screen_text(app) and "chan receive" in screen_text(app)
        app.open_goroutine(row)
        await settle(pilot)
        shown = screen_text(app)
        assert "tenant=[bold]acme" in shown and "queue=orders" in shown
        assert "3 minutes" in shown and "goroutine 1" in shown
