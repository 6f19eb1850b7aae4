"""The model's accounting on small literal event streams (eventdump layout).

Columns: time kind g p m stack | res_kind res from to "reason" | tstack | task.
Kinds: 1 sync, 13 state transition. Goroutine states: 0 undetermined, 1 notexist,
2 runnable, 3 running, 4 waiting, 5 syscall. Proc states: 2 running, 3 idle.
"""

from __future__ import annotations

from eventtext import parse_lines

from gotrace.model.from_trace import build_trace_model
from gotrace.tables import Tables
from gotrace.trace.events import GoState, TraceInfo

MAIN = "main.main@main.go:10"
WORKER = "main.worker@main.go:20"
GO_STMT = "main.spawn@main.go:15;main.main@main.go:11"


def model(text: str):
    tables = Tables()
    lines = [ln.strip() for ln in text.strip().splitlines()]
    info = TraceInfo("go 1.26 trace", 26, 0, len(lines))
    return build_trace_model([parse_lines(lines, tables)], info, tables, "t"), tables


def row(m, goid):
    r = m.goroutines.row_of(goid)
    assert r is not None
    return r


LIFE = f"""
1000 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
1100 13 -1 0 5 - | 1 1 0 3 "" | {MAIN} | 0
1200 13 1 0 5 {GO_STMT} | 1 7 1 2 "" | {WORKER} | 0
1500 13 -1 0 5 - | 1 7 2 3 "" | - | 0
1700 13 7 0 5 {WORKER} | 1 7 3 4 "chan receive" | {WORKER} | 0
2700 13 1 0 5 - | 1 7 4 2 "" | - | 0
2800 13 -1 0 5 - | 1 7 2 3 "" | - | 0
2900 13 7 0 5 - | 1 7 3 1 "" | - | 0
3000 13 1 0 5 {MAIN} | 1 1 3 4 "select" | {MAIN} | 0
5000 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
"""


def test_lifecycle_totals_and_creation() -> None:
    m, t = model(LIFE)
    g = m.goroutines
    w = row(m, 7)
    assert g.created_ns[w] == 200 and g.start_ns[w] == 500 and g.ended_ns[w] == 1900
    assert g.exec_ns[w] == (1700 - 1500) + (2900 - 2800)
    assert g.sched_wait_ns[w] == (1500 - 1200) + (2800 - 2700)
    assert g.block_by_reason(w, t.strings) == {"chan receive": 1000}
    assert g.creator[w] == 1
    assert [f.func for f in t.stack_frames(int(g.creation_stack[w]))] == ["main.spawn", "main.main"]
    assert t.strings[g.name[w]] == "main.worker"
    assert g.state[w] == GoState.NOT_EXIST and g.wait_ns[w] == -1


def test_goroutine_alive_before_trace_is_counted_from_sync() -> None:
    m, t = model(LIFE)
    g = m.goroutines
    r = row(m, 1)
    assert g.created_ns[r] == -1  # existed before the trace
    assert g.first_ns[r] == 0
    assert g.exec_ns[r] == 3000 - 1000  # from the sync point, not from 1100
    assert g.state[r] == GoState.WAITING and t.strings[g.reason[r]] == "select"
    assert g.wait_ns[r] == 5000 - 3000  # in select since 3000, to the end at 5000
    assert m.span_ns == 4000


def test_intervals_cover_the_story() -> None:
    m, _ = model(LIFE)
    ivl = m.intervals
    sl = ivl.of_row(row(m, 7))
    states = ivl.state[sl].tolist()
    assert states == [GoState.RUNNABLE, GoState.RUNNING, GoState.WAITING, GoState.RUNNABLE,
                      GoState.RUNNING, GoState.NOT_EXIST]
    assert ivl.start[sl].tolist() == [200, 500, 700, 1700, 1800, 1900]
    # The exit is a zero-length mark at the time the goroutine ended.
    assert ivl.end[sl].tolist() == [500, 700, 1700, 1800, 1900, 1900]
    assert ivl.p[sl].tolist() == [-1, 0, -1, -1, 0, -1]
    assert int(m.goroutines.ended_ns[row(m, 7)]) == 1900


SYSCALL = f"""
1000 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
1000 13 -1 1 5 - | 2 1 0 2 "" | - | 0
1100 13 -1 1 5 - | 1 3 0 3 "" | {MAIN} | 0
1200 13 3 1 5 {MAIN} | 1 3 3 5 "" | {MAIN} | 0
1500 13 -1 -1 6 - | 2 1 2 3 "" | - | 0
1900 13 3 -1 5 - | 1 3 5 2 "" | - | 0
2000 13 -1 1 5 - | 1 3 2 3 "" | - | 0
2100 13 3 1 5 {MAIN} | 1 3 3 5 "" | {MAIN} | 0
2400 13 3 1 5 - | 1 3 5 3 "" | - | 0
2500 13 3 1 5 {MAIN} | 1 3 3 5 "" | {MAIN} | 0
2600 13 -1 -1 6 - | 2 1 2 3 "" | - | 0
3000 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
"""


def test_syscall_split_when_p_goes_idle() -> None:
    m, _ = model(SYSCALL)
    g = m.goroutines
    r = row(m, 3)
    # 1200-1500 in syscall, then blocked (P idle) until 1900; 2100-2400 plain;
    # 2500-end still in syscall: Go counts it whole as syscall time and the
    # blocked part (2600-3000) also as scheduling wait.
    assert g.syscall_ns[r] == 300 + 300 + 500
    assert g.sched_wait_ns[r] == (2000 - 1900) + (3000 - 2600)
    assert g.state[r] == GoState.SYSCALL


FOREVER = f"""
1000 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
1100 13 -1 0 5 - | 1 4 0 3 "" | {MAIN} | 0
1300 13 4 0 5 {MAIN} | 1 4 3 4 "forever" | {MAIN} | 0
1400 13 4 0 5 {MAIN} | 1 4 3 3 "" | {MAIN} | 0
2000 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
"""


def test_forever_ends_the_goroutine_like_go() -> None:
    m, t = model(FOREVER)
    g = m.goroutines
    r = row(m, 4)
    assert g.ended_ns[r] == 300
    assert g.block_by_reason(r, t.strings) == {}
    assert g.exec_ns[r] == 300
    assert g.state[r] == GoState.WAITING and t.strings[g.reason[r]] == "forever"


def test_name_skips_stacks_with_empty_root() -> None:
    m, t = model(f"""
1000 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
1100 13 -1 0 5 - | 1 9 0 2 "" | - | 0
1200 13 -1 0 5 - | 1 9 2 3 "" | @:0 | 0
1300 13 9 0 5 - | 1 9 3 4 "sleep" | {WORKER} | 0
""")
    assert t.strings[m.goroutines.name[row(m, 9)]] == "main.worker"


WAKES = f"""
1000 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
1100 13 -1 0 5 - | 1 7 0 3 "" | {WORKER} | 0
1200 13 7 0 5 - | 1 7 3 4 "chan send" | {WORKER} | 0
1300 13 1 0 5 - | 1 7 4 2 "" | - | 0
1400 13 7 0 5 - | 1 7 2 3 "" | - | 0
1500 13 7 0 5 - | 1 7 3 4 "chan send" | - | 0
1600 13 1 0 5 - | 1 7 4 3 "" | - | 0
1700 13 7 0 5 - | 1 7 3 4 "select" | {MAIN} | 0
1800 13 1 0 5 - | 1 7 4 1 "" | - | 0
1900 13 -1 0 5 - | 1 8 0 4 "chan send" | {MAIN} | 0
2000 13 -1 0 5 - | 1 9 0 3 "" | {MAIN} | 0
2100 13 -1 0 5 - | 1 9 3 4 "forever" | {MAIN} | 0
2200 13 -1 0 5 - | 1 9 4 2 "" | - | 0
3000 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
"""


def test_wakes_count_each_wait_that_ends_in_runnable_or_running_at_the_stack_it_began() -> None:
    """Goroutine 7 is woken twice at WORKER (the second block has no stack of its own:
    it is still there); its select at MAIN ends in an exit, and goroutine 8's wait never
    ends, so MAIN has no wake; goroutine 9 leaves "forever", which is no wait."""
    m, t = model(WAKES)
    w = m.wakes
    assert w is not None
    stacks = [t.stack_frames(s)[0].func for s in w.stack.tolist()]
    assert stacks == ["main.worker"]
    assert w.count.tolist() == [2] and w.last_ns.tolist() == [600]
