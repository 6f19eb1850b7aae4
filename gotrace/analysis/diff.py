"""Two captures of the same program compared group by group: what grew.

"What grew between these two dumps" is the leak question: the group that gained
the most goroutines, and whether its goroutines got older (a growing median wait
means the same goroutines are still stuck, not new ones cycling). Two traces are
compared by the goroutines alive at each one's end, with waits to the nanosecond.

Groups are :mod:`gotrace.analysis.grouping`'s, matched by their key: state,
blocking site and creation site (or what ``by`` asks for). The two models must
share one ``Tables`` (``load_raw(..., tables=...)``) so that frames compare by id.
A debug=1 profile prints no creation site, so against one the creation site is
left out of the key on both sides.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from ..model import Model
from ..trace.events import GoState
from .grouping import Group, GroupBy, group_rows
from .selection import idle_rows

DiffStatus = Literal["new", "vanished", "grew", "shrank", "same"]


@dataclass(slots=True, eq=False)
class DiffRow:
    """One group's count before and after; ``before``/``after`` is None when absent."""

    before: Group | None
    after: Group | None

    @property
    def group(self) -> Group:
        """The side that exists, the newer one when both do: what the row is shown as."""
        grp = self.after if self.after is not None else self.before
        assert grp is not None
        return grp

    @property
    def count_before(self) -> int:
        return self.before.count if self.before is not None else 0

    @property
    def count_after(self) -> int:
        return self.after.count if self.after is not None else 0

    @property
    def change(self) -> int:
        return self.count_after - self.count_before

    @property
    def status(self) -> DiffStatus:
        if self.before is None:
            return "new"
        if self.after is None:
            return "vanished"
        if self.change > 0:
            return "grew"
        return "shrank" if self.change < 0 else "same"

    @property
    def wait_shift_ns(self) -> int | None:
        """Change of the median wait; None unless both sides have the group."""
        if self.before is None or self.after is None:
            return None
        return self.after.wait.p50 - self.before.wait.p50


@dataclass(slots=True, eq=False)
class DiffResult:
    rows: list[DiffRow]
    total_before: int
    total_after: int

    @property
    def new_groups(self) -> list[DiffRow]:
        return [r for r in self.rows if r.status == "new"]

    @property
    def vanished_groups(self) -> list[DiffRow]:
        return [r for r in self.rows if r.status == "vanished"]


def compared_rows(model: Model, hide_idle: bool = False) -> np.ndarray:
    """A dump's goroutines, or those alive at a trace's end."""
    keep = np.ones(len(model.goroutines), bool)
    if model.is_trace:
        keep &= model.goroutines.state != GoState.NOT_EXIST
    if hide_idle:
        keep &= ~idle_rows(model)
    return np.flatnonzero(keep)


def _key(grp: Group, by: GroupBy) -> Hashable:
    """The group's key in terms that hold across two models sharing one ``Tables``."""
    if by == "site":
        return (grp.state, grp.blocking, grp.created_at)
    if by == "stack":
        return (grp.state, grp.stack, grp.created_at)
    if by == "func":
        return grp.blocking.func if grp.blocking is not None else None
    if by == "created-by":
        return grp.created_at
    raise ValueError(f"diff cannot group by {by!r}")


def diff_models(old: Model, new: Model, by: GroupBy = "site", hide_idle: bool = False) -> DiffResult:
    """Groups of ``old`` and ``new`` matched by key, sorted by growth (then size, name)."""
    with_creator = not (_is_profile(old) or _is_profile(new))
    before = group_rows(old, compared_rows(old, hide_idle), by, with_creator)
    after = group_rows(new, compared_rows(new, hide_idle), by, with_creator)
    rows: dict[Hashable, DiffRow] = {}
    for grp in before:
        rows.setdefault(_key(grp, by), DiffRow(None, None)).before = grp
    for grp in after:
        rows.setdefault(_key(grp, by), DiffRow(None, None)).after = grp
    ordered = sorted(rows.values(), key=lambda r: (-r.change, -r.count_after, _name(r.group)))
    return DiffResult(rows=ordered, total_before=sum(g.count for g in before),
                      total_after=sum(g.count for g in after))


def _is_profile(model: Model) -> bool:
    return model.snapshot is not None and getattr(model.snapshot, "kind", "") == "debug1"


def _name(grp: Group) -> str:
    return grp.blocking.func if grp.blocking is not None else ""
