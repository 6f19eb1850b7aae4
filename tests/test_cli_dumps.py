"""``goroutines`` and ``diff`` on goroutine dumps, through the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import SAMPLES, corpus_file

from gotrace.cli import cli

DUMP = """goroutine 1 [running]:
main.main()
\t/src/main.go:10 +0x1d

goroutine 7 [chan receive, 60 minutes]:
main.worker(0xc000012345)
\t/src/main.go:20 +0x2a
created by main.main in goroutine 1
\t/src/main.go:12 +0x3b

goroutine 8 [chan receive, 59 minutes]:
main.worker(0xc000099999)
\t/src/main.go:20 +0x2a
created by main.main in goroutine 1
\t/src/main.go:12 +0x3b

goroutine 9 [select, 61 minutes, locked to thread]:
main.loop()
\t/src/main.go:30 +0x10
created by main.main in goroutine 1
\t/src/main.go:13 +0x3b
"""


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_older_than_is_inclusive_and_json_contract(tmp_path: Path) -> None:
    p = tmp_path / "d.txt"
    p.write_text(DUMP)
    r = run("goroutines", str(p), "--older-than", "60m", "--format", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["source"] == {"path": str(p), "kind": "dump", "format": "debug=2", "time_unit": "ns"}
    assert [g["id"] for g in doc["goroutines"]] == [7, 9]
    g7 = doc["goroutines"][0]
    assert g7["state"] == "chan receive" and g7["wait_ns"] == 60 * 60 * 10**9
    assert g7["created_by"] == {"func": "main.main", "file": "/src/main.go", "line": 12, "goroutine": 1}
    assert doc["goroutines"][1]["flags"] == ["locked to thread"]
    assert {grp["count"] for grp in doc["groups"]} == {1}


def test_argument_values_do_not_split_groups(tmp_path: Path) -> None:
    p = tmp_path / "d.txt"
    p.write_text(DUMP)
    r = run("goroutines", str(p), "--state", "chan receive")
    assert r.exit_code == 0, r.stderr
    assert "2 of 4 goroutines in 1 group (debug=2)" in r.stdout
    assert "main.worker" in r.stdout


def test_corpus_leak_group_leads() -> None:
    path = corpus_file("go1.26", "leakhttp.debug2.txt")
    r = run("goroutines", str(path))
    assert r.exit_code == 0, r.stderr
    first = r.stdout.splitlines()[2]
    assert "1,200" in first and "chan send" in first and "server.longRunningTask" in first


def test_diff_shows_growth(tmp_path: Path) -> None:
    old = tmp_path / "old.txt"
    new = tmp_path / "new.txt"
    old.write_text(DUMP.split("\n\n")[0] + "\n")
    new.write_text(DUMP)
    r = run("diff", str(old), str(new), "--format", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["change"] == 3
    top = doc["groups"][0]
    assert (top["before"], top["after"], top["status"]) == (0, 2, "new")


def test_diff_refuses_a_trace_against_a_dump(tmp_path: Path) -> None:
    t = tmp_path / "t.trace"
    t.write_bytes(b"go 1.26 trace\x00\x00\x00")
    d = tmp_path / "d.txt"
    d.write_text(DUMP)
    r = run("diff", str(t), str(d))
    assert r.exit_code == 1
    assert r.stderr.strip().endswith("t.trace is an execution trace and "
                                     f"{d} is a goroutine dump")
    assert len(r.stderr.strip().splitlines()) == 1


def test_diff_of_two_traces_shows_the_leak_growing() -> None:
    early, late = SAMPLES / "leak-early.go1.23.trace", SAMPLES / "leak.go1.23.trace"
    r = run("diff", str(early), str(late), "--format", "json")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert (doc["old"]["kind"], doc["old"]["format"]) == ("trace", "go 1.23 trace")
    top = doc["groups"][0]
    assert top["blocking_site"]["func"] == "example.com/samples/leak/reports.(*Handler).render"
    assert (top["before"], top["after"], top["status"]) == (100, 300, "grew")
    assert top["stack"][0]["func"] == "runtime.chansend1"
    # Waits are exact: the leaked goroutines of the longer run have waited longer.
    assert 0 < top["wait_ns_before"]["p50"] < top["wait_ns_after"]["p50"]
    assert top["wait_shift_ns"] == top["wait_ns_after"]["p50"] - top["wait_ns_before"]["p50"]
    r = run("diff", str(early), str(late))
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].startswith("126 -> 326 goroutines alive at the end (+200); 1 new group, 0 vanished, ")
    assert "grew" in lines[2] and "reports.(*Handler).render" in lines[2]


def test_diff_of_a_trace_with_itself_changes_nothing() -> None:
    path = str(SAMPLES / "leak.go1.23.trace")
    r = run("diff", path, path)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.splitlines()[1:] == ["no group changed its count"]


def test_diff_rows_say_what_tells_them_apart() -> None:
    """Two rows under one function differ by state or blocking line, and the table shows both."""
    r = run("diff", str(SAMPLES / "leak-early.go1.23.debug2.txt"), str(SAMPLES / "leak.go1.23.debug2.txt"))
    assert r.exit_code == 0, r.stderr
    serve = [line for line in r.stdout.splitlines() if "(*conn).serve" in line]
    assert len(serve) == len(set(serve)) >= 2
    assert len({line.split("(*conn).serve")[1] for line in serve}) == len(serve)


def test_groups_show_the_labels_seen(tmp_path: Path) -> None:
    path = tmp_path / "labels.txt"
    path.write_text(
        "goroutine 5 [chan receive, 3 minutes] {queue: orders}:\nmain.worker()\n\t/src/main.go:20 +0x2a\n\n"
        "goroutine 6 [chan receive, 2 minutes] {queue: emails}:\nmain.worker()\n\t/src/main.go:20 +0x2a\n"
    )
    r = run("goroutines", str(path))
    assert r.exit_code == 0, r.stderr
    head, row = r.stdout.splitlines()[1:3]
    assert "LABELS" in head and "queue=emails|orders" in row
    doc = json.loads(run("goroutines", str(path), "--format", "json").stdout)
    assert doc["groups"][0]["labels"] == {"queue": ["emails", "orders"]}


def test_a_warning_quotes_at_most_a_line_of_the_input(tmp_path: Path) -> None:
    """An unreadable header or label list is quoted to find it, never whole: a hostile dump
    must not turn one notice into kilobytes of stderr."""
    p = tmp_path / "d.txt"
    p.write_text("goroutine 1 [running]:\nmain.main()\n\t/src/main.go:3 +0x1\n\n"
                 "goroutine 2 [select" + "x" * 5000 + "\nmain.f()\n\t/src/main.go:9 +0x1\n")
    r = CliRunner().invoke(cli, ["info", str(p)])
    warnings = [line for line in r.stderr.splitlines() if "unreadable goroutine header" in line]
    assert warnings and all(len(line) < 200 for line in warnings), r.stderr
