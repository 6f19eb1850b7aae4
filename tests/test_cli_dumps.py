"""``goroutines`` and ``diff`` on goroutine dumps, through the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import corpus_file

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
    assert doc["source"] == {"path": str(p), "kind": "dump", "format": "debug=2"}
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
    assert "2 of 4 goroutines in 1 groups" in r.stdout
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


def test_diff_refuses_a_trace(tmp_path: Path) -> None:
    t = tmp_path / "t.trace"
    t.write_bytes(b"go 1.26 trace\x00\x00\x00")
    d = tmp_path / "d.txt"
    d.write_text(DUMP)
    r = run("diff", str(t), str(d))
    assert r.exit_code == 1 and "diff compares goroutine dumps" in r.stderr
