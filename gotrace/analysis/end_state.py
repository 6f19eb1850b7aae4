"""A trace's end state as a goroutine-dump snapshot.

"What grew between these two captures" is the same question for two traces as
for two dumps, so a trace's goroutines alive at its end are put in the dump's
terms (state, last stack, creation site) and go through the same grouping and
diff. Unlike a dump, the wait is known to the nanosecond (``exact_wait_ns``).
"""

from __future__ import annotations

from ..dump.snapshot import NS_PER_MINUTE, CreatedBy, DumpGoroutine, Snapshot
from ..model import NONE, Model
from ..trace.events import GoState
from .selection import state_labels


def end_snapshot(model: Model) -> Snapshot:
    """The goroutines alive at the end of ``model`` (a trace), in id order."""
    g = model.goroutines
    labels = state_labels(model)
    frames = model.tables.frames
    stacks = model.tables.stacks
    snap = Snapshot(kind="trace", start_line=0, end_line=0,
                    trace_format=model.source.format)
    creators: dict[tuple[int, int], CreatedBy | None] = {}
    alive = (g.state != GoState.NOT_EXIST).tolist()
    for row, (gid, stack, cstack, creator, wait) in enumerate(zip(
            g.id.tolist(), g.last_stack.tolist(), g.creation_stack.tolist(), g.creator.tolist(),
            g.wait_ns.tolist(), strict=True)):
        if not alive[row]:
            continue
        key = (cstack, creator)
        if key in creators:
            created_by = creators[key]
        else:
            ids = stacks[cstack]
            f = frames[ids[0]] if ids else None
            created_by = creators[key] = (
                None if f is None else (f.func, f.file, f.line, None if creator == NONE else creator))
        wait_ns = max(wait, 0)
        snap.goroutines.append(DumpGoroutine(
            id=gid, state=labels[row], raw_state=labels[row],
            wait_minutes=wait_ns // NS_PER_MINUTE or None, flags=frozenset(),
            synctest_bubble=None, labels={}, stack_id=stack, frame_args=(),
            created_by=created_by, ancestors=[], frames_elided=False, line=0,
            exact_wait_ns=wait_ns,
        ))
    return snap
