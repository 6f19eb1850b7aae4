"""The JSON documents scripts and tests rely on (``--format json``).

Shapes are fixed by the issues' contracts; change them only with a version bump.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model import NONE, Model, state_name
from ..stacks import frames_json


def _opt(v: int) -> int | None:
    return None if v == NONE else int(v)


def goroutine_rows(model: Model, rows: np.ndarray) -> list[dict[str, Any]]:
    """Per-goroutine records of the trace contract, for the given rows, in row (id) order."""
    g = model.goroutines
    t = model.tables
    strings = t.strings
    out: list[dict[str, Any]] = []
    for r in np.sort(rows).tolist():
        state = int(g.state[r])
        name = strings[int(g.name[r])] or None
        cs = int(g.creation_stack[r])
        created = _opt(int(g.created_ns[r]))
        created_by = None
        if cs:
            top = t.top_frame(cs)
            assert top is not None
            created_by = {"func": top.func, "file": top.file, "line": top.line,
                          "goroutine": _opt(int(g.creator[r]))}
        rec: dict[str, Any] = {
            "id": int(g.id[r]),
            "start_func": name,
            "state": state_name(state, strings[int(g.reason[r])]),
            "wait_ns": _opt(int(g.wait_ns[r])),
            "created_ns": created,
            "ended_ns": _opt(int(g.ended_ns[r])),
            "created_by": created_by,
            "creation_stack": frames_json(t, cs),
            "exec_ns": int(g.exec_ns[r]),
            "sched_wait_ns": int(g.sched_wait_ns[r]),
            "syscall_ns": int(g.syscall_ns[r]),
            "block_ns": {k: v for k, v in g.block_by_reason(r, strings).items() if v},
            "stack": frames_json(t, int(g.last_stack[r])),
        }
        if bool(g.reason_inferred[r]):
            rec["state_inferred"] = True
        out.append(rec)
    return out


def source_json(model: Model) -> dict[str, Any]:
    s = model.source
    return {"path": s.path, "kind": s.kind, "format": s.format}
