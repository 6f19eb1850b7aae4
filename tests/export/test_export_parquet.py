"""Parquet export read back with pyarrow (and queried with DuckDB), checked against the model."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SAMPLES

from gotrace.analysis.grouping import group_rows
from gotrace.analysis.leaks import find_leaks
from gotrace.analysis.selection import state_labels
from gotrace.analysis.spikes import creation_spikes
from gotrace.cli import cli
from gotrace.load import load
from gotrace.model import Model

pq = pytest.importorskip("pyarrow.parquet", reason="gotrace[export] (pyarrow) is not installed")

from gotrace.export.parquet import interval_batches, write_parquet  # noqa: E402

SPIKE = SAMPLES / "spike.go1.27.trace"
STUCK2 = SAMPLES / "stuck.go1.27.debug2.txt"
STUCK1 = SAMPLES / "stuck.go1.27.debug1.txt"


def exported(model: Model, out: Path) -> dict[str, list[dict]]:
    written = write_parquet(model, out)
    return {name: pq.read_table(out / f"{name}.parquet").to_pylist() for name in written}


def test_trace_tables_hold_the_model(tmp_path: Path) -> None:
    m = load(str(SPIKE))
    t = exported(m, tmp_path)
    assert set(t) == {"goroutines", "intervals", "groups", "spikes", "suspects"}
    g = m.goroutines
    rows = t["goroutines"]
    assert [r["id"] for r in rows] == g.id.tolist()
    assert [r["state"] for r in rows] == state_labels(m)
    assert [r["start_func"] for r in rows] == [m.tables.strings[int(s)] or None for s in g.name.tolist()]
    assert [r["created_ns"] for r in rows] == [None if v < 0 else v for v in g.created_ns.tolist()]
    assert [r["ended_ns"] for r in rows] == [None if v < 0 else v for v in g.ended_ns.tolist()]
    assert sum(r["exec_ns"] for r in rows) == int(g.exec_ns.sum())
    top = [m.tables.top_frame(int(s)) for s in g.creation_stack.tolist()]
    assert [(r["created_func"], r["created_line"]) for r in rows] == [
        (f.func, f.line) if f else (None, None) for f in top]
    assert all(r["labels"] == [] for r in rows)

    iv = m.intervals
    assert iv is not None
    assert len(t["intervals"]) == len(iv)
    assert [r["goroutine"] for r in t["intervals"]] == g.id[iv.row].tolist()
    assert sum(r["end_ns"] - r["start_ns"] for r in t["intervals"]) == int((iv.end - iv.start).sum())
    assert [r["p"] for r in t["intervals"]] == [None if p < 0 else p for p in iv.p.tolist()]

    groups = group_rows(m, np.arange(len(g)))
    assert [(r["count"], r["state"]) for r in t["groups"]] == [(x.count, x.state) for x in groups]
    sp = creation_spikes(m)
    assert [(r["site_func"], r["total"], r["is_spike"]) for r in t["spikes"]] == [
        (s.frame.func if s.frame else None, s.total, s.is_spike) for s in sp.sites]
    assert t["spikes"][0]["is_spike"] and t["spikes"][0]["burst_count"] > 2000
    suspects = find_leaks([m]).suspects
    assert [(r["verdict"], r["score"], r["count"]) for r in t["suspects"]] == [
        (s.verdict, s.score, s.group.count) for s in suspects]
    assert [[e["kind"] for e in r["evidence"]] for r in t["suspects"]] == [
        [e.kind for e in s.evidence] for s in suspects]


def test_dump_tables_carry_labels_and_no_trace_columns(tmp_path: Path) -> None:
    m = load(str(STUCK2))
    t = exported(m, tmp_path)
    assert set(t) == {"goroutines", "groups", "suspects"}
    queues = Counter(dict(r["labels"]).get("queue") for r in t["goroutines"])
    assert (queues["orders"], queues["emails"]) == (96, 24)
    assert all(r["exec_ns"] is None and r["created_ns"] is None for r in t["goroutines"])
    assert any(r["labels"] for r in t["groups"])


def test_debug1_rows_are_records_with_counts(tmp_path: Path) -> None:
    m = load(str(STUCK1))
    t = exported(m, tmp_path)
    assert sum(r["count"] for r in t["goroutines"]) == 231 == sum(r["count"] for r in t["groups"])


def test_intervals_are_written_in_row_groups(tmp_path: Path) -> None:
    m = load(str(SPIKE))
    batches = list(interval_batches(m, batch=5000))
    assert len(batches) == -(-len(m.intervals) // 5000)  # type: ignore[arg-type]
    assert sum(b.num_rows for b in batches) == len(m.intervals)  # type: ignore[arg-type]


def test_duckdb_reads_the_tables(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    write_parquet(load(str(SPIKE)), tmp_path)
    top = duckdb.sql(f"SELECT created_func, sum(count) AS n FROM '{tmp_path}/goroutines.parquet' "
                     "WHERE state <> 'dead' GROUP BY ALL ORDER BY n DESC LIMIT 1").fetchall()
    assert top == [("example.com/samples/spike/subscription.(*Hub).Subscribe", 3000)]


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_cli_parquet(tmp_path: Path) -> None:
    r = run("export", str(SPIKE), "--to", "parquet", "-o", str(tmp_path / "tables"))
    assert r.exit_code == 0
    assert "goroutines.parquet (3,070 rows)" in r.output and "spikes.parquet" in r.output


def test_cli_parquet_without_pyarrow_says_which_extra(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
        monkeypatch.setitem(sys.modules, name, None)  # type: ignore[arg-type]
    r = run("export", str(SPIKE), "--to", "parquet", "-o", str(tmp_path / "tables"))
    assert r.exit_code == 1
    assert r.stderr.strip() == "gotrace: error: parquet export needs pyarrow: pip install 'gotrace[export]'"
