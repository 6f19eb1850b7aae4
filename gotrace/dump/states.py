"""What the runtime can print between a goroutine header's brackets.

The header is ``goroutine N [STATUS<decorations>, N minutes, locked to thread,
synctest bubble N]`` (runtime/traceback.go, goroutineheader). STATUS is either a
goroutine status (gStatusStrings) or, for a waiting goroutine, its wait reason
(waitReasonStrings in runtime2.go). The tables below are the union of both lists
over Go 1.19-1.27 so that a state can be recognised (and offered to ``--state``)
whichever toolchain wrote the dump; an unknown state is still kept as printed.
"""

from __future__ import annotations

import re
from typing import Final

# Numbers the columns hold are int64: a wait must fit in ns, ids in int64.
INT64_MAX: Final = (1 << 63) - 1
MAX_WAIT_MINUTES: Final = INT64_MAX // 60_000_000_000
_DIGITS: Final = re.compile(r"[0-9]+")

# waitReasonStrings, Go 1.19-1.27 (runtime/runtime2.go). Reasons ending in
# "(durable)" (1.25+) or "(synctest)" (1.24) are the durably-blocking variants
# used inside a synctest bubble; their base reason is the same wait.
WAIT_REASONS: Final[frozenset[str]] = frozenset(
    {
        "GC assist marking",
        "IO wait",
        "chan receive (nil chan)",
        "chan send (nil chan)",
        "dumping heap",
        "garbage collection",
        "garbage collection scan",
        "panicwait",
        "select",
        "select (no cases)",
        "GC assist wait",
        "GC sweep wait",
        "GC scavenge wait",
        "chan receive",
        "chan send",
        "finalizer wait",
        "force gc (idle)",
        "GOMAXPROCS updater (idle)",
        "semacquire",
        "sleep",
        "sync.Cond.Wait",
        "sync.Mutex.Lock",
        "sync.RWMutex.RLock",
        "sync.RWMutex.Lock",
        "sync.WaitGroup.Wait",
        "timer goroutine (idle)",
        "trace reader (blocked)",
        "wait for GC cycle",
        "GC worker (idle)",
        "GC worker (active)",
        "preempted",
        "debug call",
        "GC mark termination",
        "stopping the world",
        "flushing proc caches",
        "trace goroutine status",
        "trace proc status",
        "page trace flush",
        "coroutine",
        "GC weak to strong wait",
        "synctest.Run",
        "synctest.Wait",
        "chan receive (durable)",
        "chan send (durable)",
        "select (durable)",
        "sync.WaitGroup.Wait (durable)",
        "chan receive (synctest)",
        "chan send (synctest)",
        "select (synctest)",
        "sync.WaitGroup.Wait (synctest)",
        "cleanup wait",
    }
)

# gStatusStrings (runtime/traceback.go), printed when there is no wait reason.
G_STATUSES: Final[frozenset[str]] = frozenset(
    {
        "idle",
        "runnable",
        "running",
        "syscall",
        "waiting",
        "dead",
        "copystack",
        "leaked",
        "preempted",
        "waiting for cgo callback",
        "moribund",
        "enqueue",
    }
)

# Waits only the runtime's own helper goroutines (GC workers, sweeper,
# scavenger, finalizer and cleanup runners, ...) ever park in: ``--hide-idle``
# drops them without having to know every helper's function name.
RUNTIME_IDLE_REASONS: Final[frozenset[str]] = frozenset(
    {
        "GC worker (idle)",
        "force gc (idle)",
        "GC sweep wait",
        "GC scavenge wait",
        "finalizer wait",
        "cleanup wait",
        "GOMAXPROCS updater (idle)",
        "timer goroutine (idle)",
        "trace reader (blocked)",
        "GC weak to strong wait",
    }
)

# Suffixes printed after the status that are not part of the wait itself, with
# the flag each one sets. "(synctest)" is Go 1.24's spelling of "(durable)".
_DECORATIONS: Final[tuple[tuple[str, str], ...]] = (
    (" (leaked)", "leaked"),
    (" (scan)", "scan"),
    (" (durable)", "durable"),
    (" (synctest)", "durable"),
)

FLAG_NAMES: Final[frozenset[str]] = frozenset({"locked to thread", "leaked", "durable", "scan"})

KNOWN_STATES: Final[frozenset[str]] = frozenset(
    {
        *(r.removesuffix(" (durable)").removesuffix(" (synctest)") for r in WAIT_REASONS),
        *G_STATUSES,
    }
)


def strip_decorations(status: str) -> tuple[str, frozenset[str]]:
    """Split "chan receive (durable) (scan)" into ("chan receive", {durable, scan})."""
    flags: set[str] = set()
    changed = True
    while changed:
        changed = False
        for suffix, flag in _DECORATIONS:
            if status.endswith(suffix) and len(status) > len(suffix):
                status = status[: -len(suffix)]
                flags.add(flag)
                changed = True
    if status == "leaked":
        flags.add("leaked")
    return status, frozenset(flags)


class BracketInfo:
    """The parsed text between a header's brackets (shared by equal headers).

    ``damage`` names a number that was printed but cannot be represented (a
    wait of more than 292 years, a bubble id past int64): the value is dropped
    and the reader reports it instead of overflowing a column later.
    """

    __slots__ = ("bubble", "damage", "flags", "raw_state", "state", "wait_minutes")

    def __init__(
        self,
        state: str,
        raw_state: str,
        wait_minutes: int | None,
        flags: frozenset[str],
        bubble: int | None,
        damage: str | None = None,
    ) -> None:
        self.state = state
        self.raw_state = raw_state
        self.wait_minutes = wait_minutes
        self.flags = flags
        self.bubble = bubble
        self.damage = damage


def parse_bracket(inner: str) -> BracketInfo:
    """Parse ``chan receive (leaked), 5 minutes, locked to thread, synctest bubble 3``.

    Unknown comma parts are kept in raw_state and otherwise ignored, so a future
    runtime adding a field does not lose the goroutine.
    """
    parts = inner.split(", ")
    state, flags = strip_decorations(parts[0])
    wait: int | None = None
    bubble: int | None = None
    damage: list[str] = []
    extra: set[str] = set()
    for part in parts[1:]:
        if part.endswith(" minutes") and _DIGITS.fullmatch(part, 0, len(part) - 8):
            minutes = int(part[:-8])
            if minutes <= MAX_WAIT_MINUTES:
                wait = minutes
            else:
                damage.append(f"a wait of {part} cannot be represented")
        elif part == "locked to thread":
            extra.add("locked to thread")
        elif part.startswith(("synctest bubble ", "synctest group ")):
            num = part.rpartition(" ")[2]
            if _DIGITS.fullmatch(num):
                if int(num) <= INT64_MAX:
                    bubble = int(num)
                else:
                    damage.append(f"{part} cannot be represented")
    if extra:
        flags = flags | extra
    return BracketInfo(state, parts[0], wait, flags, bubble, "; ".join(damage) or None)
