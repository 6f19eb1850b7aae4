"""Custom widgets through render_line(y), and input text shown literally."""

from __future__ import annotations

import copy
import os
from pathlib import Path

import numpy as np
import numpy.typing as npt
from conftest import SAMPLES
from gotrace.tui.app import GotraceApp
from gotrace.tui.messages import OpenGoroutine
from gotrace.tui.screens.goroutine import GoroutineScreen
from gotrace.tui.session import Session
from gotrace.tui.widgets.goroutine_list import GoroutineList
from gotrace.tui.widgets.story import Story
from gotrace.tui.widgets.timeline import Timeline, cell_rows, tick_step
from screen_text import screen_text
from textual.app import App, ComposeResult
from tui_inputs import LEAK_DUMP, SPIKE_TRACE, model_of, settle, sync

from gotrace.analysis.procs import ProcTimeline
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


def test_cells_show_busy_share_and_the_goroutine_running() -> None:
    model = model_of(SPIKE_TRACE)
    procs = ProcTimeline(model)
    sp = procs.spans(0)
    i = int(np.argmax(sp.end - sp.start))  # P0's longest run
    s, e = int(sp.start[i]), int(sp.end[i])
    edges = np.array([s, e, e + (e - s)], np.int64)
    occ, rows = cell_rows(procs, 0, edges)
    assert occ[0] == 1.0
    assert int(model.goroutines.id[rows[0]]) == procs.goroutine_at(0, (s + e) // 2)
    idle_s, idle_e = procs.idle(0, 0, procs.span_ns)
    j = int(np.argmax(idle_e - idle_s))  # P0's longest idle stretch
    occ, rows = cell_rows(procs, 0, np.array([idle_s[j] + 1, idle_e[j] - 1], np.int64))
    assert occ.tolist() == [0.0] and rows.tolist() == [-1]


def test_tick_step_is_round() -> None:
    assert tick_step(1_000_000_000, 100) == 200_000_000
    assert tick_step(100, 100) == 20


def every_goroutine(model: Model) -> tuple[Session, npt.NDArray[np.int64], GoroutineList]:
    """A list of all of ``model``'s goroutines, with its session and rows."""
    session = Session(model)
    rows = np.arange(len(model.goroutines), dtype=np.int64)
    return session, rows, GoroutineList(session, rows)


@sync
async def test_goroutine_list_paints_visible_lines_only() -> None:
    model = model_of(SPIKE_TRACE)
    _, rows, widget = every_goroutine(model)
    async with Host(widget).run_test(size=(100, 12)) as pilot:
        await pilot.pause()
        assert line(widget.render_line(0)).split()[:3] == ["ID", "STATE", "IN"]
        first = line(widget.render_line(1))
        assert first.split()[0] == str(int(model.goroutines.id[0]))
        assert len(first) == widget.scrollable_content_region.width == 100 - 2  # not under the scrollbar
        widget.focus()
        await pilot.press("end")
        assert widget.cursor == len(rows) - 1
        last = line(widget.render_line(widget.size.height - 1))
        assert last.split()[0] == str(int(model.goroutines.id[-1]))
        assert len(widget._cache) <= 2 * widget.size.height  # only what was on screen


@sync
async def test_goroutine_list_keeps_the_ends_of_a_long_function_and_site() -> None:
    """Narrow, a goroutine's function and where it is blocked each keep their end (the method,
    the file and line when room allows), rather than the site losing all but its first letters."""
    session, rows, widget = every_goroutine(model_of(LEAK_DUMP))
    async with Host(widget).run_test(size=(64, 6)) as pilot:
        await pilot.pause()
        width = widget.scrollable_content_region.width
        for i in range(1, 5):
            text = line(widget.render_line(i)).rstrip()
            row = int(rows[widget.scroll_offset.y + i - 1])
            at = session.blocked_at(row)
            if at is None or at.func == session.name(row) or "@" not in text:
                continue
            name_part, where_part = text.split("  @ ", 1)
            assert len(text) <= width
            assert at.func.endswith(where_part.split(" (")[0].lstrip("…"))  # the method survives
            assert session.name(row).endswith(name_part.split()[-1].lstrip("…"))
            break
        else:
            raise AssertionError("no row with a blocking site other than its function")


@sync
async def test_labels_take_only_the_room_left_after_the_function_and_site() -> None:
    """A goroutine's labels come last: where there is no room for them, they are left out,
    rather than taking the end of the blocking site with them."""
    model = model_of(SAMPLES / "stuck.go1.27.sigquit.txt")
    session, _, widget = every_goroutine(model)
    row = int(np.flatnonzero(model.goroutines.id == 11)[0])
    assert session.labels(row) == {"queue": "orders"}
    async with Host(widget).run_test(size=(80, 6)) as pilot:
        await pilot.pause()
        narrow = "".join(seg.text for seg in widget.line_for(row, 78)).rstrip()
        assert narrow.endswith("@ …l).worker.func1") and "{" not in narrow
        wide = "".join(seg.text for seg in widget.line_for(row, 120)).rstrip()
        assert wide.endswith("worker.func1 (queue.go:27)  {queue=orders}")


@sync
async def test_timeline_lines_and_zoom() -> None:
    model = model_of(SPIKE_TRACE)
    widget = Timeline(ProcTimeline(model))
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
        app.post_message(OpenGoroutine(0))
        await settle(pilot)
        assert isinstance(app.screen, GoroutineScreen)
        assert "goroutine 1  main.[bold]evil[/bold]\\x1b[31m" in screen_text(app)
        story = app.screen.query_one(Story)  # most of it below the fold
        text = "\n".join(story.line_text(i).plain for i in range(story.line_count))
        assert "main.[red]x[/red]" in text and "/src/[b]main.go:1" in text


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
        app.post_message(OpenGoroutine(row))
        await settle(pilot)
        shown = screen_text(app)
        assert "tenant=[bold]acme" in shown and "queue=orders" in shown
        assert "3 minutes" in shown and "goroutine 1" in shown


@sync
async def test_group_tree_shows_sites_literally_with_aligned_numbers() -> None:
    from gotrace.tui.groups import Node
    from gotrace.tui.widgets.group_tree import GroupTree

    from gotrace.analysis.grouping import Dist

    rows = np.arange(3, dtype=np.int64)
    leaf = Node(2, "[bold]chan send", Frame("main.[red]x[/red]", "/src/m.go", 7), rows, 3, Dist(1, 2, 3, 4))
    mid = Node(1, "[bold]chan send", Frame("main.\x1b[31mwait", "/src/m.go", 9), rows, 3, Dist(1, 2, 3, 4),
               children=[leaf])
    top = Node(0, "[bold]chan send", None, rows, 3, Dist(1, 2, 3, 4), children=[mid])
    tree = GroupTree(lambda ns: f"{ns}ns")
    async with Host(tree).run_test(size=(90, 8)) as pilot:
        tree.show([top])
        await pilot.pause()
        lines = [line(tree.render_line(y)).rstrip() for y in range(3)]
        assert lines[0].startswith("▼ [bold]chan send")
        assert "at main.\\x1b[31mwait (m.go:9)" in lines[1]
        assert "by main.[red]x[/red] (m.go:7)" in lines[2]
        header = tree.header(tree.scrollable_content_region.width).plain
        ends = {len(text) for text in lines}
        assert ends == {len(header.rstrip())}  # MAX lines up whatever the depth
        assert all(text.endswith("1ns     2ns     4ns") for text in lines)


def test_search_finds_a_goroutine_by_its_id() -> None:
    model = model_of(SPIKE_TRACE)
    row = model.goroutines.row_of(30)
    assert row is not None
    assert row in Session(model).search(" 30 ").tolist()


def test_quick_escape_driver_polls_often_enough() -> None:
    import selectors
    import sys
    import time

    from gotrace.tui.app import GotraceApp
    from gotrace.tui.driver import POLL_S, PromptSelector, QuickEscapeDriver

    r, w = os.pipe()
    try:
        sel = PromptSelector()
        sel.register(r, selectors.EVENT_READ)
        t = time.perf_counter()
        assert sel.select(0.1) == []  # nothing to read: back after POLL_S, not 100 ms
        assert time.perf_counter() - t < 0.08
        os.write(w, b"\x1b")
        assert [mask for _key, mask in sel.select(0.1)] == [selectors.EVENT_READ]
        sel.close()
    finally:
        os.close(r)
        os.close(w)
    assert POLL_S <= 0.02
    assert int(os.environ["ESCDELAY"]) <= 25  # set by gotrace.tui before Textual reads it
    if sys.platform.startswith("linux") and "TEXTUAL_DRIVER" not in os.environ:
        assert GotraceApp().driver_class is QuickEscapeDriver
