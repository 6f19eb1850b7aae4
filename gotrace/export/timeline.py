"""What a timeline export holds, as columns: tracks, slices, creation arrows, a counter.

Perfetto (:mod:`.perfetto`) and Chrome's Trace Event JSON (:mod:`.chrome`) show
the same content, computed here once:

* one track per P, holding a slice per stretch a goroutine ran on it, named by
  the goroutine's start function (argument: the goroutine id);
* one track per goroutine with a slice per state interval: ``running``,
  ``runnable``, ``syscall`` or the wait reason, with the site a wait or
  syscall began at (``chan send @ server.longRunningTask (server.go:52)``);
* a ``GC`` track (concurrent mark phases) and an ``STW`` track (stop-the-world
  pauses, named by Go's reason);
* creation as arrows (flows): an instant ``go F`` on the P where the creator
  ran at that moment, pointing at the child's first slice on its own track;
* a ``goroutines`` counter: how many are alive, over time.

What is kept, so a trace of millions of goroutines stays usable: every P slice,
GC and STW pause inside the window (``--from``/``--until``, default the whole
trace), clipped to it; but a track of its own for at most ``max_goroutines``
goroutines (default 1,000: a timeline viewer is unusable with a million tracks
anyway). Those are picked round-robin over creation sites, biggest site first,
and within a site longest-lived in the window first: every creation site shows
up with at least one goroutine (when there are fewer sites than tracks), and a
site that piles up fills most of the tracks. Arrows are drawn to goroutines that have a track. The counter is
thinned to at most ``MAX_COUNTER_POINTS`` points, keeping each bucket's peak.

Everything per goroutine or per interval is a numpy operation; Python loops run
over Ps, tracks and distinct names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from ..analysis.grouping import naming_frame_per_stack, top_frame_per_stack
from ..analysis.procs import ProcTimeline
from ..errors import WrongInputKindError
from ..model import NONE, Model, state_name
from ..trace.events import GoState
from .wire import I64

I32 = npt.NDArray[np.int32]

DEFAULT_GOROUTINES = 1000
MAX_COUNTER_POINTS = 10_000

# Track uuids: fixed ones for the shared tracks, then a range per P and per goroutine.
GC_TRACK = 1
STW_TRACK = 2
COUNTER_TRACK = 3
PROCS_GROUP = 4
GOROUTINES_GROUP = 5
P_BASE = 1 << 20
G_BASE = 1 << 40


@dataclass(slots=True)
class Track:
    uuid: int
    name: str
    parent: int = 0  # 0: top level
    rank: int = 0  # order among its siblings
    counter: bool = False
    group: bool = False  # holds other tracks, no events of its own
    p: int | None = None
    goroutine: int | None = None


@dataclass(slots=True)
class Slices:
    """[start, end) slices; ``name`` indexes ``Timeline.names``; NONE means "none"."""

    track: I64
    start: I64
    end: I64
    name: I32
    goroutine: I64  # the goroutine a P slice ran (NONE on other tracks)
    flow_in: I64  # id of the creation arrow ending at this slice

    def __len__(self) -> int:
        return len(self.track)


@dataclass(slots=True)
class Instants:
    track: I64
    ts: I64
    name: I32
    flow_out: I64  # id of the creation arrow starting here


@dataclass(slots=True)
class Counter:
    ts: I64
    value: I64


@dataclass(slots=True)
class Timeline:
    source: str
    t0: int
    t1: int
    tracks: list[Track]
    names: list[str]
    slices: Slices
    instants: Instants
    counter: Counter
    goroutines_in_window: int  # goroutines alive at some point of [t0, t1)
    goroutine_tracks: int
    stats: dict[str, int] = field(default_factory=dict)  # slices per kind


class _Names:
    """Event names interned once: the id is what slices store."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._ids: dict[str, int] = {}

    def __call__(self, name: str) -> int:
        i = self._ids.get(name)
        if i is None:
            i = self._ids[name] = len(self.names)
            self.names.append(name)
        return i


def _ranges(starts: I64, ends: I64) -> I64:
    """``starts[i]..ends[i] - 1`` for every i, concatenated."""
    lengths = ends - starts
    total = int(lengths.sum())
    first = np.zeros(len(lengths), np.int64)
    np.cumsum(lengths[:-1], out=first[1:])
    return np.repeat(starts - first, lengths) + np.arange(total, dtype=np.int64)


def _slices(track: I64, start: I64, end: I64, name: I32, goroutine: I64 | None = None) -> Slices:
    n = len(track)
    return Slices(track.astype(np.int64), start.astype(np.int64), end.astype(np.int64), name.astype(np.int32),
                  np.full(n, NONE, np.int64) if goroutine is None else goroutine.astype(np.int64),
                  np.full(n, NONE, np.int64))


def _concat(parts: list[Slices]) -> Slices:
    """The parts as one Slices, column by column, each part's column released once copied: the
    peak is the parts plus one column, not twice the slices (millions on a churn trace)."""
    columns = []
    for name in Slices.__slots__:
        columns.append(np.concatenate([getattr(p, name) for p in parts]))
        for p in parts:
            setattr(p, name, np.empty(0, getattr(p, name).dtype))  # not a view: frees the column
    return Slices(*columns)


def choose_goroutines(model: Model, life: npt.NDArray[np.float64], limit: int) -> I64:
    """Rows to give a track: round-robin over creation sites (biggest first), longest-lived
    first within a site; ``life`` is each row's time alive in the window (0: not in it)."""
    cand = np.flatnonzero(life > 0)
    if limit <= 0 or len(cand) == 0:
        return np.zeros(0, np.int64)
    g = model.goroutines
    site = top_frame_per_stack(model.tables)[g.creation_stack[cand]].astype(np.int64)
    order = np.lexsort((g.id[cand], -life[cand], site))
    cand, site = cand[order], site[order]
    first = np.flatnonzero(np.concatenate([[True], site[1:] != site[:-1]]))
    sizes = np.diff(np.concatenate([first, [len(cand)]]))
    rank = np.arange(len(cand)) - np.repeat(first, sizes)
    size = np.repeat(sizes, sizes)
    pick = np.lexsort((g.id[cand], site, -size, rank))[:limit]
    chosen = cand[pick]
    # Shown grouped by site, biggest site first, then by id.
    return chosen[np.lexsort((g.id[chosen], site[pick], -size[pick]))]


def _born(model: Model) -> I64:
    """When each goroutine came to be: its creation, or its first appearance in the trace."""
    g = model.goroutines
    return np.where(g.created_ns >= 0, g.created_ns, np.maximum(g.first_ns, 0))


def _life_in_window(model: Model, lo: int, hi: int) -> npt.NDArray[np.float64]:
    """How long each goroutine was alive within [lo, hi) (0: not at all)."""
    g = model.goroutines
    end = np.where(g.ended_ns >= 0, g.ended_ns, hi)
    return np.clip(np.minimum(end, hi) - np.maximum(_born(model), lo), 0, None).astype(np.float64)


def _alive_counter(model: Model, t0: int, t1: int) -> Counter:
    """Goroutines alive over [t0, t1], at most MAX_COUNTER_POINTS points (each bucket's peak)."""
    g = model.goroutines
    born = _born(model)
    died = g.ended_ns[g.ended_ns >= 0]
    ts = np.concatenate([born, died])
    delta = np.concatenate([np.ones(len(born), np.int64), -np.ones(len(died), np.int64)])
    order = np.argsort(ts, kind="stable")
    ts, level = ts[order], np.cumsum(delta[order])
    last = np.concatenate([ts[1:] != ts[:-1], [True]]) if len(ts) else np.zeros(0, bool)
    ts, level = ts[last], level[last]  # the level after every change at a time
    before = np.searchsorted(ts, t0, "right") - 1
    start = int(level[before]) if before >= 0 else 0
    inside = (ts > t0) & (ts < t1)
    ts = np.concatenate([[t0], ts[inside]])
    level = np.concatenate([[start], level[inside]])
    if len(ts) > MAX_COUNTER_POINTS:
        bucket = (ts - t0) * MAX_COUNTER_POINTS // max(t1 - t0, 1)
        firsts = np.flatnonzero(np.concatenate([[True], bucket[1:] != bucket[:-1]]))
        level = np.maximum.reduceat(level, firsts)
        ts = ts[firsts]
    return Counter(ts.astype(np.int64), level.astype(np.int64))


def build_timeline(model: Model, t0: int | None = None, t1: int | None = None,
                   max_goroutines: int = DEFAULT_GOROUTINES) -> Timeline:
    """The timeline of ``model`` over [t0, t1) (default: the whole trace)."""
    iv = model.intervals
    if not model.is_trace or iv is None:
        raise WrongInputKindError(f"{model.source.path}: a timeline needs an execution trace, "
                                  "got a goroutine dump")
    span = int(model.span_ns or 0)
    lo = 0 if t0 is None else max(0, t0)
    hi = span if t1 is None else min(t1, span)
    g = model.goroutines
    t = model.tables
    names = _Names()
    tracks = [
        Track(GC_TRACK, "GC", rank=0), Track(STW_TRACK, "STW", rank=1),
        Track(COUNTER_TRACK, "goroutines", rank=2, counter=True),
        Track(PROCS_GROUP, "Ps", rank=3, group=True),
        Track(GOROUTINES_GROUP, "Goroutines", rank=4, group=True),
    ]
    parts: list[Slices] = []
    stats: dict[str, int] = {}
    counter = _alive_counter(model, lo, hi)  # first: its temporaries are big, nothing else is yet
    pt = ProcTimeline(model)

    # Function names of goroutines, interned on first use.
    fname = np.full(len(t.strings), -1, np.int32)

    def func_names(rows: I64) -> I32:
        sids = g.name[rows]
        for sid in np.unique(sids[fname[sids] < 0]).tolist():
            fname[sid] = names(t.strings[sid] or "(unknown function)")
        return fname[sids]

    # --- P tracks: every running stretch in the window ----------------------------------
    n_p = 0
    for k, p in enumerate(pt.procs):
        tracks.append(Track(P_BASE + p, f"P{p}", PROCS_GROUP, rank=k, p=p))
        sp = pt.spans(p)
        w = sp.window(lo, hi)
        rows = pt.span_rows(p, np.arange(w.start, w.stop, dtype=np.int64))
        s = np.maximum(sp.start[w], lo)
        e = np.minimum(sp.end[w], hi)
        keep = e > s
        rows = rows[keep]
        parts.append(_slices(np.full(int(keep.sum()), P_BASE + p), s[keep], e[keep], func_names(rows),
                             g.id[rows]))
        n_p += int(keep.sum())
    stats["P slices"] = n_p

    # --- GC and STW ---------------------------------------------------------------------
    gs, ge = pt.gc_intervals(lo, hi)
    gc_name = names("GC")
    parts.append(_slices(np.full(len(gs), GC_TRACK), np.maximum(gs, lo), np.minimum(ge, hi),
                         np.full(len(gs), gc_name)))
    ss, se, stw_names = pt.stw_intervals(lo, hi)
    parts.append(_slices(np.full(len(ss), STW_TRACK), np.maximum(ss, lo), np.minimum(se, hi),
                         np.array([names(n) for n in stw_names], np.int32)))
    stats["GC slices"] = len(gs)
    stats["STW slices"] = len(ss)

    # --- goroutine tracks -----------------------------------------------------------------
    life = _life_in_window(model, lo, hi)
    in_window = int(np.count_nonzero(life))
    chosen = choose_goroutines(model, life, max_goroutines)
    labels = func_names(chosen) if len(chosen) else np.zeros(0, np.int32)
    for k, (r, lab) in enumerate(zip(chosen.tolist(), labels.tolist(), strict=True)):
        gid = int(g.id[r])
        tracks.append(Track(G_BASE + gid, f"G{gid} {names.names[lab]}", GOROUTINES_GROUP, rank=k,
                            goroutine=gid))
    idx = _ranges(iv.starts[chosen], iv.starts[chosen + 1]) if len(chosen) else np.zeros(0, np.int64)
    s = np.maximum(iv.start[idx], lo)
    e = np.minimum(iv.end[idx], hi)
    keep = (e > s) & (iv.state[idx] != GoState.NOT_EXIST)
    idx, s, e = idx[keep], s[keep], e[keep]
    rows = iv.row[idx].astype(np.int64)
    g_slices = _slices(G_BASE + g.id[rows], s, e, _state_names(model, idx, names))
    stats["goroutine slices"] = len(g_slices)

    # --- creation arrows: from the P the creator ran on to the child's first slice --------
    instants, arrows = _arrows(model, pt, chosen, rows, g_slices, lo, hi, names, func_names)
    stats["creation arrows"] = arrows
    parts.append(g_slices)
    del pt, g_slices
    return Timeline(
        source=model.source.path, t0=lo, t1=hi, tracks=tracks, names=names.names, slices=_concat(parts),
        instants=instants, counter=counter, goroutines_in_window=in_window,
        goroutine_tracks=len(chosen), stats=stats,
    )


def _state_names(model: Model, idx: I64, names: _Names) -> I32:
    """Each interval's slice name: its state, and for a wait or syscall where it began."""
    iv = model.intervals
    assert iv is not None
    t = model.tables
    naming = naming_frame_per_stack(t)
    state = iv.state[idx]
    at = np.where((state == GoState.WAITING) | (state == GoState.SYSCALL), naming[iv.stack[idx]], 0)
    # One int64 key per interval: (distinct state and reason) x frame.
    state_reason = state.astype(np.int64) << 32 | iv.reason[idx].astype(np.int64)
    pairs, pair = np.unique(state_reason, return_inverse=True)
    uniq, inv = np.unique(pair.reshape(-1) * np.int64(len(t.frames)) + at, return_inverse=True)
    ids = []
    for k in uniq.tolist():
        sr, frame = int(pairs[k // len(t.frames)]), k % len(t.frames)
        label = state_name(sr >> 32, t.strings[sr & 0xFFFFFFFF])
        if frame:
            label += f" @ {t.frames[frame].label()}"
        ids.append(names(label))
    return np.array(ids, np.int32)[inv.reshape(-1)] if ids else np.zeros(0, np.int32)


def _arrows(model: Model, pt: ProcTimeline, chosen: I64, rows: I64, g_slices: Slices, lo: int, hi: int,
            names: _Names, func_names: Callable[[I64], I32]) -> tuple[Instants, int]:
    """Creation instants on the P the creator ran on, and the same flow id on each child's
    first slice; ``rows`` is the goroutine row of each of ``g_slices``."""
    g = model.goroutines
    made = g.created_ns[chosen]
    child = chosen[(made >= lo) & (made < hi) & (g.creator[chosen] != NONE)]
    # The child's first slice in the window receives the arrow.
    first_slice = np.full(len(g), -1, np.int64)
    starts = np.flatnonzero(np.concatenate([[True], rows[1:] != rows[:-1]])) if len(rows) else rows
    first_slice[rows[starts]] = starts
    child = child[first_slice[child] >= 0]
    ts = g.created_ns[child].copy()
    pos = np.minimum(np.searchsorted(g.id, g.creator[child]), max(len(g) - 1, 0))
    creator_row = np.where(g.id[pos] == g.creator[child], pos, -1)
    on_p = np.full(len(child), -1, np.int64)
    for p in pt.procs:
        sp = pt.spans(p)
        if len(sp) == 0:
            continue
        i = np.searchsorted(sp.start, ts, "right") - 1
        ok = (i >= 0) & (sp.end[np.maximum(i, 0)] >= ts) & (creator_row >= 0) & (on_p < 0)
        ok &= pt.span_rows(p, np.where(ok, i, -1)) == creator_row
        on_p[ok] = p
        # Inside the creator's (clipped) slice, so that the instant nests in it even when the
        # creation is the slice's last moment.
        last = np.minimum(sp.end[i[ok]], hi) - 1
        ts[ok] = np.maximum(np.minimum(ts[ok], last), np.maximum(sp.start[i[ok]], lo))
    drawn = on_p >= 0
    child, ts, on_p = child[drawn], ts[drawn], on_p[drawn]
    flow = g.id[child] + 1  # flow ids must not be 0
    g_slices.flow_in[first_slice[child]] = flow
    fn = func_names(child)
    go_name = np.zeros(len(names.names) + 1, np.int32)
    for f in np.unique(fn).tolist():
        go_name[f] = names(f"go {names.names[f]}")
    return Instants(P_BASE + on_p, ts, go_name[fn], flow), len(child)
