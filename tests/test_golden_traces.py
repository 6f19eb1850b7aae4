"""Golden test: our JSON agrees with Go's own parser and summarizer on every corpus trace.

The reference (``../shared/corpus/reference``) is ``traceoracle summary``: Go
1.27's internal/trace reader and Summarizer. Agreement required by the contract:
the same goroutine ids; the same creator function and file:line; creation and end
within 1 µs; exec, sched-wait and syscall totals within 1% (or 10 µs).
"""

from __future__ import annotations

import gzip
import json
from functools import cache

import pytest
from click.testing import CliRunner
from conftest import CORPUS, SCENARIOS, VERSIONS, corpus_file

from gotrace.cli import cli

CASES = [(v, s) for v in VERSIONS for s in SCENARIOS]


@cache
def ours(version: str, scenario: str) -> dict:
    path = corpus_file(version, f"{scenario}.trace")
    r = CliRunner().invoke(cli, ["goroutines", str(path), "--format", "json"])
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def reference(version: str, scenario: str) -> dict:
    p = CORPUS / "reference" / f"{version}__{scenario}.trace.json.gz"
    if not p.exists():
        pytest.skip(f"no reference for {version} {scenario}")
    return json.loads(gzip.decompress(p.read_bytes()))


def close(a: int, b: int) -> bool:
    return abs(a - b) <= max(10_000, abs(b) // 100)


@pytest.mark.parametrize(("version", "scenario"), CASES)
def test_agrees_with_go(version: str, scenario: str) -> None:
    ref = reference(version, scenario)
    doc = ours(version, scenario)
    assert doc["source"]["kind"] == "trace"
    mine = {g["id"]: g for g in doc["goroutines"]}
    theirs = {g["id"]: g for g in ref["goroutines"]}
    assert sorted(mine) == sorted(theirs)
    bad = []
    for gid, r in theirs.items():
        m = mine[gid]
        problems = []
        if (m["start_func"] or "") != r["name"]:
            problems.append(f"name {m['start_func']!r} != {r['name']!r}")
        if "creator_func" in r:
            cb = m["created_by"]
            if cb is None or cb["func"] != r["creator_func"] or (
                f"{cb['file']}:{cb['line']}" != r["creator_site"]
            ):
                problems.append(f"creator {cb} != {r['creator_func']} {r['creator_site']}")
            elif cb["goroutine"] != (r["creator_goid"] if r["creator_goid"] >= 0 else None):
                problems.append("creator goroutine")
            if m["created_ns"] is None or abs(m["created_ns"] - r["created_ns"]) > 1000:
                problems.append(f"created {m['created_ns']} != {r['created_ns']}")
        elif m["created_ns"] is not None:
            problems.append("created_ns for a goroutine that existed before the trace")
        want_end = None if r["end_ns"] < 0 else r["end_ns"]
        if (m["ended_ns"] is None) != (want_end is None) or (
            want_end is not None and abs(m["ended_ns"] - want_end) > 1000
        ):
            problems.append(f"ended {m['ended_ns']} != {want_end}")
        for key in ("exec_ns", "sched_wait_ns", "syscall_ns"):
            if not close(m[key], r[key]):
                problems.append(f"{key} {m[key]} != {r[key]}")
        want_block = {k: v for k, v in r["block_ns"].items() if v}
        if set(m["block_ns"]) != set(want_block) or not all(
            close(m["block_ns"][k], v) for k, v in want_block.items()
        ):
            problems.append(f"block {m['block_ns']} != {want_block}")
        if problems:
            bad.append((gid, problems))
    assert bad == [], f"{len(bad)} of {len(theirs)} goroutines differ, e.g. {bad[:3]}"


@pytest.mark.parametrize("version", VERSIONS)
def test_info_counts_match_go(version: str) -> None:
    ref = reference(version, "mixed")
    path = corpus_file(version, "mixed.trace")
    r = CliRunner().invoke(cli, ["info", str(path), "--format", "json"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["events"] == ref["events"]
    assert doc["procs"] == ref["procs"]
    assert doc["goroutines"] == len(ref["goroutines"])
