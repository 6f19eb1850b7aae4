"""Compare a model with Go's summarizer (``traceoracle summary`` JSON), goroutine by goroutine.

Go's JSON gives times in ns since the first event, -1 for "never" (Go uses time 0
for that, so an event at the very first instant of a trace reads as -1 too).
"""

from __future__ import annotations

from typing import Any

from gotrace.model.core import NONE, Model

_TIMES = ("created_ns", "start_ns", "end_ns")


def _same_time(ours: int, go: int) -> bool:
    return ours == go or (go == -1 and ours in (NONE, 0))


def differences(model: Model, summary: dict[str, Any]) -> list[str]:
    """Every way the model disagrees with Go's summary (empty when they agree exactly)."""
    g = model.goroutines
    t = model.tables
    strings = t.strings
    out: list[str] = []
    theirs = {r["id"]: r for r in summary["goroutines"]}
    mine = {int(i): r for r, i in enumerate(g.id.tolist())}
    if sorted(mine) != sorted(theirs):
        return [f"goroutine ids {sorted(mine)} != Go's {sorted(theirs)}"]
    for gid, ref in sorted(theirs.items()):
        r = mine[gid]
        got = {
            "name": strings[int(g.name[r])],
            "created_ns": int(g.first_ns[r]),
            "start_ns": int(g.start_ns[r]),
            "end_ns": int(g.ended_ns[r]),
            "exec_ns": int(g.exec_ns[r]),
            "sched_wait_ns": int(g.sched_wait_ns[r]),
            "syscall_ns": int(g.syscall_ns[r]),
        }
        for key, val in got.items():
            if not (_same_time(val, ref[key]) if key in _TIMES else val == ref[key]):
                out.append(f"g{gid} {key}: {val!r} != Go's {ref[key]!r}")
        block = {k: v for k, v in g.block_by_reason(r, strings).items() if v}
        want = {k: v for k, v in ref["block_ns"].items() if v}
        if block != want:
            out.append(f"g{gid} block_ns: {block} != Go's {want}")
        if "creator_func" in ref:
            top = t.top_frame(int(g.creation_stack[r]))
            site = (top.func, f"{top.file}:{top.line}") if top else None
            if site != (ref["creator_func"], ref["creator_site"]):
                out.append(f"g{gid} creator: {site} != Go's {ref['creator_func']} "
                           f"{ref['creator_site']}")
            if int(g.creator[r]) != ref["creator_goid"]:
                out.append(f"g{gid} creator goroutine: {int(g.creator[r])} != Go's "
                           f"{ref['creator_goid']}")
    return out
