"""Leak verdicts: the corpus scenarios, each kind of evidence, the CI gate and the baseline."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import CORPUS, SAMPLES, VERSIONS, corpus_file
from eventtext import parse_lines

from gotrace.analysis.leaks import Evidence, Suspect, find_leaks
from gotrace.cli import cli
from gotrace.load import load
from gotrace.model import Model
from gotrace.model.from_dump import build_dump_model
from gotrace.model.from_trace import build_trace_model
from gotrace.tables import Tables
from gotrace.trace.events import TraceInfo


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def top(model: Model) -> Suspect:
    return find_leaks([model]).suspects[0]


def dump(text: str, tables: Tables | None = None) -> Model:
    return build_dump_model(text.encode(), "dump.txt", tables=tables)


def goroutine(gid: int, state: str, func: str, line: int, creator: str | None = "main.main",
              parent: int = 1) -> str:
    text = f"goroutine {gid} [{state}]:\n{func}()\n\t/src/app/{func.split('.')[-1]}.go:{line} +0x25\n"
    if creator:
        text += f"created by {creator} in goroutine {parent}\n\t/src/app/main.go:9 +0x2a\n"
    return text + "\n"


MAIN = goroutine(1, "running", "main.main", 10, creator=None)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("kind", ["trace", "debug2.txt"])
@pytest.mark.parametrize(("scenario", "func", "count"), [
    ("leakhttp", "example.com/shop/server.longRunningTask", 1200),
    ("timingwheel", "example.com/shop/collection.(*TimingWheel).run", 20000),
    ("keepalive", "net/http.(*conn).serve", 300),
])
def test_corpus_leaks_lead_at_leak_or_likely(version: str, kind: str, scenario: str, func: str,
                                             count: int) -> None:
    s = top(load(str(corpus_file(version, f"{scenario}.{kind}"))))
    assert s.verdict in ("leak", "likely"), [e.text for e in s.evidence]
    assert s.group.blocking is not None and s.group.blocking.func == func
    assert s.group.count == count


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("kind", ["trace", "debug2.txt"])
def test_worker_is_not_above_watch(version: str, kind: str) -> None:
    report = find_leaks([load(str(corpus_file(version, f"worker.{kind}")))])
    assert all(s.verdict in ("watch", "benign") for s in report.suspects), \
        [(s.verdict, s.group.blocking) for s in report.suspects]


def test_runtime_noise_is_never_first() -> None:
    for name in ("leakhttp", "keepalive", "worker", "mixed", "timingwheel"):
        report = find_leaks([load(str(corpus_file("go1.26", f"{name}.trace")))])
        for s in report.suspects:
            if s.group.blocking is not None and s.group.blocking.func.startswith("runtime."):
                assert s.verdict == "benign"
        if report.suspects and report.suspects[0].verdict != "benign":
            first = report.suspects[0].group.blocking
            assert first is not None and not first.func.startswith("runtime.")


@pytest.mark.parametrize("version", VERSIONS)
def test_a_traces_leakhttp_senders_are_a_leak_in_every_go_version(version: str) -> None:
    """Their creators are gone and nothing of the program receives: a leak however short the
    trace. A Go 1.21 trace holds a goroutine in a syscall since before it began, with no stack
    and no time run in it: not at work, so not their possible consumer."""
    s = top(load(str(corpus_file(version, "leakhttp.trace"))))
    assert s.verdict == "leak", [e.text for e in s.evidence]
    orphaned = [e for e in s.evidence if e.kind == "orphaned"]
    assert orphaned and orphaned[0].points == 30 and "nobody is left to receive" in orphaned[0].text


def test_a_goroutine_a_trace_names_by_nothing_is_not_at_work() -> None:
    """A Go 1.21 trace's sweeper (goroutine 3) runs in it with no name and a last stack of one
    unnamed frame, and forcegc (2) waits with neither: they hold no lock of yours and send you
    nothing, so the deadlocked readers' lock holder is parked in a quiet program. A goroutine
    with a name keeps counting, whatever its stack."""
    from gotrace.analysis.capture import Capture, _nameless

    zoo = Path(__file__).parents[1] / "data" / "zoo" / "out"
    model = load(str(zoo / "rwmutex_recursive_rlock.go1.21.trace.gz"))
    g = model.goroutines
    assert g.id[_nameless(model)].tolist() == [2, 3] and g.exec_ns[g.id == 3][0] > 0
    assert g.last_stack[g.id == 2][0] == 0
    assert Capture(model).quiet_locks
    s = next(s for s in find_leaks([model]).suspects if s.group.count == 25)
    assert s.verdict == "likely" and any(e.kind == "holder-parked" for e in s.evidence)
    mixed = CORPUS / "go1.21" / "mixed.trace"  # main.mixed.func7 (37): named, unnamed stack
    if mixed.exists():
        m = load(str(mixed))
        assert m.tables.strings[m.goroutines.name[m.goroutines.id == 37][0]] == "main.mixed.func7"
        assert not _nameless(m)[m.goroutines.id == 37][0]


def test_every_suspect_has_evidence_with_numbers() -> None:
    report = find_leaks([load(str(corpus_file("go1.26", "leakhttp.trace")))])
    s = report.suspects[0]
    assert s.score >= 80 and s.verdict == "leak"
    assert any(ch.isdigit() for e in s.evidence for ch in e.text)
    assert {e.kind for e in s.evidence} >= {"count", "per-request", "none-ended", "blocked"}


# --- each kind of evidence, on small dumps --------------------------------------------

def test_nil_channel_and_empty_select_are_leaks_by_construction() -> None:
    text = MAIN + goroutine(7, "chan receive (nil chan)", "main.consume", 20) + \
        goroutine(8, "select (no cases)", "main.wait", 30)
    report = find_leaks([dump(text)])
    assert [s.verdict for s in report.suspects] == ["leak", "leak"]
    assert all(any(e.kind == "forever" for e in s.evidence) for s in report.suspects)


def test_main_blocking_forever_is_on_purpose() -> None:
    text = goroutine(1, "select (no cases)", "main.main", 30, creator=None)
    (s,) = find_leaks([dump(text)]).suspects
    assert s.verdict == "benign"


def test_runtime_leak_flag_is_proof() -> None:
    text = MAIN + goroutine(7, "chan send (leaked)", "main.send", 20)
    (s,) = find_leaks([dump(text)]).suspects
    assert s.verdict == "leak" and s.leaked == 1 and s.score == 100
    assert s.evidence[0].kind == "runtime-proof"


def test_all_goroutines_asleep_is_a_deadlock() -> None:
    text = ("fatal error: all goroutines are asleep - deadlock!\n\n"
            + goroutine(1, "semacquire", "main.main", 12, creator=None)
            + goroutine(6, "sync.Mutex.Lock", "main.transfer", 40))
    verdicts = {s.group.blocking.func: s.verdict
                for s in find_leaks([dump(text)]).suspects if s.group.blocking}
    assert verdicts["main.transfer"] == "leak"


DUMPS = Path(__file__).resolve().parents[1] / "data" / "dumps"


@pytest.mark.parametrize(("name", "leaked"), [
    ("synctest_main_exited.go1.27.txt", {"example.com/synctestgen.reply": 3}),
    ("synctest_all_blocked.go1.27.txt", {"example.com/synctestgen.TestAllBlocked.func1.1": 2,
                                         "example.com/synctestgen.TestAllBlocked.func1": 1}),
])
def test_a_deadlocked_synctest_bubble_is_proof(name: str, leaked: dict[str, int]) -> None:
    """Go's testing/synctest panics when a bubble deadlocks: what is durably blocked in it
    is proven stuck; the framework's own wait for the bubble is not blamed."""
    report = find_leaks([load(str(DUMPS / name))])
    proven = {s.group.blocking.func: s.group.count for s in report.suspects
              if s.verdict == "leak" and s.group.blocking is not None}
    assert proven == leaked
    assert all(s.evidence[0].kind == "bubble-deadlock" for s in report.suspects if s.verdict == "leak")


def test_durable_waits_without_a_bubble_deadlock_are_no_proof() -> None:
    text = MAIN + goroutine(7, "chan send (durable), synctest bubble 1", "main.send", 20)
    (s,) = find_leaks([dump(text)]).suspects
    assert s.verdict != "leak" and not any(e.kind == "bubble-deadlock" for e in s.evidence)
    panicked = "panic: deadlock: main bubble goroutine has exited but blocked goroutines remain\n\n"
    (s,) = find_leaks([dump(panicked + text)]).suspects
    assert s.verdict == "leak"
    # A goroutine outside any bubble is not the bubble's, however it waits.
    (s,) = find_leaks([dump(panicked + MAIN + goroutine(7, "chan send", "main.send", 20))]).suspects
    assert s.verdict != "leak"


@pytest.mark.parametrize("name", ["goleak_verifynone.go1.27.txt", "goleak_old_header.go1.27.txt",
                                  "goleak_testmain.go1.27.txt"])
def test_goleak_reports_are_read_and_weighed(name: str) -> None:
    """goleak's report (t.Error in a test log, or VerifyTestMain on stderr; with or without
    the runtime's header under its own line) is a dump of what outlived the test."""
    model = load(str(DUMPS / name))
    (s,) = find_leaks([model]).suspects
    assert s.group.blocking is not None and s.group.blocking.func == "example.com/goleakgen.items.func1"
    assert s.verdict == "likely" and s.evidence[0].kind == "goleak"
    assert s.group.count == (2 if "testmain" in name else 3)
    # The same goroutines in a plain dump: no goleak to vouch for them.
    plain = "".join(goroutine(g, "chan send", "main.items.func1", 24) for g in (7, 8, 9))
    assert not any(e.kind == "goleak" for e in top(dump(MAIN + plain)).evidence)


@pytest.mark.parametrize("name", ["testmain_after_run.go1.27.txt", "testmain_after_run.go1.27.debug1.txt",
                                  "testmain_after_run.go1.27.pb.gz"])
def test_a_dump_taken_after_every_test_blames_what_outlived_them(name: str) -> None:
    """The README's recipe: a dump in TestMain after m.Run. The sender a test left behind is
    likely a leak; a package daemon (init) and TestMain's own fixture are not blamed."""
    report = find_leaks([load(str(DUMPS / name))])
    by_func = {s.group.blocking.func: s for s in report.suspects if s.group.blocking is not None}
    leak = by_func["example.com/testmaingen.(*store).get"]
    assert leak.verdict == "likely" and leak.evidence[0].kind == "after-tests"
    for func in ("example.com/testmaingen.init.0.func1", "example.com/testmaingen.TestMain.func1"):
        assert by_func[func].verdict == "benign"
        assert not any(e.kind == "after-tests" for e in by_func[func].evidence)


def test_a_dump_taken_during_a_test_is_not_after_the_tests() -> None:
    report = find_leaks([load(str(DUMPS / "testmain_during_test.go1.27.txt"))])
    assert not any(e.kind == "after-tests" for s in report.suspects for e in s.evidence)
    # Nor is a dump whose taker is TestMain still inside m.Run, nor one without TestMain.
    inside = goroutine(1, "running", "example.com/x.TestMain", 10, creator=None).replace(
        "\n\n", "\ntesting.(*M).Run()\n\t/go/src/testing/testing.go:2100 +0x1\n\n")
    text = inside + goroutine(7, "chan send", "main.send", 20)
    assert not any(e.kind == "after-tests" for e in top(dump(text)).evidence)
    assert not any(e.kind == "after-tests" for e in top(dump(MAIN + goroutine(7, "chan send", "main.send",
                                                                                20))).evidence)


def test_test_timeout_blames_the_blocked_not_the_framework() -> None:
    report = find_leaks([load(str(SAMPLES / "testtimeout.go1.27.txt"))])
    for s in report.suspects:
        func = s.group.blocking.func if s.group.blocking else ""
        if func.startswith("testing."):
            assert s.verdict == "benign"
    assert any(e.kind == "test-timeout" for s in report.suspects for e in s.evidence)


def test_a_test_timeout_does_not_blame_testmain_waiting_in_m_run() -> None:
    """The blocking frame is the first outside the standard library: TestMain, for the main
    goroutine of a test binary with a TestMain. It waits in m.Run for the tests: the framework."""
    main = ("goroutine 1 [chan receive]:\ntesting.(*T).Run(0x1)\n\t/go/src/testing/testing.go:2268 +0x4f2\n"
            "testing.runTests(0x1)\n\t/go/src/testing/testing.go:2742 +0x510\n"
            "testing.(*M).Run(0x1)\n\t/go/src/testing/testing.go:2602 +0x6af\n"
            "example.com/x.TestMain(0x1)\n\t/src/x/main_test.go:36 +0x17\n"
            "main.main()\n\t_testmain.go:50 +0xa5\n\n")
    text = ("panic: test timed out after 8s\n\trunning tests:\n\t\tTestX (8s)\n\n" + main
            + goroutine(7, "sync.Mutex.Lock", "example.com/x.(*G).manage", 34))
    verdicts = {s.group.blocking.func: s.verdict for s in find_leaks([dump(text)]).suspects
                if s.group.blocking}
    assert verdicts["example.com/x.TestMain"] == "benign"
    assert verdicts["example.com/x.(*G).manage"] in ("leak", "likely")


def test_growth_across_a_series_is_evidence() -> None:
    def snapshot(n: int) -> str:
        return MAIN + "".join(goroutine(100 + i, "chan receive", "main.worker", 20) for i in range(n))

    tables = Tables()
    models = [dump(snapshot(n), tables) for n in (5, 10, 20)]
    s = find_leaks(models).suspects[0]
    assert s.series == [5, 10, 20]
    assert any(e.kind == "growth" and "5 → 10 → 20" in e.text for e in s.evidence)
    steady = find_leaks([dump(snapshot(20), tables), dump(snapshot(20), tables)]).suspects[0]
    assert any(e.kind == "steady" for e in steady.evidence)
    assert s.score > steady.score


def test_a_capture_of_another_program_is_noted_and_not_weighed() -> None:
    """Two unrelated programs' dumps given as a series share no source file of their own:
    what the first lacks did not grow from nothing."""
    tables = Tables()
    theirs = dump((MAIN + goroutine(9, "IO wait", "main.accept", 3)).replace("/src/app/", "/src/other/"),
                  tables)
    ours = dump(MAIN + goroutine(9, "IO wait", "main.accept", 3)
                + "".join(goroutine(100 + i, "chan receive", "main.worker", 20) for i in range(20)), tables)
    report = find_leaks([theirs, ours])
    s = next(x for x in report.suspects if x.group.blocking and x.group.blocking.func == "main.worker")
    assert not any(e.kind == "growth" for e in s.evidence)
    assert any(e.kind == "restart" and "0 → 20" in e.text for e in s.evidence)
    assert report.notes == ["dump.txt is of another program than dump.txt (no source file of their own "
                            "in common): its counts are not weighed"]
    same = find_leaks([dump(MAIN + goroutine(9, "IO wait", "main.accept", 3), tables), ours])
    assert same.notes == [] and any(e.kind == "growth" for e in same.suspects[0].evidence)


def test_counts_that_only_shrink_say_so() -> None:
    """Leaked goroutines never leave; a series that only shrinks was perhaps given newest first."""
    tables = Tables()
    models = [dump(MAIN + "".join(goroutine(100 + i, "chan receive", "main.worker", 20) for i in range(n)),
                   tables) for n in (20, 10, 5)]
    s = find_leaks(models).suspects[0]
    assert [e.text for e in s.evidence if e.kind == "fluctuates"] == [
        "only shrank: 20 → 10 → 5: leaked goroutines never leave (captures given newest first read so: "
        "give them oldest first)"]


def test_the_same_capture_twice_is_read_once_and_a_file_of_dumps_is_a_series(tmp_path: Path) -> None:
    one = tmp_path / "a.txt"
    one.write_text(MAIN + "".join(goroutine(100 + i, "chan receive", "main.worker", 20) for i in range(5)))
    copy = tmp_path / "b.txt"
    copy.write_bytes(one.read_bytes())
    r = run("leaks", str(one), str(copy), "--format", "json")
    assert f"{copy} is the same capture as {one}: read once" in r.stderr
    assert len(json.loads(r.stdout)["inputs"]) == 1
    log = tmp_path / "dumps.txt"
    log.write_text("".join(MAIN + "".join(goroutine(100 + i, "chan receive", "main.worker", 20)
                                          for i in range(n)) for n in (5, 10, 20)))
    r = run("leaks", str(log), "--format", "json")
    assert f"{log} holds 3 dumps: read as a series, in file order (oldest first)" in r.stderr
    doc = json.loads(r.stdout)
    assert [i["path"] for i in doc["inputs"]] == [f"{log} #1", f"{log} #2", f"{log} #3"]
    assert doc["suspects"][0]["series"] == [5, 10, 20]
    # Every other command analyses one of the dumps, and says what judges them all.
    r = run("info", str(log))
    assert "analysing #3 (" in r.stderr
    assert "gotrace leaks and the viewer's Leaks page judge them as a series" in r.stderr
    r = run("goroutines", str(log), "--snapshot", "2")
    assert "gotrace leaks judges them all as a series, the viewer's Leaks page #1-#2" in r.stderr


def test_a_goroutineleak_profile_at_debug2_says_so_and_what_it_did_not_mark() -> None:
    """It has no header of its own (its writer tells it); what it did not mark it did not
    prove: still reachable, which a leak through a reachable channel is too."""
    zoo = Path(__file__).parents[1] / "data" / "zoo" / "out"
    report = find_leaks([load(str(zoo / "abandoned_receiver.go1.27.goroutineleak.debug2.txt"))])
    assert report.model.source.format == "goroutineleak debug=2"
    proven, loop = report.suspects[0], report.suspects[1]
    assert proven.verdict == "leak" and "unproven" not in [e.kind for e in proven.evidence]
    assert "unproven" in [e.kind for e in loop.evidence]
    plain = load(str(zoo / "abandoned_receiver.go1.27.debug2.txt"))
    assert plain.source.format == "debug=2"
    assert not any(e.kind == "unproven" for s in find_leaks([plain]).suspects for e in s.evidence)


def test_per_request_creators_and_ages() -> None:
    rows = "".join(goroutine(100 + i, f"chan send, {5 + i} minutes", "main.handle", 20, "main.serve", 10 + i)
                   for i in range(30))
    s = find_leaks([dump(MAIN + rows)]).suspects[0]
    kinds = {e.kind for e in s.evidence}
    assert {"per-request", "age", "ages-spread", "count", "blocked"} <= kinds
    assert s.verdict in ("leak", "likely")


def test_a_pile_alone_is_likely_not_a_leak() -> None:
    """Thousands at one site, made one per connection, waiting for hours: a healthy server's
    connections or watches look so in one dump. With nobody left to wake them (nothing else
    runs, and senders no timer can serve), the same pile is a leak."""
    def pile(state: str) -> str:
        return "".join(goroutine(100 + i, f"{state}, {1 + i % 300} minutes", "main.(*Watch).loop", 20,
                                 "main.(*Server).Watch", 5000 + i) for i in range(1500))

    served = MAIN + pile("select") + goroutine(9, "IO wait", "main.(*Server).accept", 30)
    s = top(dump(served))
    assert {"count", "per-request", "age", "ages-spread"} <= {e.kind for e in s.evidence}
    assert s.verdict == "likely" and s.score == 79
    # The points past 80 are explained, first after any shape: why they say likely, what tells.
    assert s.evidence[0].kind == "capped" and s.evidence[0].text == (
        "likely at most: a pile alone (how many, made by how many, for how long): a healthy server's "
        "connections or watches look so too; a capture minutes later tells a leak")
    quiet = top(dump(MAIN + pile("chan send")))
    assert "no-waker" in [e.kind for e in quiet.evidence] and quiet.verdict == "leak"
    # A receiver may be a ticker's: "only a timer could wake them" is no fact about the end.
    ticking = top(dump(MAIN + pile("chan receive")))
    assert "no-waker" in [e.kind for e in ticking.evidence] and ticking.verdict == "likely"


def test_server_connections_in_use_are_not_idle() -> None:
    """200 keep-alive connections waiting for their next request: idle and never closed when
    they age with the process, or when the dump is too young to say; in use when the process
    has been up for minutes and they waited under one (no minutes printed)."""
    def conns(minutes: list[int]) -> str:
        return "".join(goroutine(100 + i, "IO wait" + (f", {m} minutes" if m else ""),
                                 "net/http.(*conn).serve", 2123, "net/http.(*Server).Serve")
                       for i, m in enumerate(minutes))

    old = goroutine(9, "select, 90 minutes", "main.(*Cache).janitor", 30)  # the process is up 90m+
    kinds = [e.kind for e in top(dump(MAIN + old + conns([0] * 180 + [5] * 20))).evidence]
    assert "conns-in-use" in kinds and "idle-conns" not in kinds
    idle = top(dump(MAIN + old + conns([i % 90 for i in range(200)])))
    assert "idle-conns" in [e.kind for e in idle.evidence] and idle.verdict in ("leak", "likely")
    young = top(dump(MAIN + conns([0] * 200)))
    assert "idle-conns" in [e.kind for e in young.evidence]
    # Open connections are a pile: a thousand of them in a young process is no proof.
    many = top(dump(MAIN + conns([0] * 1000)))
    assert "idle-conns" in [e.kind for e in many.evidence] and many.verdict == "likely"


def test_a_fixed_set_started_with_the_process_is_watched() -> None:
    """Two hundred informers made by one goroutine at start, each in a select since then (5h,
    the oldest wait in the dump): a fixed set, not a pile. Made by as many goroutines
    (one per request), or blocked since later than the start, they are no such set."""
    def informers(minutes: int, creator: bool) -> str:
        return "".join(goroutine(100 + i, f"select, {minutes} minutes", "main.(*Informer).Run", 20,
                                 "main.(*Factory).Start", 1 if creator else 5000 + i) for i in range(200))

    net = goroutine(9, "IO wait, 300 minutes", "main.(*Client).watch", 30)
    fixed = top(dump(MAIN + net + informers(300, True)))
    assert "since-start" in [e.kind for e in fixed.evidence] and fixed.verdict == "watch"
    later = top(dump(MAIN + net + informers(120, True)))
    assert "since-start" not in [e.kind for e in later.evidence] and later.verdict == "likely"
    per_request = top(dump(MAIN + net + informers(300, False)))
    assert "since-start" not in [e.kind for e in per_request.evidence]
    assert per_request.verdict == "likely"


def test_a_quiet_daemons_idle_pool_is_no_leak() -> None:
    """A daemon between jobs: its scheduler waits in a select on a ticker, its pool's workers
    on the shared queue, idle since each finished its last job (ages differ). Only a timer
    could wake them, which is how a scheduler works: a pool, watched at most. Workers that
    each wait with a channel of their own are no pool, but a timer's wake-up is still no
    proof: likely, not leak."""
    def workers(shared: bool) -> str:
        def queue(i: int) -> str:
            return "0xc000120000" if shared else hex(0xC000120000 + i * 0x100)

        return "".join(f"goroutine {20 + i} [chan receive, {3 + i * 7 % 40} minutes]:\n"
                       f"main.(*Pool).worker({queue(i)}, {i})\n\t/src/app/pool.go:22 +0x25\n"
                       f"created by main.NewPool in goroutine 1\n\t/src/app/pool.go:15 +0x2a\n\n"
                       for i in range(16))

    sched = goroutine(7, "select", "main.(*Scheduler).run", 30)
    main = "goroutine 1 [chan receive, 45 minutes]:\nmain.main()\n\t/src/app/main.go:40 +0x25\n\n"
    pool = top(dump(main + sched + workers(True)))
    assert pool.verdict in ("benign", "watch")
    assert pool.evidence[0].kind == "benign-shape"  # the cap first: it is why the points do not add up
    own = top(dump(main + sched + workers(False)))
    assert "no-waker" in [e.kind for e in own.evidence] and own.verdict == "likely"


def test_idle_fixed_pool_is_benign_or_watch() -> None:
    rows = "".join(goroutine(100 + i, "chan receive", "main.worker", 20, "main.startPool", 1)
                   for i in range(8))
    s = find_leaks([dump(MAIN + rows)]).suspects[0]
    assert s.verdict in ("benign", "watch")


def test_lock_waiters_in_a_quiet_process_have_a_parked_holder() -> None:
    """Mutex waiters while nothing but the dump's writer runs: the holder is parked holding it.
    A holder that may be running (one runnable goroutine of the program's own) or asleep with
    the lock (a query under a lock) leaves the waiters unexplained, and a WaitGroup (waiting for
    Done, not a release) says nothing."""
    waiters = "".join(goroutine(100 + i, "sync.Mutex.Lock", "main.(*Store).Get", 20) for i in range(12))
    s = top(dump(MAIN + waiters))
    assert any(e.kind == "holder-parked" for e in s.evidence) and s.verdict == "likely"
    busy = top(dump(MAIN + waiters + goroutine(9, "runnable", "main.(*Store).Put", 30)))
    assert not any(e.kind == "holder-parked" for e in busy.evidence) and busy.verdict == "benign"
    asleep = top(dump(MAIN + waiters + goroutine(9, "sleep", "main.(*Store).load", 30)))
    assert not any(e.kind == "holder-parked" for e in asleep.evidence)
    groups = "".join(goroutine(100 + i, "sync.WaitGroup.Wait", "main.(*Batch).Wait", 20) for i in range(12))
    assert not any(e.kind == "holder-parked" for e in top(dump(MAIN + groups)).evidence)

    def semacquire(func: str) -> list[str]:  # what older Go and traces say: the stack tells which
        rows = "".join(f"goroutine {100 + i} [semacquire]:\n{func}(0xc000010000)\n\t/go/sync/x.go:9 +0x2\n"
                       "main.(*Store).Get()\n\t/src/app/store.go:20 +0x25\n"
                       "created by main.main in goroutine 1\n\t/src/app/main.go:9 +0x2a\n\n"
                       for i in range(12))
        return [e.kind for e in top(dump(MAIN + rows)).evidence]

    assert "holder-parked" in semacquire("sync.(*Mutex).lockSlow")
    assert "holder-parked" not in semacquire("sync.(*WaitGroup).Wait")


def test_event_waiters_in_a_quiet_dump_have_no_waker() -> None:
    """Plain channel, WaitGroup and Cond waiters while nothing but the dump's writer runs:
    whoever could wake them is parked too. Anything that can still run (a runnable goroutine,
    a sleeper, a network wait), a select (it may hold a timer), a Mutex (holder-parked says
    it), a trace, or a capture after a test's end (which says it already) gives none."""
    def rows(state: str, func: str = "main.(*Job).wait") -> str:
        return "".join(goroutine(100 + i, state, func, 20, "main.(*Job).Start", 50) for i in range(12))

    def kinds(text: str) -> list[str]:
        return [e.kind for e in top(dump(text)).evidence]

    listener = goroutine(9, "chan receive", "main.(*Server).dispatch", 30)  # a timer could wake it
    for state in ("chan receive", "chan send", "sync.WaitGroup.Wait", "sync.Cond.Wait"):
        s = top(dump(MAIN + rows(state) + listener))
        assert any(e.kind == "no-waker" and e.points == 30 for e in s.evidence), state
        assert s.verdict == "likely", (state, s.score)
    for other in (goroutine(9, "runnable", "main.(*Job).run", 30), goroutine(9, "sleep", "main.tick", 30),
                  goroutine(9, "IO wait", "main.(*Server).read", 30)):
        s = top(dump(MAIN + rows("chan receive") + other))
        assert "no-waker" not in [e.kind for e in s.evidence] and s.verdict in ("benign", "watch")
    assert "no-waker" not in kinds(MAIN + rows("select"))
    assert "no-waker" not in kinds(MAIN + goroutine(9, "chan receive", "main.(*Server).dispatch", 30))
    assert "no-waker" not in kinds(MAIN + rows("sync.Mutex.Lock"))
    semacquire = "".join(f"goroutine {100 + i} [semacquire]:\nsync.runtime_Semacquire(0xc000010000)\n"
                         "\t/go/sync/x.go:9 +0x2\nsync.(*WaitGroup).Wait(0xc000010000)\n"
                         "\t/go/sync/wg.go:9 +0x2\nmain.(*Job).wait()\n\t/src/app/job.go:20 +0x25\n"
                         "created by main.main in goroutine 1\n\t/src/app/main.go:9 +0x2a\n\n"
                         for i in range(12))
    assert "no-waker" in kinds(MAIN + semacquire)  # older Go: the stack says it is a WaitGroup
    timeout = "panic: test timed out after 8s\n\trunning tests:\n\t\tTestX (8s)\n\n"
    s = top(dump(timeout + MAIN + rows("chan receive")))
    assert "no-waker" not in [e.kind for e in s.evidence] and "test-timeout" in [e.kind for e in s.evidence]


def test_no_waker_weighs_more_when_no_timer_can_start_anything() -> None:
    """When every other goroutine waits to send or on a sync primitive (only another goroutine
    ends those), not even a timer can set anything moving: a goroutine in a select or a channel
    receive could hold a ticker's channel or a context's deadline, and the group's own receivers
    could too. The runtime's goroutines and the testing framework waiting for a test do not
    count."""
    def rows(state: str, func: str, first: int, n: int = 6) -> str:
        return "".join(goroutine(first + i, state, func, 20, "main.(*Job).Start", 50) for i in range(n))

    def evidence(text: str) -> list[Evidence]:
        s = next(s for s in find_leaks([dump(text)]).suspects
                 if s.group.blocking is not None and s.group.blocking.func == "main.(*Job).wait")
        return [e for e in s.evidence if e.kind == "no-waker"]

    def no_waker(text: str) -> int:
        return sum(e.points for e in evidence(text))

    framework = ("goroutine 4 [chan receive]:\n"
                 "testing.(*T).Run(0x1)\n\t/go/src/testing/testing.go:2268 +0x4f2\n"
                 "testing.runTests(0x1)\n\t/go/src/testing/testing.go:2742 +0x510\n"
                 "main.main()\n\t_testmain.go:50 +0xa5\n\n")
    runtime = goroutine(2, "chan receive", "runtime.runfinq", 9)
    stuck = rows("sync.Mutex.Lock", "main.(*Job).lock", 200)
    for state in ("chan send", "sync.WaitGroup.Wait", "sync.Cond.Wait"):
        alone = MAIN + framework + runtime + stuck + rows(state, "main.(*Job).wait", 100)
        assert no_waker(alone) == 45, state
        assert "nothing but a timer's callback (time.AfterFunc) can wake them: " in evidence(alone)[0].text
        for other in ("select", "chan receive"):
            assert no_waker(alone + goroutine(9, other, "main.(*Server).loop", 30)) == 30, (state, other)
    # Receivers: a timer could send to them (a ticker's channel) or close it (a deadline).
    assert no_waker(MAIN + rows("chan receive", "main.(*Job).wait", 100)) == 30
    # A time.AfterFunc callback is no goroutine until it fires, and it may Signal, call Done,
    # unlock or send: one dump's quiet alone, however strong, is likely, not a leak.
    many = dump(MAIN + rows("sync.Cond.Wait", "main.(*Job).wait", 100, 200))
    quiet = next(s for s in find_leaks([many]).suspects
                 if s.group.blocking is not None and s.group.blocking.func == "main.(*Job).wait")
    assert quiet.verdict == "likely" and quiet.score == 79


def test_one_goroutine_waiting_to_send_or_for_an_event_in_a_quiet_dump_has_no_waker() -> None:
    """One goroutine left behind (a sender after a timeout, a WaitGroup or Cond waiter) while
    nothing else can move: nothing but a timer's callback wakes it, as for a group (most real
    blocking bugs leave one or two). One in a receive or a select is a loop waiting for its
    next event (a dispatcher), and one waiting for a lock says so by its holder."""
    for state in ("chan send", "sync.WaitGroup.Wait", "sync.Cond.Wait"):
        s = top(dump(MAIN + goroutine(7, state, "main.(*Job).wait", 20)))
        assert any(e.kind == "no-waker" and e.points == 45 for e in s.evidence), state
        assert "1 waits in " + state + " and nothing but a timer's callback (time.AfterFunc) can wake it" \
            in s.evidence[0].text + s.evidence[1].text
        assert s.verdict == "likely" and s.score == 55, (state, s.score)
        # Something of yours still runs or waits on a timer: it may be what wakes it.
        ticking = top(dump(MAIN + goroutine(7, state, "main.(*Job).wait", 20)
                           + goroutine(9, "select", "main.(*Server).loop", 30)))
        assert not any(e.kind == "no-waker" for e in ticking.evidence) and ticking.verdict == "benign"
    for state in ("chan receive", "select"):
        s = top(dump(MAIN + goroutine(7, state, "main.(*Job).wait", 20)))
        assert not any(e.kind == "no-waker" for e in s.evidence) and s.verdict == "benign", state


def test_a_receive_waiting_for_the_goroutine_it_started_waits_as_that_one_does() -> None:
    """`go f(); <-done` in a quiet dump: the receiver waits for its child, not for a timer, so
    when the child waits where no timer reaches (a Cond, a WaitGroup, a send, a lock) neither
    can be woken (Moby #30408: a plugin's activation waits on a Cond nobody signals). Not when
    the parent left the function with the go statement, waits in a select (a timeout's case),
    or the child could itself be woken by a timer."""
    cond = goroutine(8, "sync.Cond.Wait", "main.(*Plugin).waitActive", 31, "main.testActive", 7)

    def verdicts(text: str) -> dict[str, tuple[str, list[str]]]:
        return {s.group.blocking.func: (s.verdict, [e.kind for e in s.evidence])
                for s in find_leaks([dump(MAIN + text)]).suspects if s.group.blocking is not None}

    got = verdicts(goroutine(7, "chan receive", "main.testActive", 47) + cond)
    assert got["main.testActive"][0] == "likely" and "no-waker" in got["main.testActive"][1]
    assert got["main.(*Plugin).waitActive"][0] == "likely"
    s = top(dump(MAIN + goroutine(7, "chan receive", "main.testActive", 47) + cond))
    assert "1 waits in chan receive for goroutines it started, which cannot finish, and nothing but " \
        "a timer's callback" in s.evidence[0].text
    # Up a chain: the one that started the receiver waits for it in turn.
    outer = ("goroutine 7 [chan receive]:\nmain.testActive()\n\t/src/app/a.go:47 +0x25\n"
             "created by main.outer in goroutine 6\n\t/src/app/main.go:9 +0x2a\n\n")
    got = verdicts(goroutine(6, "chan receive", "main.outer", 12) + outer + cond)
    assert {v for v, _ in got.values()} == {"likely"} and len(got) == 3
    for parent in (goroutine(7, "select", "main.testActive", 47),  # a select may time out
                   goroutine(7, "chan receive", "main.loop", 47)):  # not in the function that made it
        assert {v for v, _ in verdicts(parent + cond).values()} == {"benign"}, parent
    # A child a timer could wake (a receive of its own) leaves the parent's wait open too.
    ticking = goroutine(8, "chan receive", "main.(*Plugin).tick", 31, "main.testActive", 7)
    assert {v for v, _ in verdicts(goroutine(7, "chan receive", "main.testActive", 47) + ticking).values()} \
        == {"benign"}


def test_a_goroutine_waiting_on_the_runtime_itself_is_at_work() -> None:
    """An allocation that starts a GC waits on the runtime's own semaphore ("semacquire" in a
    dump, "sync" in a Go 1.21 trace), or assists the GC ("GC assist wait"): the goroutine goes
    on working once the runtime does, so the process is not quiet (a batch job's four workers
    computing while the rest wait for a semaphore slot: the waiters have a waker)."""
    waiters = "".join(goroutine(100 + i, "chan send", "main.(*indexer).indexDoc", 49) for i in range(20))

    def worker(gid: int, state: str, frames: str) -> str:
        return (f"goroutine {gid} [{state}]:\n{frames}main.tokenize()\n\t/src/app/main.go:37 +0x25\n"
                "created by main.main in goroutine 1\n\t/src/app/main.go:9 +0x2a\n\n")

    gc_start = ("runtime.gopark(0x0)\n\t/go/src/runtime/proc.go:435 +0xce\n"
                "runtime.semacquire1(0x0)\n\t/go/src/runtime/sema.go:188 +0x21d\n"
                "runtime.gcStart({0x0})\n\t/go/src/runtime/mgc.go:669 +0x8b\n"
                "runtime.mallocgc(0x40)\n\t/go/src/runtime/malloc.go:1175 +0x5ad\n")
    assist = ("runtime.gopark(0x0)\n\t/go/src/runtime/proc.go:435 +0xce\n"
              "runtime.gcParkAssist()\n\t/go/src/runtime/mgcmark.go:781 +0x1c5\n"
              "runtime.mallocgc(0x40)\n\t/go/src/runtime/malloc.go:1175 +0x5ad\n")
    lock = ("sync.runtime_SemacquireMutex(0x0)\n\t/go/src/runtime/sema.go:95 +0x25\n"
            "sync.(*Mutex).lockSlow(0x0)\n\t/go/src/sync/mutex.go:173 +0x15d\n")

    def no_waker(extra: str) -> bool:
        s = next(x for x in find_leaks([dump(MAIN + waiters + extra)]).suspects
                 if x.group.blocking is not None and x.group.blocking.func == "main.(*indexer).indexDoc")
        return "no-waker" in [e.kind for e in s.evidence]

    assert no_waker("") and no_waker(worker(9, "sync.Mutex.Lock", lock))
    assert not no_waker(worker(9, "semacquire", gc_start))
    assert not no_waker(worker(9, "GC assist wait", assist))
    # debug=1 hides the runtime's frames: a parked record deeper than a channel's wait (seven
    # hidden PCs here, gopark's first) may be such a wait, and counts as at work.
    profile = ("goroutine profile: total {total}\n"
               "20 @ 0x100 0x200 0x300 0x400\n#\t0x400\tmain.(*indexer).indexDoc+0x1\t/src/app/main.go:49\n\n"
               "2 @ 0x100 0x700 0x701\n#\t0x700\tsync.(*WaitGroup).Wait+0x1\t/go/sync/waitgroup.go:118\n"
               "#\t0x701\tmain.main+0x1\t/src/app/main.go:80\n\n")
    hid = ("3 @ 0x100 0x501 0x502 0x503 0x504 0x505 0x506 0x600\n"
           "#\t0x600\tmain.tokenize+0x1\t/src/app/main.go:37\n\n")

    def profiled(text: str) -> Suspect:
        return next(x for x in find_leaks([dump(text)]).suspects
                    if x.group.blocking is not None and x.group.blocking.func == "main.(*indexer).indexDoc")

    assert "no-waker" in [e.kind for e in profiled(profile.format(total=22)).evidence]
    assert "no-waker" not in [e.kind for e in profiled(profile.format(total=25) + hid).evidence]


def test_goroutines_made_by_their_own_group_are_one_chain_not_one_per_request() -> None:
    """A chain (each link makes the next, then waits for it) is made by many goroutines, all of
    them waiting at the same site: one recursion, not a goroutine per request."""
    chain = "".join(goroutine(100 + i, "chan receive", "main.link", 20, "main.link", 99 + i if i else 1)
                    for i in range(50))
    s = top(dump(MAIN + chain))
    assert "per-request" not in [e.kind for e in s.evidence]
    handlers = "".join(goroutine(100 + i, "chan receive", "main.link", 20, "main.serve", 500 + i)
                       for i in range(50))
    assert "per-request" in [e.kind for e in top(dump(MAIN + handlers)).evidence]


def test_the_main_goroutine_blocking_forever_in_a_function_it_calls_is_on_purpose() -> None:
    """main (or a run() it calls) ending in select {} lets the program's goroutines run on."""
    main = ("goroutine 1 [select (no cases)]:\nmain.run()\n\t/src/app/main.go:30 +0x25\n"
            "main.main()\n\t/src/app/main.go:10 +0x25\n\n")
    s = find_leaks([dump(main + goroutine(7, "chan receive", "main.(*Job).wait", 20)
                         + goroutine(8, "IO wait", "main.(*Server).read", 30))]).suspects
    forever = next(x for x in s if x.group.state == "select (no cases)")
    assert forever.verdict == "benign" and "main blocks forever on purpose" in forever.evidence[0].text
    other = ("goroutine 9 [select (no cases)]:\nmain.run()\n\t/src/app/main.go:30 +0x25\n"
             "created by main.main in goroutine 1\n\t/src/app/main.go:9 +0x2a\n\n")
    assert top(dump(MAIN + other)).verdict == "leak"  # another goroutine's select {} is forever


def test_a_profile_is_quiet_only_when_its_stacks_tell_every_wait() -> None:
    """A debug=1 or protobuf profile prints stacks, not states. When every stack tells its wait
    (a Mutex's frames are not the runtime's, so debug=1 keeps them), the same quiet speaks; a
    stack whose wait is hidden (debug=1 drops the runtime's leading frames, a channel's among
    them) may be running, and counts as many goroutines as its record says."""
    head = "goroutine profile: total {total}\n"
    locked = ("12 @ 0x1 0x2 0x3\n#\t0x1\tsync.(*Mutex).Lock+0x1\t/go/sync/mutex.go:90\n"
              "#\t0x2\tmain.(*Store).Get+0x1\t/src/app/store.go:20\n#\t0x3\tmain.serve+0x1\t/src/app/main.go:30\n\n")
    writer = ("1 @ 0x5 0x6\n#\t0x5\truntime/pprof.writeGoroutine+0x1\t/go/runtime/pprof/pprof.go:1\n"
              "#\t0x6\tmain.main+0x1\t/src/app/main.go:9\n\n")
    hidden = "{n} @ 0x7 0x8\n#\t0x8\tmain.worker+0x1\t/src/app/worker.go:12\n\n"
    quiet = top(dump(head.format(total=13) + locked + writer))
    assert quiet.group.state == "sync.Mutex.Lock"
    assert any(e.kind == "holder-parked" for e in quiet.evidence) and quiet.verdict == "likely"
    for n in (1, 3):
        s = next(x for x in find_leaks([dump(head.format(total=13 + n) + locked + writer
                                             + hidden.format(n=n))]).suspects
                 if x.group.state == "sync.Mutex.Lock")
        assert "holder-parked" not in [e.kind for e in s.evidence], n
    # The PCs of its "@" line say more: a hidden wait whose innermost PC is the one the Mutex
    # waiters' stacks start at (runtime.gopark's) is parked, not running, and the quiet holds.
    told = ("12 @ 0x100 0x200 0x301 0x401 0x501\n"
            "#\t0x300\tsync.runtime_SemacquireMutex+0x1\t/go/sync/sema.go:77\n"
            "#\t0x400\tsync.(*Mutex).Lock+0x1\t/go/sync/mutex.go:90\n"
            "#\t0x500\tmain.(*Store).Get+0x1\t/src/app/store.go:20\n\n")
    for innermost, parked in (("0x100", True), ("0x900", False)):
        in_chan = f"3 @ {innermost} 0x600 0x700 0x801\n#\t0x800\tmain.worker+0x1\t/src/app/worker.go:12\n\n"
        suspects = find_leaks([dump(head.format(total=16) + told + writer + in_chan)]).suspects
        s = next(x for x in suspects if x.group.state == "sync.Mutex.Lock")
        assert ("holder-parked" in [e.kind for e in s.evidence]) is parked, innermost
        worker = next(x for x in suspects if x.group.blocking and x.group.blocking.func == "main.worker")
        assert worker.group.state == ("chan send or receive" if parked else "unknown")


def test_senders_whose_creators_returned_are_orphaned() -> None:
    """Blocked sends made by goroutines that have all returned: nobody is left to receive. The
    same senders with their creators still there (waiting to receive) are not."""
    senders = "".join(goroutine(100 + i, "chan send", "main.lookup", 20, "main.Quote", 10 + i)
                      for i in range(12))
    s = top(dump(MAIN + senders))
    assert any(e.kind == "orphaned" for e in s.evidence) and s.verdict in ("likely", "leak")
    parents = "".join(goroutine(10 + i, "select", "main.Quote", 30, "main.serve", 1) for i in range(12))
    kept = next(x for x in find_leaks([dump(MAIN + parents + senders)]).suspects
                if x.group.blocking is not None and x.group.blocking.func == "main.lookup")
    assert not any(e.kind == "orphaned" for e in kept.evidence) and kept.score < s.score
    busy = top(dump(MAIN + goroutine(9, "runnable", "main.run", 30) + parents + senders))
    assert busy.group.blocking is not None and busy.group.blocking.func == "main.lookup"
    assert busy.verdict == "watch"  # creators there, and something runs: in flight


def test_senders_whose_handlers_returned_on_live_connections_are_orphaned() -> None:
    """A keep-alive connection's goroutine lives on after the handler that made a sender has
    returned: a dump shows it elsewhere (idle between requests), and its sender is orphaned as
    surely as one whose creator is gone. A creator still in the function that made the sender
    can receive; and one or two returned handlers are timing, not a pattern."""
    def conns(n: int, func: str, state: str) -> str:
        return "".join(goroutine(10 + i, state, func, 40, "net/http.(*Server).Serve", 2) for i in range(n))

    def senders(n: int) -> str:
        return "".join(goroutine(100 + i, "chan send", "main.(*Handler).audit", 47,
                                 "main.(*Handler).ServeHTTP", 10 + i) for i in range(n))

    busy = goroutine(9, "sleep", "main.poll", 30)  # the process is busy: no quiet to lean on
    idle = top(dump(MAIN + busy + conns(5, "net/http.(*conn).serve", "IO wait") + senders(5)))
    assert idle.group.blocking is not None and idle.group.blocking.func == "main.(*Handler).audit"
    orphaned = next(e for e in idle.evidence if e.kind == "orphaned")
    assert orphaned.text.startswith("5 of the 5 goroutines that created them have returned from "
                                    "main.(*Handler).ServeHTTP")
    # Still in ServeHTTP (waiting for what they sent to be taken): they can receive.
    inside = find_leaks([dump(MAIN + busy + conns(5, "main.(*Handler).ServeHTTP", "select") + senders(5))])
    kept = next(x for x in inside.suspects if x.group.state == "chan send")
    assert "orphaned" not in [e.kind for e in kept.evidence] and kept.score < idle.score
    few = find_leaks([dump(MAIN + busy + conns(2, "net/http.(*conn).serve", "IO wait") + senders(2))])
    assert "orphaned" not in [e.kind for x in few.suspects for e in x.evidence]
    # Ten requests' senders: likely, not leak: a live consumer could still take them.
    many = top(dump(MAIN + busy + conns(10, "net/http.(*conn).serve", "IO wait") + senders(10)))
    assert many.verdict == "likely", [e.text for e in many.evidence]


def test_orphaned_senders_behind_a_consumer_at_work_are_a_backlog() -> None:
    """Two hundred senders made by forty handlers that returned: a leak when nothing of the
    program works; while a goroutine of yours is at work (a consumer writing to a slow disk or
    peer, the one they may wait for) a backlog, not a leak."""
    conns = "".join(goroutine(10 + i, "IO wait", "net/http.(*conn).serve", 40, "net/http.(*Server).Serve", 2)
                    for i in range(40))
    senders = "".join(goroutine(100 + i, "chan send", "main.(*Handler).audit", 47,
                                "main.(*Handler).ServeHTTP", 10 + i % 40) for i in range(200))
    alone = top(dump(MAIN + conns + senders))
    assert alone.verdict == "leak" and "orphaned" in [e.kind for e in alone.evidence]
    writer = goroutine(9, "IO wait", "main.(*Audit).write", 30)
    behind = top(dump(MAIN + writer + conns + senders))
    assert behind.group.blocking == alone.group.blocking and behind.verdict == "likely"


def test_a_pool_shares_one_object_per_request_goroutines_do_not() -> None:
    """One creator, one age, idle: a pool only when every worker waits with the same object (its
    queue) in the blocking frame; a channel per goroutine is no pool, whatever made them, and
    neither are goroutines blocked handing a result over (a send: nothing takes it)."""
    def rows(arg: str, state: str = "chan receive", func: str = "main.(*Runner).wait") -> str:
        return "".join(f"goroutine {100 + i} [{state}]:\n{func}({arg.format(i)})\n"
                       "\t/src/app/run.go:20 +0x25\ncreated by main.(*Runner).Start in goroutine 1\n"
                       "\t/src/app/run.go:9 +0x2a\n\n" for i in range(150))

    shared = top(dump(MAIN + rows("0xc000010000, 0x{0:x}")))
    assert any(e.kind == "benign-shape" and "pool" in e.text for e in shared.evidence)
    private = top(dump(MAIN + rows("0xc000010000, 0xc0001{0:05x}")))
    assert not any(e.kind == "benign-shape" for e in private.evidence)
    assert private.score > shared.score
    senders = top(dump(MAIN + rows("0xc000010000, 0x{0:x}", "chan send")))
    assert not any(e.kind == "benign-shape" for e in senders.evidence)
    # A service's method started once per call with the call's own channel (go u.ship(parts)):
    # the same receiver in every goroutine, the channel a value the runtime could not vouch for.
    unknown = top(dump(MAIN + rows("0xc000010000, 0x0?")))
    assert not any(e.kind == "benign-shape" for e in unknown.evidence)
    alone = top(dump(MAIN + rows("0xc000010000")))  # the receiver is all it has: the pool's queue
    assert any(e.kind == "benign-shape" and "pool" in e.text for e in alone.evidence)
    beside = top(dump(MAIN + rows("0xc000010000, 0xc000020000, 0x0?")))  # a shared queue beside it
    assert any(e.kind == "benign-shape" and "pool" in e.text for e in beside.evidence)
    worker = top(dump(MAIN + rows("0xc000010000, 0x0?", func="main.worker")))  # no receiver
    assert any(e.kind == "benign-shape" and "pool" in e.text for e in worker.evidence)


# --- the command: table, JSON, exit status, baseline ------------------------------------

def test_exit_status_is_the_ci_gate(tmp_path: Path) -> None:
    leak = str(corpus_file("go1.26", "leakhttp.trace"))
    r = run("leaks", leak)
    assert r.exit_code == 3, r.stderr
    assert r.stdout.splitlines()[2].startswith("leak ")
    assert run("leaks", leak, "--fail-on", "never").exit_code == 0
    worker = str(corpus_file("go1.26", "worker.trace"))
    assert run("leaks", worker).exit_code == 0
    assert run("leaks", str(tmp_path / "missing.txt")).exit_code == 1
    assert run("leaks", leak, "--fail-on", "sometimes").exit_code == 2


def test_one_inconclusive_dump_says_what_to_capture_next(tmp_path: Path) -> None:
    """A running process's one dump, with no leak in it: a second dump gives the history it
    lacks (a debug=1 profile, creators and waits too). Not after a verdict of leak, for a
    series or a trace, nor for a process that crashed or ended its tests (no later capture)."""
    hint = "One capture has no history"
    quiet = tmp_path / "pool.txt"
    quiet.write_text(MAIN + goroutine(9, "IO wait", "main.serve", 3)
                     + "".join(goroutine(100 + i, "chan receive", "main.worker", 20) for i in range(8)))
    r = run("leaks", str(quiet))
    assert r.exit_code == 0 and hint in r.stdout and "?debug=2" not in r.stdout
    later = tmp_path / "pool-later.txt"
    later.write_text(quiet.read_text() + goroutine(200, "chan receive", "main.worker", 20))
    assert hint not in run("leaks", str(quiet), str(later)).stdout
    assert "?debug=2" in run("leaks", str(SAMPLES / "stuck.go1.27.debug1.txt")).stdout
    assert hint not in run("leaks", str(SAMPLES / "leak.go1.23.trace")).stdout
    for stopped in ("testtimeout.go1.27.txt", "leak.go1.23.sigquit.txt"):
        assert hint not in run("leaks", str(SAMPLES / stopped)).stdout, stopped
    assert hint not in run("leaks", "--format", "json", str(quiet)).stdout


def test_json_lists_every_suspect_with_ids(tmp_path: Path) -> None:
    path = str(corpus_file("go1.26", "leakhttp.debug2.txt"))
    r = run("leaks", path, "--format", "json")
    assert r.exit_code in (0, 3), r.stderr
    doc = json.loads(r.stdout)
    assert doc["schema_version"] == 1
    s = doc["suspects"][0]
    assert {"verdict", "score", "count", "state", "blocking_site", "created_at", "stack", "wait_ns", "leaked",
            "series", "baseline", "evidence", "labels", "ids"} <= set(s)
    assert len(s["ids"]) == s["count"] == 1200
    assert all({"kind", "points", "text"} == set(e) for e in s["evidence"])
    assert sum(doc["verdicts"].values()) == len(doc["suspects"])


def test_baseline_fails_only_on_new_or_grown(tmp_path: Path) -> None:
    early = str(SAMPLES / "leak-early.go1.23.debug2.txt")
    late = str(SAMPLES / "leak.go1.23.debug2.txt")
    base = tmp_path / "base.json"
    base.write_text(run("leaks", late, "--format", "json", "--fail-on", "never").stdout)
    # the same state as the baseline: nothing new, pass
    r = run("leaks", late, "--baseline", str(base), "--fail-on", "watch")
    assert r.exit_code == 0, r.stdout
    known = len(json.loads(base.read_text())["suspects"])
    assert f"against the baseline: 0 new, 0 grown, {known} known (only new and grown ones fail)" \
        in r.stdout
    # the baseline taken early; the leak grew since: fail, and say so
    base.write_text(run("leaks", early, "--format", "json", "--fail-on", "never").stdout)
    r = run("leaks", late, "--baseline", str(base), "--fail-on", "watch", "--format", "json")
    doc = json.loads(r.stdout)
    grown = [s for s in doc["suspects"] if s["baseline"] == "grown"]
    assert grown and grown[0]["blocking_site"]["func"].endswith("reports.(*Handler).render")
    assert r.exit_code == 3 and doc["failed"] is True


def test_bad_baseline_is_one_line_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "b.json"
    bad.write_text("{not json")
    r = run("leaks", str(SAMPLES / "leak.go1.23.debug2.txt"), "--baseline", str(bad))
    assert r.exit_code == 1 and str(bad) in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_series_of_two_captures_shows_growth() -> None:
    """The samples' two dumps are of two runs of the server: their counts are shown, not
    weighed. The zoo's series are of one process: there growth counts."""
    r = run("leaks", str(SAMPLES / "leak-early.go1.23.debug2.txt"), str(SAMPLES / "leak.go1.23.debug2.txt"))
    assert "the last of 2 captures" in r.stdout.splitlines()[0]
    assert "100 → 300 in captures of more than one process: not weighed" in r.stdout
    assert "grew" not in r.stdout
    sys.path.insert(0, str(Path(__file__).parent))
    import zoo

    files = next(p for p in zoo.manifest()["programs"]  # type: ignore[index]
                 if p["name"] == "timeout_sender")["files"]["go1.27"]["series"]
    top = zoo.report(files).suspects[0]
    assert any(e.kind == "growth" and e.points == 45 and "12 → 24 → 36" in e.text for e in top.evidence)


def test_a_series_of_profile_and_dump_forms_matches_groups_by_site() -> None:
    """debug=1 names a channel wait its runtime frames hid only as "chan send or receive"; the
    same goroutines in a debug=2 dump a moment later wait in "chan receive". Matched by state,
    they would seem to appear from nothing (0 → 10); a mixed series matches by blocking site
    and says so."""
    sys.path.insert(0, str(Path(__file__).parent))
    import zoo

    files = next(p for p in zoo.manifest()["programs"]  # type: ignore[index]
                 if p["name"] == "abandoned_receiver")["files"]["go1.27"]
    report = zoo.report([files["debug1"], files["debug2"]])
    assert report.notes and "matched by where they block" in report.notes[0]
    top = report.suspects[0]
    assert top.series[0] == top.series[1] == top.group.count  # the same goroutines, no growth
    assert "growth" not in [e.kind for e in top.evidence]
    alone = zoo.report([files["debug2"], files["debug2"]])
    assert alone.notes == []


def test_a_series_says_when_its_captures_are_of_other_processes_or_out_of_order() -> None:
    """Goroutine ids compare within one process only: a restart's counts say nothing of growth.
    A process numbers goroutines upward as it makes them, and a dump's waits grow with time:
    a series given newest first reads growth backwards. Both are told in the report's notes."""
    accept = goroutine(5, "IO wait", "main.acceptLoop", 40)

    def capture(first: int, n: int, minutes: int, accept_id: int = 5) -> str:
        loop = accept.replace("goroutine 5 ", f"goroutine {accept_id} ")
        return MAIN + loop + "".join(goroutine(first + i, f"chan receive, {minutes} minutes", "main.worker",
                                               20, "main.serve", 3) for i in range(n))

    tables = Tables()
    old, new = dump(capture(100, 8, 5), tables), dump(capture(200, 8, 5), tables)
    assert find_leaks([old, new]).notes == []
    reversed_ = find_leaks([new, old]).notes
    assert len(reversed_) == 1 and "looks newer than" in reversed_[0] and "oldest first" in reversed_[0]
    # The same goroutines, waiting 40 minutes in the first given and 5 in the second.
    aged = find_leaks([dump(capture(100, 8, 40), tables), dump(capture(100, 8, 5), tables)]).notes
    assert len(aged) == 1 and "looks newer than" in aged[0]
    restarted = find_leaks([dump(capture(100, 8, 5), tables), dump(capture(100, 8, 5, accept_id=7), tables)])
    assert len(restarted.notes) == 1 and "of another process" in restarted.notes[0]
    # The samples' two dumps are of two runs of the server (its accept loop is goroutine 23,
    # then 10): the report and its JSON say so.
    early, late = str(SAMPLES / "leak-early.go1.23.debug2.txt"), str(SAMPLES / "leak.go1.23.debug2.txt")
    notes = json.loads(run("leaks", "--format", "json", early, late).stdout)["notes"]
    assert len(notes) == 1 and "of another process" in notes[0]
    assert run("leaks", early, late).stdout.splitlines()[1].startswith("note: ")


def test_the_tracers_own_goroutine_is_benign() -> None:
    """runtime/trace's reader waits in "trace reader (blocked)" for as long as a trace runs; in a
    series that starts a trace between two dumps it appears from nothing."""
    reader = ("goroutine 19 [trace reader (blocked)]:\nruntime.ReadTrace()\n\truntime/trace.go:893 +0x45\n"
              "runtime/trace.(*traceMultiplexer).startLocked.func1()\n"
              "\truntime/trace/subscribe.go:167 +0xb4\n"
              "created by runtime/trace.(*traceMultiplexer).startLocked in goroutine 1\n"
              "\truntime/trace/subscribe.go:157 +0x159\n\n")
    tables = Tables()
    report = find_leaks([dump(MAIN, tables), dump(MAIN + reader, tables)])
    s = next(x for x in report.suspects if x.group.state == "trace reader (blocked)")
    assert s.verdict == "benign" and any(e.kind == "benign-shape" and "tracer" in e.text for e in s.evidence)


def test_a_series_mixing_traces_and_dumps_is_refused() -> None:
    r = run("leaks", str(SAMPLES / "leak.go1.23.trace"), str(SAMPLES / "leak.go1.23.debug2.txt"))
    assert r.exit_code == 1 and "all traces or all dumps" in r.stderr


MS = 1_000_000
SEND = "main.audit@app.go:47;main.handle@app.go:30"
GO_AUDIT = "main.handle@app.go:29;main.serve@app.go:12"
POLL = "time.Sleep@time.go:300;main.poll@app.go:40"


def senders(woken_at: list[int], blocked_at: list[int], end: int = 1000, sleeper: bool = False,
            unit: int = MS) -> Model:
    """A trace (times in ``unit``, ms by default) where goroutines made by main.handle block
    in chan send at one stack: those of ``woken_at`` are woken at those times (and end 1 unit
    later), those of ``blocked_at`` block then and are still blocked at ``end``. ``sleeper``: a
    goroutine of the program is asleep at the end (it is at work: the trace's end is not quiet)."""
    events: list[tuple[int, str]] = [(0, '1 -1 -1 -1 - | 0 0 0 0 "" | - | 0'),
                                     (1, f'13 -1 0 5 - | 1 1 0 3 "" | {GO_AUDIT} | 0')]
    if sleeper:
        events += [(2, f'13 1 0 5 {GO_AUDIT} | 1 900 1 2 "" | {POLL} | 0'),
                   (2, '13 -1 0 5 - | 1 900 2 3 "" | - | 0'),
                   (end - 10, f'13 900 0 5 {POLL} | 1 900 3 4 "sleep" | {POLL} | 0')]
    gid = 100
    for t in blocked_at + [w - 5 for w in woken_at]:
        gid += 1
        events += [(t, f'13 1 0 5 {GO_AUDIT} | 1 {gid} 1 2 "" | {SEND} | 0'),
                   (t, f'13 -1 0 5 - | 1 {gid} 2 3 "" | - | 0'),
                   (t, f'13 {gid} 0 5 {SEND} | 1 {gid} 3 4 "chan send" | {SEND} | 0')]
        if gid - 100 > len(blocked_at):
            events += [(t + 5, f'13 1 0 5 - | 1 {gid} 4 2 "" | - | 0'),
                       (t + 6, f'13 -1 0 5 - | 1 {gid} 2 3 "" | - | 0'),
                       (t + 6, f'13 {gid} 0 5 - | 1 {gid} 3 1 "" | - | 0')]
    events.append((end, '1 -1 -1 -1 - | 0 0 0 0 "" | - | 0'))
    events.sort(key=lambda e: e[0])
    lines = [f"{t * unit + 1000} {text}" for t, text in events]
    tables = Tables()
    info = TraceInfo("go 1.26 trace", 26, 0, len(lines))
    return build_trace_model([parse_lines(lines, tables)], info, tables, "t.trace")


def audit(model: Model) -> Suspect:
    return next(s for s in find_leaks([model]).suspects
                if s.group.blocking is not None and s.group.blocking.func == "main.audit")


def test_a_site_nobody_serves_any_more_is_stalled() -> None:
    """Senders kept arriving after the last one was taken, and none has been taken for
    most of the trace: whoever received there is gone."""
    s = audit(senders(woken_at=[100, 150], blocked_at=[200, 350, 500, 700]))
    stalled = [e for e in s.evidence if e.kind == "stalled"]
    assert len(stalled) == 1 and stalled[0].points > 0
    assert "4 blocked here between 200ms and 700ms, none woken since 150ms" in stalled[0].text
    never = audit(senders(woken_at=[], blocked_at=[200, 350, 500, 700]))
    assert any(e.kind == "stalled" and "ever woken" in e.text for e in never.evidence)


def test_a_traces_span_alone_says_likely_while_something_of_yours_works() -> None:
    """A trace cannot see a wait longer than itself end: senders behind a consumer that is at
    work at its end (it sleeps between batches) may yet be taken, and so may senders behind a
    consumer parked in a backoff of seconds. Only waits of minutes, with nothing of the program
    at work, make a trace's silence a leak."""
    arrivals = list(range(100, 700, 25))
    minutes = 100 * MS  # the trace lasts 100 s; the first sender has waited 90 s
    quiet = audit(senders([], arrivals, unit=minutes))
    assert quiet.verdict == "leak" and "stalled" in [e.kind for e in quiet.evidence]
    assert "capped" not in [e.kind for e in quiet.evidence]
    working = audit(senders([], arrivals, sleeper=True, unit=minutes))
    assert "stalled" in [e.kind for e in working.evidence] and working.verdict == "likely"
    capped = [e.text for e in working.evidence if e.kind == "capped"]
    assert capped and capped[0].startswith("likely at most: 1 goroutine of yours is at work at the "
                                           "trace's end")
    seconds = audit(senders([], arrivals))  # the same in a trace of one second: a backoff's
    assert "stalled" in [e.kind for e in seconds.evidence] and seconds.verdict == "likely"
    capped = [e.text for e in seconds.evidence if e.kind == "capped"]
    assert capped == ["likely at most: waited 900ms at most in the trace: a backoff or a slow call "
                      "waits as long; minutes of trace, or dumps minutes apart, tell a leak"]


@pytest.mark.parametrize(("woken_at", "blocked_at"), [
    ([100, 300, 900], [200, 350, 500, 700]),  # still served late in the trace
    ([], [200, 210, 220, 230]),  # all stopped together: an idle pool, not a pile-up
    ([], [600, 700, 900]),  # the quiet is shorter than half the trace
    ([100], [300, 800]),  # too few to call a pile-up
])
def test_a_served_site_or_an_idle_one_is_not_stalled(woken_at: list[int], blocked_at: list[int]) -> None:
    s = audit(senders(woken_at, blocked_at))
    assert not any(e.kind == "stalled" for e in s.evidence), s.evidence


def test_stalled_sites_are_zoo_leaks_only() -> None:
    """Over the zoo's traces, the evidence fires only where a leak is: never on a healthy program."""
    sys.path.insert(0, str(Path(__file__).parent))
    import zoo

    found = set()
    for program in zoo.manifest()["programs"]:  # type: ignore[attr-defined]
        for files in program["files"].values():
            if "trace" not in files:
                continue
            report = find_leaks([load(str(zoo.ZOO / files["trace"]))])
            hits = [s for s in report.suspects if any(e.kind == "stalled" for e in s.evidence)]
            if program["kind"] == "healthy":
                assert hits == [], program["name"]
            for s in hits:
                assert s.verdict in ("leak", "likely", "watch"), (program["name"], s.verdict)
                found.add(program["name"])
    # the two leaks no other trace evidence found
    assert {"leak_in_busy_server", "stopper_self_wait"} <= found


def test_a_narrow_table_says_where_a_suspect_was_created_only_when_the_input_does() -> None:
    """On a narrow terminal the creation site is a line under the suspect; a profile prints no
    creators, so it gets no "created at (unknown)" line, which would say nothing."""
    from gotrace.render.leaks import leaks_report

    profile = ("goroutine profile: total 13\n12 @ 0x1 0x2\n"
               "#\t0x1\tsync.(*Mutex).Lock+0x1\t/go/sync/mutex.go:90\n"
               "#\t0x2\tmain.(*Store).Get+0x1\t/src/app/store.go:20\n\n"
               "1 @ 0x5\n#\t0x5\truntime/pprof.writeGoroutine+0x1\t/go/runtime/pprof/pprof.go:1\n\n")
    text = leaks_report(find_leaks([dump(profile)]), 60, False, False)
    assert "likely" in text and "created at" not in text
    rows = "".join(goroutine(100 + i, "sync.Mutex.Lock", "main.(*Store).Get", 20, "main.(*Store).Start")
                   for i in range(12))
    text = leaks_report(find_leaks([dump(MAIN + rows)]), 60, False, False)
    assert "\n           created at main.(*Store).Start (main.go:9)\n" in text
    # each fact after what it did to the score, as on the Leaks page
    assert "\n       +15 12 goroutines wait at this one site\n" in text


def test_a_sigquit_traceback_names_goroutines_as_debug2_does_and_is_not_quiet() -> None:
    """A SIGQUIT's traceback (GOTRACEBACK=system) prints runtime.goexit under every goroutine
    and the go statement's .gowrapN wrapper: a goroutine is still named by what it runs. Named
    runtime.goexit, every goroutine passed for the runtime's own, and a serving process with
    goroutines in IO wait and asleep passed for one where nothing runs."""
    sigquit, debug2 = (load(str(SAMPLES / f"stuck.go1.27.{k}.txt")) for k in ("sigquit", "debug2"))

    def names(m: Model) -> set[str]:
        return {m.tables.strings[n] for n in np.unique(m.goroutines.name).tolist()}

    got = names(sigquit)
    assert not any(n == "runtime.goexit" or ".gowrap" in n for n in got)
    assert {n for n in names(debug2) if not n.startswith("runtime.")} <= got
    kinds = {e.kind for s in find_leaks([sigquit]).suspects for e in s.evidence}
    assert not kinds & {"no-waker", "holder-parked"}


@pytest.mark.parametrize(("func", "creator", "loop"), [
    ("main.(*Wheel).tick", "main.(*Server).handle", True),  # the function names it
    ("main.run", "example.com/app/conn.(*Conn).startHeartbeat", True),  # so does the maker
    ("main.(*PollHandler).ServeHTTP", "net/http.(*Server).Serve", False),  # a long-poll handler
    ("example.com/poller.(*Cache).get", "example.com/poller.(*Cache).Get", False),  # a package
    ("main.worker", "main.main", False),
])
def test_timer_loops_are_named_by_function_and_maker(func: str, creator: str, loop: bool) -> None:
    """A loop per object around a ticker or a wheel is told by its function's name or its
    maker's (with the maker's type); not by the blocking function's type (a PollHandler's
    ServeHTTP waits for an event, no tick), nor by an import path or package name."""
    text = "".join(goroutine(100 + i, "select", func, 20, creator, 10 + i) for i in range(12))
    s = top(dump(MAIN + goroutine(9, "sleep", "main.poll", 30) + text))
    assert ("timer-loop" in [e.kind for e in s.evidence]) is loop, [e.text for e in s.evidence]


def test_thousands_of_suspects_list_the_best_and_count_the_rest() -> None:
    """A dump of thousands of distinct groups lists the best SERIOUS_SHOWN suspects with their
    evidence and counts the rest by verdict (--all lists them); a suspect a baseline marks new
    is listed wherever it ranks, since it is what fails the gate."""
    from gotrace.render.leaks import SERIOUS_SHOWN, leaks_report

    rows = "".join(goroutine(100 + 20 * k + i, "sync.Mutex.Lock", f"main.(*Store{k}).Get", 20,
                             "main.(*Store).Start") for k in range(SERIOUS_SHOWN + 20) for i in range(12))
    report = find_leaks([dump(MAIN + rows)])
    serious = [s for s in report.suspects if s.verdict != "benign"]
    assert len(serious) == SERIOUS_SHOWN + 20 and {s.verdict for s in serious} == {"likely"}
    text = leaks_report(report, 100, False, False)
    assert text.count("\nlikely ") == SERIOUS_SHOWN
    assert "(+20 more likely; --all lists them, --format json holds them all)" in text
    assert leaks_report(report, 100, False, True).count("\nlikely ") == SERIOUS_SHOWN + 20
    last = len(serious) - 1
    marks = {i: "new" if i == last else "known" for i in range(len(report.suspects))}
    text = leaks_report(report, 100, False, False, marks)
    assert text.count("\nlikely ") == SERIOUS_SHOWN + 1 and "likely (new)" in text
    assert "(+19 more likely;" in text


def test_a_log_rotation_backlog_is_not_called_likely() -> None:
    """The zoo's audit_backlog: every dump is taken while the writer rotates its log, with 8+
    senders waiting whose handlers returned. The writer is at work (asleep in its rotation),
    so their being orphaned weighs little and they are at most watched; the series sees them
    come and go. Its twin leak_in_busy_server (the writer died) is found by the series."""
    sys.path.insert(0, str(Path(__file__).parent))
    import zoo

    files = next(p for p in zoo.manifest()["programs"]  # type: ignore[index]
                 if p["name"] == "audit_backlog")["files"]
    for version in ("go1.27", "go1.21"):
        s = next(x for x in zoo.report([files[version]["debug2"]]).suspects if x.group.state == "chan send")
        assert s.group.count >= 8 and s.verdict in ("watch", "benign"), [e.text for e in s.evidence]
        orphaned = next(e for e in s.evidence if e.kind == "orphaned")
        assert orphaned.points == 10 and "may be their consumer" in orphaned.text
    series = zoo.report(files["go1.27"]["series"]).suspects
    s = next(x for x in series if x.group.state == "chan send")
    assert s.verdict == "benign" and "churning" in [e.kind for e in s.evidence]


def test_the_readme_documents_every_field_of_the_json() -> None:
    """The README's leaks JSON block names every key the document has, at the top and per
    suspect, and the schema version the document carries."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = readme.split("`gotrace leaks --format json` (`schema_version` ", 1)[1].split("```", 2)[1]
    doc = json.loads(run("leaks", "--format", "json", str(SAMPLES / "leak.go1.23.debug2.txt")).stdout)
    assert f'"schema_version": {doc["schema_version"]}' in block
    keys = set(doc) | set(doc["inputs"][0]) | set(doc["suspects"][0]) | set(doc["suspects"][0]["evidence"][0])
    assert {k for k in keys if f'"{k}"' not in block} == set()


def test_a_connections_background_read_points_at_its_handler() -> None:
    """net/http reads ahead on a server connection for as long as its handler runs: twenty hung
    handlers keep twenty of these in IO wait. The handlers are where the code waits, and are
    listed first; the reads are a benign shape that says so."""
    reads = "".join(goroutine(200 + i, "IO wait", "net/http.(*connReader).backgroundRead", 746,
                              "net/http.(*connReader).startBackgroundRead", 100 + i) for i in range(20))
    handlers = "".join(goroutine(100 + i, "sync.RWMutex.RLock", "main.(*daemon).Get", 65,
                                 "net/http.(*Server).Serve", 5) for i in range(20))
    report = find_leaks([dump(MAIN + goroutine(9, "sleep", "main.poll", 30) + handlers + reads)])
    assert report.suspects[0].group.blocking is not None
    assert report.suspects[0].group.blocking.func == "main.(*daemon).Get"
    s = next(x for x in report.suspects if x.group.blocking is not None
             and x.group.blocking.func == "net/http.(*connReader).backgroundRead")
    assert s.verdict == "benign" and "the handlers tell more" in s.evidence[0].text


def test_orphaned_weighs_little_beside_a_consumer_that_may_receive() -> None:
    """Handlers that returned after a fire-and-forget send were never the receiver: a shipper
    parked in its retry loop's select may be. Senders whose creators are gone are a leak only
    when no goroutine of the program could receive: none at work, none in a receive or a
    select."""
    senders = "".join(goroutine(100 + i, "chan send", "main.(*api).emit", 74, "main.(*api).ServeHTTP",
                                10 + i % 12) for i in range(143))
    alone = top(dump(MAIN + senders))
    assert alone.verdict == "leak" and any(e.kind == "orphaned" and e.points == 30 for e in alone.evidence)
    shipper = goroutine(9, "select", "main.(*shipper).run", 60)
    backlog = top(dump(MAIN + shipper + senders))
    orphaned = next(e for e in backlog.evidence if e.kind == "orphaned")
    assert orphaned.points == 10 and "1 goroutine of yours is at work or in a receive" in orphaned.text
    assert backlog.verdict == "likely"


def test_a_parked_lock_holder_is_likely_however_many_wait() -> None:
    """A limiter holds its Mutex while it waits for its next tick: in a quiet dump its waiters
    have a parked holder, which a deadlock's have too. However many wait, one dump says likely;
    the same goroutines in every capture of a series say more."""
    waiters = "".join(goroutine(100 + i, "sync.Mutex.Lock", "main.(*limiter).Wait", 38, "main.serve", 10 + i)
                      for i in range(106))
    s = top(dump(MAIN + waiters))
    assert "holder-parked" in [e.kind for e in s.evidence]
    assert s.verdict == "likely" and s.score == 79


def test_a_long_sync_wait_says_what_it_waits_for() -> None:
    """Traces and older Go call every sync wait "sync" or "semacquire": the stack tells a
    WaitGroup's wait (a Done that never comes) from a lock's."""
    def waits(frame: str) -> str:
        rows = "".join(f"goroutine {100 + i} [semacquire, 5 minutes]:\n"
                       "sync.runtime_Semacquire(0xc00001234c?)\n\t/go/src/runtime/sema.go:62 +0x25\n"
                       f"{frame}(0xc000012340)\n\t/go/src/sync/x.go:1 +0x1\n"
                       "main.(*Job).run()\n\t/src/app/job.go:20 +0x45\ncreated by main.main in goroutine 1\n"
                       "\t/src/app/main.go:9 +0x2a\n\n" for i in range(3))
        s = top(dump(MAIN + rows))
        return next(e.text for e in s.evidence if e.kind == "lock-held")

    assert waits("sync.(*WaitGroup).Wait").endswith("a Done that never comes (Add and Done do not match?)")
    assert waits("sync.(*Cond).Wait").endswith("a Signal or Broadcast that never comes")
    assert waits("sync.(*Mutex).Lock").endswith("a lock that is never released (deadlock?)")


def test_a_limiters_queue_in_a_series_is_one_process_and_moves() -> None:
    """A limiter's lock passes from waiter to waiter: its lone holder is another goroutine in
    each capture, which is no restart (the accept loop keeps its id), and its queue shrinks as
    it moves; the waiters that stay are still in line, not stuck."""
    accept = goroutine(5, "IO wait", "main.acceptLoop", 70)

    def capture(holder: int, first: int, n: int) -> str:
        waiters = "".join(goroutine(first + i, "sync.Mutex.Lock", "main.(*limiter).Wait", 38, "main.serve",
                                    1000 + first + i) for i in range(n))
        return MAIN + accept + goroutine(holder, "chan receive", "main.(*limiter).tick", 40) + waiters

    tables = Tables()
    models = [dump(capture(30 + k, 100 + k, 9 - k), tables) for k in range(3)]
    report = find_leaks(models)
    assert report.notes == []  # one process: most lone goroutines keep their ids
    s = next(x for x in report.suspects if x.group.state == "sync.Mutex.Lock")
    kinds = [e.kind for e in s.evidence]
    assert "fluctuates" in kinds and "stuck" not in kinds and "restart" not in kinds


def test_a_series_seconds_apart_says_likely_at_most() -> None:
    """Goroutines that stayed through a series have waited at least as long as it lasted: when
    a dump shows them all under a minute, its captures are seconds apart, and growth and staying
    goroutines over seconds are what a burst or a warm-up shows too. Minutes apart, they are a
    leak's."""
    accept = goroutine(5, "IO wait", "main.acceptLoop", 70)

    def snapshot(n: int, minutes: int) -> str:
        wait = f", {minutes} minutes" if minutes else ""
        return MAIN + accept + "".join(goroutine(100 + i, f"chan receive{wait}", "main.worker", 20,
                                                 "main.serve", 1000 + i) for i in range(n))

    tables = Tables()
    slow = find_leaks([dump(snapshot(n, m), tables) for n, m in ((20, 0), (40, 12), (60, 24))]).suspects[0]
    fast = find_leaks([dump(snapshot(n, 0), tables) for n in (20, 40, 60)]).suspects[0]
    assert {"growth", "stuck"} <= {e.kind for e in slow.evidence} and slow.verdict == "leak"
    assert {"growth", "stuck"} <= {e.kind for e in fast.evidence} and fast.verdict == "likely"
    assert any("the captures are seconds apart" in e.text for e in fast.evidence)


def test_growth_in_a_process_where_nothing_has_waited_a_minute_is_a_warm_up_at_most() -> None:
    """A series whose goroutines are all new at each capture has none that stayed to date it;
    but when nothing in the last dump has waited a minute, not even a goroutine parked for good
    (the runtime's forced-GC helper, in any process up a few minutes), the process is young and
    the captures seconds apart: a client's connection pool filling up grows in every one of them
    (1 -> 65 -> 68) as a leak does. One goroutine that has waited an hour dates the process."""
    def snapshot(n: int, forever: str) -> str:
        return (MAIN + goroutine(2, f"force gc (idle){forever}", "runtime.forcegchelper", 1, None)
                + "".join(goroutine(100 * n + i, "IO wait", "net/http.(*persistConn).readLoop", 2493,
                                    "net/http.(*Transport).dialConn", 1000 + 100 * n + i) for i in range(n)))

    def judged(forever: str) -> Suspect:
        tables = Tables()
        return next(s for s in find_leaks([dump(snapshot(n, forever), tables) for n in (1, 65, 68)]).suspects
                    if s.group.blocking is not None and s.group.blocking.func.endswith("readLoop"))

    young = judged("")
    assert "growth" in [e.kind for e in young.evidence] and young.verdict == "likely"
    assert young.evidence[0].kind == "capped" and "nothing in the last capture has waited a minute" \
        in young.evidence[0].text
    old = judged(", 60 minutes")
    assert "capped" not in [e.kind for e in old.evidence] and old.verdict == "leak"


def test_client_connections_whose_bodies_are_being_read_are_streams_in_use() -> None:
    """A client connection's read loop waits in a select while its response body is open:
    left so when the body is never closed, but also while a goroutine of yours reads it (an
    event stream, a long download), and then the readers tell more."""
    def loops(n: int) -> str:
        return "".join(goroutine(100 + i, "select", "net/http.(*persistConn).readLoop", 2616,
                                 "net/http.(*Transport).dialConn", 1000 + i) for i in range(n))

    def reader(gid: int) -> str:
        return (f"goroutine {gid} [IO wait]:\nnet/http.(*bodyEOFSignal).Read(0xc000123000)\n"
                "\t/go/src/net/http/transport.go:2980 +0x2\nbufio.(*Scanner).Scan(0xc000456000)\n"
                "\t/go/src/bufio/scan.go:219 +0x2\nmain.follow()\n\t/src/app/events.go:40 +0x25\n"
                "created by main.main in goroutine 1\n\t/src/app/main.go:9 +0x2a\n\n")

    def conns(text: str) -> Suspect:
        return next(s for s in find_leaks([dump(MAIN + text)]).suspects
                    if s.group.blocking is not None and s.group.blocking.func.endswith("readLoop"))

    unclosed = conns(loops(24))
    assert unclosed.verdict == "likely" and any(e.kind == "idle-conns" and e.text.startswith(
        "24 client connections waiting") for e in unclosed.evidence)
    streams = conns(loops(24) + "".join(reader(500 + i) for i in range(24)))
    assert streams.verdict == "benign" and "idle-conns" not in [e.kind for e in streams.evidence]
    assert "whose response bodies 24 goroutines are reading" in streams.evidence[0].text
    some = conns(loops(24) + "".join(reader(500 + i) for i in range(4)))
    assert [e.text for e in some.evidence if e.kind == "idle-conns"] == [
        "20 client connections waiting for their response body to be read or closed (4 more are being "
        "read): bodies never closed"]


def test_a_write_that_made_no_progress_for_minutes_is_stalled() -> None:
    """A write to a connection waits only while the peer does not read (its socket's buffer
    is full), a write to an io.Pipe while its reader does not: one blocked for minutes writes
    to a reader that stopped, with no deadline to end it. A read waiting for minutes is an
    idle connection, and a write waiting seconds is a slow reader's backpressure."""
    net_write = ("internal/poll.runtime_pollWait(0x0, 0x77)\n\t/go/src/runtime/netpoll.go:351 +0x85\n"
                 "internal/poll.(*pollDesc).waitWrite(...)\n\t/go/src/internal/poll/fd_poll_runtime.go:89\n"
                 "internal/poll.(*FD).Write(0xc000123000)\n\t/go/src/internal/poll/fd_unix.go:399 +0x32d\n")
    net_read = ("internal/poll.runtime_pollWait(0x0, 0x72)\n\t/go/src/runtime/netpoll.go:351 +0x85\n"
                "internal/poll.(*pollDesc).waitRead(...)\n\t/go/src/internal/poll/fd_poll_runtime.go:84\n"
                "internal/poll.(*FD).Read(0xc000123000)\n\t/go/src/internal/poll/fd_unix.go:165 +0x27a\n")
    pipe_write = "io.(*pipe).write(0xc000222000)\n\t/go/src/io/pipe.go:94 +0x1e5\n"

    def writers(state: str, frames: str, minutes: list[int]) -> Suspect:
        text = "".join(f"goroutine {100 + i} [{state}{f', {m} minutes' if m else ''}]:\n{frames}"
                       "main.(*replicator).stream()\n\t/src/app/repl.go:53 +0x25\n"
                       f"created by main.(*replicator).serve in goroutine 9\n\t/src/app/repl.go:68 +0x2a\n\n"
                       for i, m in enumerate(minutes))
        serve = goroutine(9, "IO wait", "main.(*replicator).serve", 64)
        return next(s for s in find_leaks([dump(MAIN + serve + text)]).suspects
                    if s.group.blocking is not None and s.group.blocking.func == "main.(*replicator).stream")

    stalled = writers("IO wait", net_write, [3, 6, 0, 9, 12])
    assert [e.text for e in stalled.evidence if e.kind == "write-stalled"] == [
        "4 blocked writing to a network connection for up to 12m00s: its reader stopped reading, and "
        "nothing ends the write (no deadline)"]
    assert "write-stalled" in [e.kind for e in writers("select", pipe_write, [4, 4]).evidence]
    assert "to a pipe" in next(e.text for e in writers("select", pipe_write, [4]).evidence
                               if e.kind == "write-stalled")
    for state, frames, minutes in (("IO wait", net_read, [3, 6, 9]), ("IO wait", net_write, [0, 0, 0])):
        assert "write-stalled" not in [e.kind for e in writers(state, frames, minutes).evidence]
    # Stalled writes are a pile: what hangs a peer for minutes may yet let go; likely at most.
    many = writers("IO wait", net_write, [30 + i for i in range(40)])
    assert many.verdict == "likely"


def test_a_fixed_set_moving_between_waits_is_no_growth() -> None:
    """A busy pool's workers, or producers behind a full queue, are in one wait in one capture
    and another in the next: a group that grew by goroutines the first capture already had
    (elsewhere) grew by none made since. A leak grows by new goroutines."""
    accept = goroutine(5, "IO wait", "main.acceptLoop", 70)

    def snapshot(sending: range, receiving: range) -> str:
        return MAIN + accept + "".join(
            goroutine(i, "chan send", "main.(*Pipeline).parse", 34) for i in sending) + "".join(
            goroutine(i, "chan receive", "main.(*Pipeline).parse", 30) for i in receiving)

    tables = Tables()
    workers = find_leaks([dump(snapshot(range(100, 100), range(100, 112)), tables),
                          dump(snapshot(range(100, 108), range(108, 112)), tables),
                          dump(snapshot(range(100, 112), range(100, 100)), tables)])
    s = next(x for x in workers.suspects if x.group.state == "chan send")
    kinds = [e.kind for e in s.evidence]
    assert "moved" in kinds and "growth" not in kinds, kinds
    assert "12 of the 12 more were in the first capture already" in next(
        e.text for e in s.evidence if e.kind == "moved")
    made = find_leaks([dump(snapshot(range(200, 200), range(100, 112)), tables),
                       dump(snapshot(range(200, 208), range(100, 112)), tables),
                       dump(snapshot(range(200, 212), range(100, 112)), tables)])
    s = next(x for x in made.suspects if x.group.state == "chan send")
    assert "growth" in [e.kind for e in s.evidence] and "moved" not in [e.kind for e in s.evidence]
    assert next(e.points for e in s.evidence if e.kind == "growth") == 45
    # Grown once and not in the last step: a set filling up to its size stops; a leak fed by
    # traffic grows in every interval.
    stopped = find_leaks([dump(snapshot(range(200, 200), range(100, 112)), tables),
                          dump(snapshot(range(200, 212), range(100, 112)), tables),
                          dump(snapshot(range(200, 212), range(100, 112)), tables)])
    s = next(x for x in stopped.suspects if x.group.state == "chan send")
    growth = next(e for e in s.evidence if e.kind == "growth")
    assert growth.points == 15 and growth.text == "grew, then stayed: 0 → 12 → 12"
    # A keep-alive connection's goroutine idle in the standard library, then stuck in your
    # code, took new work: it counts as made (a leak by requests on long-lived connections).
    serve = ("net/http.(*conn).serve()\n\t/go/net/http/server.go:2000 +0x5\n"
             "created by net/http.(*Server).Serve in goroutine 1\n\t/go/net/http/server.go:3000 +0x5\n\n")
    idle = "".join(f"goroutine {i} [IO wait]:\n{serve}" for i in range(300, 312))
    enqueue = "main.(*forwarder).Enqueue()\n\t/src/app/f.go:48 +0x5\n"
    stuck = "".join(f"goroutine {i} [chan send]:\n{enqueue}{serve}" for i in range(300, 312))
    conns = find_leaks([dump(MAIN + accept + idle, tables), dump(MAIN + accept + stuck, tables)])
    s = next(x for x in conns.suspects if x.group.state == "chan send")
    assert "growth" in [e.kind for e in s.evidence] and "moved" not in [e.kind for e in s.evidence]


def test_goroutines_woken_between_captures_minutes_apart_are_served_not_stuck() -> None:
    """A leaked goroutine's wait only grows. The captures are at least as far apart as another
    goroutine's wait grew between them (less a dump's whole minute); the same goroutines in
    a network or channel wait that have waited less than that were woken since: a busy
    keep-alive connection's reader, not a stuck one. The runtime stamps a wait no later than
    it began, once a GC sees it (one runs every two minutes at least), so over captures 3
    minutes or more apart a stuck wait shows its age. A sleep or a select wakes by itself (a
    leaked ticker loop does), so says nothing."""
    def snapshot(state: str, minutes: int, accept: int) -> str:
        wait = f", {minutes} minutes" if minutes else ""
        return MAIN + goroutine(5, f"IO wait, {accept} minutes", "main.acceptLoop", 70) + "".join(
            goroutine(100 + i, f"{state}{wait}", "main.(*conn).readLoop", 20, "main.dial", 1000 + i)
            for i in range(20))

    tables = Tables()

    def top_reader(state: str, minutes: list[int], accept: list[int]) -> Suspect:
        models = [dump(snapshot(state, m, a), tables) for m, a in zip(minutes, accept, strict=True)]
        return next(s for s in find_leaks(models).suspects
                    if s.group.blocking is not None and s.group.blocking.func == "main.(*conn).readLoop")

    served = top_reader("IO wait", [0, 0, 0], [3, 6, 9])  # accept loop: 3 -> 9 minutes
    kinds = [e.kind for e in served.evidence]
    assert "woken" in kinds and "stuck" not in kinds, kinds
    woken = next(e.text for e in served.evidence if e.kind == "woken")
    assert "the captures are 5m00s or more apart" in woken
    # Woken 3 minutes before the last capture, 6 after the first: served too.
    lately = top_reader("IO wait", [0, 0, 3], [3, 6, 9])
    assert "woken" in [e.kind for e in lately.evidence], [e.text for e in lately.evidence]
    close = top_reader("IO wait", [0, 0, 0], [3, 4, 5])  # 2 minutes apart: the stamp may lag
    assert "woken" not in [e.kind for e in close.evidence]
    stuck = top_reader("chan send", [3, 6, 9], [3, 6, 9])  # they waited as long: stuck
    assert "stuck" in [e.kind for e in stuck.evidence] and "woken" not in [e.kind for e in stuck.evidence]
    ticking = top_reader("select", [0, 0, 0], [3, 6, 9])
    assert "woken" not in [e.kind for e in ticking.evidence]


def test_a_profiles_suspects_have_no_goroutine_ids_or_waits_in_json() -> None:
    """A debug=1 profile prints stack records with counts: no goroutine ids, no waits; its
    record numbers are no ids, and a wait of 0 would read as measured."""
    doc = json.loads(run("leaks", str(SAMPLES / "leak.go1.23.debug1.txt"), "--format", "json").stdout)
    assert doc["suspects"] and all(s["ids"] == [] and s["wait_ns"] is None for s in doc["suspects"])
    assert doc["suspects"][0]["count"] == 300
    dump_doc = json.loads(run("leaks", str(SAMPLES / "leak.go1.23.debug2.txt"), "--format", "json").stdout)
    assert len(dump_doc["suspects"][0]["ids"]) == dump_doc["suspects"][0]["count"] == 300


def test_the_text_report_does_not_restate_a_suspects_row() -> None:
    """"300 blocked in chan send at X" is the row itself; JSON keeps it with its points. A
    profile's unnamed wait says more ("parked in your code ... does not say on what")."""
    path = str(SAMPLES / "leak.go1.23.debug2.txt")
    assert "300 blocked in chan send at" not in run("leaks", path).stdout
    doc = json.loads(run("leaks", path, "--format", "json").stdout)
    assert any(e["kind"] == "blocked" and e["text"].startswith("300 blocked in chan send at")
               for e in doc["suspects"][0]["evidence"])
    zoo = Path(__file__).parents[1] / "data" / "zoo" / "out"
    assert "parked in your code" in run("leaks", str(zoo / "select_no_ctx.go1.27.debug1.txt")).stdout


def test_sends_left_waiting_minutes_while_more_arrived_are_unserved() -> None:
    """A channel serves its oldest sender first: audit records sent fire-and-forget by handlers
    that returned, the oldest waiting 9 minutes while more arrived since, wait behind a writer
    that is gone (or minutes behind), not briefly behind a rotation. Among pollers that sleep
    and a server at work, five of them were benign; now likely, never leak on that alone."""
    ages = (9, 6, 6, 3, 3)  # made minutes apart: other goroutines were made in between
    senders = "".join(goroutine(517 + 2_000 * i, f"chan send, {m} minutes", "main.(*Handler).audit", 47,
                                "main.(*Handler).ServeHTTP", 20 + i) for i, m in enumerate(ages))
    busy = "".join(goroutine(30 + i, "sleep", "main.poller", 87) for i in range(16)) \
        + goroutine(9, "select", "main.(*shipper).run", 60)
    s = top(dump(MAIN + busy + senders))
    assert s.group.state.startswith("chan send") and s.verdict == "likely", [e.text for e in s.evidence]
    unserved = next(e for e in s.evidence if e.kind == "unserved")
    assert unserved.points == 30 and "up to 9m00s to send, more arriving since (the youngest " \
        "waited 3m00s)" in unserved.text
    orphaned = next(e for e in s.evidence if e.kind == "orphaned")
    assert orphaned.points == 30 and "merely behind does not leave them 9m00s" in orphaned.text
    # Waited seconds (a rotation's backlog): the makers' return weighs little, and no unserved.
    fresh = top(dump(MAIN + busy + senders.replace(", 9 minutes]", "]").replace(", 6 minutes]", "]")
                     .replace(", 3 minutes]", "]")))
    assert "unserved" not in [e.kind for e in fresh.evidence] and fresh.verdict == "benign"
    # 300 of them, made per request: a pile however long, likely at most beside a receiver.
    many = "".join(goroutine(100 + 37 * i, f"chan send, {3 + i % 7} minutes", "main.(*Handler).audit",
                             47, "main.(*Handler).ServeHTTP", 20_000 + i) for i in range(300))
    pile = top(dump(MAIN + busy + many))
    assert pile.verdict == "likely" and pile.score == 79 and "minutes behind" in pile.evidence[0].text


def test_a_batch_queued_at_once_behind_a_semaphore_is_not_unserved() -> None:
    """A batch job starts a goroutine per file, each acquiring a slot of a channel semaphore
    (``sem <- struct{}{}``) while four uploads run: 996 wait in chan send, all since the
    batch began (one age), served in turn. That is no queue left behind by its consumer."""
    waiting = "".join(goroutine(100 + i, "chan send, 12 minutes", "main.upload", 31, "main.main")
                      for i in range(996))
    uploads = "".join(goroutine(20 + i, "IO wait, 2 minutes", "main.upload", 35, "main.main")
                      for i in range(4))
    report = find_leaks([dump(MAIN + uploads + waiting)])
    s = next(x for x in report.suspects if x.group.state.startswith("chan send"))
    assert "unserved" not in [e.kind for e in s.evidence] and s.verdict == "watch", \
        [e.text for e in s.evidence]


def test_a_lone_send_waiting_minutes_is_watched() -> None:
    """One goroutine whose send has waited 9 minutes is at the head of its channel's queue:
    nothing has received there since. A generator waiting for demand looks so too: watch."""
    s = top(dump(MAIN + goroutine(7, "chan send, 9 minutes", "main.(*Status).Set", 40)
                 + goroutine(8, "IO wait", "main.serve", 12)))
    assert [e.kind for e in s.evidence if e.points > 0] == ["unserved", "blocked"] and s.verdict == "watch"


def test_loops_made_together_and_served_since_are_not_unserved() -> None:
    """Twelve ID pre-generators, one per shard, started together at startup (consecutive ids):
    each sends, is served, and sends again, so their waits began minutes apart though they were
    made in one go. A consumer that asks rarely leaves them waiting minutes: no queue behind a
    consumer gone. The same waits in goroutines made minutes apart (ids far apart) are one."""
    ages = (9, 9, 9, 9, 9, 9, 9, 7, 7, 4, 2, 0)
    gens = "".join(goroutine(7 + i, f"chan send, {m} minutes" if m else "chan send",
                             "main.(*idShard).generate", 52) for i, m in enumerate(ages))
    server = goroutine(5, "IO wait", "main.serve", 12)
    s = top(dump(MAIN + server + gens))
    assert "unserved" not in [e.kind for e in s.evidence] and s.verdict == "benign", \
        [e.text for e in s.evidence]
    apart = gens.replace("goroutine 7 [", "goroutine 4007 [").replace("goroutine 8 [", "goroutine 9008 [")
    s = top(dump(MAIN + server + apart))
    assert "unserved" in [e.kind for e in s.evidence] and s.verdict == "likely"
