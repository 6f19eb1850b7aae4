"""Row filters shared by the CLI and the TUI: age, state, text match."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import numpy.typing as npt

from ..dump.names import is_runtime_helper
from ..dump.states import KNOWN_STATES, RUNTIME_IDLE_REASONS
from ..model import Model, count_by, state_name
from ..model.infer import CHAN_OP, PARKED
from ..stacks import root_index
from ..tables import Tables
from ..trace.events import GoState

# The block reasons a trace records (traceBlockReasonStrings, runtime/traceruntime.go);
# dumps print runtime2.go's wait reasons instead (gotrace.dump.states).
TRACE_BLOCK_REASONS = frozenset({
    "unspecified", "forever", "network", "select", "sync.(*Cond).Wait", "sync", "chan send",
    "chan receive", "GC mark assist wait for work", "GC background sweeper wait",
    "system goroutine wait", "preempted", "wait for debug call", "wait until GC ends", "sleep",
    "GC weak to strong wait", "synctest",
})
PLAIN_STATES = frozenset({"running", "runnable", "syscall", "dead", "waiting", "unknown", PARKED, CHAN_OP})


LABEL_SLICE = 1 << 18


def state_label_index(model: Model) -> tuple[list[str], npt.NDArray[np.signedinteger[Any]]]:
    """The distinct user-facing states, and each row's index into them, in the smallest
    integer type that holds it (a row column of a few values: 2 bytes a row, not 8).

    Computed once per distinct (state, reason), so views of millions of
    goroutines stay vectorised.
    """
    g = model.goroutines
    strings = model.tables.strings
    n = len(strings)
    if len(g) > 1000 and n and int(g.reason.min()) >= 0 and int(g.reason.max()) < n:
        # A few distinct keys among millions of rows: marking the ones present in a
        # table of every (state, reason) is O(n), where np.unique sorts (O(n log n),
        # a second on two million goroutines, paid by every summary and grouping).
        # Same order as np.unique: by state, then reason. A slice of rows at a time, so
        # the only full-length column made is the index itself.
        width = (int(g.state.max()) + 1) * n
        wide: type[np.signedinteger[Any]] = np.int32 if width < 2**31 else np.int64

        def keys(at: int) -> npt.NDArray[np.signedinteger[Any]]:
            dense = g.state[at:at + LABEL_SLICE].astype(wide)
            dense *= n
            dense += g.reason[at:at + LABEL_SLICE]
            return dense

        present = np.zeros(width, bool)
        for at in range(0, len(g), LABEL_SLICE):
            present[keys(at)] = True
        slots = np.flatnonzero(present)
        uniq = (slots // n) << 32 | slots % n
        lookup = (np.cumsum(present) - 1).astype(_index_type(len(slots)))
        inv: npt.NDArray[np.signedinteger[Any]] = np.empty_like(lookup, shape=len(g))
        for at in range(0, len(g), LABEL_SLICE):
            inv[at:at + LABEL_SLICE] = lookup[keys(at)]
    else:
        key = g.state.astype(np.int64) << 32 | g.reason.astype(np.int64)
        uniq, where = np.unique(key, return_inverse=True)
        inv = where.reshape(-1).astype(_index_type(len(uniq)))
    labels = [state_name(int(k >> 32), strings[int(k & 0xFFFFFFFF)]) for k in uniq.tolist()]
    return labels, inv


def _index_type(n: int) -> type[np.signedinteger[Any]]:
    """The smallest signed integer type that indexes ``n`` values."""
    return np.int16 if n <= 2**15 else np.int32 if n <= 2**31 else np.int64


def state_labels(model: Model) -> list[str]:
    """The user-facing state of each row (a list: for per-row Python consumers)."""
    labels, inv = state_label_index(model)
    return [labels[i] for i in inv.tolist()]


def state_check(model: Model, states: tuple[str, ...]) -> tuple[list[str], list[str], list[str]]:
    """For ``--state``: (names Go never uses for a state, names no goroutine here is in,
    the states that are here, most common first)."""
    labels, inv = state_label_index(model)
    n = count_by(inv, len(labels), model.goroutines)
    here = [labels[i] for i in np.argsort(-n, kind="stable").tolist() if n[i]]
    lower_here = {s.lower() for s in here}
    known = {s.lower() for s in (*KNOWN_STATES, *TRACE_BLOCK_REASONS, *PLAIN_STATES)}
    unknown = [s for s in states if s.lower() not in known and s.lower() not in lower_here]
    absent = [s for s in states if s.lower() in known and s.lower() not in lower_here]
    return unknown, absent, here


def select_rows(
    model: Model,
    older_than_ns: int | None = None,
    states: tuple[str, ...] = (),
    match: str | re.Pattern[str] | None = None,
    hide_idle: bool = False,
) -> npt.NDArray[np.int64]:
    """Rows that pass every filter given.

    ``older_than_ns`` keeps goroutines in a blocked state (waiting, runnable,
    syscall) for at least that long at the end — inclusive, so a dump's
    "60 minutes" passes ``--older-than 60m``. ``hide_idle`` drops the runtime's
    own idle goroutines (:func:`idle_rows`).
    """
    g = model.goroutines
    keep = np.ones(len(g), bool)
    if hide_idle:
        keep &= ~idle_rows(model)
    if older_than_ns is not None:
        blocked = (g.state == GoState.WAITING) | (g.state == GoState.RUNNABLE) | (
            g.state == GoState.SYSCALL
        )
        keep &= blocked & (g.wait_ns >= older_than_ns)
    if states:
        wanted = {s.lower() for s in states}
        labels, inv = state_label_index(model)
        keep &= np.array([lab.lower() in wanted for lab in labels], bool)[inv]
    if match:
        keep &= _match_rows(model, re.compile(match) if isinstance(match, str) else match)
    return np.flatnonzero(keep)


def _match_rows(model: Model, rx: re.Pattern[str]) -> npt.NDArray[np.bool_]:
    """Rows whose start function, any stack frame (function or file) or label matches,
    or whose id is the pattern when it is a number."""
    t = model.tables
    g = model.goroutines
    frame_hit = np.array(
        [bool(rx.search(f.func) or rx.search(f.file)) for f in t.frames], bool
    )
    stack_hit = np.array([bool(ids) and bool(frame_hit[list(ids)].any()) for ids in t.stacks], bool)
    string_hit = np.array([bool(rx.search(s)) for s in t.strings], bool)
    hit = stack_hit[g.last_stack] | stack_hit[g.creation_stack] | string_hit[g.name]
    if rx.pattern.isdigit():  # a goroutine id
        hit |= g.id == int(rx.pattern)
    if model.extras is not None:
        hit |= model.extras.label_hits(rx)
    return hit


def idle_rows(model: Model) -> npt.NDArray[np.bool_]:
    """The runtime's own idle goroutines: GC workers, sweeper, finalizers, timers, g0."""
    g = model.goroutines
    t = model.tables
    labels, inv = state_label_index(model)
    by_state = np.array([lab in RUNTIME_IDLE_REASONS for lab in labels], bool)[inv]
    helper = np.array([bool(ids) and is_runtime_helper(t.frames[_root(t, ids)].func)
                       for ids in t.stacks], bool)
    return by_state | helper[g.last_stack] | (g.id == 0)


def _root(t: Tables, ids: tuple[int, ...]) -> int:
    """The stack's root frame (:func:`gotrace.stacks.root_index`), else its last."""
    i = root_index([t.frames[fid].func for fid in ids])
    return ids[-1] if i is None else ids[i]


def leaked_rows(model: Model) -> npt.NDArray[np.bool_]:
    """Goroutines the runtime proved leaked: ``(leaked)`` in a dump, every record of a
    goroutineleak profile (Go 1.26 with the experiment, Go 1.27)."""
    if model.extras is None:
        return np.zeros(len(model.goroutines), bool)
    leaked: npt.NDArray[np.bool_] = model.extras.leaked()
    return leaked
