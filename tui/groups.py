"""The long-lived groups as a tree: wait reason -> blocking site -> creation site.

The groups come from :func:`gotrace.analysis.grouping.group_rows`, computed
once for every blocked goroutine of any age. An age filter only drops rows: a
goroutine's group key does not depend on which others are selected, so narrowing
each group to its rows waiting at least that long gives exactly the groups
``gotrace goroutines --older-than`` reports, in milliseconds instead of a regroup.
Parents carry the union of their children's rows, so their counts and wait
percentiles are exact too, not sums of percentiles.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from gotrace.analysis.grouping import Dist, Group
from gotrace.model import NONE, Model
from gotrace.tables import Frame

Rows = npt.NDArray[np.int64]
LEVELS = ("wait reason", "blocked at", "created at")


@dataclass(slots=True)
class Node:
    level: int  # index into LEVELS
    state: str
    frame: Frame | None  # level 1: blocking site, level 2: creation site
    rows: Rows  # the biggest child's rows first, each child's in id order
    count: int  # goroutines: the rows, or a profile's records' counts summed
    wait: Dist
    inferred: bool = False
    children: list[Node] = field(default_factory=list)
    key: tuple[str, Frame | None, Frame | None] | None = None  # a leaf's group: state, blocked at, created


SORTS: dict[str, Callable[[Node], tuple[int, ...]]] = {
    "count": lambda n: (-n.count, -n.wait.max),
    "longest wait": lambda n: (-n.wait.max, -n.count),
}


def waits(model: Model, rows: Rows) -> npt.NDArray[np.int64]:
    w = model.goroutines.wait_ns[rows]
    return np.where(w == NONE, 0, w)


def narrow(model: Model, groups: list[Group], older_than_ns: int | None) -> list[Group]:
    """The groups restricted to goroutines blocked at least ``older_than_ns`` (None: all)."""
    if not older_than_ns:
        return list(groups)
    out: list[Group] = []
    inferred = model.goroutines.reason_inferred
    for g in groups:
        w = waits(model, g.rows)
        keep = w >= older_than_ns
        if not keep.any():
            continue
        rows = g.rows[keep]
        out.append(replace(g, rows=rows, count=model.goroutines.count(rows), wait=Dist.of(w[keep]),
                           inferred=bool(inferred[rows].any()) if len(inferred) else False))
    out.sort(key=lambda x: (-x.count, -x.wait.max, x.state))
    return out


def tree_of(model: Model, groups: list[Group], sort: str = "count") -> list[Node]:
    """Wait reasons, each with its blocking sites, each with its creation sites (the groups).

    A debug=1 profile prints no creation sites: its tree stops at the blocking sites.
    """
    key = SORTS[sort]

    def parent(level: int, state: str, frame: Frame | None, kids: list[Node]) -> Node:
        kids.sort(key=key)
        rows = np.concatenate([k.rows for k in kids]) if kids else np.zeros(0, np.int64)
        return Node(level, state, frame, rows, model.goroutines.count(rows), Dist.of(waits(model, rows)),
                    any(k.inferred for k in kids), kids)

    by_state: dict[str, dict[Hashable, tuple[Frame | None, list[Node]]]] = {}
    for g in groups:
        leaf = Node(2, g.state, g.created_at, g.rows, g.count, g.wait, g.inferred,
                    key=(g.state, g.blocking, g.created_at))
        site_key = None if g.blocking is None else (g.blocking.func, g.blocking.file, g.blocking.line)
        by_state.setdefault(g.state, {}).setdefault(site_key, (g.blocking, []))[1].append(leaf)
    top: list[Node] = []
    for state, sites in by_state.items():
        if model.is_profile:  # no creation sites to tell apart: a blocking site is a group
            mids = [replace(kids[0], level=1, frame=frame) for frame, kids in sites.values()]
            mids.sort(key=key)
        else:
            mids = [parent(1, state, frame, kids) for frame, kids in sites.values()]
        top.append(parent(0, state, None, mids))
    top.sort(key=key)
    return top
