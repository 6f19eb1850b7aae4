"""Grouping, filters, diff and the JSON shapes."""

from __future__ import annotations

import json

import pytest
from conftest import CORPUS
from conftest import DUMPS as DATA

from gotrace.dump.diff import diff_snapshots
from gotrace.dump.grouping import filter_goroutines, group_goroutines, is_idle
from gotrace.dump.jsonshape import diff_json, snapshot_json
from gotrace.dump.labels import parse_label_list, unquote
from gotrace.dump.names import display_name
from gotrace.dump.parse import parse_dumps, parse_file
from gotrace.dump.snapshot import NS_PER_MINUTE, largest_snapshot_index
from gotrace.errors import WrongInputKindError
from gotrace.stacks import is_std, package_of
from gotrace.tables import Tables

LEAKS = """goroutine 1 [running]:
main.main()
\t/src/app/main.go:10 +0x1d

goroutine 20 [chan send, 5 minutes]:
example.com/app.leak(0xc000010000)
\t/src/app/leak.go:9 +0x25
created by example.com/app.Start in goroutine 1
\t/src/app/leak.go:5 +0x2a

goroutine 21 [chan send, 4 minutes]:
example.com/app.leak(0xc000010080)
\t/src/app/leak.go:9 +0x25
created by example.com/app.Start in goroutine 7
\t/src/app/leak.go:5 +0x2a

goroutine 22 [chan send]:
example.com/app.leak(0xc000010100)
\t/src/app/leak.go:9 +0x25
created by example.com/app.Start in goroutine 1
\t/src/app/leak.go:5 +0x2a

goroutine 23 [select, 9 minutes] {tenant: a}:
example.com/app.leak(0xc000010180)
\t/src/app/leak.go:9 +0x25
created by example.com/app.Start in goroutine 1
\t/src/app/leak.go:5 +0x2a

goroutine 30 [chan send, 5 minutes]:
example.com/app.leak(0xc000010200)
\t/src/app/leak.go:9 +0x25
created by example.com/app.Other in goroutine 1
\t/src/app/other.go:7 +0x2a

goroutine 2 [force gc (idle)]:
runtime.gopark(0x0?, 0x0?, 0x0?, 0x0?, 0x0?)
\truntime/proc.go:402 +0xce
runtime.forcegchelper()
\truntime/proc.go:326 +0xb3
created by runtime.init.6 in goroutine 1
\truntime/proc.go:314 +0x1a

goroutine 40 [IO wait]:
internal/poll.runtime_pollWait(0x7f2e5c3a1eb0, 0x72)
\truntime/netpoll.go:351 +0x85
net/http.(*conn).serve(0xc0001a2000, {0x7b1c18, 0xc000120000})
\tnet/http/server.go:2092 +0x5f5
created by net/http.(*Server).Serve in goroutine 1
\tnet/http/server.go:3360 +0x485
"""


@pytest.fixture
def leaks() -> tuple:
    tables = Tables()
    (snap,) = parse_dumps(LEAKS, tables)
    return snap, tables


def test_args_and_parent_id_never_split_a_group(leaks: tuple) -> None:
    snap, tables = leaks
    groups = group_goroutines(snap, tables)
    top = groups[0]
    assert top.count == 4 and top.ids == [20, 21, 22, 23]
    assert top.name == "example.com/app.leak"
    assert top.states == {"chan send": 3, "select": 1}
    assert top.state == "chan send, select"
    assert (top.wait_min_ns, top.wait_median_ns, top.wait_max_ns) == (0, 4 * NS_PER_MINUTE, 9 * NS_PER_MINUTE)
    assert top.labels == {"tenant": ["a"]}
    # two different parents: the group's creator keeps the site, not a parent
    assert top.created_by == ("example.com/app.Start", "/src/app/leak.go", 5, None)
    # same stack, other creation site: its own group
    assert [g.ids for g in groups if g.created_by and g.created_by[0].endswith("Other")] == [[30]]
    assert sum(g.count for g in groups) == len(snap.goroutines)
    assert [g.count for g in groups] == sorted((g.count for g in groups), reverse=True)


def test_group_by_func_created_by_and_none(leaks: tuple) -> None:
    snap, tables = leaks
    by_func = group_goroutines(snap, tables, by="func")
    assert by_func[0].name == "example.com/app.leak" and by_func[0].count == 5
    by_creator = group_goroutines(snap, tables, by="created-by")
    assert by_creator[0].name == "example.com/app.Start" and by_creator[0].count == 4
    assert len(group_goroutines(snap, tables, by="none")) == len(snap.goroutines)


def test_display_name_skips_runtime_and_stdlib(leaks: tuple) -> None:
    snap, tables = leaks
    names = {g.id: display_name(tables, g.stack_id) for g in snap.goroutines}
    assert names[40] == "net/http.(*conn).serve"  # only std frames: the leaf's caller chain
    assert names[1] == "main.main"
    assert is_std("runtime.gopark") and is_std("internal/poll.runtime_pollWait")
    assert is_std("panic") and not is_std("main.main")
    assert not is_std("example.com/x/net/http.Get") and not is_std("github.com/a/b.F")
    assert package_of("example.com/a.(*T[...]).M") == "example.com/a"


def test_older_than_is_inclusive_at_the_boundary(leaks: tuple) -> None:
    snap, tables = leaks
    five = filter_goroutines(snap, tables, older_than_ns=5 * NS_PER_MINUTE)
    assert sorted(g.id for g in five) == [20, 23, 30]
    assert len(filter_goroutines(snap, tables, older_than_ns=0)) == len(snap.goroutines)


def test_hide_idle_state_and_match(leaks: tuple) -> None:
    snap, tables = leaks
    idle = [g.id for g in snap.goroutines if is_idle(g, tables)]
    assert idle == [2]
    shown = filter_goroutines(snap, tables, hide_idle=True)
    assert 2 not in [g.id for g in shown] and len(shown) == len(snap.goroutines) - 1
    assert [g.id for g in filter_goroutines(snap, tables, states=["SELECT"])] == [23]
    assert [g.id for g in filter_goroutines(snap, tables, match=r"other\.go")] == [30]
    assert [g.id for g in filter_goroutines(snap, tables, match="tenant=a")] == [23]
    assert [g.id for g in filter_goroutines(snap, tables, match=r"\(\*conn\)")] == [40]


def test_debug1_groups_and_filters() -> None:
    tables = Tables()
    (snap,) = parse_file(DATA / "debug1_labels.txt", tables)
    groups = group_goroutines(snap, tables)
    assert [g.count for g in groups] == [6, 1]
    assert groups[0].labels == {"handler": ["upload"], "tenant": ['a"b', "c"]}
    assert [g.count for g in group_goroutines(snap, tables, hide_idle=True)] == [6]
    with pytest.raises(WrongInputKindError):
        group_goroutines(snap, tables, older_than_ns=1)


def test_diff_by_group_sorted_by_growth() -> None:
    tables = Tables()
    old, new, _last = parse_file(DATA / "two_dumps_in_log.txt", tables)
    diff = diff_snapshots(old, new, tables)
    top = diff.rows[0]
    assert (top.name, top.count_before, top.count_after, top.change) == (
        "example.com/app.leak",
        1,
        2,
        1,
    )
    assert top.status == "grew" and top.wait_shift_ns == (1 - 2) * NS_PER_MINUTE
    # main.main moved from line 10 to 12: one group vanished, one appeared
    assert {r.status for r in diff.rows[1:]} == {"new", "vanished"}
    assert len(diff.new_groups) == 1 and len(diff.vanished_groups) == 1
    assert (diff.total_before, diff.total_after) == (2, 3)
    doc = diff_json(diff, tables, ("a.txt", old), ("b.txt", new))
    json.dumps(doc)
    assert doc["change"] == 1 and doc["groups"][0]["change"] == 1
    assert doc["groups"][0]["wait_shift_ns"] == -NS_PER_MINUTE


def test_json_contract(leaks: tuple) -> None:
    snap, tables = leaks
    doc = snapshot_json(snap, tables, "dump.txt")
    json.dumps(doc)
    assert doc["source"] == {"path": "dump.txt", "kind": "dump", "format": "debug=2"}
    assert doc["span_ns"] is None
    ids = [g["id"] for g in doc["goroutines"]]
    assert ids == sorted(ids)
    g = next(x for x in doc["goroutines"] if x["id"] == 23)
    assert set(g) == {
        "id", "start_func", "state", "wait_ns", "created_ns", "ended_ns", "created_by",
        "creation_stack", "exec_ns", "sched_wait_ns", "syscall_ns", "block_ns", "stack",
        "labels", "flags", "synctest_bubble", "ancestors", "frames_elided",
    }  # fmt: skip
    assert g["wait_ns"] == 9 * 60 * 10**9 and g["labels"] == {"tenant": "a"}
    assert g["start_func"] == "example.com/app.leak"
    assert g["created_by"] == {
        "func": "example.com/app.Start", "file": "/src/app/leak.go", "line": 5, "goroutine": 1
    }  # fmt: skip
    assert g["stack"] == [{"func": "example.com/app.leak", "file": "/src/app/leak.go", "line": 9}]
    assert next(x for x in doc["goroutines"] if x["id"] == 22)["wait_ns"] == 0
    grp = doc["groups"][0]
    # "labels" (values seen per key) is there only when the group's goroutines have labels.
    assert set(grp) == {"count", "state", "wait_ns", "stack", "created_by", "ids", "labels"}
    assert grp["labels"] == {"tenant": ["a"]}
    assert "labels" not in next(x for x in doc["groups"] if x["ids"] == [30])
    assert grp["wait_ns"] == {"min": 0, "median": 4 * NS_PER_MINUTE, "max": 9 * NS_PER_MINUTE}


def test_json_flags_sorted_and_debug1_groups_only() -> None:
    tables = Tables()
    (snap,) = parse_file(DATA / "headers.txt", tables)
    doc = snapshot_json(snap, tables, "h.txt")
    g6 = next(x for x in doc["goroutines"] if x["id"] == 6)
    assert g6["flags"] == ["locked to thread", "scan"]
    assert next(x for x in doc["goroutines"] if x["id"] == 7)["synctest_bubble"] == 4
    (prof,) = parse_file(DATA / "debug1_labels.txt", tables)
    doc = snapshot_json(prof, tables, "p.txt")
    assert doc["source"]["format"] == "debug=1" and doc["goroutines"] == []
    assert doc["groups"][0]["count"] == 6 and doc["groups"][0]["labels"]["tenant"] == ['a"b', "c"]
    assert "labels" not in doc["groups"][1]


def test_largest_snapshot_is_the_default() -> None:
    snaps = parse_file(DATA / "two_dumps_in_log.txt", Tables())
    assert largest_snapshot_index(snaps) == 1


def test_label_quoting() -> None:
    assert unquote(r'"a\x01\u00e9\"\\b"') == 'a\x01é"\\b'
    assert parse_label_list(r'"a": "1", b: c, "": ""') == {"a": "1", "b": "c", "": ""}
    assert parse_label_list('"k":"v", "k2":"v,2"') == {"k": "v", "k2": "v,2"}
    assert parse_label_list("not labels at all") is None


@pytest.mark.skipif(not CORPUS.exists(), reason="reference corpus not available")
def test_corpus_scenarios_are_found() -> None:
    tables = Tables()
    (snap,) = parse_file(CORPUS / "go1.26" / "leakhttp.debug2.txt", tables)
    top = group_goroutines(snap, tables)[0]
    assert top.count == 1200 and top.state == "chan send"
    assert top.created_by is not None
    assert top.created_by[0] == "example.com/shop/server.LeakyHandler.func1"
    (snap,) = parse_file(CORPUS / "go1.19" / "timingwheel.debug2.txt", tables)
    top = group_goroutines(snap, tables)[0]
    assert top.count == 20000 and top.name == "example.com/shop/collection.(*TimingWheel).run"
