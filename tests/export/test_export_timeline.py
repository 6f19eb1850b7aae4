"""Perfetto and Chrome exports read back (perfetto's own protos; json) and checked against the model."""

from __future__ import annotations

import gzip
import io
import json
import sys
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SAMPLES
from export_helpers import perfetto_trace

from gotrace.analysis.procs import ProcTimeline
from gotrace.cli import cli
from gotrace.export.chrome import write_chrome
from gotrace.export.perfetto import write_perfetto
from gotrace.export.timeline import build_timeline, choose_goroutines
from gotrace.load import load
from gotrace.model import Model, state_name
from gotrace.trace.events import GoState

SPIKE = SAMPLES / "spike.go1.27.trace"
LEAK = SAMPLES / "leak.go1.23.trace"


@cache
def model(path: str) -> Model:
    return load(path)


@dataclass
class Read:
    """A Perfetto trace as a viewer sees it: tracks, slices per track, instants, flows, counter."""

    tracks: dict[int, Any] = field(default_factory=dict)
    slices: dict[int, list[tuple[int, int, str, dict]]] = field(default_factory=lambda: defaultdict(list))
    instants: list[tuple[int, int, str, list[int]]] = field(default_factory=list)
    flow_ends: dict[int, tuple[int, int]] = field(default_factory=dict)  # flow id -> (track, ts)
    counter: list[tuple[int, int]] = field(default_factory=list)
    timestamps: list[int] = field(default_factory=list)


def packets(data: bytes) -> list[Any]:
    """Every TracePacket, the ones inside ``compressed_packets`` (zlib) inflated in place."""
    Trace = perfetto_trace()
    trace = Trace()
    trace.ParseFromString(data)
    out = []
    for p in trace.packet:
        if p.HasField("compressed_packets"):
            inner = Trace()
            inner.ParseFromString(zlib.decompress(p.compressed_packets))
            out.extend(inner.packet)
        else:
            out.append(p)
    return out


def read_perfetto(data: bytes) -> Read:
    names: dict[int, str] = {}
    ann: dict[int, str] = {}
    out = Read()
    open_: dict[int, list[tuple[int, str, dict]]] = defaultdict(list)
    for p in packets(data):
        if p.HasField("interned_data"):
            assert p.sequence_flags & 1, "interned data clears the incremental state"
            names.update({e.iid: e.name for e in p.interned_data.event_names})
            ann.update({e.iid: e.name for e in p.interned_data.debug_annotation_names})
        if p.HasField("track_descriptor"):
            out.tracks[p.track_descriptor.uuid] = p.track_descriptor
        if not p.HasField("track_event"):
            continue
        assert p.trusted_packet_sequence_id == 1 and p.sequence_flags & 2
        e = p.track_event
        assert e.track_uuid in out.tracks, "every event's track is described first"
        out.timestamps.append(p.timestamp)
        args = {ann[d.name_iid]: d.int_value for d in e.debug_annotations}
        if e.type == e.TYPE_SLICE_BEGIN:
            open_[e.track_uuid].append((p.timestamp, names[e.name_iid], args))
            for f in e.terminating_flow_ids:
                out.flow_ends[f] = (e.track_uuid, p.timestamp)
        elif e.type == e.TYPE_SLICE_END:
            start, name, a = open_[e.track_uuid].pop()
            out.slices[e.track_uuid].append((start, p.timestamp, name, a))
        elif e.type == e.TYPE_INSTANT:
            out.instants.append((e.track_uuid, p.timestamp, names[e.name_iid], list(e.flow_ids)))
        elif e.type == e.TYPE_COUNTER:
            out.counter.append((p.timestamp, e.counter_value))
    assert not any(open_.values()), "every slice that begins ends"
    return out


def by_name(read: Read) -> dict[str, int]:
    return {t.name: uuid for uuid, t in read.tracks.items()}


def export(path: str, **kw: Any) -> tuple[Model, Any, Read]:
    m = model(path)
    tl = build_timeline(m, **kw)
    buf = io.BytesIO()
    write_perfetto(tl, buf, chunk=997)  # many chunks: the boundaries are tested too
    return m, tl, read_perfetto(buf.getvalue())


def test_perfetto_p_tracks_hold_every_running_stretch_named_by_function() -> None:
    m, _, read = export(str(SPIKE))
    g = m.goroutines
    pt = ProcTimeline(m)
    tracks = by_name(read)
    assert read.timestamps == sorted(read.timestamps)
    for p in pt.procs:
        sp = pt.spans(p)
        got = read.slices[tracks[f"P{p}"]]
        keep = sp.end > sp.start
        rows = pt.span_rows(p, np.flatnonzero(keep))
        want = [(s, e, m.tables.strings[int(g.name[r])], {"goroutine": int(g.id[r])})
                for s, e, r in zip(sp.start[keep].tolist(), sp.end[keep].tolist(), rows.tolist(),
                                   strict=True)]
        assert sorted(got) == want
        assert read.tracks[tracks[f"P{p}"]].parent_uuid == tracks["Ps"]


def test_perfetto_goroutine_tracks_hold_their_states_and_wait_sites() -> None:
    m, tl, read = export(str(SPIKE), max_goroutines=40)
    g, iv, t = m.goroutines, m.intervals, m.tables
    assert iv is not None
    tracks = {u: tr for u, tr in read.tracks.items() if tr.parent_uuid == by_name(read)["Goroutines"]}
    assert len(tracks) == tl.goroutine_tracks == 40
    # Every creation site is represented; the 3,000-goroutine site has most tracks.
    sites = Counter(t.top_frame(int(g.creation_stack[r])) for r in range(len(g)))
    shown = Counter(t.top_frame(int(g.creation_stack[g.row_of(int(tr.name.split()[0][1:]))]))
                    for tr in tracks.values())
    assert set(shown) == set(sites)
    assert shown.most_common(1)[0][0] == sites.most_common(1)[0][0]
    for uuid, tr in tracks.items():
        r = g.row_of(int(tr.name.split()[0][1:]))
        assert r is not None
        sl = iv.of_row(r)
        want = []
        for s, e, st, reason in zip(iv.start[sl].tolist(), iv.end[sl].tolist(), iv.state[sl].tolist(),
                                    iv.reason[sl].tolist(), strict=True):
            if e > s and st != GoState.NOT_EXIST:
                want.append((s, e, state_name(st, t.strings[reason])))
        got = sorted(read.slices[uuid])
        assert [(s, e, name.split(" @ ")[0]) for s, e, name, _ in got] == want
        assert all(" @ " in name for _, _, name, _ in got if name.split(" @ ")[0] not in
                   ("running", "runnable", "waiting"))


def test_perfetto_creation_arrows_go_from_the_creators_p_to_the_childs_first_slice() -> None:
    m, tl, read = export(str(SPIKE), max_goroutines=200)
    g = m.goroutines
    pt = ProcTimeline(m)
    tracks = by_name(read)
    p_of = {uuid: int(tr.name[1:]) for uuid, tr in read.tracks.items() if tr.parent_uuid == tracks["Ps"]}
    assert tl.stats["creation arrows"] == len(read.instants) > 100
    for track, ts, name, flows in read.instants:
        (flow,) = flows
        child = g.row_of(flow - 1)
        assert child is not None and name == f"go {m.tables.strings[int(g.name[child])]}"
        end_track, end_ts = read.flow_ends[flow]
        assert read.tracks[end_track].name.startswith(f"G{flow - 1} ")
        assert end_ts == int(g.created_ns[child]), "the arrow ends where the child's life begins"
        # The creator was running on that P at that moment.
        assert pt.goroutine_at(p_of[track], ts) == int(g.creator[child])
    assert set(read.flow_ends) == {f for *_, flows in read.instants for f in flows}


def test_perfetto_gc_stw_and_the_goroutine_count() -> None:
    m, _, read = export(str(SPIKE))
    r = m.ranges
    assert r is not None
    names = [m.tables.strings[int(n)] for n in r.name]
    tracks = by_name(read)
    assert len(read.slices[tracks["GC"]]) == names.count("GC concurrent mark phase")
    stw = sorted(read.slices[tracks["STW"]])
    assert [n for *_, n, _ in stw] == [n for _, n in sorted(zip(r.start.tolist(), names, strict=True))
                                        if n.startswith("stop-the-world")]
    g = m.goroutines
    assert read.counter[-1][1] == int(np.count_nonzero(g.ended_ns < 0))
    assert read.tracks[tracks["goroutines"]].HasField("counter")


def test_perfetto_window_clips_everything_to_it() -> None:
    lo, hi = 60_000_000, 120_000_000
    m, tl, read = export(str(SPIKE), t0=lo, t1=hi)
    assert (tl.t0, tl.t1) == (lo, hi)
    assert all(lo <= ts <= hi for ts in read.timestamps)
    pt = ProcTimeline(m)
    running = sum(pt.busy(p, lo, hi) for p in pt.procs)
    tracks = by_name(read)
    p_tracks = [u for u, tr in read.tracks.items() if tr.parent_uuid == tracks["Ps"]]
    assert sum(e - s for u in p_tracks for s, e, _, _ in read.slices[u]) == running


def test_choose_goroutines_round_robins_over_sites() -> None:
    m = model(str(SPIKE))
    life = np.ones(len(m.goroutines))
    rows = choose_goroutines(m, life, 10)
    t = m.tables
    sites = {t.top_frame(int(m.goroutines.creation_stack[r])) for r in rows.tolist()}
    assert len(rows) == 10 and len(sites) == min(10, len({t.top_frame(int(s)) for s in
                                                          m.goroutines.creation_stack.tolist()}))
    assert len(choose_goroutines(m, life, 0)) == 0


def read_chrome(data: bytes) -> dict:
    return json.loads(gzip.decompress(data))


def test_chrome_has_the_same_slices_flows_and_counter_as_perfetto() -> None:
    m = model(str(LEAK))
    tl = build_timeline(m, max_goroutines=100)
    buf = io.BytesIO()
    write_perfetto(tl, buf)
    read = read_perfetto(buf.getvalue())
    cbuf = io.BytesIO()
    write_chrome(tl, cbuf, chunk=501)
    doc = read_chrome(cbuf.getvalue())
    events = doc["traceEvents"]
    threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e["name"] == "thread_name"}
    uuid_of = {tr.name: u for u, tr in read.tracks.items()}
    chrome_slices: dict[int, list] = defaultdict(list)
    for e in events:
        if e["ph"] == "X":
            ns = lambda us: round(us * 1000)  # noqa: E731
            chrome_slices[uuid_of[threads[(e["pid"], e["tid"])]]].append(
                (ns(e["ts"]), ns(e["ts"]) + ns(e["dur"]), e["name"], e.get("args", {})))
    assert {u: sorted(v) for u, v in chrome_slices.items()} == {u: sorted(v) for u, v in read.slices.items()}
    starts = {e["id"]: (threads[(e["pid"], e["tid"])], e["ts"]) for e in events if e["ph"] == "s"}
    ends = {e["id"]: threads[(e["pid"], e["tid"])] for e in events if e["ph"] == "f"}
    assert set(starts) == set(ends) == {f for *_, flows in read.instants for f in flows}
    assert all(e["bp"] == "e" for e in events if e["ph"] == "f")
    counter = [(round(e["ts"] * 1000), e["args"]["alive"]) for e in events if e["ph"] == "C"]
    assert counter == read.counter
    assert doc["otherData"]["goroutine_tracks"] == tl.goroutine_tracks


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("fmt,name", [("perfetto", "t.pftrace"), ("chrome", "t.json.gz")])
def test_cli_writes_timelines_and_says_what_it_kept(tmp_path, fmt: str, name: str) -> None:
    out = tmp_path / name
    r = run("export", str(SPIKE), "--to", fmt, "-o", str(out), "--goroutines", "25", "--from", "50ms")
    assert r.exit_code == 0, r.output
    assert f"wrote {out}" in r.output and "a track for 25 of the" in r.output
    assert "(--goroutines N for more)" in r.output
    assert out.stat().st_size > 1000 and not list(tmp_path.glob(".*tmp*"))


def test_timelines_need_no_optional_library(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The base install writes Perfetto and Chrome: only Parquet needs an extra."""
    for name in [m for m in sys.modules if m.split(".")[0] in ("pyarrow", "google", "perfetto")]:
        monkeypatch.setitem(sys.modules, name, None)  # type: ignore[arg-type]
    for fmt in ("perfetto", "chrome"):
        r = run("export", str(SPIKE), "--to", fmt, "-o", str(tmp_path / fmt))
        assert r.exit_code == 0, r.output


def test_cli_refuses_a_dump_for_a_timeline_in_one_line(tmp_path) -> None:
    r = run("export", str(SAMPLES / "leak.go1.23.debug2.txt"), "--to", "perfetto", "-o", str(tmp_path / "x"))
    assert r.exit_code == 1
    assert r.stderr.strip().count("\n") == 0 and "needs an execution trace" in r.stderr
    assert not (tmp_path / "x").exists()


def test_cli_window_options_apply_to_timelines_only(tmp_path) -> None:
    r = run("export", str(SPIKE), "--to", "pprof", "--from", "1ms", "-o", str(tmp_path / "x"))
    assert r.exit_code == 2 and "--from applies to --to perfetto or chrome" in r.output
    r = run("export", str(SPIKE), "--to", "perfetto", "--from", "2ms", "--until", "1ms",
            "-o", str(tmp_path / "x"))
    assert r.exit_code == 2 and "empty window" in r.output
