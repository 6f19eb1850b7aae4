"""A goroutine dump as a model: one snapshot, no intervals, waits as printed.

Go prints a wait age only after a minute ("[chan receive, 12 minutes]"), so
``wait_ns`` is minutes x 60 s and 0 below a minute; there are no creation or end
times. Everything a dump has beyond the trace model (labels, flags, ancestors,
elided frames) rides along per row in ``Model.extras``.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import overload

import numpy as np
import numpy.typing as npt

from ..dump.names import start_func
from ..dump.parse import parse_dumps
from ..dump.snapshot import DumpGoroutine, GoroutineList, Head, Snapshot, largest_snapshot_index
from ..errors import DumpFormatError
from ..stacks import writes_profile
from ..tables import Tables
from ..trace.events import GoState
from .core import NONE, Goroutines, Model, Source
from .infer import DUMP_REASONS, infer_hidden_waits, infer_reasons

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
        return labels_match(self.g.labels, rx)


def labels_match(labels: dict[str, str], rx: re.Pattern[str]) -> bool:
    return any(rx.search(k) or rx.search(v) for k, v in labels.items())


DumpFields = tuple[dict[str, str], frozenset[str], int | None, list[int], bool]


class DumpRows(Sequence[DumpExtras]):
    """``model.extras`` of a dump: row r's ``DumpExtras`` made when asked for, and what
    every row is asked at once (leaked? labelled? labels matching?) answered per
    distinct header, of which a dump of 364 k goroutines has a handful.
    """

    __slots__ = ("_elided", "_goroutines", "_head", "_heads", "_order")

    def __init__(self, goroutines: Sequence[DumpGoroutine], order: npt.NDArray[np.int64],
                 heads: list[Head], head: npt.NDArray[np.int64], elided: npt.NDArray[np.bool_]) -> None:
        self._goroutines = goroutines
        self._order = order  # row -> index in file order
        self._heads = heads
        self._head = head  # row -> header code
        self._elided = elided  # row -> frames elided

    def __len__(self) -> int:
        return len(self._order)

    @overload
    def __getitem__(self, r: int) -> DumpExtras: ...
    @overload
    def __getitem__(self, r: slice) -> list[DumpExtras]: ...

    def __getitem__(self, r: int | slice) -> DumpExtras | list[DumpExtras]:
        if isinstance(r, slice):
            return [self[k] for k in range(*r.indices(len(self)))]
        return DumpExtras(self._goroutines[int(self._order[r])])

    def _per_head(self, fact: Callable[[Head], bool]) -> npt.NDArray[np.bool_]:
        by_head = np.array([fact(h) for h in self._heads], bool)
        return by_head[self._head] if len(by_head) else np.zeros(len(self), bool)

    def leaked(self) -> npt.NDArray[np.bool_]:
        """Per row: the runtime proved it leaked."""
        return self._per_head(lambda h: "leaked" in h.flags)

    def durable(self) -> npt.NDArray[np.bool_]:
        """Per row: blocked durably in a synctest bubble (only its bubble can wake it)."""
        return self._per_head(lambda h: "durable" in h.flags and h.bubble is not None)

    def labelled(self) -> npt.NDArray[np.bool_]:
        """Per row: it carries pprof labels."""
        return self._per_head(lambda h: bool(h.labels))

    def label_hits(self, rx: re.Pattern[str]) -> npt.NDArray[np.bool_]:
        """Per row: a label key or value matches ``rx``."""
        return self._per_head(lambda h: labels_match(h.labels, rx))

    def fields(self, rows: npt.NDArray[np.int64]) -> list[DumpFields]:
        """Per row of ``rows``: labels, flags, synctest bubble, ancestors, frames elided
        (the objects are the goroutines' own: copy before changing them)."""
        heads = self._heads
        return [(h.labels, h.flags, h.bubble, h.ancestors, e) for h, e in zip(
            [heads[c] for c in self._head[rows].tolist()], self._elided[rows].tolist(), strict=True)]

    def labels(self, rows: npt.NDArray[np.int64]) -> dict[str, list[str]]:
        """Each label key of ``rows`` with the values seen, sorted."""
        seen: dict[str, set[str]] = {}
        for code in np.unique(self._head[rows]).tolist():
            for k, v in self._heads[code].labels.items():
                seen.setdefault(k, set()).add(v)
        return {k: sorted(v) for k, v in sorted(seen.items())}


OTHERS_NAMED = 5  # a log of a thousand dumps names five in its notice, and counts the rest
GOROUTINELEAK_WRITER = "runtime/pprof.writeGoroutineLeak"


def choose_snapshot(snapshots: list[Snapshot], wanted: int | None, name: str) -> tuple[int, list[str]]:
    """The index of the snapshot to analyse (1-based ``wanted``, default the largest) and
    notices, its own warnings last."""
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
        upto = f"#1-#{idx + 1}" if idx else "#1 alone"
        leaks = "gotrace leaks and the viewer's Leaks page judge them as a series" \
            if idx == len(snapshots) - 1 else \
            f"gotrace leaks judges them all as a series, the viewer's Leaks page {upto}"
        notices.append(
            f"{name} holds {len(snapshots)} dumps; analysing #{idx + 1} "
            f"({snapshots[idx].goroutine_count:,} goroutines); others: {others}; pick one with --snapshot N; "
            f"{leaks}"
        )
    notices.extend(snapshots[idx].warnings)
    return idx, notices


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


def build_dump_model(
    data: bytes, name: str, wanted: int | None = None, tables: Tables | None = None
) -> Model:
    """Model of one dump of ``data``; pass ``tables`` to compare stacks with another model."""
    return build_dump_series(data, name, wanted, tables, earlier=False)[-1]


def build_dump_series(data: bytes, name: str, wanted: int | None = None,
                      tables: Tables | None = None, *, earlier: bool = True) -> list[Model]:
    """The dump :func:`build_dump_model` analyses (last, named ``name``, with its notices) and,
    unless ``earlier`` is false, the dumps before it in the file (``NAME #i``), oldest first:
    what its leaks are judged against, as ``gotrace leaks`` judges a file of dumps appended
    over time. One ``Tables``."""
    tables = tables or Tables()
    snapshots = _parse(data, name, tables)
    last, notices = choose_snapshot(snapshots, wanted, name)
    with _no_gc():
        before = [_model(s, list(s.warnings), f"{name} #{i + 1}", tables)
                  for i, s in enumerate(snapshots[:last] if earlier else [])]
        return [*before, _model(snapshots[last], notices, name, tables)]


def build_dump_models(data: bytes, name: str, tables: Tables | None = None) -> list[Model]:
    """A model of every dump of ``data``, in file order: dumps appended to one file over time
    (a loop of ``curl ...?debug=2 >> dumps.txt``) are a series, oldest first. Each is named
    ``NAME #i`` when there are several."""
    tables = tables or Tables()
    snapshots = _parse(data, name, tables)
    if not snapshots:
        raise DumpFormatError(f"{name}: no goroutine found in this dump")
    with _no_gc():
        return [_model(snap, list(snap.warnings), f"{name} #{i + 1}" if len(snapshots) > 1 else name, tables)
                for i, snap in enumerate(snapshots)]


def _parse(data: bytes, name: str, tables: Tables) -> list[Snapshot]:
    try:
        return parse_dumps(data, tables)
    except DumpFormatError as e:
        raise DumpFormatError(f"{name}: {e}") from None


@contextmanager
def _no_gc() -> Iterator[None]:
    """Hundreds of thousands of rows, no cycles (see dump.parse): the collector only slows it."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _first_seen(codes: npt.NDArray[np.int64], m: int) -> list[int]:
    """The distinct codes (of ``m``) in order of first appearance: the order their strings,
    frames and stacks are interned in, which decides ids and so the order of tied groups."""
    n = len(codes)
    first = np.full(m, n, np.int64)
    np.minimum.at(first, codes, np.arange(n, dtype=np.int64))
    present = np.flatnonzero(first < n)
    out: list[int] = present[np.argsort(first[present])].tolist()
    return out


def _model(snap: Snapshot, notices: list[str], name: str, tables: Tables) -> Model:
    """The columns, computed once per distinct header, stack block and creation site."""
    profile = snap.kind == "debug1"
    rows = GoroutineList(_profile_records(snap)) if profile else snap.goroutines
    cols = rows.columns()
    order = np.argsort(cols.id, kind="stable")
    ids = cols.id[order]
    head = cols.head[order]
    body = cols.body[order]
    n = len(ids)
    heads, bodies = cols.heads, cols.bodies
    state_h = np.zeros(len(heads), np.uint8)
    reason_h = np.zeros(len(heads), np.int32)
    for c in _first_seen(head, len(heads)):
        st = heads[c].state
        plain = _PLAIN_STATES.get(st)
        state_h[c] = GoState.WAITING if plain is None else plain
        reason_h[c] = tables.string(st) if plain is None else 0
    last_stack = np.array([b[0] for b in bodies], np.int32)[body] if bodies else np.zeros(0, np.int32)
    used = np.zeros(len(tables.stacks), bool)
    used[last_stack] = True
    sids = np.flatnonzero(used)  # np.unique(last_stack), in a pass: stacks are few
    # The start function: a SIGQUIT's or crash's traceback prints runtime.goexit below it.
    roots = [start_func(tables, sid) for sid in sids.tolist()]
    root_name = np.zeros(len(tables.stacks), np.int32)
    root_name[sids] = [0 if r is None else tables.string(r) for r in roots]
    elided = np.array([b[2] for b in bodies], bool)[body] if bodies else np.zeros(0, bool)
    name_ids = np.where(elided, 0, root_name[last_stack]).astype(np.int32)
    site_stack: dict[tuple[str, str, int], int] = {}
    creation_b = np.zeros(len(bodies), np.int32)
    has_site = np.zeros(len(bodies), bool)
    for c in _first_seen(body, len(bodies)):
        site = bodies[c][1]
        if site is None:
            continue
        sid = site_stack.get(site)
        if sid is None:
            sid = site_stack[site] = tables.stack((tables.frame(*site),))
        creation_b[c] = sid
        has_site[c] = True
    none = np.full(n, NONE, np.int64)
    zeros = np.zeros(n, np.int64)
    goroutines = Goroutines(
        id=ids,
        name=name_ids,
        state=state_h[head],
        reason=reason_h[head],
        wait_ns=np.array([h.wait_ns for h in heads], np.int64)[head],  # minutes, range-checked when read
        first_ns=none.copy(),
        created_ns=none.copy(),
        start_ns=none.copy(),
        ended_ns=none.copy(),
        creator=np.where(has_site[body], cols.creator[order], NONE),
        creation_stack=creation_b[body],
        start_stack=np.zeros(n, np.int32),
        last_stack=last_stack,
        exec_ns=zeros,
        sched_wait_ns=zeros.copy(),
        syscall_ns=zeros.copy(),
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
        writer = np.array([any(writes_profile(f.func) for f in tables.stack_frames(sid))
                           for sid in last_stack.tolist()], bool)
        goroutines.state[writer & (goroutines.reason == 0)] = GoState.RUNNING
        infer_hidden_waits(goroutines, tables, np.array([rec.first_pc for rec in snap.groups], np.int64),
                           np.array([rec.second_pc for rec in snap.groups], np.int64),
                           np.array([rec.hidden for rec in snap.groups], np.int64))
        # What the stack does not tell (debug=1 hides the runtime's frames) stays unknown.
        unknown = (goroutines.state == GoState.WAITING) & (goroutines.reason == 0)
        goroutines.state[unknown] = GoState.UNDETERMINED
    fmt = snap.format_name
    if not profile and not snap.profile:
        # A goroutineleak profile at debug=2 has no header of its own: its writer tells it.
        running = np.unique(last_stack[goroutines.state == GoState.RUNNING]).tolist()
        if any(f.func == GOROUTINELEAK_WRITER for sid in running for f in tables.stack_frames(sid)):
            fmt = "goroutineleak " + fmt
    model = Model(
        source=Source(path=name, kind="dump", format=fmt),
        tables=tables,
        goroutines=goroutines,
        notices=notices,
        extras=DumpRows(rows, order, heads, head, elided),
    )
    model.snapshot = snap
    return model
