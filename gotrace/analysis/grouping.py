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
stacks and groups, never over goroutines (a dump's labels are asked per distinct header).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..model import NONE, Model, sum_by
from ..stacks import display_index
from ..tables import Frame, Tables
from ..trace.events import GoState
from .selection import leaked_rows, state_label_index

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
    leaked: int = 0  # goroutines the runtime proved leaked ((leaked), goroutineleak profiles)


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


def _unique(key: npt.NDArray[np.int64], span: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """``np.unique(key, return_inverse=True)`` for keys in ``[0, span)``.

    When the span is small next to the rows (a few states, stacks and sites among
    hundreds of thousands of goroutines), marking the keys present in a table is
    linear where np.unique sorts: same values, same order.
    """
    if span <= 4 * len(key) + (1 << 16):
        present = np.zeros(span, bool)
        present[key] = True
        return np.flatnonzero(present), (np.cumsum(present) - 1)[key]
    uniq, inv = np.unique(key, return_inverse=True)
    return uniq, inv.reshape(-1)


def _factorize(columns: list[npt.NDArray[Any]]) -> npt.NDArray[np.int64]:
    """Each row's group number under the combined key of ``columns`` (non-negative ints).

    The columns are mixed into one int64 (each has a known small range), so the
    uniquing is one 1-D pass rather than numpy's row-wise ``unique(axis=0)``.
    """
    key = np.zeros(len(columns[0]), np.int64)
    span = 1
    for col in columns:
        top = int(col.max()) + 1 if len(col) else 1
        if span * top >= 1 << 62:  # cannot happen with real tables; stay exact if it does
            _, inv = np.unique(np.stack(columns, axis=1), axis=0, return_inverse=True)
            return inv.reshape(-1).astype(np.int64)
        key *= top
        key += col
        span *= top
    return _unique(key, span)[1].astype(np.int64, copy=False)


def _dists(values: npt.NDArray[np.int64], inv: npt.NDArray[np.int64], bounds: npt.NDArray[np.int64],
           order: npt.NDArray[np.int64]) -> list[Dist]:
    """min / p50 / p99 / max (numpy's "lower" percentiles) of each group's values.

    ``order`` lists the rows group by group, ``bounds`` where each group starts in it. Few
    big groups (a trace's millions of goroutines in tens of groups): each group's four
    order statistics by ``np.partition``, linear. Many small ones: the values sorted within
    each group are those of ``inv * distinct + rank`` sorted, one sort of one int64 key
    (several times faster than ``lexsort((values, inv))``), where a loop over the groups
    would cost more than the sort.
    """
    ngroups = len(bounds) - 1
    lo = bounds[:-1]
    n = bounds[1:] - lo
    if ngroups * PARTITION_ROWS_PER_GROUP <= len(values):
        grouped = values[order]
        out = []
        for a, m in zip(lo.tolist(), n.tolist(), strict=True):
            k = [0, (m - 1) // 2, ((m - 1) * 99) // 100, m - 1]
            part = np.partition(grouped[a:a + m], k)
            out.append(Dist(*(int(x) for x in part[k])))
        return out
    distinct, rank = np.unique(values, return_inverse=True)
    v = distinct[np.sort(inv * len(distinct) + rank.reshape(-1)) % max(len(distinct), 1)]
    mins, maxs = v[lo], v[bounds[1:] - 1]
    p50 = v[lo + (n - 1) // 2]
    p99 = v[lo + ((n - 1) * 99) // 100]
    return [Dist(int(a), int(b), int(c), int(d))
            for a, b, c, d in zip(mins.tolist(), p50.tolist(), p99.tolist(), maxs.tolist(), strict=True)]


# Rows a group has on average, at least, for _dists to partition group by group: a loop step
# costs about 8 µs, a row of the sort about 150 ns (3.7 M rows in 20 groups: 2.3 s -> 0.2 s).
PARTITION_ROWS_PER_GROUP = 64


def _counts(index: npt.NDArray[np.int64], weights: npt.NDArray[np.int64] | None,
            n: int) -> npt.NDArray[np.int64]:
    """Goroutines per ``index`` value: rows counted, or their ``weights`` summed exactly."""
    if weights is None:
        return np.bincount(index, minlength=n).astype(np.int64, copy=False)
    return sum_by(index, weights, n)


def _states_per_group(inv: npt.NDArray[np.int64], state: npt.NDArray[np.integer],
                      weights: npt.NDArray[np.int64] | None, labels: list[str]) -> list[dict[str, int]]:
    """Each group's states with their goroutine counts, most common first."""
    nlab = max(len(labels), 1)
    ngroups = int(inv.max()) + 1
    pairs, pair_of = _unique(inv * nlab + state, ngroups * nlab)
    sums = _counts(pair_of, weights, len(pairs))
    out: list[dict[str, int]] = [{} for _ in range(ngroups)]
    per: list[list[tuple[int, str]]] = [[] for _ in out]
    for key, n in zip(pairs.tolist(), sums.tolist(), strict=True):
        per[key // nlab].append((n, labels[key % nlab]))
    for k, items in enumerate(per):
        if len(items) == 1:
            out[k] = {items[0][1]: items[0][0]}
        else:
            out[k] = {lab: n for n, lab in sorted(items, key=lambda x: -x[0])}
    return out


def group_rows(model: Model, rows: Rows, by: GroupBy = "site", with_creator: bool = True) -> list[Group]:
    """Groups of the given rows, largest first (ties: longest max wait, then state).

    ``with_creator=False`` leaves the creation site out (to compare with a debug=1
    profile, which prints none). Every per-goroutine step is a numpy operation over
    all rows at once; Python loops over groups only.
    """
    rows = np.sort(np.asarray(rows, np.int64))
    if len(rows) == 0:
        return []
    g = model.goroutines
    t = model.tables
    labels, state_of = state_label_index(model)
    # Per-row columns stay in their small types (an int64 copy of each is 8 bytes a row,
    # 29 MB on 3.7 M goroutines): _factorize widens them one at a time as it mixes them.
    state = state_of[rows]
    naming = naming_frame_per_stack(t)
    blocking = naming[g.last_stack[rows]]
    created = top_frame_per_stack(t)[g.creation_stack[rows]]
    if not with_creator:
        created = np.zeros_like(created)
    columns: list[npt.NDArray[Any]]
    if by == "site":
        columns = [state, blocking, created]
    elif by == "stack":
        columns = [state, g.last_stack[rows], created]
    elif by == "func":
        func_ids = np.array([t.string(t.frames[f].func) for f in range(len(t.frames))], np.int64)
        columns = [func_ids[blocking]]
    elif by == "created-by":
        columns = [created]
    elif by == "none":
        columns = [np.arange(len(rows), dtype=np.int64)]
    else:
        raise ValueError(f"unknown grouping {by!r}")
    inv = _factorize(columns)
    del columns
    ngroups = int(inv.max()) + 1
    # rows stay in id order within a group; a stable sort of small ints is a radix sort
    order = np.argsort(inv.astype(np.min_scalar_type(ngroups)), kind="stable")
    bounds = np.searchsorted(inv[order], np.arange(ngroups + 1)).astype(np.int64)
    firsts = order[bounds[:-1]]
    block_first = blocking[firsts].tolist()
    created_first = created[firsts].tolist()
    del blocking, created
    weights = g.weights(rows) if len(g.weight) else None  # None: one goroutine a row
    counts = _counts(inv, weights, ngroups).tolist()
    states = _states_per_group(inv, state, weights, labels)
    del state
    waits_of = g.wait_ns[rows]
    np.maximum(waits_of, 0, out=waits_of)  # unknown (NONE) counts as 0
    waits = _dists(waits_of, inv, bounds, order)
    del waits_of
    inferred = ((np.bincount(inv, weights=g.reason_inferred[rows], minlength=ngroups) > 0).tolist()
                if len(g.reason_inferred) else [False] * ngroups)
    creator = g.creator[rows]
    cmin = np.full(ngroups, np.iinfo(np.int64).max)
    cmax = np.full(ngroups, np.iinfo(np.int64).min)
    np.minimum.at(cmin, inv, creator)
    np.maximum.at(cmax, inv, creator)
    del creator
    single = ((cmin == cmax) & (cmin != NONE)).tolist()
    cmin_l = cmin.tolist()
    trace_dists: list[list[Dist]] | None = None
    if model.is_trace:
        block_total = sum_by(g.block_row.astype(np.int64), g.block_ns, len(g))
        trace_dists = [_dists(col[rows].astype(np.int64, copy=False), inv, bounds, order)
                       for col in (g.exec_ns, g.sched_wait_ns, block_total)]
        del block_total
    labelled = _labelled_rows(model, rows)
    if model.extras is None:  # only a dump or profile says which leaked
        leaked_l = [0] * ngroups
    else:
        leaked = leaked_rows(model)[rows]
        leaked_l = _counts(inv[leaked], None if weights is None else weights[leaked], ngroups).tolist()
    frames = t.frames
    stack_first = g.last_stack[rows[firsts]].tolist()
    row_parts = np.split(rows[order], bounds[1:-1])
    groups: list[Group] = []
    for k in range(ngroups):
        grp = Group(
            state=next(iter(states[k])),
            blocking=frames[block_first[k]] if block_first[k] else None,
            created_at=frames[created_first[k]] if created_first[k] else None,
            stack=stack_first[k],
            rows=row_parts[k],
            count=counts[k],
            wait=waits[k],
            states=states[k],
            inferred=inferred[k],
            creator=cmin_l[k] if single[k] else None,
            leaked=leaked_l[k],
        )
        if trace_dists is not None:
            grp.exec, grp.sched_wait, grp.block = (d[k] for d in trace_dists)
        if labelled is not None:
            mine = labelled[order[bounds[k]: bounds[k + 1]]]
            if mine.any():
                grp.labels = _labels(model, row_parts[k][mine])
        groups.append(grp)
    # Ties go to the group with the oldest goroutine (lowest row: rows are in id order), not
    # to the key's interned ids, which differ between the C and Python readers.
    groups.sort(key=lambda x: (-x.count, -x.wait.max, x.state, int(x.rows[0]) if len(x.rows) else -1))
    return groups


def _labelled_rows(model: Model, rows: Rows) -> npt.NDArray[np.bool_] | None:
    """Which of ``rows`` carry labels (a dump's pprof labels); None when none can."""
    if model.extras is None:
        return None
    labelled: npt.NDArray[np.bool_] = model.extras.labelled()[rows]
    return labelled


def _labels(model: Model, rows: Rows) -> dict[str, list[str]]:
    """Each label key of the group's goroutines with the values seen, sorted."""
    assert model.extras is not None
    labels: dict[str, list[str]] = model.extras.labels(rows)
    return labels


def blocked_rows(model: Model) -> npt.NDArray[np.bool_]:
    """Goroutines not running and not dead at the end: waiting, runnable or in a syscall."""
    s = model.goroutines.state
    return (s == GoState.WAITING) | (s == GoState.RUNNABLE) | (s == GoState.SYSCALL)


def total(groups: Sequence[Group]) -> int:
    return sum(grp.count for grp in groups)
