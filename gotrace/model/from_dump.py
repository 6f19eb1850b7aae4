"""A goroutine dump as a model: one snapshot, no intervals, waits as printed.

Go prints a wait age only after a minute ("[chan receive, 12 minutes]"), so
``wait_ns`` is minutes x 60 s and 0 below a minute; there are no creation or end
times. Everything a dump has beyond the trace model (labels, flags, ancestors,
elided frames) rides along per row in ``Model.extras``.
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass

import numpy as np

from ..dump.parse import parse_dumps
from ..dump.snapshot import DumpGoroutine, Snapshot, largest_snapshot_index
from ..dump.text import build
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


def _extras(gs: list[DumpGoroutine]) -> list[DumpExtras]:
    """One DumpExtras per row; made in C when the dump accelerator is built."""
    if build is None:
        return [DumpExtras(g) for g in gs]
    out: list[DumpExtras] = build(DumpExtras, len(gs), ("g",), (gs,))
    return out


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
    paused = gc.isenabled()
    gc.disable()  # hundreds of thousands of rows, no cycles: see dump.parse
    try:
        return _model(snap, notices, name, tables)
    finally:
        if paused:
            gc.enable()


def _model(snap: Snapshot, notices: list[str], name: str, tables: Tables) -> Model:
    """The columns, computed once per distinct state, stack and creation site."""
    ids = np.array([g.id for g in snap.goroutines], np.int64)
    order = np.argsort(ids, kind="stable")
    gs = [snap.goroutines[i] for i in order.tolist()]
    n = len(gs)
    state_of: dict[str, tuple[int, int]] = {}
    for st in dict.fromkeys(g.state for g in gs):  # first-seen order: deterministic ids
        plain = _PLAIN_STATES.get(st)
        state_of[st] = (GoState.WAITING, tables.string(st)) if plain is None else (plain, 0)
    pairs = [state_of[g.state] for g in gs]
    state = np.array([p[0] for p in pairs], np.uint8)
    reason = np.array([p[1] for p in pairs], np.int32)
    root_of: dict[int, int] = {}
    for sid in dict.fromkeys(g.stack_id for g in gs):
        root = tables.root_frame(sid)
        root_of[sid] = 0 if root is None else tables.string(root.func)
    name_ids = np.array([0 if g.frames_elided else root_of[g.stack_id] for g in gs], np.int32)
    site_of: dict[tuple[str, str, int], int] = {}
    creation: list[int] = []
    creator_l: list[int] = []
    for g in gs:
        cb = g.created_by
        if cb is None:
            creation.append(0)
            creator_l.append(NONE)
            continue
        site = (cb[0], cb[1], cb[2])
        sid = site_of.get(site)
        if sid is None:
            sid = site_of[site] = tables.stack((tables.frame(*site),))
        creation.append(sid)
        creator_l.append(NONE if cb[3] is None else cb[3])
    creator = np.array(creator_l, np.int64)
    creation_stack = np.array(creation, np.int32)
    none = np.full(n, NONE, np.int64)
    zeros = np.zeros(n, np.int64)
    goroutines = Goroutines(
        id=ids[order],
        name=name_ids,
        state=state,
        reason=reason,
        since_ns=none,
        wait_ns=np.array([g.wait_ns for g in gs], np.int64),  # minutes, range-checked when read
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
        extras=_extras(gs),
    )
    model.snapshot = snap
    return model
