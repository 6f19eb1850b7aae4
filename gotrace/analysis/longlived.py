"""Long-lived goroutines grouped by wait reason x blocking site x creation site.

The on-call question is "what are these 20,000 goroutines stuck on, and who made
them"; grouping on those three keys answers it in a screenful. The blocking site
is the first frame of the goroutine's last stack that is the user's own code
(``runtime.chansend1`` says nothing, ``server.longRunningTask`` says everything).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..model import NONE, Model
from ..stacks import display_index
from ..tables import Frame, Tables
from .selection import state_label_index


@dataclass(slots=True)
class Dist:
    """min / p50 / p99 / max of a set of durations (ns)."""

    min: int
    p50: int
    p99: int
    max: int

    @staticmethod
    def of(values: npt.NDArray[np.int64]) -> Dist:
        if len(values) == 0:
            return Dist(0, 0, 0, 0)
        q = np.percentile(values, [50, 99], method="lower")
        return Dist(int(values.min()), int(q[0]), int(q[1]), int(values.max()))

    def json(self) -> dict[str, int]:
        return {"min": self.min, "p50": self.p50, "p99": self.p99, "max": self.max}


@dataclass(slots=True)
class Group:
    state: str
    blocking: Frame | None  # user frame of the last stack
    created_at: Frame | None  # the `go` statement; None = unknown creator
    rows: npt.NDArray[np.int64]
    wait: Dist
    exec: Dist | None = None  # traces only
    sched_wait: Dist | None = None
    block: Dist | None = None
    inferred: bool = False  # the state was inferred from the stack for some rows

    @property
    def count(self) -> int:
        return len(self.rows)


def user_frame_per_stack(tables: Tables) -> npt.NDArray[np.int32]:
    """For each stack id, the frame id it is named by (``gotrace.stacks.display_index``)."""
    out = np.zeros(len(tables.stacks), np.int32)
    frames = tables.frames
    for sid, ids in enumerate(tables.stacks):
        i = display_index([frames[fid].func for fid in ids])
        if i is not None:
            out[sid] = ids[i]
    return out


def top_frame_per_stack(tables: Tables) -> npt.NDArray[np.int32]:
    return np.array([ids[0] if ids else 0 for ids in tables.stacks], np.int32)


def group_long_lived(model: Model, rows: npt.NDArray[np.int64]) -> list[Group]:
    """Groups of the given rows, largest first (ties: longest max wait first)."""
    if len(rows) == 0:
        return []
    g = model.goroutines
    t = model.tables
    labels, inv = state_label_index(model)
    label_ids = np.array([t.string(lab) for lab in labels], np.int64)[inv[rows]]
    block_site = user_frame_per_stack(t)[g.last_stack[rows]].astype(np.int64)
    create_site = top_frame_per_stack(t)[g.creation_stack[rows]].astype(np.int64)
    keys = np.stack([label_ids, block_site, create_site], axis=1)
    uniq, inv = np.unique(keys, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    order = np.argsort(inv, kind="stable")
    bounds = np.searchsorted(inv[order], np.arange(len(uniq) + 1))
    wait = np.where(g.wait_ns[rows] == NONE, 0, g.wait_ns[rows])
    block_total = np.bincount(g.block_row, weights=g.block_ns, minlength=len(g)).astype(np.int64)
    groups = []
    for k, (lab, bsite, csite) in enumerate(uniq.tolist()):
        idx = order[bounds[k] : bounds[k + 1]]
        grows = rows[idx]
        grp = Group(
            state=t.strings[lab],
            blocking=t.frames[bsite] if bsite else None,
            created_at=t.frames[csite] if csite else None,
            rows=np.sort(grows),
            wait=Dist.of(wait[idx]),
            inferred=bool(g.reason_inferred[grows].any()) if len(g.reason_inferred) else False,
        )
        if model.is_trace:
            grp.exec = Dist.of(g.exec_ns[grows])
            grp.sched_wait = Dist.of(g.sched_wait_ns[grows])
            grp.block = Dist.of(block_total[grows])
        groups.append(grp)
    groups.sort(key=lambda x: (-x.count, -x.wait.max, x.state))
    return groups


def group_json(model: Model, grp: Group, max_ids: int = 20) -> dict[str, object]:
    def frame(f: Frame | None) -> dict[str, object] | None:
        return None if f is None else {"func": f.func, "file": f.file, "line": f.line}

    out: dict[str, object] = {
        "count": grp.count,
        "state": grp.state,
        "blocking_site": frame(grp.blocking),
        "created_at": frame(grp.created_at),
        "wait_ns": grp.wait.json(),
        "ids": model.goroutines.id[grp.rows[:max_ids]].tolist(),
    }
    if grp.exec is not None and grp.sched_wait is not None and grp.block is not None:
        out["exec_ns"] = grp.exec.json()
        out["sched_wait_ns"] = grp.sched_wait.json()
        out["block_ns"] = grp.block.json()
    if grp.inferred:
        out["state_inferred"] = True
    return out
