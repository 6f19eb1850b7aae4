"""Grouping (one for traces and dumps), filters, diff and their JSON documents.

leakhttp leaks 1,200 handler goroutines blocked sending on a channel; keepalive
holds 300 idle HTTP connections, whose stacks are standard library only and so
are named by their root, ``net/http.(*conn).serve``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import DUMPS, VERSIONS, corpus_file

from gotrace.analysis import grouping
from gotrace.analysis.diff import diff_models
from gotrace.analysis.grouping import Dist, Group, group_rows, naming_frame_per_stack
from gotrace.analysis.selection import idle_rows, select_rows, state_check
from gotrace.load import load
from gotrace.model import Model
from gotrace.model.from_dump import build_dump_model
from gotrace.render.documents import Stacks, diff_document, goroutines_document, group_json
from gotrace.stacks import display_index, is_std, package_of
from gotrace.tables import Tables

MS = 1_000_000
MINUTE = 60_000_000_000


def group_long_lived(model: Model, rows: np.ndarray) -> list[Group]:
    return group_rows(model, rows, "site")


def inventory(version: str, name: str, older_than_ns: int = 10 * MS) -> tuple[Model, list[Group]]:
    model = load(str(corpus_file(version, f"{name}.trace")))
    return model, group_long_lived(model, select_rows(model, older_than_ns=older_than_ns))


@pytest.mark.parametrize("version", VERSIONS)
def test_leakhttp_leads_with_long_running_task_in_chan_send(version: str) -> None:
    model, groups = inventory(version, "leakhttp")
    top = groups[0]
    assert top.state == "chan send"
    assert top.blocking is not None and top.blocking.func == "example.com/shop/server.longRunningTask"
    assert top.created_at is not None and top.created_at.func.startswith("example.com/shop/server.")
    assert top.count == 1200
    assert 10 * MS <= top.wait.min <= top.wait.p50 <= top.wait.p99 <= top.wait.max <= model.span_ns
    # Every goroutine in the group really is in that state for at least the age asked for.
    g = model.goroutines
    assert (g.wait_ns[top.rows] >= 10 * MS).all()
    assert top.exec is not None and top.exec.max > 0


@pytest.mark.parametrize("version", VERSIONS)
def test_keepalive_leads_with_conn_serve_in_network_wait(version: str) -> None:
    _, groups = inventory(version, "keepalive")
    top = groups[0]
    assert top.state in ("network", "IO wait")
    assert top.blocking is not None and top.blocking.func == "net/http.(*conn).serve"
    assert top.count == 300


def test_older_than_is_inclusive_and_drops_the_young() -> None:
    model, groups = inventory("go1.26", "leakhttp")
    top = groups[0]
    youngest = top.wait.min
    at_edge = group_long_lived(model, select_rows(model, older_than_ns=youngest))
    assert at_edge[0].count == top.count
    above = group_long_lived(model, select_rows(model, older_than_ns=youngest + 1))
    assert above[0].count == top.count - int((model.goroutines.wait_ns[top.rows] == youngest).sum())
    assert group_long_lived(model, select_rows(model, older_than_ns=model.span_ns + 1)) == []


def test_group_json_carries_sites_and_distributions() -> None:
    model, groups = inventory("go1.26", "leakhttp")
    doc = group_json(model, groups[0], Stacks(model.tables), max_ids=3)
    assert doc["count"] == 1200 and doc["state"] == "chan send"
    assert doc["blocking_site"]["func"] == "example.com/shop/server.longRunningTask"  # type: ignore[index]
    assert len(doc["ids"]) == 3  # type: ignore[arg-type]
    assert set(doc["exec_ns"]) == {"min", "p50", "p99", "max"}  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("funcs", "want"),
    [
        (["runtime.gopark", "main.worker", "runtime.goexit"], 1),
        (["internal/poll.runtime_pollWait", "net/http.(*conn).serve", "runtime.goexit"], 1),
        (["runtime.gopark", "runtime.bgsweep"], 1),
        (["runtime.goexit"], 0),
        (["internal/poll.runtime_pollWait", "net/http.(*persistConn).readLoop",
          "net/http.(*Transport).dialConn.gowrap2", "runtime.goexit"], 1),
        (["example.com/m.f"], 0),
        ([], None),
    ],
)
def test_display_index_prefers_user_code_then_the_root(funcs: list[str], want: int | None) -> None:
    assert display_index(funcs) == want


def test_trace_and_dump_name_a_std_only_stack_alike() -> None:
    from gotrace.dump.names import display_name

    t = Tables()
    funcs = ["internal/poll.runtime_pollWait", "net/http.(*conn).serve", "runtime.goexit"]
    sid = t.stack(tuple(t.frame(f, "x.go", 1) for f in funcs))
    assert display_name(t, sid) == "net/http.(*conn).serve"
    assert t.frames[int(naming_frame_per_stack(t)[sid])].func == "net/http.(*conn).serve"
    assert int(np.asarray(naming_frame_per_stack(t))[0]) == 0  # the empty stack


def test_select_rows_by_state_and_match() -> None:
    model = load(str(corpus_file("go1.26", "leakhttp.trace")))
    g = model.goroutines
    sends = select_rows(model, states=("Chan Send",))
    assert len(sends) == 1200
    gid = int(g.id[sends[0]])
    assert select_rows(model, match=str(gid)).tolist() == [int(sends[0])]  # an id, exactly
    by_func = select_rows(model, match=r"server\.longRunningTask")
    assert set(sends.tolist()) <= set(by_func.tolist())


# --- dumps: the same grouping, filters, diff and documents ---------------------------

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


def dump(text: str, name: str = "dump.txt", tables: Tables | None = None) -> Model:
    return build_dump_model(text.encode(), name, tables=tables)


def ids(model: Model, grp: Group) -> list[int]:
    return model.goroutines.id[grp.rows].tolist()


def test_args_and_parent_id_never_split_a_group() -> None:
    model = dump(LEAKS)
    groups = group_rows(model, select_rows(model))
    top = groups[0]
    assert top.count == 3 and ids(model, top) == [20, 21, 22]
    assert top.blocking is not None and top.blocking.func == "example.com/app.leak"
    assert top.state == "chan send" and top.states == {"chan send": 3}
    assert (top.wait.min, top.wait.p50, top.wait.max) == (0, 4 * MINUTE, 5 * MINUTE)
    # two different parents: the group keeps the site, not a parent
    assert top.created_at is not None and top.created_at.func == "example.com/app.Start"
    assert top.creator is None
    # the same stack in another state, or from another creation site: groups of their own
    assert [ids(model, g) for g in groups if g.state == "select"] == [[23]]
    assert [g.labels for g in groups if g.state == "select"] == [{"tenant": ["a"]}]
    assert [ids(model, g) for g in groups if g.created_at and g.created_at.func.endswith("Other")] == [[30]]
    assert sum(g.count for g in groups) == len(model.goroutines)
    assert [g.count for g in groups] == sorted((g.count for g in groups), reverse=True)


def test_group_by_stack_func_created_by_and_none() -> None:
    model = dump(LEAKS)
    rows = select_rows(model)
    by_func = group_rows(model, rows, "func")
    assert by_func[0].blocking is not None and by_func[0].blocking.func == "example.com/app.leak"
    assert by_func[0].count == 5 and by_func[0].states == {"chan send": 4, "select": 1}
    by_creator = group_rows(model, rows, "created-by")
    assert by_creator[0].created_at is not None and by_creator[0].created_at.func == "example.com/app.Start"
    assert by_creator[0].count == 4
    assert len(group_rows(model, rows, "none")) == len(model.goroutines)
    assert [g.count for g in group_rows(model, rows, "stack")][:1] == [3]


def test_display_name_skips_runtime_and_stdlib() -> None:
    model = dump(LEAKS)
    naming = naming_frame_per_stack(model.tables)
    g = model.goroutines
    names = {int(i): model.tables.frames[int(naming[s])].func
             for i, s in zip(g.id, g.last_stack, strict=True)}
    assert names[40] == "net/http.(*conn).serve"  # only std frames: named by the root
    assert names[1] == "main.main"
    assert is_std("runtime.gopark") and is_std("internal/poll.runtime_pollWait")
    assert is_std("panic") and not is_std("main.main")
    assert not is_std("example.com/x/net/http.Get") and not is_std("github.com/a/b.F")
    assert package_of("example.com/a.(*T[...]).M") == "example.com/a"


def test_dump_older_than_is_inclusive_at_the_boundary() -> None:
    model = dump(LEAKS)
    five = select_rows(model, older_than_ns=5 * MINUTE)
    assert model.goroutines.id[five].tolist() == [20, 23, 30]
    blocked = select_rows(model, older_than_ns=0)
    assert 1 not in model.goroutines.id[blocked].tolist()  # running is not blocked


def test_hide_idle_state_and_match() -> None:
    model = dump(LEAKS)
    g = model.goroutines
    assert g.id[idle_rows(model)].tolist() == [2]
    shown = select_rows(model, hide_idle=True)
    assert 2 not in g.id[shown].tolist() and len(shown) == len(g) - 1
    assert g.id[select_rows(model, states=("SELECT",))].tolist() == [23]
    assert g.id[select_rows(model, match=r"other\.go")].tolist() == [30]
    assert g.id[select_rows(model, match="tenant")].tolist() == [23]
    assert g.id[select_rows(model, match=r"\(\*conn\)")].tolist() == [40]


def test_state_check_tells_unknown_from_absent() -> None:
    model = dump(LEAKS)
    unknown, absent, here = state_check(model, ("nosuchstate", "sleep", "Chan Send"))
    assert unknown == ["nosuchstate"] and absent == ["sleep"]
    assert here[0] == "chan send" and "select" in here


def test_debug1_profile_rows_are_records_with_counts() -> None:
    model = dump((DUMPS / "debug1_labels.txt").read_text())
    assert model.is_profile and model.goroutines.count() == 7
    groups = group_rows(model, select_rows(model))
    assert [g.count for g in groups] == [6, 1]
    assert groups[0].labels == {"handler": ["upload"], "tenant": ['a"b', "c"]}
    assert [g.count for g in group_rows(model, select_rows(model, hide_idle=True))] == [6]


def test_diff_by_group_sorted_by_growth() -> None:
    text = (DUMPS / "two_dumps_in_log.txt").read_text()
    tables = Tables()
    from gotrace.dump.parse import parse_dumps

    snaps = parse_dumps(text, Tables())
    assert len(snaps) == 3
    old = build_dump_model(text.encode(), "a.txt", 1, tables)
    new = build_dump_model(text.encode(), "b.txt", 2, tables)
    result = diff_models(old, new)
    top = result.rows[0]
    assert top.group.blocking is not None and top.group.blocking.func == "example.com/app.leak"
    assert (top.count_before, top.count_after, top.change) == (1, 2, 1)
    assert top.status == "grew" and top.wait_shift_ns == (1 - 2) * MINUTE
    # main.main moved from line 10 to 12 below the same first frame, main.dump (main.go:40):
    # the same site; by whole stack, one group vanished and one appeared.
    assert [r.status for r in result.rows[1:]] == ["same"]
    by_stack = diff_models(old, new, "stack")
    assert {r.status for r in by_stack.rows[1:]} == {"new", "vanished"}
    assert len(by_stack.new_groups) == 1 and len(by_stack.vanished_groups) == 1
    assert (result.total_before, result.total_after) == (2, 3)
    doc = diff_document(result, old, new)
    json.dumps(doc)
    assert doc["schema_version"] == 2 and doc["change"] == 1 and doc["groups"][0]["change"] == 1
    assert doc["groups"][0]["wait_shift_ns"] == -MINUTE
    assert doc["groups"][0]["blocking_site"]["func"] == "example.com/app.leak"


def test_json_contract_one_shape_for_traces_and_dumps() -> None:
    model = dump(LEAKS)
    rows = select_rows(model)
    doc = goroutines_document(model, rows, group_rows(model, rows))
    json.dumps(doc)
    assert doc["schema_version"] == 2
    assert doc["source"] == {"path": "dump.txt", "kind": "dump", "format": "debug=2", "time_unit": "ns"}
    assert doc["span_ns"] is None
    got = [g["id"] for g in doc["goroutines"]]
    assert got == sorted(got)
    g = next(x for x in doc["goroutines"] if x["id"] == 23)
    assert set(g) == {
        "id", "start_func", "state", "wait_ns", "created_ns", "ended_ns", "created_by",
        "creation_stack", "exec_ns", "sched_wait_ns", "syscall_ns", "block_ns", "stack", "state_inferred",
        "labels", "flags", "synctest_bubble", "ancestors", "frames_elided",
    }  # fmt: skip
    assert g["wait_ns"] == 9 * MINUTE and g["labels"] == {"tenant": "a"}
    assert g["start_func"] == "example.com/app.leak"
    assert g["created_by"] == {
        "func": "example.com/app.Start", "file": "/src/app/leak.go", "line": 5, "goroutine": 1
    }  # fmt: skip
    assert g["stack"] == [{"func": "example.com/app.leak", "file": "/src/app/leak.go", "line": 9}]
    assert next(x for x in doc["goroutines"] if x["id"] == 22)["wait_ns"] == 0
    trace = load(str(corpus_file("go1.26", "leakhttp.trace"))) if False else None
    assert trace is None
    grp = next(x for x in doc["groups"] if x["state"] == "select")
    assert grp["labels"] == {"tenant": ["a"]} and grp["ids"] == [23]
    assert grp["wait_ns"] == {"min": 9 * MINUTE, "p50": 9 * MINUTE, "p99": 9 * MINUTE, "max": 9 * MINUTE}
    assert grp["exec_ns"] is None  # a dump has no execution times


@pytest.mark.parametrize("version", ["go1.22", "go1.26"])
def test_trace_and_dump_groups_have_the_same_keys(version: str) -> None:
    trace = load(str(corpus_file(version, "leakhttp.trace")))
    dumped = load(str(corpus_file(version, "leakhttp.debug2.txt")))
    keys = []
    for model in (trace, dumped):
        rows = select_rows(model, older_than_ns=0)
        doc = goroutines_document(model, rows, group_rows(model, rows))
        keys.append((set(doc), set(doc["groups"][0]), set(doc["goroutines"][0]) - {
            "labels", "flags", "synctest_bubble", "ancestors", "frames_elided"}))
        assert doc["groups"][0]["count"] == 1200
        assert doc["groups"][0]["blocking_site"]["func"] == "example.com/shop/server.longRunningTask"
    assert keys[0] == keys[1]


@pytest.mark.parametrize("seed", range(30))
def test_group_percentiles_are_numpys_lower_ones_by_either_method(seed: int,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """_dists partitions few big groups and sorts many small ones: both give, per group, numpy's
    "lower" min / p50 / p99 / max."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 3000))
    ngroups = int(rng.integers(1, min(n, 40) + 1))
    inv = np.concatenate([np.arange(ngroups), rng.integers(0, ngroups, n - ngroups)]).astype(np.int64)
    rng.shuffle(inv)
    values = rng.choice([0, 1, 5, 10**9, 2**62, int(rng.integers(0, 100))], n).astype(np.int64) \
        if seed % 3 == 0 else rng.integers(0, 10**12, n).astype(np.int64)
    order = np.argsort(inv, kind="stable").astype(np.int64)
    bounds = np.searchsorted(inv[order], np.arange(ngroups + 1)).astype(np.int64)
    want = [Dist(*(int(np.percentile(values[inv == k], q, method="lower")) for q in (0, 50, 99, 100)))
            for k in range(ngroups)]
    for rows_per_group in (0, 10**9):  # always partition, always sort
        monkeypatch.setattr(grouping, "PARTITION_ROWS_PER_GROUP", rows_per_group)
        assert grouping._dists(values, inv, bounds, order) == want
