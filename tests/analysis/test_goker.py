"""Verdicts on GoKer-style blocking bugs in ``go test`` form (tests/data/goker).

Each capture a test binary can give (a timeout's traceback, a dump or goroutineleak
profile taken in TestMain after m.Run) must put the bug's own goroutines first, at
``likely`` or ``leak``; no healthy package may have a suspect at ``leak``. A dump taken
during a test carries no after-the-tests signal: there, the deadlocks nothing can wake must
still be found (nothing runs to release the lock, or to send, call Done or Signal), the
rest may not be.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gotrace.analysis.leaks import LeakReport, Suspect, find_leaks, verdict_rank
from gotrace.load import load

GOKER = Path(__file__).resolve().parents[1] / "data" / "goker"
MANIFEST = json.loads((GOKER / "manifest.json").read_text())
BUGS: dict[str, list[str]] = MANIFEST["bugs"]
KINDS = ("timeout", "dump", "goroutineleak", "goroutineleak1")
LOCK_STATES = ("sync.Mutex.Lock", "sync.RWMutex.Lock", "sync.RWMutex.RLock")
EVENT_STATES = ("chan send", "chan receive", "sync.WaitGroup.Wait", "sync.Cond.Wait")


def report(name: str, kind: str) -> LeakReport | None:
    path = GOKER / "out" / f"{name}.{kind}.go1.27.txt"
    return find_leaks([load(str(path))]) if path.exists() else None


def the_bugs(rep: LeakReport, name: str) -> list[Suspect]:
    return [s for s in rep.suspects if s.group.blocking is not None
            and any(f in s.group.blocking.func for f in BUGS[name])]


def found(s: Suspect) -> bool:
    return verdict_rank(s.verdict) <= verdict_rank("likely")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", sorted(BUGS))
def test_the_bug_is_found_and_first(name: str, kind: str) -> None:
    rep = report(name, kind)
    if rep is None:
        assert kind == "timeout" and name not in MANIFEST["deadlock_in_test"]
        return
    mine = the_bugs(rep, name)
    assert mine and any(found(s) for s in mine), [(s.verdict, s.score) for s in rep.suspects]
    assert rep.suspects[0] in mine


@pytest.mark.parametrize("kind", (*KINDS, "intest"))
@pytest.mark.parametrize("name", MANIFEST["healthy"])
def test_healthy_packages_are_never_a_leak(name: str, kind: str) -> None:
    rep = report(name, kind)
    assert rep is None or all(s.verdict != "leak" for s in rep.suspects)


@pytest.mark.parametrize("name", MANIFEST["healthy"])
def test_what_the_leak_detector_found_reachable_is_only_watched(name: str) -> None:
    """A goroutineleak profile taken after the tests: the runtime marked none of a healthy
    package's goroutines, so outliving the tests weighs less (a package variable holds them)."""
    rep = report(name, "goroutineleak")
    assert rep is not None
    assert all(verdict_rank(s.verdict) >= verdict_rank("watch") for s in rep.suspects)
    assert any(e.kind == "after-tests" and e.points == 20 for s in rep.suspects for e in s.evidence)


@pytest.mark.parametrize("name", sorted(BUGS))
def test_a_dump_during_a_test_finds_the_deadlocks_nothing_can_wake(name: str) -> None:
    """The test hangs and nothing runs but the goroutine taking the dump: lock waiters have a
    parked holder, and ten or more waiting on a channel, a WaitGroup or a Cond have nobody
    left to wake them (a select may hold a timer, and one or a few such waiters stay watched)."""
    rep = report(name, "intest")
    assert rep is not None
    stuck = [s for s in the_bugs(rep, name) if s.group.state in LOCK_STATES
             or (s.group.state in EVENT_STATES and s.group.count >= 10)]
    if stuck:
        assert any(found(s) for s in stuck), [(s.verdict, s.score) for s in stuck]
        assert rep.suspects[0] in the_bugs(rep, name)
