"""What one goroutine dump says, independent of how it was printed.

A file may hold several dumps (a log with two SIGQUITs, concatenated pprof
pages); each becomes one Snapshot. Frames and stacks live in the caller's
``Tables``, so two snapshots parsed with the same tables compare stacks by id.

A snapshot's goroutines are a ``GoroutineList``: objects where the line reader
made them, columns where the C scanner did. A 100 MB debug=2 dump holds hundreds
of thousands of goroutines, nearly all of them plain blocks the scanner hands over
as columns keyed by a few dozen distinct headers and stacks (``PlainBlocks``).
Making one ``DumpGoroutine`` per block cost more than reading the text, and the
model then took each object apart again. So a run of plain blocks stays columns,
and a goroutine object is built only when something asks for that goroutine
(``list[i]``, iteration): the views show a screenful, the JSON its selection.
Bulk consumers (the model, the leak and label masks) read ``GoroutineList.columns``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal, overload

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from .states import BracketInfo

SnapshotKind = Literal["debug2", "traceback", "debug1", "trace"]
"""How the goroutines were printed; "trace" is a trace's end state (model.end_state)."""

# (function, file, line, parent goroutine id or None before Go 1.21).
CreatedBy = tuple[str, str, int, int | None]

NS_PER_MINUTE = 60_000_000_000
MAX_GOROUTINES = 1 << 40
"""More goroutines than any process can hold (each needs kilobytes): a profile record's
count above it is damage, and sums of counts stay far from int64's end."""


# The fast reader defers a goroutine's argument texts as [read, block]: read(block)
# gives them on first access.
LazyArgs = list[Any]


class DumpGoroutine:
    """One goroutine of a debug=2 dump or traceback.

    ``frame_args`` is kept beside the interned stack so that pointer values in
    the arguments never make two otherwise identical stacks different. The
    fast reader defers it: it is read from the dump text on first access,
    since few views ever show it and a big dump has millions of them.
    Identity equality, like the dataclass it was (eq=False).
    """

    __slots__ = (
        "_frame_args",
        "ancestors",
        "created_by",
        "exact_wait_ns",
        "flags",
        "frames_elided",
        "gp",
        "id",
        "labels",
        "line",
        "m",
        "mp",
        "raw_state",
        "stack_id",
        "stack_unavailable",
        "state",
        "synctest_bubble",
        "wait_minutes",
    )

    FIELDS: ClassVar[tuple[str, ...]] = (
        "id", "state", "raw_state", "wait_minutes", "flags", "synctest_bubble", "labels", "stack_id",
        "frame_args", "created_by", "ancestors", "frames_elided", "line", "gp", "m", "mp",
        "stack_unavailable", "exact_wait_ns",
    )
    """The constructor's parameters, in order: what a copy of a goroutine needs."""

    def __init__(
        self,
        id: int,
        state: str,
        raw_state: str,
        wait_minutes: int | None,
        flags: frozenset[str],
        synctest_bubble: int | None,
        labels: dict[str, str],
        stack_id: int,
        frame_args: tuple[str, ...] | LazyArgs,
        created_by: CreatedBy | None,
        ancestors: list[int],
        frames_elided: bool,
        line: int,
        gp: str | None = None,
        m: int | None = None,
        mp: str | None = None,
        stack_unavailable: bool = False,
        exact_wait_ns: int | None = None,
    ) -> None:
        self.id = id
        self.state = state
        self.raw_state = raw_state
        self.wait_minutes = wait_minutes
        self.flags = flags
        self.synctest_bubble = synctest_bubble
        self.labels = labels
        self.stack_id = stack_id
        self._frame_args = frame_args
        self.created_by = created_by
        self.ancestors = ancestors
        self.frames_elided = frames_elided
        self.line = line
        self.gp = gp
        self.m = m
        self.mp = mp
        self.stack_unavailable = stack_unavailable
        # A trace's end state knows the wait to the nanosecond (see model.end_state).
        self.exact_wait_ns = exact_wait_ns

    @property
    def frame_args(self) -> tuple[str, ...]:
        """The argument text of each frame, as printed (``0xc000012000, {0x1, 0x2}``)."""
        args = self._frame_args
        if not isinstance(args, tuple):
            args = self._frame_args = args[0](args[1])
        return args

    @frame_args.setter
    def frame_args(self, value: tuple[str, ...]) -> None:
        self._frame_args = value

    def __repr__(self) -> str:
        return (
            f"DumpGoroutine(id={self.id!r}, state={self.state!r}, raw_state={self.raw_state!r},"
            f" wait_minutes={self.wait_minutes!r}, flags={set(self.flags)!r}, stack_id={self.stack_id!r},"
            f" created_by={self.created_by!r}, line={self.line!r})"
        )

    @property
    def leaked(self) -> bool:
        """The runtime proved it stuck: Go 1.26+ ``(leaked)`` (goroutineleak GC)."""
        return "leaked" in self.flags

    @property
    def wait_ns(self) -> int:
        """The exact wait when known, else minutes as printed in ns (0: under a minute)."""
        if self.exact_wait_ns is not None:
            return self.exact_wait_ns
        return (self.wait_minutes or 0) * NS_PER_MINUTE


Site = tuple[str, str, int]


class PlainBlocks:
    """The C scanner's plain debug=2 blocks, with each distinct header and stack read once.

    ``headers[k]`` is (bracket info, labels, bracket text); ``bodies[k]`` is
    (stack id, creation site or None, frames elided); per block i, numpy columns:
    ``ids``, ``lines`` (of the header), ``header_keys``, ``body_keys``,
    ``parents`` (creator id, -1 if none), ``nlines``; ``args_of(i)`` reads block
    i's argument texts (called on first access to a goroutine's frame_args).
    """

    __slots__ = (
        "args_of", "bodies", "body_keys", "header_keys", "headers", "ids", "lines", "nlines", "parents",
    )

    def __init__(
        self,
        ids: npt.NDArray[np.int64],
        lines: npt.NDArray[np.int64],
        header_keys: npt.NDArray[np.int32],
        body_keys: npt.NDArray[np.int32],
        parents: npt.NDArray[np.int64],
        nlines: npt.NDArray[np.int64],
        headers: list[tuple[BracketInfo, dict[str, str] | None, str]],
        bodies: list[tuple[int, Site | None, bool]],
        args_of: Callable[[int], tuple[str, ...]],
    ) -> None:
        self.ids = ids
        self.lines = lines
        self.header_keys = header_keys
        self.body_keys = body_keys
        self.parents = parents
        self.nlines = nlines
        self.headers = headers
        self.bodies = bodies
        self.args_of = args_of

    def goroutine(self, i: int) -> DumpGoroutine:
        """Block ``i`` as the reader's ``_goroutine`` would have made it."""
        info, labels, _ = self.headers[int(self.header_keys[i])]
        stack_id, site, elided = self.bodies[int(self.body_keys[i])]
        parent = int(self.parents[i])
        created = None if site is None else (site[0], site[1], site[2], None if parent < 0 else parent)
        return DumpGoroutine(
            int(self.ids[i]), info.state, info.raw_state, info.wait_minutes, info.flags, info.bubble,
            dict(labels) if labels else {}, stack_id, [self.args_of, i], created, [], elided,
            int(self.lines[i]),
        )


@dataclass(slots=True)
class Head:
    """What the model and the JSON read of a goroutine beyond its stack and ids: one per
    distinct header of a plain run (shared by its rows), one per line-reader goroutine."""

    state: str
    wait_ns: int
    flags: frozenset[str]
    labels: dict[str, str]
    bubble: int | None
    ancestors: list[int]  # a plain block has none


@dataclass(slots=True)
class Columns:
    """Per row (file order): ``id``, ``creator`` (-1: none printed), and codes into
    ``heads`` and ``bodies`` (stack id, creation site or None, frames elided)."""

    id: npt.NDArray[np.int64]
    creator: npt.NDArray[np.int64]
    head: npt.NDArray[np.int64]
    body: npt.NDArray[np.int64]
    heads: list[Head]
    bodies: list[tuple[int, Site | None, bool]]


class _Plain:
    """Blocks ``lo:hi`` of a PlainBlocks."""

    __slots__ = ("blocks", "hi", "lo")

    def __init__(self, blocks: PlainBlocks, lo: int, hi: int) -> None:
        self.blocks = blocks
        self.lo = lo
        self.hi = hi

    def __len__(self) -> int:
        return self.hi - self.lo


_Run = list[DumpGoroutine] | _Plain


class GoroutineList(Sequence[DumpGoroutine]):
    """A snapshot's goroutines in file order, as runs of objects and of plain blocks.

    ``g[i]`` of a plain block is a new object on each access (equal in every
    field, not the same object): nothing keeps goroutine objects by identity.
    """

    __slots__ = ("_n", "_runs", "_starts")

    def __init__(self, goroutines: Sequence[DumpGoroutine] = ()) -> None:
        self._runs: list[_Run] = []
        self._starts: list[int] = []  # index of each run's first goroutine
        self._n = 0
        for g in goroutines:
            self.append(g)

    def __len__(self) -> int:
        return self._n

    def append(self, g: DumpGoroutine) -> None:
        last = self._runs[-1] if self._runs else None
        if not isinstance(last, list):
            last = []
            self._runs.append(last)
            self._starts.append(self._n)
        last.append(g)
        self._n += 1

    def extend_plain(self, blocks: PlainBlocks, lo: int, hi: int) -> None:
        """Blocks ``lo:hi`` as goroutines, without making their objects."""
        last = self._runs[-1] if self._runs else None
        if isinstance(last, _Plain) and last.blocks is blocks and last.hi == lo:
            last.hi = hi  # the block right after the last one: the same run
            self._n += hi - lo
        elif hi > lo:
            self._runs.append(_Plain(blocks, lo, hi))
            self._starts.append(self._n)
            self._n += hi - lo

    def _locate(self, i: int) -> tuple[_Run, int]:
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("goroutine index out of range")
        k = bisect_right(self._starts, i) - 1
        return self._runs[k], i - self._starts[k]

    @overload
    def __getitem__(self, i: int) -> DumpGoroutine: ...
    @overload
    def __getitem__(self, i: slice) -> list[DumpGoroutine]: ...

    def __getitem__(self, i: int | slice) -> DumpGoroutine | list[DumpGoroutine]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(self._n))]
        run, j = self._locate(i)
        if isinstance(run, list):
            return run[j]
        return run.blocks.goroutine(run.lo + j)

    def __setitem__(self, i: int, g: DumpGoroutine) -> None:
        """Replace a goroutine the line reader made (a crash's second print of it)."""
        run, j = self._locate(i)
        assert isinstance(run, list), "only the line reader's goroutines are replaced"
        run[j] = g

    def __iter__(self) -> Iterator[DumpGoroutine]:
        for run in self._runs:
            if isinstance(run, list):
                yield from run
            else:
                goroutine = run.blocks.goroutine
                for i in range(run.lo, run.hi):
                    yield goroutine(i)

    def columns(self) -> Columns:
        """Every row's id, creator and header and stack codes; Python work per distinct
        header and stack of a plain run, per goroutine only for the line reader's objects."""
        ids: list[npt.NDArray[np.int64]] = []
        creators: list[npt.NDArray[np.int64]] = []
        head_codes: list[npt.NDArray[np.int64]] = []
        body_codes: list[npt.NDArray[np.int64]] = []
        heads: list[Head] = []
        bodies: list[tuple[int, Site | None, bool]] = []
        seen: dict[int, tuple[int, int]] = {}  # id(PlainBlocks) -> offsets of its heads and bodies
        for run in self._runs:
            if isinstance(run, list):
                n = len(run)
                ids.append(np.array([g.id for g in run], np.int64))
                creators.append(np.array(
                    [-1 if g.created_by is None or g.created_by[3] is None else g.created_by[3] for g in run],
                    np.int64))
                head_codes.append(np.arange(len(heads), len(heads) + n, dtype=np.int64))
                body_codes.append(np.arange(len(bodies), len(bodies) + n, dtype=np.int64))
                heads.extend(Head(g.state, g.wait_ns, g.flags, g.labels, g.synctest_bubble, g.ancestors)
                             for g in run)
                bodies.extend(
                    (g.stack_id, None if g.created_by is None else g.created_by[:3], g.frames_elided)
                    for g in run
                )
                continue
            b = run.blocks
            offsets = seen.get(id(b))
            if offsets is None:
                offsets = seen[id(b)] = (len(heads), len(bodies))
                heads.extend(
                    Head(info.state, (info.wait_minutes or 0) * NS_PER_MINUTE, info.flags, labels or {},
                         info.bubble, [])
                    for info, labels, _ in b.headers
                )
                bodies.extend(b.bodies)
            ids.append(b.ids[run.lo : run.hi])
            creators.append(b.parents[run.lo : run.hi])
            head_codes.append(b.header_keys[run.lo : run.hi].astype(np.int64) + offsets[0])
            body_codes.append(b.body_keys[run.lo : run.hi].astype(np.int64) + offsets[1])

        def joined(parts: list[npt.NDArray[np.int64]]) -> npt.NDArray[np.int64]:
            if len(parts) == 1:
                return parts[0]  # one run (a plain dump): no copy
            return np.concatenate(parts) if parts else np.zeros(0, np.int64)

        return Columns(joined(ids), joined(creators), joined(head_codes), joined(body_codes), heads, bodies)


@dataclass(slots=True, frozen=True)
class ProfileGroup:
    """One record of a count profile (debug=1 text or pprof protobuf): count, frames, labels.

    ``leaked`` is set for every record of a ``goroutineleak`` profile: the
    runtime only lists goroutines its leak-detecting GC proved stuck.

    A debug=1 record lists every PC of its stack on its ``@`` line but prints frames only
    from the first function outside the runtime on: ``first_pc`` is the innermost PC (where
    a parked goroutine sits in ``runtime.gopark``), ``second_pc`` the one after it (its
    caller's), and ``hidden`` how many PCs precede the first printed frame (-1 when unknown,
    as in a protobuf profile, which hides nothing).
    """

    count: int
    stack: int
    labels: dict[str, str]
    leaked: bool = False
    first_pc: int = 0
    second_pc: int = 0
    hidden: int = -1


@dataclass(slots=True, eq=False)
class Snapshot:
    """One dump: its goroutines in file order, or for debug=1 its groups."""

    kind: SnapshotKind
    start_line: int
    end_line: int
    goroutines: GoroutineList = field(default_factory=lambda: GoroutineList())
    panic_message: str | None = None
    groups: list[ProfileGroup] = field(default_factory=list)
    total: int | None = None
    warnings: list[str] = field(default_factory=list)
    prefix: str = ""
    trace_format: str = ""  # "go 1.26 trace" when kind is "trace"
    # Count profiles: the profile's name from its header or sample type,
    # "goroutine" or "goroutineleak" (Go 1.26+, every record leaked).
    profile: str = ""
    # Where the snapshot came from when not a text dump: "pprof proto" (the
    # default answer of /debug/pprof/goroutine), "race report".
    origin: str = ""
    # Lines the reader skipped: log output interleaved with the stacks
    # (noise), and stack-shaped lines it could not attach to a goroutine
    # (dropped). Both are also said in ``warnings``.
    noise_lines: int = 0
    dropped_lines: int = 0

    @property
    def goroutine_count(self) -> int:
        """Goroutines the dump describes (for debug=1, the sum of group counts)."""
        if self.kind == "debug1":
            return sum(g.count for g in self.groups)
        return len(self.goroutines)

    @property
    def leaked_count(self) -> int:
        """Goroutines the runtime marked leaked (for a profile: in leaked records)."""
        if self.kind == "debug1":
            return sum(g.count for g in self.groups if g.leaked)
        cols = self.goroutines.columns()
        leaked = np.array(["leaked" in h.flags for h in cols.heads], bool)
        return int(leaked[cols.head].sum()) if len(cols.heads) else 0

    @property
    def format_name(self) -> str:
        """The name the JSON contract and notices use.

        debug=2, traceback, race report, debug=1, pprof proto, the trace's; a
        leak profile is prefixed "goroutineleak " (goroutineleak debug=1).
        """
        if self.kind == "trace":
            return self.trace_format
        kinds = {"debug2": "debug=2", "traceback": "traceback", "debug1": "debug=1"}
        name = self.origin or kinds[self.kind]
        if self.profile == "goroutineleak":
            return "goroutineleak " + name
        return name


def largest_snapshot_index(snapshots: list[Snapshot]) -> int:
    """Index of the dump analysed by default: the one with most goroutines (first on ties)."""
    best = 0
    for i, snap in enumerate(snapshots):
        if snap.goroutine_count > snapshots[best].goroutine_count:
            best = i
    return best
