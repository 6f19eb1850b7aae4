"""Verdicts on Go's own goroutine-leak test programs: real blocking bugs, one dump each, and
a trace of each whose leak is certain.

``tests/data/goleakprofile`` holds a debug=2 dump of each entry point of the Go runtime's
``testgoroutineleakprofile`` programs (22 common patterns and stress tests, 64 GoKer bugs
of cockroach, etcd, grpc, kubernetes, moby, istio, serving, syncthing, hugo), built with Go
1.21 (no "(leaked)" marks: gotrace's own evidence only) and taken as the program would have
written its leak profile, and each test's expected leaks from the Go test that runs them
(``capture.py`` makes them). A leak counts as found when a goroutine it names is in a group
at ``likely`` or ``leak``. The floors are what this capture gives; one dump seconds in of a
program whose leaks are one or two goroutines waiting in a receive or a select (a loop
waiting for its next event looks so) is not enough for the rest.
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from gotrace.analysis.leaks import LeakReport, find_leaks, verdict_rank
from gotrace.load import load
from gotrace.model.from_dump import build_dump_model

DATA = Path(__file__).resolve().parents[1] / "data" / "goleakprofile"
TESTS: dict[str, dict[str, Any]] = json.loads((DATA / "expected.json").read_text())["tests"]
HEADER = re.compile(r"goroutine (\d+) \[([^\]]*)\]:")
# Floors: of the tests with an expected leak present in the dump, those found (measured: 67 of
# 80; of the 43 whose leaks are certain, not flaky, 30; in their traces, 30 of 43).
FOUND_MIN, FOUND_STEADY_MIN, FOUND_TRACE_MIN = 0.75, 0.65, 0.6


def goroutines(text: str) -> dict[int, str]:
    """Each goroutine as the Go test names a leak: its start function (the frame above
    "created by", without "main.") and its wait (Go 1.21's semacquire in a WaitGroup is what
    newer runtimes call sync.WaitGroup.Wait)."""
    out = {}
    for block in text.split("\n\n"):
        lines = block.strip("\n").splitlines()
        m = HEADER.match(lines[0]) if lines else None
        made = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].startswith("created by")), None)
        if m is None or made is None or made < 2:
            continue
        wait = m[2]
        if wait.startswith("semacquire") and any(x.startswith("sync.(*WaitGroup).Wait(") for x in lines):
            wait = "sync.WaitGroup.Wait" + wait[len("semacquire"):]
        out[int(m[1])] = f"{lines[made - 2].removeprefix('main.')} [{wait}]"
    return out


@cache
def judged(name: str) -> tuple[dict[int, str], LeakReport]:
    text = gzip.decompress((DATA / "go1.21" / f"{name}.debug2.txt.gz").read_bytes()).decode()
    return goroutines(text), find_leaks([build_dump_model(text.encode(), f"{name}.debug2.txt")])


@cache
def traced(name: str) -> LeakReport | None:
    path = DATA / "go1.21" / f"{name}.trace.gz"
    return find_leaks([load(str(path))]) if path.exists() else None


def found_ids(report: LeakReport) -> set[int]:
    ids = report.model.goroutines.id
    return {int(i) for s in report.suspects if verdict_rank(s.verdict) <= verdict_rank("likely")
            for i in ids[s.group.rows].tolist()}


def outcome(name: str, trace: bool = False) -> bool | None:
    """Whether one of the test's expected leaks is found in its dump (``trace``: in its trace,
    of the same run: goroutine ids are the process's); None when none is in the dump (a flaky
    leak that did not happen in this run)."""
    named, report = judged(name)
    leaks = [re.compile(rx) for rx in TESTS[name]["leaks"]]
    present = {gid for gid, text in named.items() if any(rx.search(text) for rx in leaks)}
    if trace:
        traced_report = traced(name)
        assert traced_report is not None, name
        report = traced_report
    return bool(present & found_ids(report)) if present else None


def test_most_real_blocking_bugs_are_found_in_one_dump() -> None:
    results = {n: outcome(n) for n in TESTS if TESTS[n]["leaks"]}
    present = [n for n, r in results.items() if r is not None]
    steady = [n for n in present if not TESTS[n]["flaky"]]
    found = [n for n in present if results[n]]
    missed = sorted(set(present) - set(found))
    assert len(present) >= 75  # the dumps hold the leaks (a flaky one may not happen in a run)
    assert len(found) >= FOUND_MIN * len(present), missed
    assert sum(1 for n in steady if results[n]) >= FOUND_STEADY_MIN * len(steady), missed


def test_most_are_found_in_a_trace_of_their_first_second() -> None:
    """The tests whose leak is certain, traced from their start to their profile: the same
    quiet at the trace's end speaks (the tracer's own goroutines are not the program's)."""
    steady = [n for n in TESTS if TESTS[n]["leaks"] and not TESTS[n]["flaky"]]
    results = {n: outcome(n, trace=True) for n in steady}
    present = [n for n, r in results.items() if r is not None]
    found = [n for n in present if results[n]]
    assert len(present) >= 40
    assert len(found) >= FOUND_TRACE_MIN * len(present), sorted(set(present) - set(found))


@pytest.mark.parametrize("name", ["WaitGroup", "Cond", "ChanSend", "Kubernetes5316", "Moby25348"])
def test_one_goroutine_left_behind_in_a_quiet_program_is_likely(name: str) -> None:
    """A sender, a WaitGroup or Cond waiter that nothing left can wake: most real blocking bugs
    leave one or two, and so were benign (score 10) before one counted as a group does; and
    in a trace too."""
    assert outcome(name) is True
    assert outcome(name, trace=True) is True


def test_what_the_go_test_calls_no_leak_is_not_one() -> None:
    """The main goroutine's select {} is on purpose; a chain of 1,000 goroutines waiting for a
    sleeper of an hour is reachable (Go's test expects no leak): one recursion, not a goroutine
    made per request."""
    _, main_select = judged("SelectNoCasesMain")
    assert not any(s.verdict == "leak" and s.group.state == "select (no cases)" for s in main_select.suspects)
    assert TESTS["DaisyChain"]["leaks"] == []
    _, chain = judged("DaisyChain")
    assert all(verdict_rank(s.verdict) > verdict_rank("likely") for s in chain.suspects)
