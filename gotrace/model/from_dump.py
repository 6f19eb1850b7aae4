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
from typing import Any

import numpy as np
import numpy.typing as npt

from ..dump.parse import parse_dumps
from ..dump.snapshot import DumpGoroutine, Snapshot, largest_snapshot_index
from ..dump.text import build
from ..errors import DumpFormatError
from ..tables import Tables
from ..trace.events import GoState
from .core import NONE, Goroutines, Model, Source
from .infer import DUMP_REASONS, infer_reasons

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


OTHERS_NAMED = 5  # a log of a thousand dumps names five in its notice, and counts the rest


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
        rest = [i for i in range(len(snapshots)) if i != idx]
        others = ", ".join(
            f"#{i + 1} (lines {snapshots[i].start_line}-{snapshots[i].end_line}, "
            f"{snapshots[i].goroutine_count:,} goroutines)" for i in rest[:OTHERS_NAMED]
        ) + (f" and {len(rest) - OTHERS_NAMED:,} more" if len(rest) > OTHERS_NAMED else "")
        notices.append(
            f"{name} holds {len(snapshots)} dumps; analysing #{idx + 1} "
            f"({snapshots[idx].goroutine_count:,} goroutines); others: {others}; pick one with --snapshot N"
        )
    snap = snapshots[idx]
    notices.extend(snap.warnings)
    return snap, notices


_LEAKED = frozenset({"leaked"})


def _profile_records(snap: Snapshot) -> list[DumpGoroutine]:
    """A count profile's records (debug=1, protobuf) as rows, numbered in file order; their
    counts become the model's ``weight`` column and their state is read from the stack (a
    profile prints none). A goroutineleak profile's records carry the runtime's leak flag."""
    return [
        DumpGoroutine(id=i + 1, state="", raw_state="", wait_minutes=None,
                      flags=_LEAKED if rec.leaked else frozenset(), synctest_bubble=None,
                      labels=dict(rec.labels), stack_id=rec.stack, frame_args=(), created_by=None,
                      ancestors=[], frames_elided=False, line=0)
        for i, rec in enumerate(snap.groups)
    ]


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


def _distinct(values: list[Any]) -> tuple[list[Any], npt.NDArray[np.int64]]:
    """Distinct values in first-seen order (deterministic ids) and each row's index among them.

    Keyed by identity: the reader shares one object per distinct header
    field, stack or creation site, so this hashes small ints, not tuples.
    """
    index: dict[int, int] = {}
    firsts: list[Any] = []
    for v in values:
        if id(v) not in index:
            index[id(v)] = len(firsts)
            firsts.append(v)
    return firsts, np.array([index[id(v)] for v in values], np.int64)


def _model(snap: Snapshot, notices: list[str], name: str, tables: Tables) -> Model:
    """The columns, computed once per distinct state, stack and creation site."""
    profile = snap.kind == "debug1"
    rows = _profile_records(snap) if profile else snap.goroutines
    ids = np.array([g.id for g in rows], np.int64)
    order = np.argsort(ids, kind="stable")
    gs = [rows[i] for i in order.tolist()]
    n = len(gs)
    states, state_row = _distinct([g.state for g in gs])
    state_of = [_PLAIN_STATES.get(st) for st in states]
    state = np.array([GoState.WAITING if p is None else p for p in state_of], np.uint8)[state_row]
    reason = np.array(
        [tables.string(st) if p is None else 0 for st, p in zip(states, state_of, strict=True)], np.int32
    )[state_row]
    last_stack = np.array([g.stack_id for g in gs], np.int32)
    sids, sid_row = np.unique(last_stack, return_inverse=True)
    roots = [tables.root_frame(sid) for sid in sids.tolist()]
    root_name = np.array([0 if r is None else tables.string(r.func) for r in roots], np.int32)
    elided = np.array([g.frames_elided for g in gs], bool)
    name_ids = np.where(elided, 0, root_name[sid_row.reshape(-1)]).astype(np.int32)
    sites, site_row = _distinct([g.created_by for g in gs])
    site_stack: dict[tuple[str, str, int], int] = {}
    creation_of: list[int] = []
    creator_of: list[int] = []
    for cb in sites:
        if cb is None:
            creation_of.append(0)
            creator_of.append(NONE)
            continue
        site = (cb[0], cb[1], cb[2])
        sid = site_stack.get(site)
        if sid is None:
            sid = site_stack[site] = tables.stack((tables.frame(*site),))
        creation_of.append(sid)
        creator_of.append(NONE if cb[3] is None else cb[3])
    creation_stack = np.array(creation_of, np.int32)[site_row]
    creator = np.array(creator_of, np.int64)[site_row]
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
        last_stack=last_stack,
        exec_ns=zeros,
        sched_wait_ns=zeros.copy(),
        syscall_ns=zeros.copy(),
        syscall_block_ns=zeros.copy(),
        block_row=np.zeros(0, np.int32),
        block_reason=np.zeros(0, np.int32),
        block_ns=np.zeros(0, np.int64),
        reason_inferred=np.zeros(n, bool),
        weight=np.array([rec.count for rec in snap.groups], np.int64) if profile else np.zeros(0, np.int64),
    )
    if profile:
        goroutines.wait_ns[:] = NONE  # a profile prints no waits
        infer_reasons(goroutines, tables, DUMP_REASONS)
        # The goroutine writing the profile is the one running.
        writer = np.array([any(f.func.startswith("runtime/pprof.") for f in tables.stack_frames(g.stack_id))
                           for g in gs], bool)
        goroutines.state[writer & (goroutines.reason == 0)] = GoState.RUNNING
        # What the stack does not tell (debug=1 hides the runtime's frames) stays unknown.
        unknown = (goroutines.state == GoState.WAITING) & (goroutines.reason == 0)
        goroutines.state[unknown] = GoState.UNDETERMINED
    model = Model(
        source=Source(path=name, kind="dump", format=snap.format_name),
        tables=tables,
        goroutines=goroutines,
        notices=notices,
        extras=_extras(gs),
    )
    model.snapshot = snap
    return model
