"""Creation-rate spikes: the corpus scenarios, and event streams built to the definition.

Synthetic streams use the eventdump layout (see tests/model/test_from_trace.py):
a creation is a goroutine transition NotExist(1) -> Runnable(2) whose event
stack is the `go` statement.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import VERSIONS, corpus_file
from eventtext import parse_lines

from gotrace.analysis.spikes import (
    MIN_COUNT,
    creation_spikes,
    default_window,
)
from gotrace.cli.spikes import spikes
from gotrace.load import load
from gotrace.model import Model
from gotrace.model.from_trace import build_trace_model
from gotrace.render.documents import spikes_document
from gotrace.tables import Tables
from gotrace.trace.events import TraceInfo

SYNC = '{t} 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0'
BODY = "main.worker@main.go:50"
MS = 1_000_000


def stack(*funcs: str) -> str:
    return ";".join(f"{f}@{f.split('.')[0]}.go:{10 + i}" for i, f in enumerate(funcs))


def stream(creations: list[tuple[int, str]], end_ns: int, before: int = 0) -> Model:
    """A model from creations (time since start, creation stack) plus ``before``
    goroutines that were already waiting when the trace began."""
    t0 = 1000
    lines = [SYNC.format(t=t0)]
    lines += [f'{t0 + 1} 13 -1 0 5 - | 1 {10_000_000 + i} 0 4 "select" | {BODY} | 0' for i in range(before)]
    for i, (t, stk) in enumerate(sorted(creations, key=lambda c: c[0])):
        lines.append(f'{t0 + 2 + t} 13 1 0 5 {stk} | 1 {100 + i} 1 2 "" | {BODY} | 0')
    lines.append(SYNC.format(t=t0 + end_ns))
    tables = Tables()
    info = TraceInfo("go 1.26 trace", 26, 0, len(lines))
    return build_trace_model([parse_lines(lines, tables)], info, tables, "synthetic")


POLL = stack("main.poll", "main.main")
FLOOD = stack("main.flood", "main.handle", "main.main")


def steady(n_windows: int = 100, per: int = 100, period: int = 10 * MS) -> list[tuple[int, str]]:
    """A poll loop: a batch of ``per`` goroutines every ``period``."""
    return [(k * period + j * 1000, POLL) for k in range(n_windows) for j in range(per)]


def test_default_window_is_a_round_hundredth_of_the_span() -> None:
    assert default_window(629_655_361) == 10 * MS
    assert default_window(1_505_183_833) == 20 * MS
    assert default_window(436_738_160) == 5 * MS
    assert default_window(100 * MS) == MS
    assert default_window(12_345) == 1000


def test_steady_creation_is_no_spike() -> None:
    m = stream(steady(), 1000 * MS)
    sp = creation_spikes(m, 10 * MS)
    site = sp.sites[0]
    assert site.frame is not None and site.frame.func == "main.poll"
    assert site.total == 10_000 and not site.is_spike and site.burst is None


def test_poll_batches_every_other_window_are_still_steady() -> None:
    m = stream(steady(period=20 * MS, n_windows=50), 1000 * MS)
    sp = creation_spikes(m, 10 * MS)
    assert sp.sites[0].series[:6].tolist() == [100, 0, 100, 0, 100, 0]
    assert not sp.sites[0].is_spike


def test_flood_on_top_of_steady_traffic_is_the_top_spike() -> None:
    flood = [(600 * MS + i * 2000, FLOOD) for i in range(3000)]  # 3,000 within 6 ms
    m = stream(steady() + flood, 1000 * MS)
    sp = creation_spikes(m, 10 * MS)
    top = sp.sites[0]
    assert top.frame is not None and top.frame.func == "main.flood"
    assert top.is_spike and top.total == 3000
    assert top.peak_window == 60 and top.peak_count == 3000
    assert top.burst is not None and top.burst.count == 3000
    assert [f.func for f in top.callers[0].frames] == ["main.handle", "main.main"]
    assert not sp.sites[1].is_spike  # the poll loop stays steady


def test_small_burst_below_the_floor_is_no_spike() -> None:
    few = [(500 * MS + i, FLOOD) for i in range(MIN_COUNT - 1)]
    m = stream(few, 1000 * MS)
    assert not creation_spikes(m, 10 * MS).sites[0].is_spike
    m = stream([*few, (500 * MS + 100, FLOOD)], 1000 * MS)
    assert creation_spikes(m, 10 * MS).sites[0].is_spike


def test_burst_small_against_the_whole_program_is_no_spike() -> None:
    # 1,000 per window elsewhere: 60 extra in one window is noise for the program.
    busy = [(k * 10 * MS + j * 1000, POLL) for k in range(20) for j in range(1000)]
    side = [(100 * MS + i, FLOOD) for i in range(60)]
    sp = creation_spikes(stream(busy + side, 200 * MS), 10 * MS)
    flood = next(s for s in sp.sites if s.frame is not None and s.frame.func == "main.flood")
    assert not flood.is_spike


def test_unknown_creators_are_counted_never_dropped() -> None:
    m = stream(steady(n_windows=10), 100 * MS, before=7)
    sp = creation_spikes(m, 10 * MS)
    unknown = [s for s in sp.sites if s.frame is None]
    assert len(unknown) == 1 and unknown[0].total == 7
    assert unknown[0].alive_at_end == 7 and unknown[0].end_state == "select"
    assert unknown[0].peak_window == -1
    assert sum(s.total for s in sp.sites) == len(m.goroutines)
    assert len(sp.rows_of(unknown[0])) == 7


def test_callers_are_distinct_chains_with_counts() -> None:
    a = stack("main.spawn", "main.fromA", "main.main")
    b = stack("main.spawn", "main.fromB", "main.main")
    m = stream([(i * 1000, a) for i in range(30)] + [(i * 1000, b) for i in range(10)], 10 * MS)
    site = creation_spikes(m).sites[0]
    assert site.total == 40
    assert [(c.count, c.frames[0].func) for c in site.callers] == [(30, "main.fromA"), (10, "main.fromB")]


def test_user_frames_skip_wrappers_but_keep_runtime_sites() -> None:
    eg = ("golang.org/x/sync/errgroup.(*Group).Go@golang.org/x/sync/errgroup/errgroup.go:93;"
          "example.com/app/fetch.All@example.com/app/fetch/fetch.go:20;main.main@main.go:5")
    fetch = "example.com/app/fetch.All@example.com/app/fetch/fetch.go"
    wg = f"sync.(*WaitGroup).Go@sync/waitgroup.go:80;{fetch}:30"
    gc = f"runtime.gcBgMarkStartWorkers@runtime/mgc.go:1695;{fetch}:31"
    m = stream([(i * 1000, eg) for i in range(5)] + [(i * 1000, wg) for i in range(3)] + [(5, gc)], 10 * MS)

    plain = {s.frame.func: s.total for s in creation_spikes(m).sites if s.frame}
    assert plain == {"golang.org/x/sync/errgroup.(*Group).Go": 5, "sync.(*WaitGroup).Go": 3,
                     "runtime.gcBgMarkStartWorkers": 1}

    user = creation_spikes(m, user_frames=True).sites
    by_site = {(s.frame.func, s.frame.line): s for s in user if s.frame}
    assert set(by_site) == {("example.com/app/fetch.All", 20), ("example.com/app/fetch.All", 30),
                            ("runtime.gcBgMarkStartWorkers", 1695)}
    assert [f.func for f in by_site["example.com/app/fetch.All", 20].callers[0].frames] == ["main.main"]


def test_too_many_windows_is_refused() -> None:
    m = stream(steady(n_windows=2), 1000 * MS)
    with pytest.raises(ValueError, match="window"):
        creation_spikes(m, 1000)


# --- the corpus -------------------------------------------------------------------------------

TW_SITE = "example.com/shop/collection.NewTimingWheel"


@pytest.mark.parametrize("version", VERSIONS)
def test_timingwheel_spike_is_first_with_its_callers(version: str) -> None:
    model = load(str(corpus_file(version, "timingwheel.trace")))
    sp = creation_spikes(model)
    top = sp.sites[0]
    assert top.frame is not None and top.frame.func == TW_SITE
    assert top.frame.file.endswith("collection/timingwheel.go")
    assert top.is_spike and top.total == 20_000
    # The creations pour out in a burst holding nearly all of them, from nothing.
    assert top.burst is not None and top.burst.count >= 0.99 * 20_000
    assert top.baseline == 0
    assert top.peak_count == int(top.series.max()) and top.peak_count * 1e9 / sp.window_ns > 50_000
    chain = [f.func for f in top.callers[0].frames]
    assert top.callers[0].count == 20_000
    assert chain[:2] == ["example.com/shop/collection.NewCache", "example.com/shop/server.ConsumeMessage"]
    assert top.alive_at_end >= 19_900 and top.end_state == "select"
    assert sum(s.is_spike for s in sp.sites) == 1
    assert sum(s.total for s in sp.sites) == len(model.goroutines)


@pytest.mark.parametrize("version", VERSIONS)
def test_worker_creates_steadily(version: str) -> None:
    model = load(str(corpus_file(version, "worker.trace")))
    sp = creation_spikes(model)
    assert not any(s.is_spike for s in sp.sites)
    poll = sp.sites[0]
    assert poll.frame is not None and poll.frame.func == "example.com/shop/worker.Poll"
    assert poll.total >= 6900
    busy = poll.series[poll.series > 0]
    assert np.median(busy) == 100  # one poll of 100 rows per 20 ms window


def test_json_contract_and_cli() -> None:
    path = str(corpus_file("go1.26", "timingwheel.trace"))
    doc = spikes_document(creation_spikes(load(path)), top=3)
    site = doc["sites"][0]  # type: ignore[index]
    assert set(site) >= {"func", "file", "line", "total", "alive_at_end", "end_state", "is_spike", "peak",
                         "baseline_rate_per_s", "callers", "series"}
    assert set(site["peak"]) == {"start_ns", "count", "rate_per_s"}
    assert isinstance(doc["window_ns"], int) and len(doc["sites"]) == 3  # type: ignore[arg-type]

    r = CliRunner().invoke(spikes, [path, "--format", "json", "--top", "2"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["sites"][0]["func"] == TW_SITE and out["sites"][0]["callers"][0]["count"] == 20_000
    assert out["sites"][0]["series"] == site["series"]

    r = CliRunner().invoke(spikes, [path, "--window", "5ms"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert "1 spiking site" in lines[0] and "window 5.0ms" in lines[1]
    assert lines[3].startswith("SPIKE") and "collection.NewTimingWheel (timingwheel.go:24)" in lines[3]
    assert any("server.ConsumeMessage" in ln and "100.0%" in ln for ln in lines)

    r = CliRunner().invoke(spikes, [path, "--window", "1ns"])
    assert r.exit_code == 2 and "window" in r.output
