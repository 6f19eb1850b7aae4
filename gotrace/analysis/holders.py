"""Which parked goroutines hold a contended lock, read from a debug=2 dump's arguments.

When nothing of the program's runs and goroutines wait for a Mutex (leaks' ``holder-parked``),
the lock's holder is one of the other parked goroutines, and it is where the bug is: it
waits on a channel, a WaitGroup or a Cond while holding the lock (a Close that waits for a
reader which needs the lock Close holds). A dump names no holder, but prints each frame's
arguments. The waiter's ``sync.(*Mutex).lockSlow`` (or an RWMutex's ``Lock``) prints the
lock's address; an ``RLock`` is inlined and prints none, so the receiver of the method that
called it stands for it. A parked goroutine whose frames of the program's own print a
pointer at most ``LOCK_SPAN`` bytes below that address works on the struct the lock is a
field of. The heap packs small objects together, so only the nearest pointer below the lock
of all those the parked goroutines print (the waiters' own among them) ties, and a struct
that more than ``TIES_MAX`` goroutines print (a server everyone works on) ties none. A tie
is evidence, not proof; a value printed with ``?`` (a register the runtime cannot vouch
for) is not read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..model import Model
from ..stacks import is_std
from .grouping import Group

# How far into a struct its lock field may be: a Mutex is usually among the first fields.
LOCK_SPAN = 512
# A lock's address as the waiter's frames print it: lockSlow's receiver (Go 1.24+ in
# internal/sync), or an RWMutex's Lock; sema addresses print as unreliable register values.
LOCK_FRAME = re.compile(r"(?:internal/)?sync\.\(\*(?:Mutex\)\.lockSlow|RWMutex\)\.Lock)")
# A pointer argument that the runtime vouches for (as in leaks.POINTER_ARG), and that fits
# in 64 bits: an argument is text from the input, and a longer one is no address.
POINTER = re.compile(r"0x[0-9a-f]{5,16}(?![0-9a-fx?])")
# A Mutex has one holder and an RWMutex a few readers: more parked goroutines on the lock's
# struct than this say the struct is shared (a server's), not who holds its lock.
TIES_MAX = 8
SAMPLED = 64  # goroutines read per group: enough to find a tie, cheap in a big dump
# Goroutines read in all: a dump of a hundred thousand one-goroutine groups (a generated or
# hostile one) costs about a second here, not five; groups past it are not tied to any lock.
BUDGET = 20_000


@dataclass(frozen=True, slots=True)
class Holding:
    """Goroutines of group ``holder`` tied to the lock the goroutines of group ``waiters`` wait
    for (indices into the groups passed to :func:`lock_holders`)."""

    holder: int
    waiters: int
    count: int  # goroutines of the holder group tied, of those read


def lock_holders(model: Model, groups: Sequence[Group], locked: Sequence[int],
                 parked: Sequence[int]) -> list[Holding]:
    """Which of the ``parked`` groups hold the locks the ``locked`` groups wait for (indices
    into ``groups``), from the dump's arguments. Empty for anything but a debug=2 dump."""
    if model.extras is None or model.is_profile or not locked or not parked:
        return []
    locks: dict[int, set[int]] = {}  # lock address -> the groups waiting for it
    pointers: dict[int, set[int]] = {}  # pointer -> the rows of parked groups that print it
    for gi in locked:
        for r in groups[gi].rows[:SAMPLED].tolist():
            for addr in _lock_addresses(model, r):
                locks.setdefault(addr, set()).add(gi)
            for p in _own_pointers(model, r):  # a waiter's own pointer may be the nearer struct
                pointers.setdefault(p, set())
    if not locks:
        return []
    group_of: dict[int, int] = {}
    for gi in parked:
        if len(group_of) >= BUDGET:
            break
        for r in groups[gi].rows[:SAMPLED].tolist():
            group_of[r] = gi
            for p in _own_pointers(model, r):
                pointers.setdefault(p, set()).add(r)
    if not pointers:
        return []
    starts = np.array(sorted(pointers), np.uint64)
    tied: dict[tuple[int, int], set[int]] = {}  # (holder group, waiting group) -> rows
    for addr, waiting in locks.items():
        k = int(np.searchsorted(starts, np.uint64(addr), side="right")) - 1
        if k < 0 or addr - int(starts[k]) >= LOCK_SPAN:
            continue
        on_it = pointers[int(starts[k])]
        if len(on_it) > TIES_MAX:  # a struct everyone works on (a server): no one's in particular
            continue
        for r in on_it:
            for w in waiting:
                tied.setdefault((group_of[r], w), set()).add(r)
    return [Holding(h, w, len(rows)) for (h, w), rows in sorted(tied.items())]


def _lock_addresses(model: Model, row: int) -> list[int]:
    """Where the lock a waiting goroutine wants is: its address as the sync frames print it,
    else (an RLock, inlined, prints none) the receiver of the method of the program's that
    called Lock: the lock is a field of it."""
    g = model.extras[row].g  # type: ignore[index]
    frames, args = model.tables.stacks[g.stack_id], g.frame_args
    names = model.tables.frames
    found = [int(p, 16) for i, fid in enumerate(frames[:len(args)])
             if LOCK_FRAME.fullmatch(names[fid].func) for p in POINTER.findall(args[i])]
    if found:
        return found
    i = next((i for i, fid in enumerate(frames) if not is_std(names[fid].func)), len(args))
    receiver = POINTER.match(args[i]) if i < len(args) and ".(*" in names[frames[i]].func else None
    return [int(receiver.group(), 16)] if receiver else []


def _own_pointers(model: Model, row: int) -> set[int]:
    """The pointers the frames of the program's own code print for a goroutine."""
    g = model.extras[row].g  # type: ignore[index]
    frames, args = model.tables.stacks[g.stack_id], g.frame_args
    names = model.tables.frames
    return {int(p, 16) for i, fid in enumerate(frames[:len(args)])
            if not is_std(names[fid].func) for p in POINTER.findall(args[i])}
