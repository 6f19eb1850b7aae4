"""The C model builder (_summary.c) against its numpy twin (from_trace.py).

Every column of every table of the model must be the same, on real traces and
on synthetic streams that stress the corners (segments restarting mid-row,
undetermined syscalls, sparse and huge goroutine ids, empty input).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS, REPO
from eventtext import parse_lines
from test_from_trace import FOREVER, LIFE, MAIN, SYSCALL, WAKES, WORKER

from gotrace.model import from_trace
from gotrace.model.core import Model
from gotrace.tables import Tables
from gotrace.trace.events import ChunkBuilder, EventChunk, GoState, Kind, ProcState, TraceInfo
from gotrace.trace.reader import read_events

pytestmark = pytest.mark.skipif(from_trace._native is None,
                                reason="C summary gotrace.model._summary not built")

TRACES = sorted(CORPUS.glob("go1.*/*.trace")) + sorted((REPO / "samples").glob("*.trace"))

Source = Callable[[Tables], tuple[TraceInfo, list[EventChunk]]]


def build(source: Source, native: bool, monkeypatch: pytest.MonkeyPatch) -> Model:
    monkeypatch.setattr(from_trace, "NATIVE", native)
    tables = Tables()
    info, chunks = source(tables)
    return from_trace.build_trace_model(chunks, info, tables, "t")


def assert_same(source: Source, monkeypatch: pytest.MonkeyPatch) -> Model:
    py = build(source, False, monkeypatch)
    c = build(source, True, monkeypatch)
    for part in ("goroutines", "intervals", "procs", "ranges", "wakes"):
        a, b = getattr(py, part), getattr(c, part)
        for f in dataclasses.fields(a):
            x, y = getattr(a, f.name), getattr(b, f.name)
            assert x.dtype == y.dtype, f"{part}.{f.name}: {x.dtype} != {y.dtype}"
            np.testing.assert_array_equal(x, y, err_msg=f"{part}.{f.name}")
    assert py.tables.strings == c.tables.strings
    assert py.tables.stacks == c.tables.stacks
    assert (py.span_ns, py.proc_ids, py.notices) == (c.span_ns, c.proc_ids, c.notices)
    return c


@pytest.mark.parametrize("path", TRACES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_traces(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = path.read_bytes()

    def source(tables: Tables) -> tuple[TraceInfo, list[EventChunk]]:
        info, chunks = read_events(data, tables)
        return info, list(chunks)

    m = assert_same(source, monkeypatch)
    assert len(m.goroutines) > 0


def text(stream: str) -> Source:
    def source(tables: Tables) -> tuple[TraceInfo, list[EventChunk]]:
        lines = [ln.strip() for ln in stream.strip().splitlines()]
        return TraceInfo("go 1.26 trace", 26, 0, len(lines)), [parse_lines(lines, tables)]

    return source


RESTARTS = f"""
1000 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
1100 13 -1 0 5 - | 1 8 0 2 "" | - | 0
1200 13 -1 0 5 - | 1 8 2 3 "" | @:0 | 0
1300 13 8 0 5 - | 1 8 3 1 "" | {WORKER} | 0
1400 13 1 0 5 {MAIN} | 1 8 1 2 "" | {WORKER} | 0
1500 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
1600 13 -1 0 5 - | 1 8 0 5 "" | {MAIN} | 0
1700 13 -1 0 5 - | 1 8 5 4 "sleep" | {MAIN} | 0
1800 13 -1 0 5 - | 1 8 4 4 "sleep" | - | 0
1900 13 -1 0 5 - | 1 8 4 2 "" | - | 0
2000 13 -1 0 5 - | 1 1099511627776 0 4 "" | {MAIN} | 0
2100 13 -1 0 5 - | 1 -5 0 4 "select" | - | 0
2200 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
"""


@pytest.mark.parametrize("stream", [LIFE, SYSCALL, FOREVER, RESTARTS, WAKES],
                         ids=["life", "syscall", "forever", "restarts", "wakes"])
def test_streams(stream: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_same(text(stream), monkeypatch)


def test_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    m = assert_same(lambda tables: (TraceInfo("go 1.26 trace", 26, 0, 0), []), monkeypatch)
    assert m.intervals is not None
    assert len(m.goroutines) == 0 and len(m.intervals) == 0


# Goroutine ids spanning far more values than there are goroutines, negative or huge (the C
# summary's id map hashes them, and radix-sorts them at the end), and ids as Go hands them
# out: few values, a gap here and there (its direct table, in id order already).
SPARSE_IDS = [1, 2, 3, 17, 1 << 33, -9, 1000]
DENSE_IDS = [-2, 3, 9, 4, 12, 7, 6]


def random_chunks(seed: int, tables: Tables, rough: bool = False,
                  id_pool: list[int] = SPARSE_IDS) -> list[EventChunk]:
    """Arbitrary transitions (not a valid Go story: both paths must still agree).

    ``rough`` makes a damaged stream's corners too: times that go back (a sync then
    lands after events it precedes in time), a stack whose root frame names no
    function, and "forever" interned only for the last chunk."""
    rng = np.random.default_rng(seed)
    words = ("", "sleep", "select", "chan receive") if rough else \
        ("", "forever", "sleep", "select", "chan receive")
    reasons = [tables.string(s) for s in words]
    stacks = [0] + [tables.stack((tables.frame(f"main.f{i}", "m.go", i),)) for i in range(4)]
    if rough:
        stacks += [tables.stack((tables.frame("main.leaf", "m.go", 9), tables.frame("", "", 0)))]
    ids = rng.choice(id_pool, size=len(id_pool), replace=False).tolist()
    chunks, t = [], 100
    for c in range(3):
        if rough and c == 2:
            reasons.append(tables.string("forever"))
        b = ChunkBuilder()
        for _ in range(int(rng.integers(0, 400))):
            t += int(rng.integers(-30 if rough else 1, 50))
            r = rng.random()
            if r < 0.05:
                b.add(t, Kind.SYNC)
            elif r < 0.15:
                frm, to = (int(x) for x in rng.choice(
                    [ProcState.RUNNING, ProcState.IDLE, ProcState.UNDETERMINED], 2))
                b.add(t, Kind.STATE_TRANSITION, res_kind=2, res=int(rng.integers(0, 3)),
                      frm=frm, to=to)
            elif r < 0.2:
                b.add(t, int(rng.integers(Kind.RANGE_BEGIN, Kind.RANGE_END + 1)),
                      name=reasons[int(rng.integers(0, len(reasons)))], res_kind=int(rng.integers(0, 3)),
                      res=int(rng.integers(0, 3)))
            else:
                b.add(t, Kind.STATE_TRANSITION, g=int(rng.choice(ids)),
                      p=int(rng.integers(-1, 3)), stack=int(rng.choice(stacks)), res_kind=1,
                      res=int(rng.choice(ids)), frm=int(rng.integers(0, 6)),
                      to=int(rng.integers(0, 6)), name=reasons[int(rng.integers(0, len(reasons)))],
                      tstack=int(rng.choice(stacks)))
        chunks.append(b.freeze())
    return chunks


@pytest.mark.parametrize("id_pool", [SPARSE_IDS, DENSE_IDS], ids=["sparse-ids", "dense-ids"])
@pytest.mark.parametrize("rough", [False, True], ids=["ordered", "rough"])
@pytest.mark.parametrize("seed", range(40))
def test_random_streams(seed: int, rough: bool, id_pool: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    def source(tables: Tables) -> tuple[TraceInfo, list[EventChunk]]:
        return TraceInfo("go 1.26 trace", 26, 0, 0), random_chunks(seed, tables, rough, id_pool)

    m = assert_same(source, monkeypatch)
    assert (m.goroutines.state <= GoState.SYSCALL).all()


def test_an_undetermined_goroutine_counts_from_the_sync_before_it_in_the_stream(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Go's summarizer takes the last sync it has processed (syncTs), not the last one
    by time: a sync that comes later in a damaged stream, with an earlier time, does not
    move a goroutine already seen."""
    stream = text("""
1000 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
1100 13 -1 0 5 - | 1 8 0 3 "" | - | 0
1050 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
1200 13 -1 0 5 - | 1 8 3 4 "sleep" | - | 0
""")
    m = assert_same(stream, monkeypatch)
    assert m.goroutines.first_ns.tolist() == [0]
    assert m.goroutines.exec_ns.tolist() == [200]


@pytest.mark.parametrize("native", [False, True], ids=["python", "c"])
@pytest.mark.parametrize("path", TRACES[:3] + TRACES[-2:], ids=lambda p: f"{p.parent.name}/{p.name}")
def test_without_intervals_the_goroutines_are_the_same(path: Path, native: bool,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The summary commands build no interval table; nothing else may change."""
    monkeypatch.setattr(from_trace, "NATIVE", native)
    data = path.read_bytes()
    models = []
    for intervals in (True, False):
        tables = Tables()
        info, chunks = read_events(data, tables)
        models.append(from_trace.build_trace_model(chunks, info, tables, "t", intervals=intervals))
    full, lean = models
    assert lean.intervals is None and full.intervals is not None
    for part in ("goroutines", "wakes"):
        for f in dataclasses.fields(getattr(full, part)):
            np.testing.assert_array_equal(getattr(getattr(full, part), f.name),
                                          getattr(getattr(lean, part), f.name), err_msg=f"{part}.{f.name}")
    assert full.tables.strings == lean.tables.strings


def test_ids_hashed_before_the_direct_table_reached_them_merge_in_order(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The C summary reads the ids off its id map: an id seen while it was past the direct
    table's bound stays hashed after the table grows over it, and must still come out in
    its place among its neighbours (and negative and huge ids before and after them)."""
    ids = [70_000, -9, 1 << 40, *range(60_000, 72_000)]

    def source(tables: Tables) -> tuple[TraceInfo, list[EventChunk]]:
        b = ChunkBuilder()
        for t, gid in enumerate(ids, start=100):
            b.add(t, Kind.STATE_TRANSITION, res_kind=1, res=gid, frm=GoState.NOT_EXIST,
                  to=GoState.RUNNABLE, g=1)
        return TraceInfo("go 1.26 trace", 26, 0, len(ids)), [b.freeze()]

    m = assert_same(source, monkeypatch)
    assert m.goroutines.id.tolist() == sorted(set(ids))
