"""Filtering and grouping the goroutines of one snapshot.

A group is "the same goroutine, many times": same functions at the same lines
(the interned stack id) and the same creation site. Argument values and the
creating goroutine's id are deliberately not part of it, or every leaked
handler goroutine would be its own group.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from gotrace.dump.names import display_name, is_runtime_helper, start_func
from gotrace.dump.snapshot import CreatedBy, DumpGoroutine, Snapshot
from gotrace.dump.states import RUNTIME_IDLE_REASONS
from gotrace.errors import WrongInputKindError
from gotrace.tables import Tables

GroupBy = Literal["stack", "func", "created-by", "none"]


@dataclass(slots=True, eq=False)
class Group:
    """Goroutines sharing a signature; waits in ns (a dump's printed minutes, 0 if < 1)."""

    key: Hashable
    name: str
    count: int
    stack_id: int
    created_by: CreatedBy | None
    states: dict[str, int] = field(default_factory=dict)
    wait_min_ns: int | None = None
    wait_median_ns: int | None = None
    wait_max_ns: int | None = None
    labels: dict[str, list[str]] = field(default_factory=dict)
    ids: list[int] = field(default_factory=list)

    @property
    def state(self) -> str:
        """States, most frequent first, joined with ", " (one state: just it)."""
        return ", ".join(self.states)

    def sample_ids(self, n: int = 5) -> list[int]:
        return self.ids[:n]

    def wait_ns(self) -> dict[str, int] | None:
        if self.wait_min_ns is None or self.wait_median_ns is None or self.wait_max_ns is None:
            return None
        return {"min": self.wait_min_ns, "median": self.wait_median_ns, "max": self.wait_max_ns}


def is_idle(g: DumpGoroutine, tables: Tables) -> bool:
    """The runtime's own idle goroutines: g0s, GC workers, sweeper, finalizers..."""
    if g.id == 0 or g.state in RUNTIME_IDLE_REASONS:
        return True
    return is_runtime_helper(start_func(tables, g.stack_id))


def _matcher(pattern: str | re.Pattern[str], tables: Tables) -> Callable[[DumpGoroutine], bool]:
    """Goroutine predicate: the regex is found in a function, file, creator or label."""
    rx = re.compile(pattern) if isinstance(pattern, str) else pattern
    hits: dict[int, bool] = {}
    frames = tables.frames

    def stack_hit(stack_id: int) -> bool:
        hit = hits.get(stack_id)
        if hit is None:
            hit = any(
                rx.search(frames[f].func) or rx.search(frames[f].file)
                for f in tables.stacks[stack_id]
            )
            hits[stack_id] = hit
        return hit

    def match(g: DumpGoroutine) -> bool:
        if stack_hit(g.stack_id):
            return True
        cb = g.created_by
        if cb is not None and (rx.search(cb[0]) or rx.search(cb[1])):
            return True
        return any(rx.search(f"{k}={v}") for k, v in g.labels.items())

    return match


def filter_goroutines(
    snapshot: Snapshot,
    tables: Tables,
    *,
    older_than_ns: int | None = None,
    hide_idle: bool = False,
    states: Collection[str] | None = None,
    match: str | re.Pattern[str] | None = None,
) -> list[DumpGoroutine]:
    """Goroutines passing every given filter, in file order.

    ``older_than_ns`` keeps goroutines whose printed wait is at least that long
    (exactly N minutes is kept); ``states`` compares case-insensitively with the
    state or the state as printed. A debug=1 profile has no per-goroutine data,
    so these filters raise WrongInputKindError there.
    """
    if snapshot.kind == "debug1":
        if older_than_ns is not None or states:
            raise WrongInputKindError(
                "a debug=1 profile has no goroutine states or wait times;"
                " use a debug=2 dump for --older-than/--state"
            )
        return []
    wanted = {s.lower() for s in states} if states else None
    matcher = _matcher(match, tables) if match is not None else None
    out: list[DumpGoroutine] = []
    for g in snapshot.goroutines:
        if older_than_ns is not None and g.wait_ns < older_than_ns:
            continue
        if (
            wanted is not None
            and g.state.lower() not in wanted
            and g.raw_state.lower() not in wanted
        ):
            continue
        if hide_idle and is_idle(g, tables):
            continue
        if matcher is not None and not matcher(g):
            continue
        out.append(g)
    return out


def _site(cb: CreatedBy | None) -> tuple[str, str, int] | None:
    return None if cb is None else (cb[0], cb[1], cb[2])


def _key_fn(
    by: GroupBy, tables: Tables, with_creator: bool
) -> Callable[[DumpGoroutine], Hashable]:
    if by == "stack":
        if with_creator:
            return lambda g: (g.stack_id, _site(g.created_by))
        return lambda g: g.stack_id
    if by == "func":
        names: dict[int, str] = {}

        def func_key(g: DumpGoroutine) -> Hashable:
            name = names.get(g.stack_id)
            if name is None:
                name = names[g.stack_id] = display_name(tables, g.stack_id)
            return name

        return func_key
    if by == "created-by":
        return lambda g: _site(g.created_by)
    if by == "none":
        return lambda g: g.id
    raise ValueError(f"unknown grouping {by!r}")


def _name(by: GroupBy, key: Hashable, first: DumpGoroutine, tables: Tables) -> str:
    if by == "created-by":
        return "(no creator)" if first.created_by is None else first.created_by[0]
    return display_name(tables, first.stack_id)


def _build(
    by: GroupBy, key: Hashable, members: list[DumpGoroutine], tables: Tables
) -> Group:
    first = members[0]
    states: dict[str, int] = {}
    waits: list[int] = []
    labels: dict[str, set[str]] = {}
    parents: set[int | None] = set()
    for g in members:
        states[g.state] = states.get(g.state, 0) + 1
        waits.append(g.wait_ns)
        for k, v in g.labels.items():
            labels.setdefault(k, set()).add(v)
        if g.created_by is not None:
            parents.add(g.created_by[3])
    waits.sort()
    created = first.created_by
    if created is not None and len(parents) > 1:
        created = (created[0], created[1], created[2], None)
    return Group(
        key=key,
        name=_name(by, key, first, tables),
        count=len(members),
        stack_id=first.stack_id,
        created_by=created,
        states=dict(sorted(states.items(), key=lambda kv: (-kv[1], kv[0]))),
        wait_min_ns=waits[0],
        wait_median_ns=waits[(len(waits) - 1) // 2],
        wait_max_ns=waits[-1],
        labels={k: sorted(v) for k, v in sorted(labels.items())},
        ids=sorted(g.id for g in members),
    )


def _profile_groups(snapshot: Snapshot, tables: Tables, hide_idle: bool) -> list[Group]:
    """debug=1: merge records with the same stack (they differ only by labels)."""
    merged: dict[int, Group] = {}
    for rec in snapshot.groups:
        if hide_idle and is_runtime_helper(start_func(tables, rec.stack)):
            continue
        grp = merged.get(rec.stack)
        if grp is None:
            grp = merged[rec.stack] = Group(
                key=rec.stack,
                name=display_name(tables, rec.stack),
                count=0,
                stack_id=rec.stack,
                created_by=None,
            )
        grp.count += rec.count
        for k, v in rec.labels.items():
            seen = grp.labels.setdefault(k, [])
            if v not in seen:
                seen.append(v)
    for grp in merged.values():
        grp.labels = {k: sorted(v) for k, v in sorted(grp.labels.items())}
    return sorted(merged.values(), key=lambda g: (-g.count, g.name))


def group_goroutines(
    snapshot: Snapshot,
    tables: Tables,
    by: GroupBy = "stack",
    *,
    goroutines: Iterable[DumpGoroutine] | None = None,
    older_than_ns: int | None = None,
    hide_idle: bool = False,
    states: Collection[str] | None = None,
    match: str | re.Pattern[str] | None = None,
    with_creator: bool = True,
) -> list[Group]:
    """Groups of the snapshot's goroutines, largest first.

    Pass ``goroutines`` to group an already filtered list; otherwise the
    filters here are applied (see filter_goroutines). ``with_creator=False``
    groups by stack alone (used when comparing with a debug=1 profile, which
    prints no creation site).
    """
    if snapshot.kind == "debug1":
        if match is not None:
            raise WrongInputKindError("--match needs a debug=2 dump or traceback")
        filter_goroutines(snapshot, tables, older_than_ns=older_than_ns, states=states)
        return _profile_groups(snapshot, tables, hide_idle)
    if goroutines is None:
        goroutines = filter_goroutines(
            snapshot,
            tables,
            older_than_ns=older_than_ns,
            hide_idle=hide_idle,
            states=states,
            match=match,
        )
    key_of = _key_fn(by, tables, with_creator)
    buckets: dict[Hashable, list[DumpGoroutine]] = {}
    for g in goroutines:
        k = key_of(g)
        members = buckets.get(k)
        if members is None:
            buckets[k] = [g]
        else:
            members.append(g)
    groups = [_build(by, k, members, tables) for k, members in buckets.items()]
    groups.sort(key=lambda g: (-g.count, g.name, g.ids[0] if g.ids else 0))
    return groups


def total_count(groups: Sequence[Group]) -> int:
    return sum(g.count for g in groups)
