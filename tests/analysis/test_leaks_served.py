"""Lock deadlocks in dumps fetched from a live service's /debug/pprof (tests/data/dumps/served).

A served dump is never quiet: the accept loop and idle keep-alive connections wait on the
network, and the pprof request writing the dump runs. None of them has the program's code on
its stack, so none can hold or release its locks: a deadlock whose holders are parked must be
seen there as in a hung test's dump, and a lock held across a network read in the program's
own code must keep its waiters in flight.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DUMPS

from gotrace.analysis.leaks import Suspect, find_leaks
from gotrace.load import load

SERVED = DUMPS / "served"
CAPTURES = sorted(p.name.split(".", 1)[1] for p in SERVED.glob("served_deadlock.*"))


def suspects(path: Path) -> dict[str, Suspect]:
    return {s.group.blocking.func: s for s in find_leaks([load(str(path))]).suspects
            if s.group.blocking is not None}


@pytest.mark.parametrize("capture", CAPTURES)
def test_a_deadlock_in_a_served_dump_is_likely(capture: str) -> None:
    found = suspects(SERVED / f"served_deadlock.{capture}")
    for func in ("main.(*Store).Get", "main.(*Store).Reindex", "main.(*Store).Compact"):
        s = found[func]
        assert s.verdict == "likely" and "holder-parked" in [e.kind for e in s.evidence], (func, s.score)
    assert next(iter(found)) == "main.(*Store).Get"  # the handlers, the most, first


@pytest.mark.parametrize("capture", CAPTURES)
def test_a_lock_held_across_a_read_in_a_served_dump_is_in_flight(capture: str) -> None:
    s = suspects(SERVED / f"served_healthy.{capture}")["main.(*Store).Get"]
    assert s.verdict == "benign" and "holder-parked" not in [e.kind for e in s.evidence]


def test_every_capture_is_there() -> None:
    assert len(CAPTURES) == 6  # Go 1.24 and 1.27; debug=2, debug=1, protobuf
