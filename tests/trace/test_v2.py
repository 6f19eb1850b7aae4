"""The v2 reader against Go's own ordered event stream (eventdump), line for line."""

from __future__ import annotations

import gzip
import json

import pytest
from conftest import CORPUS, DATA

from gotrace.errors import TraceFormatError
from gotrace.tables import Tables
from gotrace.trace.events import Kind
from gotrace.trace.reader import read_events
from gotrace.trace.textdump import event_lines

ENDS = json.loads((DATA / "v2_corpus_ends.json").read_text())


def lines_of(data: bytes) -> tuple[list[str], int]:
    tables = Tables()
    info, chunks = read_events(data, tables)
    lines = list(event_lines(chunks, tables))
    assert not info.damage
    return lines, info.events


def test_small_trace_equals_go_event_for_event() -> None:
    ours, count = lines_of((DATA / "v2small.trace").read_bytes())
    with gzip.open(DATA / "v2small.events.txt.gz", "rt") as f:
        go = f.read().splitlines()
    assert count == len(go) == len(ours)
    for i, (a, b) in enumerate(zip(ours, go, strict=True)):
        assert a == b, f"event {i} differs"


def test_small_trace_has_every_common_kind() -> None:
    tables = Tables()
    _, chunks = read_events((DATA / "v2small.trace").read_bytes(), tables)
    kinds = {int(k) for c in chunks for k in c.kind}
    assert {Kind.SYNC, Kind.METRIC, Kind.STATE_TRANSITION, Kind.RANGE_BEGIN, Kind.RANGE_END,
            Kind.TASK_BEGIN, Kind.TASK_END, Kind.REGION_BEGIN, Kind.REGION_END,
            Kind.LOG} <= kinds


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize("name", sorted(ENDS))
def test_corpus_trace_matches_go(name: str) -> None:
    ours, count = lines_of((CORPUS / name).read_bytes())
    want = ENDS[name]
    assert count == len(ours) == want["events"]
    assert ours[0] == want["first"]
    assert ours[-1] == want["last"]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize("name", sorted(ENDS))
def test_corpus_count_matches_go_summarizer(name: str) -> None:
    ref = CORPUS / "reference" / (name.replace("/", "__") + ".json.gz")
    with gzip.open(ref, "rt") as f:
        want = json.load(f)["events"]
    tables = Tables()
    info, chunks = read_events((CORPUS / name).read_bytes(), tables)
    assert sum(len(c) for c in chunks) == want
    assert info.events == want


def test_header_only_go126_trace_is_one_sync() -> None:
    tables = Tables()
    info, chunks = read_events(b"go 1.26 trace\x00\x00\x00", tables)
    lines = list(event_lines(chunks, tables))
    assert lines == ['1 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0']
    assert info.events == 1


def test_header_only_go122_trace_is_an_error() -> None:
    tables = Tables()
    with pytest.raises(TraceFormatError, match="no frequency event"):
        list(read_events(b"go 1.22 trace\x00\x00\x00", tables)[1])


def test_times_strictly_increase_and_columns_align() -> None:
    tables = Tables()
    _, chunks = read_events((DATA / "v2small.trace").read_bytes(), tables)
    last = 0
    for c in chunks:
        lengths = {len(x) for x in (c.time, c.kind, c.g, c.p, c.m, c.stack, c.res_kind, c.res,
                                    c.frm, c.to, c.name, c.tstack, c.task)}
        assert lengths == {len(c)}
        assert c.time[0] > last and (c.time[1:] > c.time[:-1]).all()
        last = int(c.time[-1])
