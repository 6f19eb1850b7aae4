"""Every ``--format json`` document, built in one place: the contracts scripts rely on.

Each document carries ``schema_version``; a change a script could notice bumps
it (and the README says what changed). Traces and dumps share one shape: the
fields a dump cannot fill (creation time, exec and block totals) are present
with their "unknown" values, and a dump adds what only it has (labels, flags,
ancestors). Times are ns since the first event of the trace; a dump's waits are
its printed minutes in ns (0 when none is printed).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import numpy as np
import numpy.typing as npt

from ..analysis.diff import DiffResult, DiffRow
from ..analysis.grouping import Group
from ..analysis.leaks import VERDICTS, LeakReport, Suspect
from ..analysis.procs import ProcTimeline
from ..analysis.spikes import Site, Spikes
from ..dump.names import start_func
from ..model import NONE, Model, state_name
from ..tables import Frame, Tables
from .jsontext import Streamed

GOROUTINES_SCHEMA = 2
DIFF_SCHEMA = 2
SPIKES_SCHEMA = 1
PROCS_SCHEMA = 1
LEAKS_SCHEMA = 1

_FLAG_ORDER = ("durable", "leaked", "locked to thread", "scan")


def frame_json(f: Frame | None) -> dict[str, Any] | None:
    return None if f is None else {"func": f.func, "file": f.file, "line": f.line}


class Stacks:
    """Stack id -> list of frame dicts, built once per stack and shared by every record."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.cache: dict[int, list[dict[str, Any]]] = {}

    def __call__(self, stack_id: int) -> list[dict[str, Any]]:
        out = self.cache.get(stack_id)
        if out is None:
            out = self.cache[stack_id] = [
                {"func": f.func, "file": f.file, "line": f.line} for f in self.tables.stack_frames(stack_id)]
        return out


def source_json(model: Model) -> dict[str, Any]:
    """The input; ``time_unit`` is "ticks" when every ``*_ns`` field counts ticks instead
    (an old trace without its frequency record)."""
    s = model.source
    unit = model.info.time_unit if model.info is not None else "ns"
    return {"path": s.path, "kind": s.kind, "format": s.format, "time_unit": unit}


def goroutine_records(model: Model, rows: npt.NDArray[np.int64], stacks: Stacks | None = None
                      ) -> list[dict[str, Any]]:
    """Per-goroutine records for the given rows, in id order (the per-goroutine contract)."""
    return list(iter_goroutine_records(model, rows, stacks))


RECORDS_AT_ONCE = 1 << 16


def iter_goroutine_records(model: Model, rows: npt.NDArray[np.int64], stacks: Stacks | None = None
                           ) -> Iterator[dict[str, Any]]:
    """:func:`goroutine_records` one record at a time.

    Columns are read as lists ``RECORDS_AT_ONCE`` rows at a time, and what repeats (start
    function, creation site, state name) is worked out once per distinct value: a dump
    lists 364 k goroutines, a big trace millions, whose records and column lists all at
    once were 4.7 GB for a 110 MB trace.
    """
    g = model.goroutines
    t = model.tables
    strings = t.strings
    stacks = stacks or Stacks(t)
    is_dump = not model.is_trace
    blocks = len(g.block_row) > 0
    tops: dict[int, Frame | None] = {}
    starts: dict[int, str | None] = {}
    states: dict[tuple[int, int], str] = {}
    rows = np.sort(rows)
    for lo in range(0, len(rows), RECORDS_AT_ONCE):
        part = rows[lo:lo + RECORDS_AT_ONCE]

        def column(values: npt.NDArray[Any], part: npt.NDArray[np.int64] = part) -> list[Any]:
            out: list[Any] = values[part].tolist()
            return out

        inferred = column(g.reason_inferred) if len(g.reason_inferred) else [False] * len(part)
        extras = model.extras.fields(part) if is_dump and model.extras is not None else None
        for i, (r, gid, cs, stack, name, state, reason, wait, created, ended, creator, exe, sched, sysc,
                inf) in enumerate(zip(
            part.tolist(), column(g.id), column(g.creation_stack), column(g.last_stack), column(g.name),
            column(g.state), column(g.reason), column(g.wait_ns), column(g.created_ns), column(g.ended_ns),
            column(g.creator), column(g.exec_ns), column(g.sched_wait_ns), column(g.syscall_ns), inferred,
            strict=True,
        )):
            if cs in tops:
                top = tops[cs]
            else:
                top = tops[cs] = t.top_frame(cs)
            if is_dump:
                if stack in starts:
                    start = starts[stack]
                else:
                    start = starts[stack] = start_func(t, stack)
            else:
                start = strings[name] or None
            state_text = states.get((state, reason))
            if state_text is None:
                state_text = states[(state, reason)] = state_name(state, strings[reason])
            rec: dict[str, Any] = {
                "id": gid,
                "start_func": start,
                "state": state_text,
                "wait_ns": None if wait == NONE else wait,
                "created_ns": None if created == NONE else created,
                "ended_ns": None if ended == NONE else ended,
                "created_by": None if top is None else {
                    "func": top.func, "file": top.file, "line": top.line,
                    "goroutine": None if creator == NONE else creator},
                "creation_stack": [] if is_dump else stacks(cs),
                "exec_ns": exe,
                "sched_wait_ns": sched,
                "syscall_ns": sysc,
                "block_ns": {k: v for k, v in g.block_by_reason(r, strings).items() if v} if blocks else {},
                "stack": stacks(stack),
            }
            rec["state_inferred"] = bool(inf)
            if extras is not None:
                labels, flags, bubble, ancestors, elided = extras[i]
                rec["labels"] = dict(labels)
                rec["flags"] = [f for f in _FLAG_ORDER if f in flags]
                rec["synctest_bubble"] = bubble
                rec["ancestors"] = list(ancestors)
                rec["frames_elided"] = elided
            yield rec


def group_json(model: Model, grp: Group, stacks: Stacks, max_ids: int | None = None) -> dict[str, Any]:
    """One group, the same shape for traces and dumps (``exec_ns`` etc. are null for dumps)."""
    ids = model.goroutines.id[grp.rows if max_ids is None else grp.rows[:max_ids]]
    return {
        "count": grp.count,
        "state": grp.state,
        "states": grp.states,
        "state_inferred": grp.inferred,
        "blocking_site": frame_json(grp.blocking),
        "created_at": frame_json(grp.created_at),
        "creator": grp.creator,
        "stack": stacks(grp.stack),
        "wait_ns": grp.wait.json(),
        "exec_ns": grp.exec.json() if grp.exec is not None else None,
        "sched_wait_ns": grp.sched_wait.json() if grp.sched_wait is not None else None,
        "block_ns": grp.block.json() if grp.block is not None else None,
        "labels": grp.labels,
        "leaked": grp.leaked,
        "ids": ids.tolist(),
    }


def goroutines_document(model: Model, rows: npt.NDArray[np.int64], groups: list[Group], *,
                        streamed: bool = False) -> dict[str, Any]:
    """``gotrace goroutines --format json``: the selected goroutines and their groups.

    ``streamed``: the goroutine records are made as :func:`gotrace.render.jsontext.iterencode`
    writes them (a :class:`~gotrace.render.jsontext.Streamed` list, which only it encodes),
    so that millions of them are never all in memory. The cycle collector is paused while
    records are made: they are millions of dicts and lists and no cycle, and each collection
    walked them all again (two thirds of the time on a 364 k-goroutine dump).
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        stacks = Stacks(model.tables)
        goroutines: list[dict[str, Any]] | Streamed = (
            Streamed(lambda: iter_goroutine_records(model, rows, stacks), len(rows)) if streamed
            else goroutine_records(model, rows, stacks))
        return {
            "schema_version": GOROUTINES_SCHEMA,
            "source": source_json(model),
            "span_ns": model.span_ns,
            "goroutines": goroutines,
            "groups": [group_json(model, grp, stacks) for grp in groups],
        }
    finally:
        if paused:
            gc.enable()


def profile_groups_json(groups: list[Any], tables: Tables) -> list[dict[str, Any]]:
    """A debug=1 profile's records (``gotrace.dump.profile``'s groups): count, stack, labels."""
    stacks = Stacks(tables)
    return [{"count": grp.count, "stack": stacks(grp.stack_id), "labels": grp.labels} for grp in groups]


def _diff_row(row: DiffRow, stacks: Stacks) -> dict[str, Any]:
    grp = row.group
    return {
        "status": row.status,
        "before": row.count_before,
        "after": row.count_after,
        "change": row.change,
        "state": grp.state,
        "blocking_site": frame_json(grp.blocking),
        "created_at": frame_json(grp.created_at),
        "stack": stacks(grp.stack),
        "wait_ns_before": row.before.wait.json() if row.before is not None else None,
        "wait_ns_after": row.after.wait.json() if row.after is not None else None,
        "wait_shift_ns": row.wait_shift_ns,
    }


def diff_document(result: DiffResult, old: Model, new: Model) -> dict[str, Any]:
    """``gotrace diff --format json``: every group with its counts, sorted by growth."""
    stacks = Stacks(new.tables)

    def side(model: Model, n: int) -> dict[str, Any]:
        return {**source_json(model), "goroutines": n}

    return {
        "schema_version": DIFF_SCHEMA,
        "old": side(old, result.total_before),
        "new": side(new, result.total_after),
        "change": result.total_after - result.total_before,
        "groups": [_diff_row(r, stacks) for r in result.rows],
    }


def spikes_document(sp: Spikes, top: int | None = None) -> dict[str, Any]:
    """``gotrace spikes --format json`` (the command's help lists the fields)."""
    per_s = 1e9 / sp.window_ns

    def site(s: Site) -> dict[str, Any]:
        f = s.frame
        burst = sp.burst_span(s) if s.burst is not None else None
        return {
            "func": f.func if f else None,
            "file": f.file if f else None,
            "line": f.line if f else None,
            "total": s.total,
            "alive_at_end": s.alive_at_end,
            "end_state": s.end_state,
            "is_spike": s.is_spike,
            "peak": None if s.peak_window < 0 else {
                "start_ns": s.peak_window * sp.window_ns,
                "count": s.peak_count,
                "rate_per_s": s.peak_count * per_s,
            },
            "burst": None if burst is None or s.burst is None else {
                "start_ns": burst[0], "end_ns": burst[1], "count": s.burst.count},
            "baseline_rate_per_s": s.baseline * per_s,
            "callers": [{"stack": [frame_json(x) for x in c.frames], "count": c.count,
                         "share": c.count / s.total} for c in s.callers],
            "series": s.series.tolist(),
        }

    shown = sp.sites if top is None else sp.sites[:top]
    return {
        "schema_version": SPIKES_SCHEMA,
        "window_ns": sp.window_ns,
        "span_ns": sp.span_ns,
        "baseline_rate_per_s": sp.baseline * per_s,
        "sites_total": len(sp.sites),
        "sites": [site(s) for s in shown],
    }


def procs_document(tl: ProcTimeline, t0: int, t1: int) -> dict[str, Any]:
    """``gotrace procs --format json``: every running interval of every P in [t0, t1)."""
    g = tl.model.goroutines
    strings = tl.model.tables.strings
    util = tl.utilisation(t0, t1)
    out_procs = []
    seen: set[int] = set()
    for p in tl.procs:
        r = tl.running(p, t0, t1)
        ids = r.goroutine.tolist()
        seen.update(ids)
        out_procs.append({
            "p": p,
            "busy_ns": tl.busy(p, t0, t1),
            "utilisation": util[p],
            "running": [{"start_ns": s, "end_ns": e, "goroutine": gid}
                        for s, e, gid in zip(r.start.tolist(), r.end.tolist(), ids, strict=True)],
        })
    gs, ge = tl.gc_intervals(t0, t1)
    ss, se, names = tl.stw_intervals(t0, t1)
    rows = [g.row_of(gid) for gid in sorted(seen)]
    return {
        "schema_version": PROCS_SCHEMA,
        "from_ns": t0,
        "to_ns": t1,
        "procs": out_procs,
        "gc": [{"start_ns": s, "end_ns": e} for s, e in zip(gs.tolist(), ge.tolist(), strict=True)],
        "stw": [{"start_ns": s, "end_ns": e, "name": n}
                for s, e, n in zip(ss.tolist(), se.tolist(), names, strict=True)],
        "goroutines": {str(int(g.id[r])): strings[int(g.name[r])] or None for r in rows if r is not None},
    }


def suspect_json(model: Model, s: Suspect, stacks: Stacks, baseline: str | None = None) -> dict[str, Any]:
    grp = s.group
    return {
        "verdict": s.verdict,
        "score": s.score,
        "count": grp.count,
        "state": grp.state,
        "blocking_site": frame_json(grp.blocking),
        "created_at": frame_json(grp.created_at),
        "stack": stacks(grp.stack),
        "wait_ns": None if model.is_profile else grp.wait.json(),  # a profile prints no waits
        "leaked": s.leaked,
        "series": s.series,
        "baseline": baseline,
        "evidence": [e.json() for e in s.evidence],
        "labels": grp.labels,
        # A profile's rows are stack records, not goroutines: it prints no goroutine ids.
        "ids": [] if model.is_profile else model.goroutines.id[grp.rows].tolist(),
    }


def leaks_document(report: LeakReport, baseline: dict[int, str] | None = None,
                   fail_on: str | None = None, failed: bool = False) -> dict[str, Any]:
    """``gotrace leaks --format json``: every suspect, most certain first, with its evidence.

    ``baseline`` maps a suspect's index to ``new``, ``grown`` or ``known`` when
    ``--baseline`` was given.
    """
    model = report.model
    stacks = Stacks(model.tables)
    counts = {v: 0 for v in VERDICTS}
    for s in report.suspects:
        counts[s.verdict] += 1
    return {
        "schema_version": LEAKS_SCHEMA,
        "inputs": [{**source_json(m), "span_ns": m.span_ns, "goroutines": m.goroutines.count()}
                   for m in report.models],
        "notes": report.notes,
        "verdicts": counts,
        "fail_on": fail_on,
        "failed": failed,
        "suspects": [suspect_json(model, s, stacks, None if baseline is None else baseline.get(i))
                     for i, s in enumerate(report.suspects)],
    }
