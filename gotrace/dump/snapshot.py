"""What one goroutine dump says, independent of how it was printed.

A file may hold several dumps (a log with two SIGQUITs, concatenated pprof
pages); each becomes one Snapshot. Frames and stacks live in the caller's
``Tables``, so two snapshots parsed with the same tables compare stacks by id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

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


@dataclass(slots=True, frozen=True)
class ProfileGroup:
    """One record of a count profile (debug=1 text or pprof protobuf): count, frames, labels.

    ``leaked`` is set for every record of a ``goroutineleak`` profile: the
    runtime only lists goroutines its leak-detecting GC proved stuck.
    """

    count: int
    stack: int
    labels: dict[str, str]
    leaked: bool = False


@dataclass(slots=True, eq=False)
class Snapshot:
    """One dump: its goroutines in file order, or for debug=1 its groups."""

    kind: SnapshotKind
    start_line: int
    end_line: int
    goroutines: list[DumpGoroutine] = field(default_factory=list)
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
        return sum(1 for g in self.goroutines if "leaked" in g.flags)

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
