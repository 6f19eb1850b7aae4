"""Plain dicts for ``--format json``: the contract shared with trace input.

The goroutine fields that only a trace can fill (creation time, exec and
block totals) are present with their "unknown" values so a consumer reads
one shape whatever the input was.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gotrace.dump.diff import DiffResult, DiffRow
from gotrace.dump.grouping import Group, group_goroutines
from gotrace.dump.names import start_func
from gotrace.dump.snapshot import CreatedBy, DumpGoroutine, Snapshot
from gotrace.tables import Tables

_FLAG_ORDER = ("durable", "leaked", "locked to thread", "scan")


class _Stacks:
    """Stack id -> list of frame dicts, built once per stack and shared."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.cache: dict[int, list[dict[str, Any]]] = {}

    def __call__(self, stack_id: int) -> list[dict[str, Any]]:
        out = self.cache.get(stack_id)
        if out is None:
            out = [
                {"func": f.func, "file": f.file, "line": f.line}
                for f in self.tables.stack_frames(stack_id)
            ]
            self.cache[stack_id] = out
        return out


def _created_by(cb: CreatedBy | None) -> dict[str, Any] | None:
    if cb is None:
        return None
    return {"func": cb[0], "file": cb[1], "line": cb[2], "goroutine": cb[3]}


def goroutine_dict(g: DumpGoroutine, tables: Tables, stack: _Stacks) -> dict[str, Any]:
    return {
        "id": g.id,
        "start_func": start_func(tables, g.stack_id),
        "state": g.state,
        "wait_ns": g.wait_ns,
        "created_ns": None,
        "ended_ns": None,
        "created_by": _created_by(g.created_by),
        "creation_stack": [],
        "exec_ns": 0,
        "sched_wait_ns": 0,
        "syscall_ns": 0,
        "block_ns": {},
        "stack": stack(g.stack_id),
        "labels": dict(g.labels),
        "flags": [f for f in _FLAG_ORDER if f in g.flags],
        "synctest_bubble": g.synctest_bubble,
        "ancestors": list(g.ancestors),
        "frames_elided": g.frames_elided,
    }


def group_dict(grp: Group, stack: _Stacks) -> dict[str, Any]:
    out: dict[str, Any] = {
        "count": grp.count,
        "state": grp.state if grp.states else None,
        "wait_ns": grp.wait_ns(),
        "stack": stack(grp.stack_id),
        "created_by": _created_by(grp.created_by),
        "ids": list(grp.ids),
    }
    if grp.labels:
        out["labels"] = {k: list(v) for k, v in grp.labels.items()}
    return out


def snapshot_json(
    snapshot: Snapshot,
    tables: Tables,
    path: str,
    *,
    goroutines: Sequence[DumpGoroutine] | None = None,
    groups: Sequence[Group] | None = None,
) -> dict[str, Any]:
    """The ``goroutines --format json`` document for one snapshot.

    ``goroutines``/``groups`` are the already filtered selections; by default
    every goroutine and its stack groups. Goroutines are ordered by id, groups
    largest first. A debug=1 profile fills ``groups`` only.
    """
    stack = _Stacks(tables)
    profile = snapshot.kind == "debug1"
    if groups is None:
        groups = group_goroutines(snapshot, tables, goroutines=goroutines)
    if profile:
        chosen: Sequence[DumpGoroutine] = []
    else:
        chosen = snapshot.goroutines if goroutines is None else goroutines
    return {
        "source": {"path": path, "kind": "dump", "format": snapshot.format_name},
        "span_ns": None,
        "goroutines": [
            goroutine_dict(g, tables, stack) for g in sorted(chosen, key=lambda g: g.id)
        ],
        "groups": [group_dict(grp, stack) for grp in groups],
    }


def _diff_row(row: DiffRow, stack: _Stacks) -> dict[str, Any]:
    grp = row.after if row.after is not None else row.before
    assert grp is not None
    return {
        "name": row.name,
        "status": row.status,
        "before": row.count_before,
        "after": row.count_after,
        "change": row.change,
        "wait_ns_before": row.before.wait_ns() if row.before is not None else None,
        "wait_ns_after": row.after.wait_ns() if row.after is not None else None,
        "wait_shift_ns": row.wait_shift_ns,
        "stack": stack(row.stack_id),
        "created_by": _created_by(grp.created_by),
    }


def diff_json(
    diff: DiffResult,
    tables: Tables,
    old: tuple[str, Snapshot],
    new: tuple[str, Snapshot],
) -> dict[str, Any]:
    """The ``diff --format json`` document: per group counts, sorted by growth."""
    stack = _Stacks(tables)

    def side(path: str, snap: Snapshot, total: int) -> dict[str, Any]:
        return {
            "path": path,
            "kind": "trace" if snap.kind == "trace" else "dump",
            "format": snap.format_name,
            "goroutines": total,
        }

    return {
        "old": side(old[0], old[1], diff.total_before),
        "new": side(new[0], new[1], diff.total_after),
        "change": diff.total_after - diff.total_before,
        "groups": [_diff_row(r, stack) for r in diff.rows],
    }
