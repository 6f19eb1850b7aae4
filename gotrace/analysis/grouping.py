"""Goroutines grouped by what they wait on, where, and who made them: one grouping for
traces and dumps, for the CLI, the TUI, diff and the leak verdicts.

The on-call question is "what are these 20,000 goroutines stuck on, and who made
them"; grouping on three keys answers it in a screenful (``site``, the default):

* the *state* (a wait reason, or running / runnable / syscall / dead);
* the *blocking site*: the frame the goroutine's last stack is named by
  (``gotrace.stacks.display_index``: the first frame of the user's own code;
  ``runtime.chansend1`` says nothing, ``server.longRunningTask`` says everything);
* the *creation site*: the ``go`` statement (top frame of the creation stack).

Argument values and the creating goroutine's id are never part of a key, or every
leaked handler goroutine would be its own group. Other keys: ``stack`` (the whole
last stack instead of its naming frame), ``func`` (the naming frame's function),
``created-by`` (the creation site alone), ``none`` (one group per goroutine).

Everything per goroutine is a numpy operation; Python loops run over distinct
stacks and groups, never over goroutines, except to gather a dump's labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..model import NONE, Model
from ..stacks import display_index
from ..tables import Frame, Tables
from ..trace.events import GoState
from .selection import state_label_index

GroupBy = Literal["site", "stack", "func", "created-by", "none"]
GROUP_BY: tuple[GroupBy, ...] = ("site", "stack", "func", "created-by", "none")
Rows = npt.NDArray[np.int64]


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
    """Goroutines sharing a key; ``rows`` in id order.

    ``state`` is the group's state (the most common one when the key leaves the
    state out; ``states`` then counts each). ``stack`` is the last stack of the
    group's first goroutine: the whole stack a reader sees for the group.
    """

    state: str
    blocking: Frame | None
    created_at: Frame | None
    stack: int
    rows: Rows
    count: int  # goroutines: the rows, or a profile's records' counts summed
    wait: Dist
    states: dict[str, int] = field(default_factory=dict)
    exec: Dist | None = None  # traces only
    sched_wait: Dist | None = None
    block: Dist | None = None
    inferred: bool = False  # the state was inferred from the stack for some rows
    labels: dict[str, list[str]] = field(default_factory=dict)  # dumps: the values seen per key
    creator: int | None = None  # the creating goroutine, when all share one


def naming_frame_per_stack(tables: Tables) -> npt.NDArray[np.int32]:
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


def group_rows(model: Model, rows: Rows, by: GroupBy = "site", with_creator: bool = True) -> list[Group]:
    """Groups of the given rows, largest first (ties: longest max wait, then state).

    ``with_creator=False`` leaves the creation site out (to compare with a debug=1
    profile, which prints none).
    """
    rows = np.asarray(rows, np.int64)
    if len(rows) == 0:
        return []
    g = model.goroutines
    t = model.tables
    labels, state_of = state_label_index(model)
    state = state_of[rows]
    naming = naming_frame_per_stack(t)
    blocking = naming[g.last_stack[rows]].astype(np.int64)
    created = top_frame_per_stack(t)[g.creation_stack[rows]].astype(np.int64)
    if not with_creator:
        created = np.zeros_like(created)
    if by == "site":
        keys = np.stack([state, blocking, created], axis=1)
    elif by == "stack":
        keys = np.stack([state, g.last_stack[rows].astype(np.int64), created], axis=1)
    elif by == "func":
        func_ids = np.array([t.string(t.frames[f].func) for f in range(len(t.frames))], np.int64)
        keys = func_ids[blocking][:, None]
    elif by == "created-by":
        keys = created[:, None]
    elif by == "none":
        keys = rows[:, None]
    else:
        raise ValueError(f"unknown grouping {by!r}")
    _, inv = np.unique(keys, axis=0, return_inverse=True)
    inv = inv.reshape(-1)
    order = np.argsort(inv, kind="stable")
    bounds = np.searchsorted(inv[order], np.arange(int(inv.max()) + 2))
    wait = np.maximum(g.wait_ns[rows], 0)  # unknown (NONE) counts as 0
    block_total = (np.bincount(g.block_row, weights=g.block_ns, minlength=len(g)).astype(np.int64)
                   if model.is_trace else None)
    inferred = g.reason_inferred if len(g.reason_inferred) else np.zeros(len(g), bool)
    groups: list[Group] = []
    for k in range(len(bounds) - 1):
        idx = order[bounds[k]: bounds[k + 1]]
        grows = rows[idx]
        first = int(idx[0])
        weights = g.weights(grows)
        counts = np.bincount(state[idx], weights=weights).astype(np.int64)
        present = np.flatnonzero(counts)
        by_size = present[np.argsort(-counts[present], kind="stable")]
        states = {labels[int(s)]: int(counts[s]) for s in by_size}
        grp = Group(
            state=next(iter(states)),
            blocking=t.frames[int(blocking[first])] if blocking[first] else None,
            created_at=t.frames[int(created[first])] if created[first] else None,
            stack=int(g.last_stack[rows[first]]),
            rows=np.sort(grows),
            count=int(weights.sum()),
            wait=Dist.of(wait[idx]),
            states=states,
            inferred=bool(inferred[grows].any()),
        )
        creators = np.unique(g.creator[grows])
        if len(creators) == 1 and creators[0] != NONE:
            grp.creator = int(creators[0])
        if block_total is not None:
            grp.exec = Dist.of(g.exec_ns[grows])
            grp.sched_wait = Dist.of(g.sched_wait_ns[grows])
            grp.block = Dist.of(block_total[grows])
        if model.extras is not None:
            grp.labels = _labels(model, grp.rows)
        groups.append(grp)
    groups.sort(key=lambda x: (-x.count, -x.wait.max, x.state))
    return groups


def _labels(model: Model, rows: Rows) -> dict[str, list[str]]:
    """Each label key of the group's goroutines with the values seen, sorted."""
    extras = model.extras
    assert extras is not None
    seen: dict[str, set[str]] = {}
    for r in rows.tolist():
        for k, v in extras[r].g.labels.items():
            seen.setdefault(k, set()).add(v)
    return {k: sorted(v) for k, v in sorted(seen.items())}


def blocked_rows(model: Model) -> npt.NDArray[np.bool_]:
    """Goroutines not running and not dead at the end: waiting, runnable or in a syscall."""
    s = model.goroutines.state
    return (s == GoState.WAITING) | (s == GoState.RUNNABLE) | (s == GoState.SYSCALL)


def total(groups: Sequence[Group]) -> int:
    return sum(grp.count for grp in groups)
