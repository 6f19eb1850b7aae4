"""Build the lifecycle model from a trace's ordered event stream.

The numbers must agree with Go's own summarizer (``internal/trace/summary.go``),
so its rules are reproduced here, quirks included:

* a goroutine first seen in an undetermined state (it existed before the trace
  or before this generation) is accounted from the last sync point processed
  (Go's ``syncTs``: the last one in the stream, not the last one by time), not
  from the event that named it;
* a transition to the same state is ignored;
* waiting with reason "forever" ends the goroutine, like exiting;
* a syscall whose P went idle splits into syscall time and syscall-block time;
  a syscall still open at the end counts whole as syscall time and its blocked
  part also as scheduling wait (Go does that; we match it).

Here the algorithm is stated with numpy: goroutine transitions are gathered in
columns, stably sorted by goroutine, and each transition opens the interval that
the next one closes. Only syscall accounting, which depends on P transitions
interleaved in time, is a sequential loop, over the few events that concern it.

That statement holds every transition at once and needs a dozen full-length
temporaries, so by default its C twin (_summary.c) does the goroutine part the
way Go's summarizer does, streaming: one row of facts a goroutine, each
transition closing the open interval, the intervals kept only when asked for
(``intervals``) and sorted only when fetched (:func:`start_trace_model`).
``NATIVE`` says which runs, and tests/model/test_from_trace_native.py keeps the
two identical.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from .. import accel
from ..accel import frombuffer
from ..memory import trim
from ..tables import Tables
from ..trace.ahead import read_ahead
from ..trace.events import EventChunk, GoState, Kind, ProcState, ResourceKind, TraceInfo
from . import spill as spill_files
from .core import NONE, Goroutines, Intervals, Model, ProcIntervals, Ranges, Source, Wakes
from .infer import infer_reasons

if TYPE_CHECKING:
    from . import _summary as _native
else:
    _native = accel.load("gotrace.model._summary")
NATIVE: bool = _native is not None
"""True when the C twin (gotrace.model._summary) is built and not disabled by
GOTRACE_PURE_PYTHON=1; both paths build identical models."""

_GO_COLS = ("time", "res", "frm", "to", "name", "p", "g", "stack", "tstack", "sync")
_SYS_COLS = ("time", "res", "frm", "to", "p", "seq")
_PROC_COLS = ("time", "res", "frm", "to", "seq")
_RANGE_COLS = ("time", "kind", "name", "res_kind", "res", "seq")
_I32 = np.iinfo(np.int32)


def _narrow(a: np.ndarray) -> np.ndarray:
    """An id column as int32 when its values allow (they nearly always do): half the memory."""
    if len(a) == 0 or (int(a.min()) >= _I32.min and int(a.max()) <= _I32.max):
        return a.astype(np.int32)
    return a


class _Collector:
    """Keeps the events the model needs from each chunk, in narrow columns, dropping the rest.

    Goroutine transitions are most of a trace, so they are kept without their
    stream position; only the few that syscall accounting replays (syscall
    transitions, Ps going idle) keep it, in their own small columns.
    """

    def __init__(self) -> None:
        self.go: dict[str, list[np.ndarray]] = {c: [] for c in _GO_COLS}
        self.sys: dict[str, list[np.ndarray]] = {c: [] for c in _SYS_COLS}
        self.proc: dict[str, list[np.ndarray]] = {c: [] for c in _PROC_COLS}
        self.rng: dict[str, list[np.ndarray]] = {c: [] for c in _RANGE_COLS}
        self.syncs: list[np.ndarray] = []
        self.proc_ids: set[int] = set()
        self.first: int | None = None
        self.last = 0
        self.seen = 0
        self.sync = 0  # the last sync so far (Go's syncTs): the first event's time before one

    def add(self, c: EventChunk) -> None:
        n = len(c)
        if n == 0:
            return
        if self.first is None:
            self.first = self.sync = int(c.time[0])
        self.last = int(c.time[-1])
        seq = np.arange(self.seen, self.seen + n, dtype=np.int64)
        self.seen += n
        kind = c.kind
        is_sync = kind == Kind.SYNC
        sync_times = c.time[is_sync]
        self.syncs.append(sync_times)
        # The sync in effect at each event, in stream order (Go's syncTs).
        last_sync = np.cumsum(is_sync) - 1
        sync = np.where(last_sync >= 0, sync_times[np.maximum(last_sync, 0)] if len(sync_times)
                        else 0, self.sync)
        if len(sync_times):
            self.sync = int(sync_times[-1])
        st = kind == Kind.STATE_TRANSITION
        trans = st & (c.frm != c.to)
        go = np.flatnonzero(trans & (c.res_kind == ResourceKind.GOROUTINE))
        cols: dict[str, np.ndarray] = {
            "time": c.time, "res": c.res, "frm": c.frm, "to": c.to, "name": c.name, "p": c.p,
            "g": c.g, "stack": c.stack, "tstack": c.tstack, "seq": seq, "kind": kind,
            "res_kind": c.res_kind, "sync": sync,
        }  # fmt: skip
        narrow = {"res", "p", "g"}
        for k in _GO_COLS:
            v = cols[k][go]
            self.go[k].append(_narrow(v) if k in narrow else v)
        frm, to = c.frm[go], c.to[go]
        sysc = go[(frm == GoState.SYSCALL) | (to == GoState.SYSCALL)]
        for k in _SYS_COLS:
            self.sys[k].append(cols[k][sysc])
        is_proc = st & (c.res_kind == ResourceKind.PROC)
        self.proc_ids.update(np.unique(c.res[is_proc]).tolist())
        pr = trans & is_proc
        for k in _PROC_COLS:
            self.proc[k].append(cols[k][pr])
        rg = (kind >= Kind.RANGE_BEGIN) & (kind <= Kind.RANGE_END)
        for k in _RANGE_COLS:
            self.rng[k].append(cols[k][rg])


def _cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
    """Concatenate a column's parts, emptying the list so they are freed as we go."""
    out = np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
    parts.clear()
    return out


@dataclass(slots=True)
class _Side:
    """Everything the model needs besides goroutine transitions, as whole-trace columns."""

    first: int
    last: int
    syncs: np.ndarray  # sync times, starting with the first event's time
    sys: dict[str, np.ndarray]
    proc: dict[str, np.ndarray]
    rng: dict[str, np.ndarray]
    proc_ids: list[int]


def _side(col: _Collector) -> _Side:
    first = col.first if col.first is not None else 0
    return _Side(
        first=first,
        last=col.last,
        syncs=_with_first(_cat(col.syncs, np.int64), first),
        sys={k: _cat(v, np.int64) for k, v in col.sys.items()},
        proc={k: _cat(v, np.int64) for k, v in col.proc.items()},
        rng={k: _cat(v, np.int64) for k, v in col.rng.items()},
        proc_ids=sorted(col.proc_ids),
    )


def _with_first(syncs: np.ndarray, first: int) -> np.ndarray:
    """Go accounts undetermined goroutines from the trace's start if no sync precedes them."""
    if len(syncs) == 0 or syncs[0] != first:
        syncs = np.concatenate([np.array([first], np.int64), syncs])
    return syncs


def build_trace_model(
    chunks: Iterable[EventChunk], info: TraceInfo, tables: Tables, path: str, *,
    intervals: bool = True, spill: Path | None = None,
) -> Model:
    """The model of an ordered event stream; ``intervals=False`` leaves out the interval
    table (``model.intervals`` is None), which is most of a big trace's memory and only
    the per-P timelines, a goroutine's story and the exports read; ``spill`` (a
    directory) keeps it in files there rather than in memory (:mod:`.spill`)."""
    model, rest = start_trace_model(chunks, info, tables, path, intervals=intervals, spill=spill)
    if rest is not None:
        model.intervals = rest()
    return model


IntervalsLater = Callable[[], Intervals]
"""Sorts and returns a model's interval table (once)."""


def start_trace_model(
    chunks: Iterable[EventChunk], info: TraceInfo, tables: Tables, path: str, *,
    intervals: bool = True, spill: Path | None = None,
) -> tuple[Model, IntervalsLater | None]:
    """The model without its interval table, and with ``intervals`` the call that sorts
    and returns it: the viewer shows the goroutines while the intervals are sorted.
    ``spill``: the table goes to files in that directory, never whole in memory."""
    rest: IntervalsLater | None
    if NATIVE:
        with spill_files.writing(spill):
            gor, rest, side, wakes = _native_goroutines(chunks, tables, intervals, spill)
    else:
        col = _Collector()
        for chunk in chunks:
            col.add(chunk)
        side = _side(col)
        gor, ivl, wakes = _goroutines(col.go, side, tables)
        def saved(spill: Path) -> Intervals:
            with spill_files.writing(spill):
                return spill_files.saved(ivl, spill)

        rest = None if not intervals else (lambda: ivl) if spill is None else partial(saved, spill)
    _add_syscalls(gor, side)
    infer_reasons(gor, tables)
    model = Model(
        source=Source(path=path, kind="trace", format=info.header),
        tables=tables,
        goroutines=gor,
        span_ns=side.last - side.first,
        procs=_procs(side.proc, side.syncs, side.first, side.last),
        ranges=_ranges(side.rng, side.first, side.last),
        wakes=wakes,
        info=info,
        proc_ids=side.proc_ids,
    )
    model.notices.extend(d.message for d in info.damage)
    trim()  # and what making the columns left: ~95 MB of the 119 MB trace's 500 MB after its load
    return model, rest


def start_intervals(
    chunks: Iterable[EventChunk], info: TraceInfo, tables: Tables, spill: Path
) -> tuple[npt.NDArray[np.int64], IntervalsLater]:
    """The goroutine ids of an ordered event stream (ascending, as a model's rows) and the
    call that sorts its interval table into files in ``spill``: the viewer's second read
    of a trace whose model it has (:func:`gotrace.load.intervals_again`). The C summary
    then keeps only what the intervals need, about a quarter of a goroutine's row (the
    read's private peak: 252 MiB on a 111 MB trace, where a whole read's was 494-530); the
    pure-Python one builds the whole model."""
    if not NATIVE:
        model, rest = start_trace_model(chunks, info, tables, "", spill=spill)
        assert rest is not None
        return model.goroutines.id, rest
    with spill_files.writing(spill):
        col, scratch = _summarized(chunks, tables, True, spill, summary=False)
        assert scratch is not None
        ids = frombuffer(col.ids(), np.int64)
    return ids, partial(_sorted_into_files, col, scratch, spill)


def _summarized(chunks: Iterable[EventChunk], tables: Tables, intervals: bool, spill: Path | None,
                summary: bool = True) -> tuple[Any, tuple[IO[bytes], IO[bytes]] | None]:
    """A C collector (see _summary.c) that has taken in every chunk, and its scratch files
    when it spills its intervals (``intervals`` and ``spill``)."""
    assert _native is not None
    scratch = spill_files.scratch(spill) if intervals and spill is not None else None
    col = _native.Collector(intervals=intervals, summary=summary,
                            spill=None if scratch is None else (scratch[0].fileno(), scratch[1].fileno()))
    named = _Named(tables)
    string_ids = tables.string_id
    with closing(read_ahead(chunks)) as ahead:  # the next generation is read while this one is summarized
        for c in ahead:
            forever = string_ids("forever")
            col.add(c.time, c.kind, c.res_kind, c.res, c.frm, c.to, c.name, c.p, c.g, c.stack,
                    c.tstack, -1 if forever is None else forever, named.update())
    trim()  # what the chunks' columns left in the heap, before the model's columns are made
    return col, scratch


def _sorted_into_files(col: Any, scratch: tuple[IO[bytes], IO[bytes]], spill: Path) -> Intervals:
    """The interval table of collector ``col``, which spilled it to ``scratch``, sorted into
    files in ``spill`` and mapped from them."""
    with spill_files.writing(spill):
        where, files = spill_files.create(spill, _NATIVE_IVL, *col.counts())
        try:
            col.intervals([(f.fileno(), at) for f, at in files])
        finally:
            for f in (*scratch, *(f for f, _ in files)):
                f.close()
        return spill_files.mapped(where)


_NATIVE_COLS: tuple[tuple[str, Any], ...] = (
    ("id", np.int64), ("name", np.int32), ("state", np.uint8), ("reason", np.int32),
    ("wait_ns", np.int64), ("first_ns", np.int64),
    ("created_ns", np.int64), ("start_ns", np.int64), ("ended_ns", np.int64),
    ("creator", np.int64), ("creation_stack", np.int32), ("start_stack", np.int32),
    ("last_stack", np.int32), ("exec_ns", np.int64), ("sched_wait_ns", np.int64),
    ("block_row", np.int32), ("block_reason", np.int32), ("block_ns", np.int64),
)
_NATIVE_WAKES: tuple[tuple[str, Any], ...] = (("stack", np.int32), ("count", np.int64), ("last_ns", np.int64))
_NATIVE_IVL: tuple[tuple[str, Any], ...] = (
    ("row", np.int32), ("start", np.int64), ("end", np.int64), ("state", np.uint8),
    ("reason", np.int32), ("p", np.int32), ("stack", np.int32), ("starts", np.int64),
)


class _Named:
    """By stack id, 1 when the stack's root frame names a function (Go names a goroutine
    by the first such transition stack), kept up to date as the reader interns stacks so
    the streaming C summary can decide a goroutine's name on the way."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.flags = bytearray()

    def update(self) -> bytearray:
        stacks, frames = self.tables.stacks, self.tables.frames
        for sid in range(len(self.flags), len(stacks)):
            ids = stacks[sid]
            self.flags.append(1 if ids and frames[ids[-1]].func != "" else 0)
        return self.flags


def _native_goroutines(
    chunks: Iterable[EventChunk], tables: Tables, intervals: bool, spill: Path | None
) -> tuple[Goroutines, IntervalsLater | None, _Side, Wakes]:
    """The C twin of _Collector and _goroutines (see _summary.c)."""
    assert _native is not None
    col, scratch = _summarized(chunks, tables, intervals, spill)
    first, last, seen, syncs, sysc, proc, rng, proc_ids, used = col.side()

    def cols(names: tuple[str, ...], bufs: tuple[_native.Buf, ...], types: tuple[Any, ...]
             ) -> dict[str, np.ndarray]:
        # The Python collector's empty columns are int64 when no chunk had events.
        return {k: frombuffer(b, t if seen else np.int64)
                for k, b, t in zip(names, bufs, types, strict=True)}

    side = _Side(
        first=first,
        last=last,
        syncs=_with_first(frombuffer(syncs, np.int64), first),
        sys=cols(_SYS_COLS, sysc, (np.int64, np.int64, np.uint8, np.uint8, np.int64, np.int64)),
        proc=cols(_PROC_COLS, proc, (np.int64, np.int64, np.uint8, np.uint8, np.int64)),
        rng=cols(_RANGE_COLS, rng, (np.int64, np.uint8, np.int32, np.uint8, np.int64, np.int64)),
        proc_ids=sorted(frombuffer(proc_ids, np.int64).tolist()),
    )
    tables.string("forever")  # interned before the root names, as _goroutines does
    names = _root_names(frombuffer(used, np.int32), tables)
    out = col.goroutines(names)
    nw = len(_NATIVE_WAKES)
    g: dict[str, Any] = {k: frombuffer(b, t) for (k, t), b in zip(_NATIVE_COLS, out[:-nw], strict=True)}
    wakes = Wakes(**{k: frombuffer(b, t) for (k, t), b in zip(_NATIVE_WAKES, out[-nw:], strict=True)})
    nrows = len(g["id"])
    gor = Goroutines(
        **g,
        syscall_ns=np.zeros(nrows, np.int64),
        reason_inferred=np.zeros(nrows, bool),
    )

    def rest() -> Intervals:
        if scratch is None:
            return Intervals(**{k: frombuffer(b, t)
                                for (k, t), b in zip(_NATIVE_IVL, col.intervals(), strict=True)})
        assert spill is not None
        return _sorted_into_files(col, scratch, spill)

    return gor, rest if intervals else None, side, wakes


def _sync_before(times: np.ndarray, syncs: np.ndarray) -> np.ndarray:
    """Time of the last sync at or before each time (Go's syncTs)."""
    idx = np.searchsorted(syncs, times, side="right") - 1
    return syncs[np.maximum(idx, 0)]


def _take(parts: list[np.ndarray], order: np.ndarray, dtype: type) -> np.ndarray:
    """One column in goroutine order; its unsorted parts are freed on the way."""
    return _cat(parts, dtype)[order].astype(dtype, copy=False)


def _goroutines(
    go: dict[str, list[np.ndarray]], side: _Side, tables: Tables
) -> tuple[Goroutines, Intervals, Wakes]:
    """Per-goroutine facts, intervals and wakes; syscall times are added by _add_syscalls."""
    first, last = side.first, side.last
    res = _cat(go["res"], np.int64)
    order = np.argsort(res, kind="stable")
    g = res[order]
    del res
    t = _take(go["time"], order, np.int64)
    frm = _take(go["frm"], order, np.uint8)
    to = _take(go["to"], order, np.uint8)
    reason = _take(go["name"], order, np.int32)
    evp = _take(go["p"], order, np.int32)
    tstack = _take(go["tstack"], order, np.int32)
    sync = _take(go["sync"], order, np.int64)
    n = len(g)

    # g is sorted: each run of one id is a row.
    new_row = np.ones(n, bool)
    np.not_equal(g[1:], g[:-1], out=new_row[1:])
    row_first = np.flatnonzero(new_row)
    ids = g[row_first].astype(np.int64)
    nrows = len(ids)
    row_of = (np.cumsum(new_row, dtype=np.int32) - 1) if n else np.zeros(0, np.int32)
    row_last = np.append(row_first[1:], n)[:nrows] - 1  # none when there are no rows

    # A transition out of NotExist/Undetermined starts a fresh summary in Go;
    # only each row's last such segment counts. Nearly always that is the row's
    # first transition, so the few earlier segments are cleared row by row.
    undetermined = frm == GoState.UNDETERMINED
    resets = np.flatnonzero(undetermined | (frm == GoState.NOT_EXIST))
    seg_start = row_first.copy()
    rows = row_of[resets]
    row_end = np.ones(len(resets), bool)
    np.not_equal(rows[1:], rows[:-1], out=row_end[:-1])
    seg_start[rows[row_end]] = resets[row_end]
    keep = np.ones(n, bool)
    for r in np.flatnonzero(seg_start != row_first).tolist():
        keep[row_first[r]:seg_start[r]] = False
    # The creating goroutine and the `go` statement's stack matter only where a
    # row's segment starts: gathered there, never sorted whole.
    at = order[seg_start]
    del order
    seg_g = _cat(go["g"], np.int64)[at].astype(np.int64)
    seg_stack = _cat(go["stack"], np.int32)[at].astype(np.int32)

    # Interval opened by each transition; an undetermined goroutine's from the sync
    # in effect when it was seen.
    start = t.copy()
    und = np.flatnonzero(undetermined)
    start[und] = sync[und]
    del sync
    # ...and closed by the same goroutine's next transition, else by the end.
    end = np.empty(n, np.int64)
    end[:-1] = t[1:]
    end[row_last] = last
    del g
    forever_id = tables.string("forever")
    forever = (to == GoState.WAITING) & (reason == forever_id)
    terminal = (to == GoState.NOT_EXIST) | forever
    wakes = _wakes(t, to, forever, tstack, new_row, row_of, row_first, first)
    dur = end - start
    dur[terminal] = 0

    counted = keep & ~terminal
    exec_ns = _per_row(counted & (to == GoState.RUNNING), dur, row_first)
    sched_ns = _per_row(counted & (to == GoState.RUNNABLE), dur, row_first)

    # Block time by (row, reason), sparse.
    bmask = counted & (to == GoState.WAITING)
    key = row_of[bmask].astype(np.int64) * (len(tables.strings) + 1) + reason[bmask]
    # Summed in int64, exactly (as the C twin does), not through bincount's floats,
    # which round once a total passes 2^53 ns.
    korder = np.argsort(key, kind="stable")
    key = key[korder]
    new_key = np.ones(len(key), bool)
    np.not_equal(key[1:], key[:-1], out=new_key[1:])
    first_of_key = np.flatnonzero(new_key)
    ukey = key[first_of_key]
    bsum = np.add.reduceat(dur[bmask][korder], first_of_key) if len(ukey) else ukey
    block_row = (ukey // (len(tables.strings) + 1)).astype(np.int32)
    block_reason = (ukey % (len(tables.strings) + 1)).astype(np.int32)

    # Per-row facts from the last segment.
    s0 = seg_start
    from_notexist = frm[s0] == GoState.NOT_EXIST if n else np.zeros(0, bool)
    created = np.where(from_notexist, t[s0] - first, NONE)
    creator = np.where(from_notexist, seg_g, NONE)
    creation_stack = np.where(from_notexist, seg_stack, 0).astype(np.int32)
    first_ns = start[s0] - first

    running_in = keep & (to == GoState.RUNNING)
    start_ns = _first_per_row(running_in, row_of, t, nrows)
    start_ns[start_ns != NONE] -= first
    ended_ns = _last_per_row(keep & terminal, row_of, t, nrows)
    ended_ns[ended_ns != NONE] -= first
    # Go names a goroutine by the root function of the first transition stack
    # whose root function is not empty.
    root = _root_names(np.flatnonzero(np.bincount(tstack, minlength=len(tables.stacks))),
                       tables)[tstack]
    names = _first_per_row(keep & (root != 0), row_of, root, nrows)
    names = np.where(names == NONE, 0, names).astype(np.int32)
    start_stack = np.where(from_notexist, tstack[s0], 0).astype(np.int32)
    last_stack = _last_per_row(tstack != 0, row_of, tstack, nrows)
    last_stack = np.where(last_stack == NONE, 0, last_stack).astype(np.int32)

    state = to[row_last] if n else np.zeros(0, np.uint8)
    state = np.where(forever[row_last], GoState.WAITING, state).astype(np.uint8) if n else state
    fin_reason = np.where(state == GoState.WAITING, reason[row_last], 0).astype(np.int32)
    since = start[row_last] if n else np.zeros(0, np.int64)  # entered the final state
    alive = state != GoState.NOT_EXIST
    wait_ns = np.where(alive, last - since, NONE)

    gor = Goroutines(
        id=ids,
        name=names,
        state=state,
        reason=fin_reason,
        wait_ns=wait_ns.astype(np.int64),
        first_ns=first_ns.astype(np.int64),
        created_ns=created.astype(np.int64),
        start_ns=start_ns,
        ended_ns=ended_ns,
        creator=creator.astype(np.int64),
        creation_stack=creation_stack,
        start_stack=start_stack,
        last_stack=last_stack,
        exec_ns=exec_ns,
        sched_wait_ns=sched_ns,
        syscall_ns=np.zeros(nrows, np.int64),
        block_row=block_row,
        block_reason=block_reason,
        block_ns=bsum,
        reason_inferred=np.zeros(nrows, bool),
    )
    # Intervals: every transition opens one, so the sorted transition columns are
    # the table, rewritten in place rather than copied (they are most of the
    # model's memory). An exit is a zero-length NOT_EXIST interval marking the end.
    exits = terminal & ~forever
    del terminal, forever, dur, keep, new_row
    end[exits] = start[exits]
    start -= first
    end -= first
    reason[to != GoState.WAITING] = 0
    evp[to != GoState.RUNNING] = NONE
    ivl = Intervals(
        row=row_of, start=start, end=end, state=to, reason=reason, p=evp, stack=tstack,
        starts=np.append(row_first, n).astype(np.int64),
    )
    return gor, ivl, wakes


def _wakes(t: np.ndarray, to: np.ndarray, forever: np.ndarray, tstack: np.ndarray,
           new_row: np.ndarray, row_of: np.ndarray, row_first: np.ndarray, first: int) -> Wakes:
    """Per stack, the wakes of goroutines waiting there (model.core.Wakes).

    Transition i wakes its row when the row's previous transition made it wait (not
    forever) and i makes it runnable or running; where it waited is the row's last
    non-zero transition stack before i, as the C twin keeps it.
    """
    n = len(t)
    if n < 2:
        return Wakes(np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.int64))
    prev_waits = (to[:-1] == GoState.WAITING) & ~forever[:-1] & ~new_row[1:]
    woken = (to[1:] == GoState.RUNNABLE) | (to[1:] == GoState.RUNNING)
    at = np.flatnonzero(prev_waits & woken) + 1
    # The last non-zero stack at or before each transition, within its row.
    last_nz = np.maximum.accumulate(np.where(tstack != 0, np.arange(n), -1))[at - 1]
    stack = np.where(last_nz >= row_first[row_of[at]], tstack[np.maximum(last_nz, 0)], 0)
    keep = stack != 0
    stack, when = stack[keep].astype(np.int32), t[at][keep]
    order = np.lexsort((when, stack))
    stack, when = stack[order], when[order]
    ends = np.flatnonzero(np.append(stack[1:] != stack[:-1], True)) if len(stack) else np.zeros(0, np.int64)
    starts = np.append(0, ends[:-1] + 1) if len(ends) else ends
    return Wakes(stack=stack[ends].astype(np.int32), count=(ends - starts + 1).astype(np.int64),
                 last_ns=(when[ends] - first).astype(np.int64))


def _per_row(mask: np.ndarray, dur: np.ndarray, row_first: np.ndarray) -> np.ndarray:
    """Exact int64 sum of ``dur`` over each row's masked elements (rows are contiguous)."""
    if len(row_first) == 0:
        return np.zeros(0, np.int64)
    return np.add.reduceat(np.where(mask, dur, 0), row_first)


def _first_per_row(mask: np.ndarray, row_of: np.ndarray, vals: np.ndarray, nrows: int) -> np.ndarray:
    """Per row, ``vals`` at its first masked element (NONE if none); ``row_of`` is sorted."""
    out = np.full(nrows, NONE, np.int64)
    at = np.flatnonzero(mask)
    rows = row_of[at]
    first = np.ones(len(at), bool)
    np.not_equal(rows[1:], rows[:-1], out=first[1:])
    out[rows[first]] = vals[at[first]]
    return out


def _last_per_row(mask: np.ndarray, row_of: np.ndarray, vals: np.ndarray, nrows: int) -> np.ndarray:
    """Per row, ``vals`` at its last masked element (NONE if none); ``row_of`` is sorted."""
    out = np.full(nrows, NONE, np.int64)
    at = np.flatnonzero(mask)
    rows = row_of[at]
    last = np.ones(len(at), bool)
    np.not_equal(rows[1:], rows[:-1], out=last[:-1])
    out[rows[last]] = vals[at[last]]
    return out


def _root_names(used: np.ndarray, tables: Tables) -> npt.NDArray[np.int32]:
    """By stack id, the string id of the root frame's function (Go names a goroutine
    so); filled for the ``used`` stacks only, 0 elsewhere."""
    names = np.zeros(len(tables.stacks), np.int32)
    for sid in used.tolist():
        if sid > 0:
            root = tables.root_frame(sid)
            if root is not None:
                names[sid] = tables.string(root.func)
    return names


def _add_syscalls(gor: Goroutines, side: _Side) -> None:
    gor.syscall_ns, sched_extra = _syscalls(
        side.sys, side.proc, side.syncs, gor.id, side.last
    )
    gor.sched_wait_ns += sched_extra


def _syscalls(
    sysc: dict[str, np.ndarray],
    pr: dict[str, np.ndarray],
    syncs: np.ndarray,
    ids: np.ndarray,
    last: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Syscall time and Go's extra sched wait, per row (Go also sums the syscall's blocked
    part, SyscallBlockTime, which no view shows).

    A syscall blocks when its P goes idle while the goroutine is still in it,
    so goroutine and P transitions must be replayed together, in stream order.
    Go keeps a P->G and a G->P map for this; the maps are reproduced as Go uses
    them (including deleting P 0's entry for a goroutine it never mapped).
    """
    psel = pr["to"] == ProcState.IDLE
    ng = len(sysc["seq"])
    seq = np.concatenate([sysc["seq"], pr["seq"][psel]])
    is_go = np.concatenate([np.ones(ng, bool), np.zeros(int(psel.sum()), bool)])
    res = np.concatenate([sysc["res"], pr["res"][psel]])
    t = np.concatenate([sysc["time"], pr["time"][psel]])
    frm = np.concatenate([sysc["frm"], pr["frm"][psel]])
    to = np.concatenate([sysc["to"], pr["to"][psel]])
    p = np.concatenate([sysc["p"], pr["res"][psel]])
    order = np.argsort(seq, kind="stable")
    sync_t = _sync_before(t, syncs)

    sys_ns: dict[int, int] = {}
    last_sys: dict[int, int] = {}
    last_block: dict[int, int] = {}
    p_to_g: dict[int, int] = {}
    g_to_p: dict[int, int] = {}
    und, syscall = GoState.UNDETERMINED, GoState.SYSCALL
    for i in order.tolist():
        r = int(res[i])
        ti = int(t[i])
        if not is_go[i]:
            gid = p_to_g.pop(r, None)
            if gid is not None:
                last_block[gid] = ti
            continue
        f, nw = int(frm[i]), int(to[i])
        if f == und or f == GoState.NOT_EXIST:
            sys_ns[r] = 0
            last_sys[r] = last_block[r] = 0
            if f == und and nw == syscall and int(p[i]) != NONE:  # without a P: blocked in it
                sys_ns[r] += ti - int(sync_t[i])
        if f == syscall:
            ls = last_sys.get(r, 0)
            if ls:
                lb = last_block.get(r, 0)
                if lb:
                    sys_ns[r] = sys_ns.get(r, 0) + lb - ls
                else:
                    sys_ns[r] = sys_ns.get(r, 0) + ti - ls
                last_sys[r] = last_block[r] = 0
                p_to_g.pop(g_to_p.get(r, 0), None)
                g_to_p.pop(r, None)
        if nw == syscall:
            pi = int(p[i])
            p_to_g[pi] = r
            g_to_p[r] = pi
            last_sys[r] = ti

    nrows = len(ids)
    out_sys = np.zeros(nrows, np.int64)
    out_sched = np.zeros(nrows, np.int64)
    for gid in sys_ns.keys() | last_sys.keys():
        row = int(np.searchsorted(ids, gid))
        s = sys_ns.get(gid, 0)
        ls = last_sys.get(gid, 0)
        if ls:
            s += last - ls
            lb = last_block.get(gid, 0)
            if lb:
                out_sched[row] += last - lb
        out_sys[row] = s
    return out_sys, out_sched


def _procs(pr: dict[str, np.ndarray], syncs: np.ndarray, first: int, last: int) -> ProcIntervals:
    order = np.argsort(pr["res"], kind="stable")
    p = pr["res"][order]
    t = pr["time"][order]
    frm = pr["frm"][order]
    to = pr["to"][order]
    n = len(p)
    start = np.where(frm == ProcState.UNDETERMINED, _sync_before(t, syncs), t)
    end = np.full(n, last, np.int64)
    if n:
        end[:-1] = np.where(p[1:] == p[:-1], t[1:], last)
    keep = to != ProcState.NOT_EXIST
    return ProcIntervals(
        p=p[keep].astype(np.int32),
        start=(start[keep] - first).astype(np.int64),
        end=(end[keep] - first).astype(np.int64),
        state=to[keep].astype(np.uint8),
    )


def _ranges(rg: dict[str, np.ndarray], first: int, last: int) -> Ranges:
    open_: dict[tuple[int, int, int], int] = {}
    names: list[int] = []
    starts: list[int] = []
    ends: list[int] = []
    kinds: list[int] = []
    scopes: list[int] = []
    for t, kind, name, rk, res in zip(
        rg["time"].tolist(), rg["kind"].tolist(), rg["name"].tolist(),
        rg["res_kind"].tolist(), rg["res"].tolist(), strict=True,
    ):
        key = (name, rk, res)
        if kind == Kind.RANGE_END:
            began = open_.pop(key, None)
            if began is None:
                began = first  # in progress when the trace began
            names.append(name)
            starts.append(began)
            ends.append(t)
            kinds.append(rk)
            scopes.append(res)
        else:
            open_.setdefault(key, t)
    for (name, rk, res), began in open_.items():
        names.append(name)
        starts.append(began)
        ends.append(last)
        kinds.append(rk)
        scopes.append(res)
    order = np.argsort(np.array(starts, np.int64), kind="stable")
    return Ranges(
        name=np.array(names, np.int32)[order],
        start=(np.array(starts, np.int64) - first)[order],
        end=(np.array(ends, np.int64) - first)[order],
        scope_kind=np.array(kinds, np.uint8)[order],
        scope=np.array(scopes, np.int64)[order],
    )
