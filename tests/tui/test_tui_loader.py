"""The loader's child process: what it sends and in which order, and every way out of it.

A FIFO as the input keeps the child reading for as long as a test needs (nothing
ever writes to it), so cancelling, quitting and a dying child can be tried on a
load that is really under way.
"""

from __future__ import annotations

import dataclasses
import io
import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest
from gotrace.tui import loader as loader_module
from gotrace.tui.app import GotraceApp
from gotrace.tui.loader import Computed, Failed, Loaded, Loader, Opened, Progress
from gotrace.tui.screens.loading import LoadingScreen
from gotrace.tui.screens.overview import OverviewScreen
from gotrace.tui.session import ANALYSES, precompute
from gotrace.tui.spawn import child_env
from screen_text import screen_text
from textual import events
from textual.app import App
from textual.widgets import ProgressBar, Static
from tui_inputs import LEAK_DUMP, SERIES_PARTS, SPIKE_TRACE, model_of, series_file, sync

from gotrace.analysis.procs import ProcTimeline
from gotrace.load import cached
from gotrace.model import Model
from gotrace.model.spill import file_of
from gotrace.spilldir import directory

SIZE = (100, 30)


@pytest.fixture
def stuck_input(tmp_path: Path) -> Path:
    """An input whose reading never ends (a FIFO nobody writes to)."""
    fifo = tmp_path / "stuck.trace"
    os.mkfifo(fifo)
    return fifo


async def _until(pilot: object, done: object, seconds: float = 20.0) -> None:
    t = time.monotonic()
    while not done() and time.monotonic() - t < seconds:  # type: ignore[operator]
        await pilot.pause(0.05)  # type: ignore[attr-defined]


def test_model_first_then_each_analysis_referring_to_it() -> None:
    loader = Loader(str(SPIKE_TRACE))
    msgs = list(loader.messages())
    kinds = [type(m) for m in msgs]
    assert kinds[0] is Opened and msgs[0].kind == "trace" and msgs[0].total == SPIKE_TRACE.stat().st_size
    assert all(k is Progress for k in kinds[1:kinds.index(Loaded)])
    loaded = msgs[kinds.index(Loaded)]
    assert isinstance(loaded, Loaded) and "summary" in loaded.results
    # The goroutine columns, written to the shared file while the summary was computed
    # (_Writer.share_early), arrive whole.
    want = model_of(SPIKE_TRACE).goroutines
    for f in dataclasses.fields(want):
        np.testing.assert_array_equal(getattr(loaded.model.goroutines, f.name), getattr(want, f.name))
    computed = [m for m in msgs if isinstance(m, Computed)]
    assert [m.name for m in computed] == list(loaded.coming)
    # A fresh trace's intervals are sorted after Overview can show, and after its findings.
    assert loaded.model.intervals is None
    assert loaded.coming[:4] == ("leaks", "spikes", "long_lived", "intervals")
    np.testing.assert_array_equal(computed[3].value.end, model_of(SPIKE_TRACE).intervals.end)  # type: ignore[union-attr]
    # The table came as the names of its files in the UI's spill directory, mapped here.
    for f in dataclasses.fields(computed[3].value):
        col = getattr(computed[3].value, f.name)
        path = file_of(col)
        assert isinstance(col, np.memmap) and path is not None and path.parent.parent == directory()
    applies = {n for n, a in ANALYSES.items()
               if (a.applies(loaded.model) or n == "intervals") and not a.local}
    assert set(loaded.coming) | set(loaded.results) == applies
    by_name = {m.name: m.value for m in computed}
    procs = by_name["procs"]
    assert isinstance(procs, ProcTimeline)
    assert procs.model is loaded.model  # a reference to the model the UI holds, not a copy
    assert by_name["leaks"].models[0] is loaded.model
    assert loader.process.returncode == 0  # ended by itself, and reaped


@pytest.mark.parametrize(("ours", "childs"), [
    (None, "glibc.malloc.hugetlb=1"),
    ("glibc.malloc.arena_max=2", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"),
    ("glibc.malloc.hugetlb=0", "glibc.malloc.hugetlb=0"),  # the user's own choice stands
])
def test_the_child_asks_glibc_for_huge_pages_keeping_the_users_tunables(ours: str | None,
                                                                        childs: str) -> None:
    env = {"PATH": "/bin"} | ({} if ours is None else {"GLIBC_TUNABLES": ours})
    got = child_env(env)
    assert got == env | {"GLIBC_TUNABLES": childs}
    assert env.get("GLIBC_TUNABLES") == ours  # ours is left as it was


def test_a_dump_sends_no_progress_and_no_trace_analyses() -> None:
    msgs = list(Loader(str(LEAK_DUMP)).messages())
    assert not any(isinstance(m, Progress) for m in msgs)
    opened = msgs[0]
    assert isinstance(opened, Opened) and opened.kind == "dump"
    loaded = next(m for m in msgs if isinstance(m, Loaded))
    assert "spikes" not in loaded.coming and "procs" not in loaded.coming and "leaks" in loaded.coming


def test_stdin_as_the_input() -> None:
    with SPIKE_TRACE.open("rb") as f:
        msgs = list(Loader("-", stdin=f).messages())
    loaded = next(m for m in msgs if isinstance(m, Loaded))
    assert loaded.model.source.path == "stdin"


def _frames(data: bytes) -> list[object]:
    """Decode what :func:`loader.child` wrote to a stream (no shared memory file)."""
    reader = Loader.__new__(Loader)
    reader.stream = io.BytesIO(data)
    reader.shared = None
    reader.model = None
    out: list[object] = []
    while (msg := reader._next()) is not None:
        if isinstance(msg, Loaded):
            reader.model = msg.model
        out.append(msg)
    return out


def test_a_bug_in_the_child_is_one_line_naming_the_input(monkeypatch: pytest.MonkeyPatch) -> None:
    import gotrace.load

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(gotrace.load, "load_raw", broken)
    monkeypatch.setattr(gotrace.load, "start_trace", broken)
    out = io.BytesIO()
    loader_module.child(str(SPIKE_TRACE), None, out)
    failed = _frames(out.getvalue())[-1]
    assert isinstance(failed, Failed)
    assert failed.message.startswith(f"{SPIKE_TRACE}: internal error while loading: KeyError: 'boom'")
    assert "\n" not in failed.message and "Traceback" in failed.detail


def test_a_failing_analysis_leaves_the_rest_to_the_ui(monkeypatch: pytest.MonkeyPatch) -> None:
    from gotrace.tui import session

    def broken(model: object, get: object) -> None:
        raise ValueError("no")

    monkeypatch.setitem(session.ANALYSES, "leaks", session.Analysis("leak suspects", broken))
    out = io.BytesIO()
    loader_module.child(str(LEAK_DUMP), None, out)
    msgs = _frames(out.getvalue())
    assert any(isinstance(m, Loaded) for m in msgs)
    failed = msgs[-1]
    assert isinstance(failed, Failed) and "while computing leak suspects: ValueError: no" in failed.message


@sync
async def test_bad_input_exits_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "x.trace"
    bad.write_bytes(b"go 1.99 trace\x00\x00\x00junk")
    app = GotraceApp(str(bad))
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: app.return_value is not None)
    assert app.return_value is not None
    assert app.return_value.startswith(f"{bad}: unsupported trace format 'go 1.99 trace' (supported: ")


@pytest.mark.parametrize("key", ["escape", "q", "ctrl+c"])
@sync
async def test_leaving_while_loading_is_no_error_and_ends_the_child(key: str, stuck_input: Path) -> None:
    app = GotraceApp(str(stuck_input))
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: app.loader is not None)
        assert isinstance(app.screen, LoadingScreen)
        loader = app.loader
        assert loader is not None and loader.process.poll() is None
        t = time.monotonic()
        await pilot.press(key)
        await _until(pilot, lambda: loader.process.returncode is not None, 2.0)
        assert time.monotonic() - t < 1.0
    assert app.return_value is None  # not an error: the exit status is 0
    assert loader.process.returncode == -signal.SIGKILL  # killed, and reaped: no zombie


@sync
async def test_a_child_killed_from_outside_is_one_line_naming_the_input(stuck_input: Path) -> None:
    app = GotraceApp(str(stuck_input))
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: app.loader is not None)
        assert app.loader is not None
        os.kill(app.loader.process.pid, signal.SIGKILL)
        await _until(pilot, lambda: app.return_value is not None)
    assert app.return_value == f"{stuck_input}: the loader stopped unexpectedly (killed by SIGKILL (out of " \
                               "memory?))"


@sync
async def test_overview_in_the_meantime_while_the_analyses_arrive_then_complete() -> None:
    app = GotraceApp(str(SPIKE_TRACE))
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.screen.complete
                     and app.session is not None and not app.session.coming)
        assert isinstance(app.screen, OverviewScreen) and app.screen.complete
        assert app.session is not None and app.session.ready("procs") and app.session.ready("leaks")
    assert app.loader is not None and app.loader.process.returncode == 0


class _Streamed(GotraceApp):
    """The app as the loader leaves it: the model and the summary here, the rest coming."""

    def __init__(self, model: Model) -> None:
        super().__init__(model=model)
        self.all = precompute(model)

    def on_mount(self, event: events.Mount) -> None:
        event.prevent_default()  # not GotraceApp's own start
        assert self._preloaded is not None
        self.start(self._preloaded, {"summary": self.all["summary"]},
                   [n for n in self.all if n != "summary"])


@sync
async def test_overview_says_what_is_still_coming_and_fills_in_as_it_arrives() -> None:
    app = _Streamed(model_of(SPIKE_TRACE))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        assert "3,070 seen" in screen_text(app)  # the facts: the summary came with the model
        waiting = str(screen.query_one("#waiting", Static).render())
        assert waiting == "computing leak suspects, creation spikes, long-lived groups…"
        assert screen.shown == [] and not screen.complete
        session = app.session
        assert session is not None
        session.deliver("spikes", app.all["spikes"])
        await pilot.pause()
        assert [f.page for f in screen.shown] == ["spikes"]
        session.deliver("leaks", app.all["leaks"])
        session.deliver("long_lived", app.all["long_lived"])
        await pilot.pause()
        assert [f.page for f in screen.shown] == ["leaks", "spikes", "longlived"]  # the leak first
        assert screen.complete and str(screen.query_one("#waiting", Static).render()) == ""


class _Host(App[None]):
    def __init__(self, screen: LoadingScreen) -> None:
        super().__init__()
        self.loading = screen

    def on_mount(self) -> None:
        self.push_screen(self.loading)


@sync
async def test_a_dump_loads_behind_a_moving_bar_not_a_stuck_zero() -> None:
    screen = LoadingScreen("big.txt")
    async with _Host(screen).run_test(size=(80, 24)) as pilot:
        screen.opened(100_000_000, "dump")
        await pilot.pause()
        assert screen.query_one("#bar", ProgressBar).total is None  # indeterminate, not 0%
        text = str(screen.query_one("#rate", Static).render())
        assert text.startswith("parsing the 100.0 MB dump… ") and "Escape cancels" in text
        screen.opened(100_000_000, "trace")
        screen.progress(25_000_000)
        await pilot.pause()
        bar = screen.query_one("#bar", ProgressBar)
        assert bar.percentage == 0.25 and not bar.show_eta  # no "25%00:00:03"
        assert "25.0 of 100.0 MB" in str(screen.query_one("#rate", Static).render())
        screen.progress(100_000_000)  # read: the model is being built, which reports nothing
        await pilot.pause()
        assert bar.total is None
        assert str(screen.query_one("#rate", Static).render()).startswith("building the model of the trace")


# --- a trace the model cache holds ------------------------------------------------------------------
@pytest.fixture
def cached_trace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Model]:
    """A copy of the spike trace whose model is in a cache of its own (any size cached), and
    that model as the cache maps it."""
    from gotrace.load import cached, load, remember

    monkeypatch.setenv("GOTRACE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GOTRACE_CACHE_MIN", "0")
    p = tmp_path / "spike.trace"
    p.write_bytes(SPIKE_TRACE.read_bytes())
    key, _ = cached(str(p))
    remember(key, load(str(p)))
    _, model = cached(str(p))
    assert model is not None
    return p, model


def test_a_cached_models_child_sends_only_the_analyses_referring_to_the_uis_model(
        cached_trace: tuple[Path, Model]) -> None:
    path, model = cached_trace
    coming = tuple(n for n, a in ANALYSES.items() if a.applies(model) and not a.with_model and not a.local)
    loader = Loader(str(path), cached=model, coming=coming)
    msgs = list(loader.messages())
    assert all(isinstance(m, Computed) for m in msgs), msgs
    assert [m.name for m in msgs if isinstance(m, Computed)] == list(coming)
    by_name = {m.name: m.value for m in msgs if isinstance(m, Computed)}
    assert by_name["procs"].model is model and by_name["leaks"].models[0] is model
    assert loader.process.returncode == 0


def test_a_cache_entry_gone_before_the_child_maps_it_is_one_line(cached_trace: tuple[Path, Model]) -> None:
    from gotrace import cache

    path, model = cached_trace
    cache.clear()
    msgs = list(Loader(str(path), cached=model, coming=("leaks",)).messages())
    assert len(msgs) == 1 and isinstance(msgs[0], Failed)
    assert msgs[0].message == f"{path}: its cached model went away while it was opened"


@sync
async def test_a_cached_trace_opens_on_overview_at_once_and_the_analyses_follow(
        cached_trace: tuple[Path, Model]) -> None:
    path, _ = cached_trace
    app = GotraceApp(str(path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen)  # no loading screen: the model is mapped here
        assert app.session is not None and app.session.ready("summary")
        await _until(pilot, lambda: app.session is not None and not app.session.coming)
        assert app.session.ready("procs") and app.session.ready("leaks")
        assert app.session.get("procs").model is app.session.model
        assert "spike.trace" in screen_text(app)
    assert app.loader is not None and app.loader.process.returncode == 0


def test_no_cache_maps_nothing(cached_trace: tuple[Path, Model], monkeypatch: pytest.MonkeyPatch) -> None:
    """``--no-cache`` (GOTRACE_NO_CACHE=1) is honoured by the viewer: the child loads the file."""
    path, _ = cached_trace
    monkeypatch.setenv("GOTRACE_NO_CACHE", "1")
    from gotrace.cache import entries

    msgs = list(Loader(str(path)).messages())
    loaded = next(m for m in msgs if isinstance(m, Loaded))
    assert not isinstance(loaded.model.goroutines.id, np.memmap)  # parsed, not mapped
    assert GotraceApp(str(path))._open_cached(str(path)) is False  # the viewer maps nothing either
    assert len(entries()) == 1  # and the entry it did not use is still the only one


@sync
async def test_a_second_open_reads_the_summary_the_first_saved(
        cached_trace: tuple[Path, Model], monkeypatch: pytest.MonkeyPatch) -> None:
    """The summary (half a second on millions of goroutines) is saved in the cache entry by
    the open that computed it, and read, under the name the file is opened by, the next time."""
    from gotrace.tui import session

    path, model = cached_trace
    first = session.with_model(model, cached(str(path))[0])["summary"]

    def no_summarize(_: Model) -> None:
        raise AssertionError("summarized again")

    monkeypatch.setattr(session, "summarize", no_summarize)
    monkeypatch.chdir(path.parent)
    app = GotraceApp(path.name)  # another name for the same file
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.session is not None
        again = app.session.get("summary")
        assert again == {**first, "file": path.name}
        assert path.name in screen_text(app)


def test_a_first_open_saves_the_model_and_its_summary_for_the_next(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gotrace import cache, cachekey

    monkeypatch.setenv("GOTRACE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("GOTRACE_CACHE_MIN", "0")
    p = tmp_path / "spike.trace"
    p.write_bytes(SPIKE_TRACE.read_bytes())
    msgs = list(Loader(str(p)).messages())
    loaded = next(m for m in msgs if isinstance(m, Loaded))
    assert not isinstance(loaded.model.goroutines.id, np.memmap)  # sent, not mapped from the entry
    key, model = cached(str(p))
    assert model is not None and cachekey.holds(key)
    assert cache.fetch_analysis(key, "summary") == loaded.results["summary"]


@sync
async def test_a_goroutines_states_follow_once_the_loader_sends_the_intervals() -> None:
    """A fresh trace's interval table comes after the model: a goroutine opened meanwhile
    says its states are still being read, then shows them when they arrive."""
    from gotrace.tui.messages import OpenGoroutine
    from gotrace.tui.screens.goroutine import GoroutineScreen

    from gotrace.inputs import open_input
    from gotrace.load import start_trace

    model, rest = start_trace(open_input(str(SPIKE_TRACE)))
    assert rest is not None
    app = _Streamed(model)  # its precompute read the intervals again: still to come here
    model.intervals = None
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        row = int(np.argmax(model.goroutines.exec_ns))
        app.post_message(OpenGoroutine(row))
        await _until(pilot, lambda: isinstance(app.screen, GoroutineScreen))
        assert "states: still being read" in screen_text(app)
        assert app.session is not None
        app.session.deliver("intervals", rest())
        await pilot.pause()
        assert model.intervals is not None
        assert "states: still being read" not in screen_text(app)
        assert "states (" in screen_text(app) and "running" in screen_text(app)


def test_the_child_starts_before_the_viewer_unless_the_cache_holds_the_whole_model(
        cached_trace: tuple[Path, Model]) -> None:
    """``gotrace view`` starts the loader's child before importing Textual; a trace whose
    full model is cached needs none (the viewer maps it), a lean entry still does."""
    from gotrace.tui.spawn import start_early

    from gotrace import cache, cachekey
    from gotrace.inputs import open_input
    from gotrace.load import load_raw, remember

    path, _ = cached_trace
    assert start_early(str(path)) is None
    key = cachekey.key_of(str(path))
    cache.clear()
    remember(key, load_raw(open_input(str(path)), intervals=False))  # lean: no intervals
    assert cachekey.holds(key) and not cachekey.holds(key, intervals=True)
    child = start_early(str(path))
    assert child is not None
    early = Loader(str(path), child=child)
    try:
        msgs = list(early.messages())
        assert any(isinstance(m, Loaded) for m in msgs) and early.process.returncode == 0
    finally:
        early.close()


@sync
async def test_the_viewer_takes_over_a_child_started_before_it() -> None:
    from gotrace.tui.spawn import start_early

    child = start_early(str(SPIKE_TRACE))
    assert child is not None
    early = Loader(str(SPIKE_TRACE), child=child)
    app = GotraceApp(str(SPIKE_TRACE), loader=early)
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.session is not None
                     and not app.session.coming)
        assert app.loader is early and "3,070 seen" in screen_text(app)
    assert early.closed


@pytest.mark.parametrize(("snapshot", "judged"), [(None, 3), (2, 2), (1, 1)])
def test_a_file_of_dumps_is_judged_as_a_series_up_to_the_dump_shown(
        tmp_path: Path, snapshot: int | None, judged: int) -> None:
    """As ``gotrace leaks`` judges a file of dumps appended over time: the one the viewer shows
    (the largest, the last here; or --snapshot's) after the dumps before it in the file. The
    report arrives with the UI's model only: the earlier ones stay in the child."""
    from gotrace.analysis.leaks import find_leaks
    from gotrace.inputs import open_input
    from gotrace.load import load_dumps
    from gotrace.tables import Tables

    path = series_file(tmp_path)
    loader = Loader(str(path), snapshot)
    msgs = list(loader.messages())
    loaded = next(m for m in msgs if isinstance(m, Loaded))
    report = next(m.value for m in msgs if isinstance(m, Computed) and m.name == "leaks")
    assert "earlier" not in loaded.results and "earlier" not in loaded.coming
    assert len(report.captures) == judged and len(report.models) == 1 and report.models[0] is loaded.model
    want = find_leaks(load_dumps(open_input(str(path)), Tables())[:judged])
    assert [(s.verdict, s.score, s.series, [e.text for e in s.evidence]) for s in report.suspects] == \
        [(s.verdict, s.score, s.series, [e.text for e in s.evidence]) for s in want.suspects]
    top = report.suspects[0]  # the senders left behind, counted in each dump judged
    assert (top.verdict, top.series) == ("leak", [12, 24, 36][:judged] if judged > 1 else [])
    assert loader.process.returncode == 0


def test_captures_given_before_the_file_shown_are_judged_with_it(tmp_path: Path) -> None:
    """``gotrace view OLD NEW``: NEW is shown, its leaks judged after OLD's dumps (and the
    dumps before the one shown in NEW); a capture given twice is read once, and said so."""
    first, second, third = SERIES_PARTS
    rest = tmp_path / "later.txt"
    rest.write_bytes(second.read_bytes() + third.read_bytes())
    loader = Loader(str(rest), earlier=[str(first), str(first)])
    msgs = list(loader.messages())
    loaded = next(m for m in msgs if isinstance(m, Loaded))
    report = next(m.value for m in msgs if isinstance(m, Computed) and m.name == "leaks")
    assert report.captures == [str(first), f"{rest} #1", str(rest)]
    assert report.suspects[0].series == [12, 24, 36] and report.suspects[0].verdict == "leak"
    assert f"{first} is the same capture as {first}: read once" in loaded.model.notices
    assert loaded.model.goroutines.count() == 37  # the last dump of the file shown


def test_a_series_of_a_trace_and_a_dump_is_refused_in_one_line(tmp_path: Path) -> None:
    msgs = list(Loader(str(SERIES_PARTS[0]), earlier=[str(SPIKE_TRACE)]).messages())
    assert isinstance(msgs[-1], Failed)
    assert "a series is all traces or all dumps; got both" in msgs[-1].message
