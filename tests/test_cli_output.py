"""What the commands print, as a user meets it: at 80 columns on a terminal, and piped.

Rules (the first-hour issue): piped output is never cut (scripts grep it); on a
terminal tables fit the width, shortening package paths and dropping low-value
columns before cutting names; ``--wide`` shows everything. Bad options are usage
errors (exit 2) that say what is wrong, never a traceback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLES, corpus_file

from gotrace.cli import cli
from gotrace.render import table

LEAK_TRACE = SAMPLES / "leak.go1.23.trace"
STUCK_DUMP = SAMPLES / "stuck.go1.27.debug2.txt"
SPIKE_TRACE = SAMPLES / "spike.go1.27.trace"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch):
    """Run as if stdout were a terminal of the given width."""

    def at(width: int):
        monkeypatch.setattr(table, "terminal_width", lambda: width)
        return run

    return at


@pytest.mark.parametrize("path", [LEAK_TRACE, STUCK_DUMP])
def test_tables_fit_80_columns_on_a_terminal(terminal, path: Path) -> None:
    r = terminal(80)("goroutines", str(path))
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, "\n".join(x for x in lines if len(x) > 80)
    # package paths go before anything is cut
    assert "example.com/" not in r.stdout
    # and a cut name keeps its end, which tells the rows apart (the method, not the package)
    assert any("(*Handler).render" in x or "(*Pool).worker" in x for x in lines)


def test_a_cut_site_keeps_its_location(terminal) -> None:
    """When a site must be cut, its function name gives way and its file:line stays."""
    path = Path(__file__).parent / "data" / "goker" / "out" / "moby4951.intest.go1.27.txt"
    r = terminal(80)("leaks", str(path))
    assert r.exit_code == 0, r.stderr
    lines = [x for x in r.stdout.splitlines() if x.startswith("likely")]
    # The common states are never cut (the deadlocked pair's, and their caller's WaitGroup).
    assert all("sync.Mutex.Lock" in x or "sync.WaitGroup.Wait" in x for x in lines)
    locks = [x for x in lines if "sync.Mutex.Lock" in x]
    cut = re.compile(r"…\S*Set\)\.(?:Delete|Mount)Device \(bug_test\.go:\d+\)$")
    assert len(locks) == 2 and all(cut.search(x) for x in locks)
    assert max(len(x) for x in r.stdout.splitlines()) <= 80
    # Too narrow to keep a readable name and the location: the name alone, or its end.
    assert table.cut("pkg.(*Type).method (file.go:12)", 20) == "pkg.(*Type).method"
    assert table.cut("example.com/pkg.(*Type).method (file.go:12)", 20) == "…/pkg.(*Type).method"
    assert table.cut("short (a.go:1)", 20) == "short (a.go:1)"
    assert table.cut("no location here at all", 10) == "no locati…"
    assert table.cut("pkg.世界.method (file.go:12)", 27) == "…g.世界.method (file.go:12)"
    # A hostile name megabytes long is cut in one pass (it took minutes, cell by cell).
    huge = "p." + "a" * 2_000_000 + " (x.go:1)"
    assert table.cut(huge, 40) == "…" + "a" * 30 + " (x.go:1)"


def test_wide_shows_everything_on_a_terminal(terminal) -> None:
    r = terminal(80)("goroutines", str(STUCK_DUMP), "--wide")
    assert r.exit_code == 0, r.stderr
    assert "example.com/samples/stuck/queue.(*Pool).worker.func1 (queue.go:27)" in r.stdout
    assert "IDS" in r.stdout and "LABELS" in r.stdout


@pytest.mark.parametrize("path", [LEAK_TRACE, STUCK_DUMP])
def test_piped_output_is_never_cut(path: Path) -> None:
    r = run("goroutines", str(path))
    assert r.exit_code == 0, r.stderr
    assert "…" not in r.stdout
    assert "example.com/samples/" in r.stdout


def test_piped_output_can_be_grepped_for_every_goroutine_of_a_site() -> None:
    """The issue's example: every one of timingwheel's 20,000 goroutines is findable by its site."""
    path = corpus_file("go1.26", "timingwheel.trace")
    r = run("goroutines", str(path), "--group-by", "none")
    assert r.exit_code == 0, r.stderr
    assert sum(1 for line in r.stdout.splitlines() if "NewTimingWheel" in line) == 20_000


def test_spikes_report_is_bounded(terminal) -> None:
    path = corpus_file("go1.26", "timingwheel.trace")
    for r in (run("spikes", str(path)), terminal(80)("spikes", str(path))):
        assert r.exit_code == 0, r.stderr
        lines = r.stdout.splitlines()
        assert len(lines) <= 40
    assert max(len(line) for line in lines) <= 80
    assert "collection.NewTimingWheel" in r.stdout


def test_english() -> None:
    r = run("goroutines", str(STUCK_DUMP), "--state", "chan receive", "--match", "watchdog")
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("1 of 231 goroutines in 1 group (")
    r = run("spikes", str(SPIKE_TRACE))
    assert " @ 0ns" not in r.stdout and "1 spiking site;" not in r.stdout


@pytest.mark.parametrize("cmd", ["goroutines", "diff"])
def test_bad_regex_is_a_usage_error(cmd: str) -> None:
    args = [cmd, str(STUCK_DUMP)] + ([str(STUCK_DUMP)] if cmd == "diff" else []) + ["--match", "("]
    r = run(*args)
    if cmd == "diff":  # diff has no --match: still a usage error, never a traceback
        assert r.exit_code == 2
        return
    assert r.exit_code == 2
    assert "not a valid regular expression" in r.stderr and "missing )" in r.stderr
    assert "Traceback" not in r.output


def test_option_for_the_other_kind_of_input_is_refused() -> None:
    r = run("goroutines", str(LEAK_TRACE), "--snapshot", "2")
    assert r.exit_code == 2
    assert "--snapshot applies to a goroutine dump" in r.stderr


def test_older_than_on_a_debug1_profile_is_refused() -> None:
    r = run("goroutines", str(SAMPLES / "leak.go1.23.debug1.txt"), "--older-than", "1m")
    assert r.exit_code == 2 and "debug=2" in r.stderr


def test_unknown_state_lists_the_states_there_are() -> None:
    r = run("goroutines", str(STUCK_DUMP), "--state", "nosuchstate")
    assert r.exit_code == 2
    assert "'nosuchstate'" in r.stderr and "chan receive" in r.stderr
    r = run("goroutines", str(STUCK_DUMP), "--state", "sync.Cond.Wait")
    assert r.exit_code == 0
    assert "no goroutine" in r.stderr and "chan receive" in r.stderr


def test_every_error_names_its_input(tmp_path: Path) -> None:
    cut = tmp_path / "cut.trace"
    cut.write_bytes(LEAK_TRACE.read_bytes()[:30_000])
    r = run("info", str(cut))
    assert r.exit_code == 1
    assert r.stderr.startswith(f"gotrace: error: {cut}: ")
    assert len(r.stderr.strip().splitlines()) == 1


def test_debug1_profile_groups_in_table_and_json() -> None:
    path = SAMPLES / "leak.go1.23.debug1.txt"
    r = run("goroutines", str(path))
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("314 goroutines in ")
    assert "300" in lines[2] and "reports.(*Handler).render" in lines[2]
    doc = json.loads(run("goroutines", str(path), "--format", "json").stdout)
    assert doc["groups"][0]["count"] == 300 and doc["goroutines"] == []


def test_json_documents_carry_a_schema_version() -> None:
    for args in (["goroutines", str(LEAK_TRACE)], ["goroutines", str(STUCK_DUMP)],
                 ["spikes", str(SPIKE_TRACE)], ["procs", str(SPIKE_TRACE)],
                 ["diff", str(STUCK_DUMP), str(STUCK_DUMP)]):
        r = run(*args, "--format", "json")
        assert r.exit_code == 0, (args, r.stderr)
        assert isinstance(json.loads(r.stdout)["schema_version"], int)


TICKS_TRACE = Path(__file__).parent / "data" / "v1" / "keepalive_1_21_cut.trace"  # no frequency record


@pytest.mark.parametrize("cmd", [["info"], ["goroutines"], ["spikes"], ["procs"], ["leaks"]])
def test_a_trace_timed_in_ticks_prints_ticks_not_durations(cmd: list[str]) -> None:
    """A cut Go 1.21 trace lost its frequency record (written last): its times are ticks of
    unknown length, so nothing may print them as ms or µs."""
    r = CliRunner().invoke(cli, [*cmd, str(TICKS_TRACE)])
    assert r.exit_code in (0, 3), r.output
    assert "ticks" in r.stdout
    assert not re.search(r"\d(ns|µs|ms|s|m\d\ds)\b", r.stdout), r.stdout
    if cmd == ["spikes"]:
        assert "/Gt" in r.stdout and "/s" not in r.stdout  # goroutines per billion ticks


def test_a_trace_timed_in_ticks_says_so_in_json() -> None:
    for cmd in ("info", "goroutines", "leaks"):
        r = CliRunner().invoke(cli, [cmd, "--format", "json", str(TICKS_TRACE)])
        doc = json.loads(r.stdout)
        unit = doc.get("time_unit") or doc.get("source", {}).get("time_unit") or doc["inputs"][0]["time_unit"]
        assert unit == "ticks", cmd
    r = CliRunner().invoke(cli, ["info", "--format", "json", str(SAMPLES / "spike.go1.27.trace")])
    assert json.loads(r.stdout)["time_unit"] == "ns"
    r = CliRunner().invoke(cli, ["info", str(SAMPLES / "spike.go1.27.trace")])
    assert "ticks" not in r.stdout  # the next input is back to durations
