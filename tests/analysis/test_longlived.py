"""Long-lived inventory: the corpus scenarios of every version, and the naming rule.

leakhttp leaks 1,200 handler goroutines blocked sending on a channel; keepalive
holds 300 idle HTTP connections, whose stacks are standard library only and so
are named by their root, ``net/http.(*conn).serve``.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import VERSIONS, corpus_file

from gotrace.analysis.longlived import Group, group_json, group_long_lived, user_frame_per_stack
from gotrace.analysis.selection import select_rows
from gotrace.load import load
from gotrace.model import Model
from gotrace.stacks import display_index
from gotrace.tables import Tables

MS = 1_000_000


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
    doc = group_json(model, groups[0], max_ids=3)
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
    assert t.frames[int(user_frame_per_stack(t)[sid])].func == "net/http.(*conn).serve"
    assert int(np.asarray(user_frame_per_stack(t))[0]) == 0  # the empty stack


def test_select_rows_by_state_and_match() -> None:
    model = load(str(corpus_file("go1.26", "leakhttp.trace")))
    g = model.goroutines
    sends = select_rows(model, states=("Chan Send",))
    assert len(sends) == 1200
    gid = int(g.id[sends[0]])
    assert select_rows(model, match=str(gid)).tolist() == [int(sends[0])]  # an id, exactly
    by_func = select_rows(model, match=r"server\.longRunningTask")
    assert set(sends.tolist()) <= set(by_func.tolist())
