"""Per-P timelines: queries on a literal event stream, and the exec cross-check on the corpus.

Synthetic streams use the eventdump layout (see tests/model/test_from_trace.py).
"""

from __future__ import annotations

import io
import itertools
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import CORPUS, SAMPLES, SCENARIOS, VERSIONS, corpus_file
from eventtext import parse_lines

from gotrace.analysis.procs import ProcTimeline, Spans
from gotrace.cli.procs import procs
from gotrace.load import load
from gotrace.model import Model
from gotrace.model.from_trace import build_trace_model
from gotrace.render.timeline import SHADES, render_procs
from gotrace.tables import Tables
from gotrace.trace.events import GoState, TraceInfo

W = "main.worker@main.go:20"

# Times are written relative to the first event (1000); the model subtracts it.
# G7 runs on P0 over [100, 300) and [500, 900); G8 runs on P1 over [200, 1000).
# GC mark phase [400, 800) with a stop-the-world [400, 450).
EVENTS = """
0 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
0 13 -1 0 5 - | 1 7 0 2 "" | - | 0
0 13 -1 1 6 - | 1 8 0 2 "" | - | 0
100 13 -1 0 5 - | 1 7 2 3 "" | - | 0
200 13 -1 1 6 - | 1 8 2 3 "" | - | 0
300 13 7 0 5 W | 1 7 3 4 "chan receive" | W | 0
400 5 8 1 6 W | 0 0 0 0 "GC concurrent mark phase" | - | 0
400 5 8 1 6 W | 1 8 0 0 "stop-the-world (GC sweep termination)" | - | 0
450 7 8 1 6 - | 1 8 0 0 "stop-the-world (GC sweep termination)" | - | 0
500 13 -1 0 5 - | 1 7 4 3 "" | - | 0
800 7 8 1 6 - | 0 0 0 0 "GC concurrent mark phase" | - | 0
900 13 7 0 5 W | 1 7 3 4 "select" | W | 0
1000 13 8 1 6 W | 1 8 3 4 "select" | W | 0
1000 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
"""


@pytest.fixture(scope="module")
def tl() -> ProcTimeline:
    tables = Tables()
    lines = []
    for ln in EVENTS.strip().splitlines():
        t, rest = ln.strip().split(" ", 1)
        lines.append(f"{1000 + int(t)} {rest}".replace(" W ", f" {W} "))
    info = TraceInfo("go 1.26 trace", 26, 0, len(lines))
    return ProcTimeline(build_trace_model([parse_lines(lines, tables)], info, tables, "t"))


def test_running_intervals_by_range(tl: ProcTimeline) -> None:
    assert tl.procs == [0, 1]
    r = tl.running(0, 250, 600)
    assert r.start.tolist() == [100, 500] and r.end.tolist() == [300, 900] and r.goroutine.tolist() == [7, 7]
    assert tl.running(0, 300, 500).start.tolist() == []  # [start, end): touching is not overlapping
    assert tl.running(1, 0, 2000).goroutine.tolist() == [8]


def test_goroutine_at_and_idle(tl: ProcTimeline) -> None:
    assert tl.goroutine_at(0, 100) == 7 and tl.goroutine_at(0, 299) == 7
    assert tl.goroutine_at(0, 300) is None and tl.goroutine_at(0, 50) is None
    assert tl.goroutine_at(1, 999) == 8
    s, e = tl.idle(0, 0, 1000)
    assert list(zip(s.tolist(), e.tolist(), strict=True)) == [(0, 100), (300, 500), (900, 1000)]


def test_utilisation_and_density(tl: ProcTimeline) -> None:
    assert tl.utilisation() == {0: 0.6, 1: 0.8}
    assert tl.utilisation(200, 600) == {0: 0.5, 1: 1.0}
    assert tl.busy(0, 250, 550) == 100
    assert tl.density(0, 0, 1000, 10).tolist() == [0, 1, 1, 0, 0, 1, 1, 1, 1, 0]
    assert tl.density(0, 0, 1000, 4).tolist() == [0.6, 0.2, 1.0, 0.6]
    assert tl.total_running_ns() == 600 + 800


def test_gc_and_stw(tl: ProcTimeline) -> None:
    s, e = tl.gc_intervals(0, 1000)
    assert s.tolist() == [400] and e.tolist() == [800]
    assert tl.gc_intervals(0, 400)[0].tolist() == []
    s, e, names = tl.stw_intervals(420, 430)
    assert (s.tolist(), e.tolist(), names) == ([400], [450], ["stop-the-world (GC sweep termination)"])


def test_overlapping_intervals_are_clipped_not_double_counted() -> None:
    sp = Spans.of(np.array([0, 50, 100], np.int64), np.array([100, 80, 150], np.int64))
    assert sp.start.tolist() == [0, 100, 100] and sp.end.tolist() == [100, 100, 150]
    assert sp.covered(0, 200) == 150


def test_text_rendering(tl: ProcTimeline) -> None:
    text = render_procs(tl, 0, 1000, 10).splitlines()
    assert text[0] == "P0  │ ██  ████ │  60.0%"
    assert text[1] == "P1  │  ████████│  80.0%"
    assert text[2] == "GC  │    ████  │  40.0%"
    assert text[3] == "STW │    ▒     │   5.0%"
    assert text[4].startswith("    └┬") and text[5].strip().startswith("0")
    assert set("".join(row.split("│")[1] for row in text[:4])) <= set(SHADES)


# --- the corpus -------------------------------------------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_p_running_time_matches_goroutine_exec_time(version: str, scenario: str) -> None:
    model = load(str(corpus_file(version, f"{scenario}.trace")))
    tl = ProcTimeline(model)
    span = tl.span_ns
    on_ps = sum(tl.busy(p, 0, span) for p in tl.procs)
    iv = model.intervals
    assert iv is not None
    running = iv.state == GoState.RUNNING
    # Same intervals: nothing lost to P attribution, nothing clipped as overlap.
    assert (iv.p[running] >= 0).all()
    assert on_ps == int((iv.end - iv.start)[running].sum())
    # Go's per-goroutine exec accounting (pre-sync time included) over the same intervals.
    exec_total = int(model.goroutines.exec_ns.sum())
    assert abs(on_ps - exec_total) <= 0.01 * exec_total
    util = tl.utilisation()
    assert abs(sum(util.values()) * span - on_ps) <= len(util)
    for p in tl.procs:
        d = tl.density(p, 0, span, 97)
        edges = (np.arange(98, dtype=np.int64) * span) // 97
        assert abs(float((d * np.diff(edges)).sum()) - tl.busy(p, 0, span)) < 1e-3 * span


def test_gc_rows_on_a_gc_heavy_trace() -> None:
    model = load(str(corpus_file("go1.26", "mixed.trace")))
    tl = ProcTimeline(model)
    gs, ge = tl.gc_intervals(0, tl.span_ns)
    ss, se, names = tl.stw_intervals(0, tl.span_ns)
    assert len(gs) >= 3 and (ge > gs).all()
    assert len(ss) >= 2 * len(gs) and (se > ss).all() and all(n.startswith("stop-the-world") for n in names)


def test_cli_text_and_json() -> None:
    path = str(corpus_file("go1.26", "timingwheel.trace"))
    r = CliRunner().invoke(procs, [path, "--width", "60"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].startswith("4 Ps, 0 –")
    rows = [ln for ln in lines if ln.startswith("P")]
    assert len(rows) == 4 and all(len(ln.split("│")[1]) == 60 for ln in rows)
    assert lines[5].startswith("GC") and lines[6].startswith("STW")

    r = CliRunner().invoke(procs, [path, "--from", "300ms", "--to", "301ms", "--format", "json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert (doc["from_ns"], doc["to_ns"]) == (300_000_000, 301_000_000)
    assert [p["p"] for p in doc["procs"]] == [0, 1, 2, 3]
    for p in doc["procs"]:
        for iv in p["running"]:
            assert iv["end_ns"] > 300_000_000 and iv["start_ns"] < 301_000_000
            assert str(iv["goroutine"]) in doc["goroutines"]

    r = CliRunner().invoke(procs, [path, "--from", "10s"])
    assert r.exit_code == 2 and "empty range" in r.output


@pytest.mark.parametrize("version", VERSIONS)
def test_span_rows_agree_with_goroutine_at(version: str) -> None:
    tl = ProcTimeline(load(str(corpus_file(version, "worker.trace"))))
    ids = tl.model.goroutines.id
    for p in tl.procs:
        sp = tl.spans(p)
        idx = np.arange(-1, len(sp), dtype=np.int64)
        rows = tl.span_rows(p, idx)
        assert rows[0] == -1
        want = [tl.goroutine_at(p, int(s)) for s in sp.start.tolist()]
        assert [int(ids[r]) for r in rows[1:].tolist()] == want


def _queries(t: ProcTimeline) -> list[object]:
    out: list[object] = [t.procs, t.total_running_ns(), t.utilisation()]
    for p in t.procs:
        r = t.running(p, 0, t.span_ns)
        out += [r.start.tolist(), r.row.tolist(), t.density(p, 0, t.span_ns, 7).tolist(),
                t.goroutine_at(p, t.span_ns // 2)]
    return out


def test_pickled_once_and_the_same_after() -> None:
    """The viewer's loader sends the timeline pickled: the per-P views are made again on
    arrival, not copied beside the arrays they view (that doubled the index)."""
    model = load(str(SAMPLES / "spike.go1.27.trace"))
    t = ProcTimeline(model)
    buffers: list[pickle.PickleBuffer] = []
    body = io.BytesIO()
    pickler = pickle.Pickler(body, protocol=5, buffer_callback=buffers.append)
    pickler.persistent_id = lambda obj: "model" if obj is model else None  # type: ignore[method-assign]
    pickler.dump(t)
    index = sum(a.nbytes for a in (t._start, t._end, t._row, t._cum))
    assert sum(b.raw().nbytes for b in buffers) < index * 1.1

    class Reader(pickle.Unpickler):
        def persistent_load(self, pid: object) -> object:
            return model

    again = Reader(io.BytesIO(body.getvalue()), buffers=buffers).load()
    assert _queries(again) == _queries(t)


def test_the_index_of_a_table_in_files_is_in_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gotrace import spilldir
    from gotrace.inputs import open_input
    from gotrace.load import load_raw
    from gotrace.model import spill

    monkeypatch.setattr(spilldir, "_dir", tmp_path / "mine")
    (tmp_path / "mine").mkdir()
    path = SAMPLES / "spike.go1.27.trace"
    in_files = ProcTimeline(load_raw(open_input(str(path)), spill=tmp_path))
    in_memory = ProcTimeline(load(str(path)))
    for a in (in_files._start, in_files._end, in_files._row, in_files._cum):
        f = spill.file_of(a)
        assert f is not None and f.parent == tmp_path / "mine"
    assert not isinstance(in_memory._start, np.memmap)
    assert _queries(in_files) == _queries(in_memory)


def _by_one_sort(model: Model) -> tuple[np.ndarray, ...]:
    """The index as one stable sort of every running interval by (P, start) builds it."""
    from gotrace.analysis.procs import _disjoint

    iv = model.intervals
    assert iv is not None
    run = np.flatnonzero((iv.state == GoState.RUNNING) & (iv.p >= 0))
    order = run[np.lexsort((iv.start[run], iv.p[run]))]
    p = iv.p[order]
    start, end = iv.start[order].copy(), iv.end[order].copy()
    cuts = [0, *(np.flatnonzero(p[1:] != p[:-1]) + 1).tolist(), len(p)]
    for lo, hi in itertools.pairwise(cuts):  # each P's clipped on its own
        _disjoint(start[lo:hi], end[lo:hi])
    return p, start, end, iv.row[order]


@pytest.mark.parametrize("path", [*sorted(SAMPLES.glob("*.trace")), *sorted(CORPUS.glob("go1.*/*.trace"))],
                         ids=lambda p: f"{p.parent.name}/{p.name}")
@pytest.mark.parametrize("scan", [7, 1 << 20])
def test_built_a_p_at_a_time_as_one_sort_builds_it(path: Path, scan: int,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The index gathered 7 intervals of the table at a time, or all at once, and each P's
    sorted on its own, is the one a stable sort of the whole table by (P, start) gives."""
    from gotrace.analysis import procs as procs_module

    monkeypatch.setattr(procs_module, "SCAN", scan)
    model = load(str(path))
    t = ProcTimeline(model)
    p, start, end, row = _by_one_sort(model)
    np.testing.assert_array_equal(t._start, start)
    np.testing.assert_array_equal(t._end, end)
    np.testing.assert_array_equal(t._row, row)
    np.testing.assert_array_equal(t._cum, np.concatenate([[0], np.cumsum(end - start)]))
    for pid in t.procs:
        lo, hi = t._bounds[pid]
        assert (p[lo:hi] == pid).all() and lo == int(np.searchsorted(p, pid, "left"))
        assert hi == int(np.searchsorted(p, pid, "right"))
