"""Two dumps of the same program compared group by group.

"What grew between these two dumps" is the leak question: the row that gained
the most goroutines, and whether its goroutines got older (a growing median
wait means the same goroutines are still stuck, not new ones cycling).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Literal

from gotrace.dump.grouping import Group, GroupBy, group_goroutines
from gotrace.dump.snapshot import Snapshot
from gotrace.tables import Tables

DiffStatus = Literal["new", "vanished", "grew", "shrank", "same"]


@dataclass(slots=True, eq=False)
class DiffRow:
    """One group's count before and after; ``before``/``after`` is None when absent."""

    key: Hashable
    name: str
    stack_id: int
    before: Group | None
    after: Group | None

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
        """Change of the median wait; None unless both sides have waits."""
        b = self.before.wait_median_ns if self.before is not None else None
        a = self.after.wait_median_ns if self.after is not None else None
        if a is None or b is None:
            return None
        return a - b


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


def diff_snapshots(
    old: Snapshot,
    new: Snapshot,
    tables: Tables,
    by: GroupBy = "stack",
    *,
    hide_idle: bool = False,
) -> DiffResult:
    """Groups of ``old`` and ``new`` matched by signature, sorted by growth.

    Both snapshots must have been parsed with the same ``tables`` (stacks are
    compared by id). When either side is a debug=1 profile the creation site is
    left out of the signature, since debug=1 does not print it.
    """
    with_creator = old.kind != "debug1" and new.kind != "debug1"
    before = group_goroutines(old, tables, by, hide_idle=hide_idle, with_creator=with_creator)
    after = group_goroutines(new, tables, by, hide_idle=hide_idle, with_creator=with_creator)
    rows: dict[Hashable, DiffRow] = {}
    for g in before:
        rows[g.key] = DiffRow(g.key, g.name, g.stack_id, g, None)
    for g in after:
        row = rows.get(g.key)
        if row is None:
            rows[g.key] = DiffRow(g.key, g.name, g.stack_id, None, g)
        else:
            row.after = g
    ordered = sorted(rows.values(), key=lambda r: (-r.change, -r.count_after, r.name))
    return DiffResult(
        rows=ordered,
        total_before=sum(g.count for g in before),
        total_after=sum(g.count for g in after),
    )
