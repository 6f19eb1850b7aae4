"""A goroutine dump as a model: one snapshot, no intervals, waits as printed.

Go prints a wait age only after a minute ("[chan receive, 12 minutes]"), so
``wait_ns`` is minutes x 60 s and 0 below a minute; there are no creation or end
times. Everything a dump has beyond the trace model (labels, flags, ancestors,
elided frames) rides along per row in ``Model.extras``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..dump.parse import parse_dumps
from ..dump.snapshot import DumpGoroutine, Snapshot, largest_snapshot_index
from ..errors import DumpFormatError
from ..tables import Tables
from ..trace.events import GoState
from .core import NONE, Goroutines, Model, Source

_PLAIN_STATES = {
    "running": GoState.RUNNING,
    "runnable": GoState.RUNNABLE,
    "syscall": GoState.SYSCALL,
    "dead": GoState.NOT_EXIST,
    "finished": GoState.NOT_EXIST,  # a race report's goroutine that has exited
}


@dataclass(slots=True)
class DumpExtras:
    """What a dump row knows beyond the common model."""

    g: DumpGoroutine

    @property
    def leaked(self) -> bool:
        """The runtime proved this goroutine leaked (``(leaked)``, Go 1.26+ goroutineleak GC)."""
        return "leaked" in self.g.flags

    def matches(self, rx: re.Pattern[str]) -> bool:
        return any(rx.search(k) or rx.search(v) for k, v in self.g.labels.items())


def choose_snapshot(snapshots: list[Snapshot], wanted: int | None, name: str) -> tuple[Snapshot, list[str]]:
    """The snapshot to analyse (1-based ``wanted``, default the largest) and notices."""
    if not snapshots:
        raise DumpFormatError(f"{name}: no goroutine found in this dump")
    notices: list[str] = []
    if wanted is not None:
        if wanted > len(snapshots):
            raise DumpFormatError(f"{name}: --snapshot {wanted}, but the file holds {len(snapshots)} dump(s)")
        idx = wanted - 1
    else:
        idx = largest_snapshot_index(snapshots)
    if len(snapshots) > 1:
        others = ", ".join(
            f"#{i + 1} (lines {s.start_line}-{s.end_line}, {s.goroutine_count:,} goroutines)"
            for i, s in enumerate(snapshots)
            if i != idx
        )
        notices.append(
            f"{name} holds {len(snapshots)} dumps; analysing #{idx + 1} "
            f"({snapshots[idx].goroutine_count:,} goroutines); others: {others}; pick one with --snapshot N"
        )
    snap = snapshots[idx]
    notices.extend(snap.warnings)
    return snap, notices


def build_dump_model(
    data: bytes, name: str, wanted: int | None = None, tables: Tables | None = None
) -> Model:
    """Model of one dump of ``data``; pass ``tables`` to compare stacks with another model."""
    tables = tables or Tables()
    try:
        snapshots = parse_dumps(data, tables)
    except DumpFormatError as e:
        raise DumpFormatError(f"{name}: {e}") from None
    snap, notices = choose_snapshot(snapshots, wanted, name)
    gs = sorted(snap.goroutines, key=lambda g: g.id)
    n = len(gs)
    state = np.zeros(n, np.uint8)
    reason = np.zeros(n, np.int32)
    name_ids = np.zeros(n, np.int32)
    creator = np.full(n, NONE, np.int64)
    creation_stack = np.zeros(n, np.int32)
    for i, g in enumerate(gs):
        plain = _PLAIN_STATES.get(g.state)
        if plain is None:
            state[i] = GoState.WAITING
            reason[i] = tables.string(g.state)
        else:
            state[i] = plain
        root = tables.root_frame(g.stack_id)
        if root is not None and not g.frames_elided:
            name_ids[i] = tables.string(root.func)
        if g.created_by is not None:
            func, file, line, parent = g.created_by
            creation_stack[i] = tables.stack((tables.frame(func, file, line),))
            if parent is not None:
                creator[i] = parent
    none = np.full(n, NONE, np.int64)
    zeros = np.zeros(n, np.int64)
    goroutines = Goroutines(
        id=np.array([g.id for g in gs], np.int64),
        name=name_ids,
        state=state,
        reason=reason,
        since_ns=none,
        wait_ns=np.array([g.wait_ns for g in gs], np.int64),
        first_ns=none.copy(),
        created_ns=none.copy(),
        start_ns=none.copy(),
        ended_ns=none.copy(),
        creator=creator,
        creation_stack=creation_stack,
        start_stack=np.zeros(n, np.int32),
        last_stack=np.array([g.stack_id for g in gs], np.int32),
        exec_ns=zeros,
        sched_wait_ns=zeros.copy(),
        syscall_ns=zeros.copy(),
        syscall_block_ns=zeros.copy(),
        block_row=np.zeros(0, np.int32),
        block_reason=np.zeros(0, np.int32),
        block_ns=np.zeros(0, np.int64),
        reason_inferred=np.zeros(n, bool),
    )
    model = Model(
        source=Source(path=name, kind="dump", format=snap.format_name),
        tables=tables,
        goroutines=goroutines,
        notices=notices,
        extras=[DumpExtras(g) for g in gs],
    )
    model.snapshot = snap
    return model
