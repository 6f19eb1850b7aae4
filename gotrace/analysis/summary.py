"""Trace-wide and dump-wide facts for ``gotrace info`` and the TUI overview."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..model import Model, count_by
from ..trace.events import GoState
from .selection import state_label_index


def summarize(model: Model) -> dict[str, Any]:
    g = model.goroutines
    out: dict[str, Any] = {"file": model.source.path, "kind": model.source.kind,
                           "format": model.source.format}
    if model.is_trace:
        assert model.info is not None and model.procs is not None and model.ranges is not None
        alive = g.state != GoState.NOT_EXIST
        out["span_ns"] = int(model.span_ns or 0)
        out["time_unit"] = model.info.time_unit  # "ticks": every *_ns counts ticks instead
        out["events"] = model.info.events
        out["goroutines"] = len(g)
        out["created"] = int((g.created_ns >= 0).sum())
        out["ended"] = int((g.ended_ns >= 0).sum())
        out["alive_at_end"] = int(alive.sum())
        out["procs"] = len(model.proc_ids)
        names = [model.tables.strings[n] for n in model.ranges.name.tolist()]
        out["gc_cycles"] = sum(1 for n in names if n == "GC concurrent mark phase")
        out["stw_pauses"] = sum(1 for n in names if n.startswith("stop-the-world"))
        out["data_lost"] = [d.message for d in model.info.damage]
        out["reader"] = ("C accelerated" if model.info.reader == "C" else
                         "pure Python (about 10x slower: reinstall with a C compiler present)")
    else:
        snap = model.snapshot
        out["goroutines"] = snap.goroutine_count if snap is not None else len(g)
        if snap is not None and snap.kind == "debug1":
            out["groups"] = len(snap.groups)
        if snap is not None and snap.panic_message:
            out["panic"] = snap.panic_message.splitlines()[0]
    labels, inv = state_label_index(model)
    # Goroutines per state: a debug=1 profile's rows are stack records with counts.
    per_state = count_by(inv, len(labels), g)
    states = Counter({lab: int(n) for lab, n in zip(labels, per_state, strict=True) if n})
    out["states"] = dict(states.most_common())
    return out
