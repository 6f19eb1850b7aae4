"""The model's tables as Apache Arrow tables and Parquet files, for DuckDB, pandas and polars.

``gotrace export FILE --to parquet -o DIR`` writes, one file each:

* ``goroutines.parquet``: one row per goroutine (per record with ``count`` > 1
  for a debug=1 profile): state, wait, creation and end times, creation site,
  blocking site, time totals, labels;
* ``intervals.parquet`` (traces): every state interval with its P and the
  site it began at; written in row groups of ``BATCH`` so a trace with tens of
  millions of intervals never holds them all as Arrow arrays at once;
* ``groups.parquet``: the ``gotrace goroutines`` groups (state x blocking site
  x creation site);
* ``spikes.parquet`` (traces): the ``gotrace spikes`` creation sites;
* ``suspects.parquet``: the ``gotrace leaks`` verdicts with their evidence.

Times are ns since the trace's first event; null means unknown or never (the
model's NONE). A site is three columns, ``<prefix>_func``, ``_file`` and
``_line``, null when there is none. Strings repeat heavily (a few thousand
functions for millions of rows), so they are dictionary-encoded straight from
the model's interned ids: nothing is built per row in Python except labels.
``gotrace scan`` reuses the groups, spikes and suspects tables per file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.parquet as pq

from ..analysis.grouping import Dist, Group, group_rows, naming_frame_per_stack, top_frame_per_stack
from ..analysis.leaks import find_leaks
from ..analysis.selection import state_label_index
from ..analysis.spikes import Spikes, creation_spikes
from ..model import NONE, Model, state_name
from ..tables import Frame, Tables

BATCH = 1 << 20
TABLES = ("goroutines", "intervals", "groups", "spikes", "suspects")

EVIDENCE = pa.list_(pa.struct([("kind", pa.string()), ("points", pa.int32()), ("text", pa.string())]))


def _nullable(values: npt.ArrayLike) -> pa.Array:
    """An int64 column where the model's NONE becomes null."""
    a = np.asarray(values, np.int64)
    return pa.array(a, pa.int64(), mask=a == NONE)


def _dictionary(ids: npt.NDArray[np.integer], values: list[str], null_id: int | None = None) -> pa.Array:
    """Dictionary-encoded strings from interned ids (only the values used are kept)."""
    uniq, inv = np.unique(np.asarray(ids), return_inverse=True)
    indices = pa.array(inv.reshape(-1).astype(np.int32),
                       mask=None if null_id is None else np.asarray(ids) == null_id)
    return pa.DictionaryArray.from_arrays(indices, pa.array([values[int(u)] for u in uniq], pa.string()))


def _frame_columns(prefix: str, frame_ids: npt.NDArray[np.integer], tables: Tables) -> dict[str, pa.Array]:
    """``prefix_func``, ``prefix_file``, ``prefix_line`` of frame ids (0 = none, null)."""
    ids = np.asarray(frame_ids, np.int64)
    uniq, inv = np.unique(ids, return_inverse=True)
    inv = inv.reshape(-1)
    frames = [tables.frames[int(f)] for f in uniq]
    none = ids == 0
    funcs = pa.array([f.func for f in frames], pa.string())
    files = pa.array([f.file for f in frames], pa.string())
    lines = np.array([f.line for f in frames], np.int32)
    idx = pa.array(inv.astype(np.int32), mask=none)
    return {
        f"{prefix}_func": pa.DictionaryArray.from_arrays(idx, funcs),
        f"{prefix}_file": pa.DictionaryArray.from_arrays(idx, files),
        f"{prefix}_line": pa.array(lines[inv] if len(inv) else np.zeros(0, np.int32), pa.int32(), mask=none),
    }


def _site(prefix: str, frames: list[Frame | None]) -> dict[str, pa.Array]:
    """The three site columns from a (short) list of frames."""
    return {
        f"{prefix}_func": pa.array([f.func if f else None for f in frames], pa.string()),
        f"{prefix}_file": pa.array([f.file if f else None for f in frames], pa.string()),
        f"{prefix}_line": pa.array([f.line if f else None for f in frames], pa.int32()),
    }


def _labels_column(model: Model) -> pa.Array:
    """Each row's pprof labels (dumps); empty maps for a trace, which records none."""
    n = len(model.goroutines)
    if model.extras is None:
        return pa.array([[]] * n, pa.map_(pa.string(), pa.string()))
    return pa.array([list(x.g.labels.items()) for x in model.extras], pa.map_(pa.string(), pa.string()))


def goroutines_table(model: Model) -> pa.Table:
    g = model.goroutines
    t = model.tables
    labels, state_idx = state_label_index(model)
    block_total = np.bincount(g.block_row, weights=g.block_ns, minlength=len(g)).astype(np.int64)
    inferred = g.reason_inferred if len(g.reason_inferred) else np.zeros(len(g), bool)
    cols: dict[str, pa.Array] = {
        "id": pa.array(g.id, pa.int64()),
        "count": pa.array(g.weights(), pa.int64()),
        "start_func": _dictionary(g.name, t.strings, null_id=0),
        "state": pa.DictionaryArray.from_arrays(pa.array(state_idx.astype(np.int32)), pa.array(labels)),
        "state_inferred": pa.array(inferred, pa.bool_()),
        "wait_ns": _nullable(g.wait_ns),
        "first_ns": _nullable(g.first_ns),
        "created_ns": _nullable(g.created_ns),
        "start_ns": _nullable(g.start_ns),
        "ended_ns": _nullable(g.ended_ns),
        "creator": _nullable(g.creator),
        **_frame_columns("created", top_frame_per_stack(t)[g.creation_stack], t),
        **_frame_columns("blocking", naming_frame_per_stack(t)[g.last_stack], t),
        **_frame_columns("leaf", top_frame_per_stack(t)[g.last_stack], t),
    }
    trace_only = {"exec_ns": g.exec_ns, "sched_wait_ns": g.sched_wait_ns, "syscall_ns": g.syscall_ns,
                  "block_ns": block_total}
    for name, values in trace_only.items():
        cols[name] = pa.array(values, pa.int64(), mask=np.full(len(g), not model.is_trace))
    cols["labels"] = _labels_column(model)
    return pa.table(cols)


def interval_batches(model: Model, batch: int = BATCH) -> Iterator[pa.Table]:
    """The intervals table, ``batch`` rows at a time (nothing for a dump)."""
    iv = model.intervals
    if iv is None:
        return
    g = model.goroutines
    t = model.tables
    naming = naming_frame_per_stack(t)
    for lo in range(0, len(iv), batch):
        sl = slice(lo, lo + batch)
        state = iv.state[sl].astype(np.int64) << 32 | iv.reason[sl].astype(np.int64)
        uniq, inv = np.unique(state, return_inverse=True)
        names = [state_name(int(k >> 32), t.strings[int(k & 0xFFFFFFFF)]) for k in uniq.tolist()]
        yield pa.table({
            "goroutine": pa.array(g.id[iv.row[sl]], pa.int64()),
            "start_ns": pa.array(iv.start[sl], pa.int64()),
            "end_ns": pa.array(iv.end[sl], pa.int64()),
            "state": pa.DictionaryArray.from_arrays(pa.array(inv.reshape(-1).astype(np.int32)),
                                                    pa.array(names)),
            "p": pa.array(iv.p[sl], pa.int32(), mask=iv.p[sl] < 0),
            **_frame_columns("at", naming[iv.stack[sl]], t),
        })


def _dist(prefix: str, dists: list[Dist | None]) -> dict[str, pa.Array]:
    return {f"{prefix}_{q}": pa.array([getattr(d, q) if d else None for d in dists], pa.int64())
            for q in ("min", "p50", "p99", "max")}


def groups_table(model: Model, groups: list[Group] | None = None) -> pa.Table:
    """``gotrace goroutines``' groups of every goroutine, largest first (``group`` is the rank)."""
    if groups is None:
        groups = group_rows(model, np.arange(len(model.goroutines)))
    t = model.tables
    return pa.table({
        "group": pa.array(range(len(groups)), pa.int32()),
        "count": pa.array([x.count for x in groups], pa.int64()),
        "state": pa.array([x.state for x in groups], pa.string()),
        **_site("blocking", [x.blocking for x in groups]),
        **_site("created", [x.created_at for x in groups]),
        "creator": pa.array([x.creator for x in groups], pa.int64()),
        **_dist("wait_ns", [x.wait for x in groups]),
        **_dist("exec_ns", [x.exec for x in groups]),
        **_dist("block_ns", [x.block for x in groups]),
        "states": pa.array([list(x.states.items()) for x in groups], pa.map_(pa.string(), pa.int64())),
        "labels": pa.array([list(x.labels.items()) for x in groups],
                           pa.map_(pa.string(), pa.list_(pa.string()))),
        "stack": pa.array([[f.func for f in t.stack_frames(x.stack)] for x in groups],
                          pa.list_(pa.string())),
    })


def spikes_table(sp: Spikes) -> pa.Table:
    """``gotrace spikes``' sites, ranked (``rank`` 0 is the one to look at)."""
    per_s = 1e9 / sp.window_ns
    sites = sp.sites
    bursts = [sp.burst_span(s) if s.burst is not None else None for s in sites]
    return pa.table({
        "rank": pa.array(range(len(sites)), pa.int32()),
        **_site("site", [s.frame for s in sites]),
        "total": pa.array([s.total for s in sites], pa.int64()),
        "alive_at_end": pa.array([s.alive_at_end for s in sites], pa.int64()),
        "end_state": pa.array([s.end_state for s in sites], pa.string()),
        "is_spike": pa.array([s.is_spike for s in sites], pa.bool_()),
        "peak_start_ns": pa.array([s.peak_window * sp.window_ns if s.peak_window >= 0 else None
                                   for s in sites], pa.int64()),
        "peak_count": pa.array([s.peak_count for s in sites], pa.int64()),
        "peak_rate_per_s": pa.array([s.peak_count * per_s for s in sites], pa.float64()),
        "burst_start_ns": pa.array([b[0] if b else None for b in bursts], pa.int64()),
        "burst_end_ns": pa.array([b[1] if b else None for b in bursts], pa.int64()),
        "burst_count": pa.array([s.burst.count if s.burst else None for s in sites], pa.int64()),
        "baseline_rate_per_s": pa.array([s.baseline * per_s for s in sites], pa.float64()),
        "window_ns": pa.array([sp.window_ns] * len(sites), pa.int64()),
    })


def suspects_table(model: Model) -> pa.Table:
    """``gotrace leaks``' suspects of this one input, most certain first."""
    suspects = find_leaks([model]).suspects
    return pa.table({
        "rank": pa.array(range(len(suspects)), pa.int32()),
        "verdict": pa.array([s.verdict for s in suspects], pa.string()),
        "score": pa.array([s.score for s in suspects], pa.int32()),
        "count": pa.array([s.group.count for s in suspects], pa.int64()),
        "state": pa.array([s.group.state for s in suspects], pa.string()),
        **_site("blocking", [s.group.blocking for s in suspects]),
        **_site("created", [s.group.created_at for s in suspects]),
        "leaked": pa.array([s.leaked for s in suspects], pa.int64()),
        "wait_max_ns": pa.array([s.group.wait.max for s in suspects], pa.int64()),
        "evidence": pa.array([[e.json() for e in s.evidence] for s in suspects], EVIDENCE),
    })


def model_spikes(model: Model) -> Spikes | None:
    """The trace's creation spikes; None for a dump or a trace spanning no time."""
    if not model.is_trace or not model.span_ns:
        return None
    return creation_spikes(model)


def write_parquet(model: Model, out: Path) -> dict[str, int]:
    """Write every table that applies into the folder ``out``; returns rows per file written."""
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}

    def put(name: str, table: pa.Table) -> None:
        pq.write_table(table, out / f"{name}.parquet")
        written[name] = table.num_rows

    put("goroutines", goroutines_table(model))
    if model.intervals is not None:
        path = out / "intervals.parquet"
        rows = 0
        writer: pq.ParquetWriter | None = None
        for table in interval_batches(model):
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table)
            rows += table.num_rows
        if writer is not None:
            writer.close()
        written["intervals"] = rows
    put("groups", groups_table(model))
    sp = model_spikes(model)
    if sp is not None:
        put("spikes", spikes_table(sp))
    put("suspects", suspects_table(model))
    return written
