"""pprof export read back with protobuf (profile.proto's schema) and with ``go tool pprof``."""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SAMPLES, corpus_file
from export_helpers import go_binary, read_profile, samples_of

from gotrace.cli import cli
from gotrace.export.pprof import STATE_LABEL, write_pprof
from gotrace.load import load
from gotrace.model import Model
from gotrace.trace.events import GoState

SPIKE = SAMPLES / "spike.go1.27.trace"
STUCK2 = SAMPLES / "stuck.go1.27.debug2.txt"
STUCK1 = SAMPLES / "stuck.go1.27.debug1.txt"


def export(model: Model, path: Path, at: int | None = None):
    with open(path, "wb") as f:
        write_pprof(model, f, at)
    return read_profile(path)


def by_stack(samples) -> Counter:
    out: Counter = Counter()
    for funcs, _, n in samples:
        out[funcs] += n
    return out


def model_stacks(model: Model, rows: np.ndarray, stacks: np.ndarray | None = None) -> Counter:
    g, t = model.goroutines, model.tables
    stacks = g.last_stack[rows] if stacks is None else stacks
    out: Counter = Counter()
    for s, w in zip(stacks.tolist(), g.weights(rows).tolist(), strict=True):
        out[tuple(f.func for f in t.stack_frames(s))] += w
    return out


def test_header_is_a_goroutine_count_profile(tmp_path: Path) -> None:
    prof = export(load(str(SPIKE)), tmp_path / "p.pb.gz")
    st = list(prof.string_table)
    assert st[0] == ""
    assert [(st[v.type], st[v.unit]) for v in prof.sample_type] == [("goroutine", "count")]
    assert (st[prof.period_type.type], st[prof.period_type.unit], prof.period) == ("goroutine", "count", 1)
    assert "spike.go1.27.trace" in st[prof.comment[0]]
    (mapping,) = prof.mapping
    assert st[mapping.filename] == "spike.go1.27.trace" and mapping.has_functions
    assert {loc.mapping_id for loc in prof.location} == {mapping.id}


def test_trace_end_state_counts_every_live_goroutine_on_its_last_stack(tmp_path: Path) -> None:
    m = load(str(SPIKE))
    got = samples_of(export(m, tmp_path / "p.pb.gz"))
    alive = np.flatnonzero(m.goroutines.state != GoState.NOT_EXIST)
    assert sum(n for *_, n in got) == len(alive) == 3012
    assert by_stack(got) == model_stacks(m, alive)
    states = Counter()
    for _, labels, n in got:
        states[labels[STATE_LABEL]] += n
    assert states["select"] == 3000


def test_trace_at_an_instant_counts_who_was_alive_then(tmp_path: Path) -> None:
    m = load(str(SPIKE))
    iv = m.intervals
    assert iv is not None
    at = 120_000_000
    got = samples_of(export(m, tmp_path / "p.pb.gz", at))
    # Independently: per goroutine, walk its intervals to the one holding `at`.
    want_rows, want_states = [], Counter()
    for r in range(len(m.goroutines)):
        sl = iv.of_row(r)
        for s, e, st, reason in zip(iv.start[sl].tolist(), iv.end[sl].tolist(), iv.state[sl].tolist(),
                                    iv.reason[sl].tolist(), strict=True):
            if s <= at < e and st != GoState.NOT_EXIST:
                want_rows.append(r)
                want_states[m.tables.strings[reason] if st == GoState.WAITING else st] += 1
    assert sum(n for *_, n in got) == len(want_rows)
    assert 100 < len(want_rows) < 3012, "mid-burst: some but not all watchers exist yet"
    got_states = Counter()
    for _, labels, n in got:
        got_states[labels[STATE_LABEL]] += n
    assert got_states["select"] == want_states["select"]


def test_dump_labels_become_pprof_labels(tmp_path: Path) -> None:
    m = load(str(STUCK2))
    got = samples_of(export(m, tmp_path / "p.pb.gz"))
    assert sum(n for *_, n in got) == 231
    queues = Counter()
    for _, labels, n in got:
        if "queue" in labels:
            queues[labels["queue"]] += n
    assert m.extras is not None
    assert queues == Counter(x.g.labels["queue"] for x in m.extras if "queue" in x.g.labels)
    assert queues == {"orders": 96, "emails": 24}


def test_debug1_records_keep_their_counts(tmp_path: Path) -> None:
    m = load(str(STUCK1))
    assert m.is_profile
    got = samples_of(export(m, tmp_path / "p.pb.gz"))
    assert sum(n for *_, n in got) == 231
    assert by_stack(got) == model_stacks(m, np.flatnonzero(m.goroutines.state != GoState.NOT_EXIST))
    assert max(n for *_, n in got) == 96


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_cli_pprof_says_what_it_wrote_and_refuses_at_for_a_dump(tmp_path: Path) -> None:
    r = run("export", str(SPIKE), "--to", "pprof", "--at", "100ms", "-o", str(tmp_path / "p.pb.gz"))
    assert r.exit_code == 0 and "goroutines at 100ms on" in r.output
    r = run("export", str(STUCK2), "--to", "pprof", "--at", "1s", "-o", str(tmp_path / "q.pb.gz"))
    assert r.exit_code == 2 and "--at applies to an execution trace" in r.output
    r = run("export", str(SPIKE), "--to", "pprof", "--at", "10s", "-o", str(tmp_path / "q.pb.gz"))
    assert r.exit_code == 2 and "past the end of the trace" in r.output
    r = run("export", str(SPIKE), "--to", "parquet", "--at", "1ms", "-o", str(tmp_path / "q"))
    assert r.exit_code == 2


def test_cli_unwritable_output_is_one_line(tmp_path: Path) -> None:
    r = run("export", str(STUCK2), "--to", "pprof", "-o", str(tmp_path / "missing" / "p.pb.gz"))
    assert r.exit_code == 1 and r.stderr.strip().count("\n") == 0 and "cannot write" in r.stderr


GO = go_binary()
needs_go = pytest.mark.skipif(GO is None, reason="no Go toolchain for go tool pprof")


def pprof(*args: str) -> str:
    assert GO is not None
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod", "GOPROXY": "off"}
    r = subprocess.run([GO, "tool", "pprof", *args], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def pprof_top(path: Path) -> tuple[int, dict[str, int]]:
    """Total and flat count per function of ``go tool pprof -top``."""
    out = pprof("-top", "-nodefraction=0", "-nodecount=100000", str(path))
    total = int(out.split(" total")[0].rsplit(" of ", 1)[1])
    flat = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 6 and parts[0].isdigit() and parts[1].endswith("%"):
            flat[" ".join(parts[5:])] = int(parts[0])
    return total, flat


def gotrace_leaf_counts(path: Path) -> tuple[int, Counter]:
    """``gotrace goroutines --group-by stack --format json``: live goroutines, by leaf function."""
    r = run("goroutines", str(path), "--group-by", "stack", "--format", "json")
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    live = [grp for grp in doc["groups"] if grp["state"] != "dead"]
    leaves: Counter = Counter()
    for grp in live:
        if grp["stack"]:
            leaves[grp["stack"][0]["func"]] += grp["count"]
    return sum(grp["count"] for grp in live), leaves


@needs_go
@pytest.mark.parametrize("path", [SPIKE, STUCK2, STUCK1, SAMPLES / "leak.go1.23.trace"])
def test_go_tool_pprof_top_agrees_with_gotrace_goroutines(tmp_path: Path, path: Path) -> None:
    out = tmp_path / "p.pb.gz"
    assert run("export", str(path), "--to", "pprof", "-o", str(out)).exit_code == 0
    total, flat = pprof_top(out)
    want_total, leaves = gotrace_leaf_counts(path)
    assert total == want_total
    assert {f: n for f, n in flat.items() if n} == dict(leaves)


@needs_go
def test_go_tool_pprof_reads_the_labels(tmp_path: Path) -> None:
    out = tmp_path / "p.pb.gz"
    assert run("export", str(STUCK2), "--to", "pprof", "-o", str(out)).exit_code == 0
    tags = pprof("-tags", str(out))
    assert "96 (41.56%): orders" in tags and "24 (10.39%): emails" in tags
    assert f"{STATE_LABEL}: Total 231 of 231" in tags


@needs_go
def test_go_tool_pprof_reads_a_corpus_leak(tmp_path: Path) -> None:
    path = corpus_file("go1.26", "leakhttp.debug2.txt")
    out = tmp_path / "p.pb.gz"
    assert run("export", str(path), "--to", "pprof", "-o", str(out)).exit_code == 0
    total, _ = pprof_top(out)
    assert total == gotrace_leaf_counts(path)[0] >= 1200
