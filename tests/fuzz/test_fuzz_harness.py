"""The fuzz harness itself: its mutations, its watchdog and its judge of the contract."""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

import pytest
from conftest import DATA, DUMPS, SAMPLES
from harness import COMMANDS, BothPaths, Outcome, check_one, problems, seed_files, target_of, where
from mutate import MAX_SIZE, STRATEGIES, mutate, uvarint, v2_batches

SEEDS = {"v1": DATA / "v1" / "stress_start_stop_1_11_good", "v2": DATA / "v2small.trace",
         "dump": DUMPS / "go127_panic_labels_ancestors.txt"}


def ok(stdout: bytes = b"", stderr: bytes = b"", code: int = 0, cpu: float = 0.1,
       rss: int = 50 << 20) -> Outcome:
    return Outcome(code, None, None, cpu, cpu, rss, stdout, stderr)


@pytest.mark.parametrize("target", sorted(STRATEGIES))
def test_every_strategy_changes_its_seed_and_is_deterministic(target: str) -> None:
    seed = SEEDS[target].read_bytes()
    others = [p.read_bytes() for p in seed_files(target, corpus=False)[:3]]
    for strategy, _ in STRATEGIES[target]:
        outs = [strategy(random.Random(i), seed, others) for i in range(8)]
        assert outs == [strategy(random.Random(i), seed, others) for i in range(8)], strategy.__name__
        assert any(o != seed for o in outs), strategy.__name__
    for i in range(30):
        data, names = mutate(random.Random(i), target, seed, others)
        assert len(data) <= MAX_SIZE or names[-1] == "gzip"
        assert names


def test_the_v2_batch_reader_walks_a_whole_trace() -> None:
    data = (DATA / "v2small.trace").read_bytes()
    batches = v2_batches(data)
    assert len(batches) > 3
    assert batches[0][0] == 16 and batches[-1][2] == len(data)
    assert all(a[2] == b[0] for a, b in itertools.pairwise(batches))


def test_uvarint() -> None:
    assert uvarint(0) == b"\x00" and uvarint(300) == b"\xac\x02"
    assert len(uvarint(2**64 - 1)) == 10


def test_seeds_are_sorted_by_target() -> None:
    assert SAMPLES / "spike.go1.21.trace" in seed_files("v1", corpus=False)
    assert SAMPLES / "spike.go1.27.trace" in seed_files("v2", corpus=False)
    assert SAMPLES / "stuck.go1.27.debug2.txt" in seed_files("dump", corpus=False)
    assert target_of(b"go 1.99 trace\0\0\0") is None
    assert {"info", "goroutines"} <= {c[0] for c in COMMANDS["dump"]}


def test_judge_passes_a_clean_pair() -> None:
    cmd = ("info",)
    c, pure = ok(b"kind dump\nreader C accelerated\n"), ok(b"kind dump\nreader pure Python\n")
    assert problems(cmd, c, pure) == []
    assert problems(cmd, ok(code=1, stderr=b"gotrace: error: x: no such file\n"),
                    ok(code=1, stderr=b"gotrace: error: x: no such file\n")) == []


@pytest.mark.parametrize(("outcome", "kind"), [
    (ok(code=1, stderr=b"Traceback (most recent call last):\n  File \"x\"\nKeyError: 1\n"), "traceback"),
    (ok(code=1, stderr=b"gotrace: error: x: internal error: KeyError: 1 (a bug)\n"), "internal-error"),
    (ok(code=1, stderr=b"gotrace: error: x: out of memory while loading the input\n"), "oom"),
    (ok(code=1, stderr=b"gotrace: error: a\ngotrace: error: b\n"), "stderr"),
    (ok(code=1, stderr=b"gotrace: error: a\nsecond line\n"), "stderr"),
    (ok(code=2, stderr=b"Usage: gotrace\n"), "exit-code"),
    (ok(stdout=b"main.f\x1b]0;title\x07\n"), "unsafe-output"),
    (ok(stdout=b"main.\xe2\x80\xaef\n"), "unsafe-output"),
    (ok(stderr=b"gotrace: warning: " + b"x" * 5000 + b"\n"), "long-line"),
    (ok(cpu=11.0), "slow"),
    (ok(rss=2 << 30), "rss"),
    (Outcome(-11, "SIGSEGV", None, 0.1, 0.1, 1, b"", b""), "signal"),
    (Outcome(-9, "SIGKILL", "time", 61, 1.0, 1, b"", b""), "killed-time"),
])
def test_judge_finds_each_kind_of_problem(outcome: Outcome, kind: str) -> None:
    assert [p.kind for p in check_one(("info",), "C", outcome)] == [kind]


def test_json_output_may_hold_bidi_but_not_c0() -> None:
    cmd = ("goroutines", "--format", "json")
    assert check_one(cmd, "C", ok(stdout='{"f": "a\u202eb"}\n'.encode())) == []
    assert [p.kind for p in check_one(cmd, "C", ok(stdout=b'{"f": "a\x1bb"}\n'))] == ["unsafe-output"]


def test_paths_that_disagree_are_a_finding() -> None:
    found = problems(("info",), ok(b"goroutines 3\n"), ok(b"goroutines 4\n"))
    assert [(p.kind, p.path) for p in found] == [("difference", "both")]
    assert "goroutines 3" in found[0].detail


def test_where_names_the_innermost_gotrace_frame() -> None:
    tb = ('Traceback (most recent call last):\n  File "/x/gotrace/cli/common.py", line 9, in invoke\n'
          '  File "/x/gotrace/model/from_dump.py", line 116, in build\nOverflowError: too large\n')
    assert where(tb) == "OverflowError: too large at gotrace/model/from_dump.py:116 in build"


def test_runs_on_both_paths() -> None:
    with BothPaths() as both:
        c, pure = both.run(["info", str(SAMPLES / "spike.go1.27.trace")])
    assert (c.code, pure.code) == (0, 0)
    assert b"reader        C" in c.stdout or b"pure Python" in c.stdout  # C when it is built
    assert b"pure Python" in pure.stdout


def test_watchdog_stops_a_run_that_hangs(tmp_path: Path) -> None:
    fifo = tmp_path / "never"
    os.mkfifo(fifo)
    keep = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # a writer that never writes
    try:
        with BothPaths(kill_after_s=2) as both:
            o = both.run_one(False, ["info", str(fifo)])
    finally:
        os.close(keep)
    assert (o.killed, o.signal) == ("time", "SIGKILL")
    assert [p.kind for p in check_one(("info",), "C", o)] == ["killed-time"]


def test_watchdog_stops_a_run_that_grows(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    block = b"goroutine %d [select]:\nmain.f()\n\t/x.go:1 +0x1\n\n"
    big.write_bytes(b"".join(block % i for i in range(1, 400_000)))
    with BothPaths(kill_above=200 << 20) as both:
        o = both.run_one(True, ["goroutines", "--format", "json", str(big)])
    assert o.killed == "rss"
    assert [p.kind for p in check_one(("goroutines",), "pure", o)] == ["killed-rss"]


def test_a_campaign_report_beside_the_findings_is_not_one(tmp_path: Path) -> None:
    """``--report`` may be written into the crash folder: only a .json beside its .bin is a
    finding (the report was read as one, and the next campaign died on it)."""
    from harness import saved_crashes

    (tmp_path / "v1.json").write_text(json.dumps({"target": "v1", "minutes": 6, "runs": 100}))
    assert saved_crashes(tmp_path) == []
