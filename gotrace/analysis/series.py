"""A series of captures of one service, oldest first: where a group of the last capture is in
the earlier ones, whether they are of one process and in order, and what the reader must be
told when they are not.

Growth between captures is evidence only when like is compared with like. Groups are matched
by state, blocking site and creation site; a profile prints no creators, so a series with one
leaves the creation site out. A debug=1 profile names a wait its dropped runtime frames hid
only as far as its PCs tell ("chan send or receive", "parked"), where a dump or a protobuf
profile says "chan receive": a series that mixes them is matched by blocking site alone, or
every group would seem to appear from nothing. Goroutine ids say something across captures
only within one process, and a series given newest first reads growth backwards: both are
told from the captures themselves and said in the report's notes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..model import Model
from ..stacks import is_std
from ..tables import Frame
from ..trace.events import GoState
from .capture import found
from .grouping import Group, group_rows
from .waits import holds_none

Key = tuple[str | None, Frame | None, Frame | None]
MINUTE = 60_000_000_000
# Goroutines created between two captures, and ended between them, that tell the order.
ORDER_MIN = 5
# The runtime stamps a blocked goroutine's wait start (the minutes a dump prints) when a
# collection finds it blocked, and collects at least this often (runtime.forcegcperiod).
FORCED_GC = 2 * MINUTE


def suspect_rows(model: Model) -> npt.NDArray[np.int64]:
    """Goroutines that can leak: alive and not running (a profile's records of any state)."""
    s = model.goroutines.state
    keep = (s != GoState.NOT_EXIST) & (s != GoState.RUNNING)
    return np.flatnonzero(keep)


def _vocabulary(model: Model) -> str:
    """How a capture names waits: dumps and tracebacks alike; each profile form its own way."""
    return model.source.format if model.is_profile else "dump"


class Series:
    """The groups of every capture of a series, matched to those of the last."""

    def __init__(self, models: Sequence[Model]) -> None:
        self.models = list(models)
        self.mixed = len({_vocabulary(m) for m in self.models}) > 1
        with_creator = not any(m.is_profile for m in self.models)
        self.groups = [group_rows(m, suspect_rows(m), with_creator=with_creator) for m in self.models]
        self._index: list[dict[Key, list[Group]]] = []
        for groups in self.groups:
            index: dict[Key, list[Group]] = {}
            for x in groups:
                index.setdefault(self.key(x), []).append(x)
            self._index.append(index)
        self._same: dict[int, bool | None] = {}
        self._earlier: dict[Key, tuple[npt.NDArray[np.int64] | None, bool | None]] = {}
        self._apart: dict[int, int] = {}
        self._working_first: dict[Frame | None, npt.NDArray[np.int64]] | None = None

    @property
    def last(self) -> list[Group]:
        """The groups of the last capture: the suspects."""
        return self.groups[-1]

    def key(self, grp: Group) -> Key:
        if self.mixed:
            return (None, grp.blocking, None)
        return (grp.state, grp.blocking, grp.created_at)

    def counts(self, grp: Group) -> list[int]:
        """How many wait as ``grp`` does in each capture, oldest first; empty for one capture."""
        if len(self.models) < 2:
            return []
        k = self.key(grp)
        return [sum(x.count for x in index.get(k, ())) for index in self._index]

    def earlier(self, grp: Group) -> tuple[npt.NDArray[np.int64] | None, bool | None]:
        """The ids of ``grp``'s goroutines in the earliest capture that had it (None when none
        did, or it is a profile, whose records are no goroutines), and whether that capture is
        of the last one's process (None: cannot tell)."""
        k = self.key(grp)
        if k not in self._earlier:  # asked again by stays() for a busy process's locks
            first = self._first(k)
            if first is None or self.models[first].is_profile:
                self._earlier[k] = (None, None)
            else:
                ids = self.models[first].goroutines.id
                self._earlier[k] = (np.concatenate([ids[x.rows] for x in self._index[first][k]]),
                                    self.same_process(first))
        return self._earlier[k]

    def made(self, grp: Group) -> int | None:
        """How many of ``grp``'s goroutines the first capture did not have at work in the
        program's code: made since, or idle then in the standard library's frames only (a
        keep-alive connection's goroutine between requests: what it does now is new work). A
        goroutine the first capture had elsewhere in your code, made where it was made, is the
        same one moving between waits. None when ids cannot tell: a profile, or a capture known
        to be of another process (one numbers its goroutines from 1 again; where it makes the
        same ones at the same sites, a fixed set, they are as good as the same)."""
        first = self.models[0]
        if len(self.models) < 2 or first.is_profile or self.models[-1].is_profile \
                or self.same_process(0) is False:
            return None
        if self._working_first is None:  # per creation site, read once for every group
            frames = first.tables.stack_frames
            rows: dict[Frame | None, list[npt.NDArray[np.int64]]] = {}
            for x in self.groups[0]:
                if not holds_none(frames(x.stack), False):
                    rows.setdefault(x.created_at, []).append(x.rows)
            self._working_first = {site: first.goroutines.id[np.concatenate(rs)] for site, rs in rows.items()}
        ids = self._working_first.get(grp.created_at, np.empty(0, np.int64))
        return int((~np.isin(self.models[-1].goroutines.id[grp.rows], ids)).sum())

    def apart(self, grp: Group) -> int:
        """How long (ns) at least passed between the earliest capture that had ``grp`` and the
        last, as the waits of goroutines blocked in both tell (a dump prints whole minutes: one
        less than the difference); 0 when none tells."""
        first = self._first(self.key(grp))
        if first is None:
            return 0
        if first not in self._apart:
            self._apart[first] = _apart(self.models[first], self.models[-1]) \
                if self.same_process(first) is not False else 0
        return self._apart[first]

    def _first(self, k: Key) -> int | None:
        """The earliest capture but the last that has a group of key ``k``."""
        return next((i for i, index in enumerate(self._index[:-1]) if k in index), None)

    def stays(self, grp: Group) -> bool:
        """Whether every goroutine ``grp`` had in the earliest capture that had it is still in
        it now, in a capture known to be of this process: the same goroutines, waiting at the
        same site, through the whole series."""
        ids, same = self.earlier(grp)
        now = self.models[-1].goroutines.id[grp.rows]
        return ids is not None and same is True and bool(np.isin(ids, now).all())

    def same_process(self, i: int) -> bool | None:
        """Whether capture ``i`` is of the last one's process, judged by the goroutines that are
        there once in both (an accept loop, a signal handler): one process keeps most of their
        ids, a restart none. None when they do not tell, or either is a profile. Never when it
        is of another program."""
        if i not in self._same:
            self._same[i] = False if self.other_program(i) else \
                _same_process(self.models[i], self._index[i], self.models[-1], self._index[-1])
        return self._same[i]

    def other_program(self, i: int) -> bool:
        """Whether capture ``i`` is of another program than the last: both block or were made
        in source files of their own (the standard library's left out), and none in the same
        one. Two captures of one service share its long-lived goroutines' files at least."""
        mine, last = _own_files(self.groups[i]), _own_files(self.groups[-1])
        return bool(mine) and bool(last) and not mine & last

    @property
    def restarted(self) -> bool:
        """Whether an earlier capture is known to be of another process than the last: counts
        across a restart say nothing of growth."""
        return any(self.same_process(i) is False for i in range(len(self.models) - 1))

    def notes(self) -> list[str]:
        """What the reader of a report on this series must know: captures of other processes,
        captures out of order, captures that name waits differently."""
        out = []
        names = [m.source.path for m in self.models]
        if self.mixed:
            forms = sorted({m.source.format for m in self.models})
            out.append(f"the captures name waits differently ({', '.join(forms)}): their groups are "
                       "matched by where they block, not by state")
        for i in range(len(self.models) - 1):
            if self.other_program(i):
                out.append(f"{names[i]} is of another program than {names[-1]} (no source file of "
                           "their own in common): its counts are not weighed")
            elif self.same_process(i) is False:
                out.append(f"{names[i]} is of another process than {names[-1]} (goroutines both have "
                           "once, such as an accept loop, have other ids): counts across a restart say "
                           "nothing of growth, and are not weighed")
        for i in range(len(self.models) - 1):
            # Ids and waits compare within one process only (a restart numbers from 1 again).
            one = _same_process(self.models[i], self._index[i], self.models[i + 1], self._index[i + 1])
            if one and _newer(self.models[i], self.models[i + 1]):
                out.append(f"{names[i]} looks newer than {names[i + 1]}, which is given after it "
                           "(its goroutines were made later, or have waited longer): give a series "
                           "oldest first, or its growth reads backwards")
        return out


def _same_process(old: Model, old_index: dict[Key, list[Group]], new: Model,
                  new_index: dict[Key, list[Group]]) -> bool | None:
    if old.is_profile or new.is_profile:
        return None
    keys = [k for k, xs in old_index.items() if len(xs) == 1 and xs[0].count == 1 and k in new_index
            and len(new_index[k]) == 1 and new_index[k][0].count == 1
            and not (xs[0].blocking is not None and xs[0].blocking.func.startswith("runtime."))]
    if not keys:
        return None
    same = sum(int(old.goroutines.id[old_index[k][0].rows[0]])
               == int(new.goroutines.id[new_index[k][0].rows[0]]) for k in keys)
    # A restart renumbers all of them; in one process some lone goroutines are different ones
    # by now (a lock's holder, the current request of a serial worker): most keep their ids.
    if same == 0:
        return False
    return True if same * 2 >= len(keys) else None


def _own_files(groups: list[Group]) -> set[str]:
    """The program's own source files its groups block or were made in."""
    return {f.file for x in groups for f in (x.blocking, x.created_at)
            if f is not None and f.file and not is_std(f.func)}


def _apart(old: Model, new: Model) -> int:
    """A lower bound (ns) on the time between two dumps of one process: the most any goroutine
    in both, with a printed wait in the older, has waited longer in the newer, less the minute
    a dump's whole minutes may hide. A goroutine woken in between waits less, never more."""
    if old.is_profile or new.is_profile or old.is_trace or new.is_trace:
        return 0
    a, b = old.goroutines, new.goroutines
    rows = np.flatnonzero((a.state != GoState.NOT_EXIST) & (a.wait_ns >= MINUTE))
    at, hit = found(b.id, a.id[rows])  # goroutine ids are sorted, one row each
    if not hit.any():
        return 0
    grown = b.wait_ns[at[hit]].astype(np.int64) - a.wait_ns[rows[hit]].astype(np.int64)
    return max(0, int(grown.max()) - MINUTE)


def _alive_ids(model: Model) -> npt.NDArray[np.int64]:
    g = model.goroutines
    return np.unique(g.id[g.state != GoState.NOT_EXIST])


def _newer(old: Model, new: Model) -> bool:
    """Whether ``old``, given before ``new``, was captured after it. A process numbers its
    goroutines upward as it makes them (each P takes a batch of 16 ids at a time): those
    only the later capture has were made after those only the earlier one has, which have
    ended since; and its waits, which a dump prints in minutes, are as long or longer."""
    if old.is_profile or new.is_profile:
        return False
    if not old.is_trace and not new.is_trace and old.goroutines.wait_ns.max(initial=0) \
            > new.goroutines.wait_ns.max(initial=0) + MINUTE:
        return True
    a, b = _alive_ids(old), _alive_ids(new)
    gone, made = np.setdiff1d(a, b), np.setdiff1d(b, a)
    if len(gone) < ORDER_MIN or len(made) < ORDER_MIN:
        return False
    return float(np.median(made)) < float(np.median(gone))
