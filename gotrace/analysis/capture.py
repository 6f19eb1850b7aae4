"""What one capture says about itself, read once for all its suspects: whether anything of
the program's still runs (the quiet a parked lock holder or a missing waker needs), whether
a timer could still start anything, whether a test binary took it after its tests, and, for
a trace, when each site's goroutines were created, ended and last woken.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ..dump.goleak import MARKER as GOLEAK_MARKER
from ..model import Model
from ..model.core import NONE
from ..model.infer import PARKED
from ..stacks import takes_capture, writes_profile
from ..tables import Frame, Tables
from ..trace.events import GoState
from .waits import RECEIVING, RUNTIME_MACHINERY, SELF_WAKING, TESTING_FUNCS, TIMER_PROOF, holds_none

# The runtime's own goroutines, by start function, and the capture's machinery's: the
# execution tracer's reader (runtime/trace.Start.func1, Go 1.25+'s trace multiplexer) and the
# CPU profile's writer. They hold no lock of the program's and send it nothing.
RUNTIME_OWN = ("runtime.", "runtime/trace.", "runtime/pprof.")
# An HTTP/1 client response body's Read (net/http/transport.go).
BODY_READ = "net/http.(*bodyEOFSignal).Read"
# runtime/synctest.go: the panics of a deadlocked synctest bubble.
BUBBLE_DEADLOCK = ("deadlock: main bubble goroutine has exited but blocked goroutines remain",
                   "deadlock: all goroutines in bubble are blocked")


class Capture:
    """What every suspect of one input is judged against: the model's facts, computed once."""

    def __init__(self, model: Model) -> None:
        self.model = model
        g = model.goroutines
        self.g = g
        self.is_trace = model.is_trace
        self.span = int(model.span_ns or 0)
        snap = model.snapshot
        panic = (snap.panic_message or "") if snap is not None else ""
        self.all_asleep = "all goroutines are asleep" in panic
        # testing/synctest (Go 1.24+) panics when a bubble deadlocks: its goroutines blocked
        # durably can be woken only from inside it, and nothing there can run any more.
        self.bubble_dead = any(m in panic for m in BUBBLE_DEADLOCK)
        self.durable = (model.extras.durable() if self.bubble_dead and model.extras is not None
                        else np.zeros(len(model.goroutines), bool))
        self.test_timeout = panic.startswith("panic: test timed out") or "test timed out after" in panic
        self.goleak = panic.startswith(GOLEAK_MARKER)  # gotrace.dump.goleak
        # Each distinct last stack's functions, read once for the two questions below.
        funcs = {} if model.is_trace else _stack_funcs(model)
        self._funcs = funcs
        self.after_tests = not model.is_trace and _after_tests(model, funcs)
        self.detector_ran = not model.is_trace and _detector_ran(model)
        # The process is gone or done: it crashed or panicked (a deadlock, a test timeout,
        # goleak's report), or every test ended. No later capture of it can be taken.
        self.stopped = bool(panic) or self.after_tests
        alive = g.state != GoState.NOT_EXIST
        order = np.argsort(g.id[alive], kind="stable")
        self._alive_rows = np.flatnonzero(alive)[order]
        self._alive_ids = g.id[self._alive_rows]
        # Nothing runs, is runnable, in a syscall, asleep or waiting on the network but (at
        # most) the goroutine that took the capture (a dump's writer, a trace's stopper) and the
        # runtime's own (GC workers hold no lock of yours): whoever holds a lock now waits on a
        # channel, a lock or a Cond, not on a query or a sleep that ends by itself. A profile's
        # states are read from its stacks: a protobuf profile keeps the runtime's frames, which
        # tell each wait; a stack that tells none (debug=1 hides those frames) may be running.
        strings = model.tables.strings
        waiting = g.state == GoState.WAITING
        waking = [r for r in np.unique(g.reason[waiting]).tolist() if strings[r] in SELF_WAKING]
        # A wait entered through the runtime's machinery (a GC started by an allocation) ends by
        # itself whatever it is called; so may one a debug=1 profile hid deeper than a channel's.
        if model.is_profile:
            waking += [r for r in np.unique(g.reason[waiting]).tolist() if strings[r] == PARKED]
        t = model.tables
        inner, body = _frames_of(t)
        machinery = [s for s in (np.unique(g.last_stack[waiting]).tolist() if inner else [])
                     if not inner.isdisjoint(t.stacks[s]) and _in_machinery(t.stack_frames(s))]
        working = ((g.state == GoState.RUNNING) | (g.state == GoState.RUNNABLE)
                   | (g.state == GoState.SYSCALL) | (g.state == GoState.UNDETERMINED)
                   | (waiting & (np.isin(g.reason, waking) | np.isin(g.last_stack, machinery))))
        # The runtime's goroutines a trace names by nothing: no start function, no stack or one
        # of unnamed frames. Go's runtime names every frame of your code it records; a Go 1.21
        # trace gives a runtime goroutine that existed before it (the sweeper) a start the
        # parser cannot name and stacks of one unnamed frame, or none at all.
        nameless = _nameless(model) if model.is_trace else np.zeros(len(g.id), bool)
        if model.is_trace:
            # In a trace, at work means seen working: one that existed before it and never ran
            # in it has been in one syscall (or the run queue) all along, and serves nobody the
            # trace saw waiting (a Go 1.21 trace gives such a goroutine no stack, no name).
            # Nor is one of the runtime's it names by nothing.
            working &= (g.exec_ns > 0) | (g.created_ns != NONE)
            working &= ~nameless
        busy_rows = np.flatnonzero(working)
        busy = g.name[busy_rows]
        runtime = [n for n in np.unique(busy).tolist() if strings[n].startswith(RUNTIME_OWN)]
        others = busy_rows[~np.isin(busy, runtime)]
        self.quiet = int(g.weights(others).sum()) <= 1
        # A lock of yours is held by a goroutine with your code on its stack. One made only of
        # the standard library's frames (an idle keep-alive connection, a client's read loop,
        # the pprof handler writing the dump) holds none and releases none, and nor does one
        # in an accept; so for a lock's holder those do not break the quiet: a dump fetched
        # from a live server's /debug/pprof is as quiet as one written by a hung test.
        # The capture's own goroutine is known by its frames where it has them (runtime/pprof
        # writing, runtime/trace stopping); else (a SIGQUIT, a crash) one busy one is allowed.
        stacks = model.tables.stack_frames
        nothing, takers = [], []
        for s in np.unique(g.last_stack[others]).tolist():
            frames = stacks(s)
            if any(takes_capture(f.func) for f in frames):
                takers.append(s)
            elif holds_none(frames, model.is_profile):
                nothing.append(s)
        yours = others[~np.isin(g.last_stack[others], nothing + takers)]
        self.quiet_locks = int(g.weights(yours).sum()) <= (0 if takers else 1)
        # Beyond the quiet: is anyone left whom a timer could wake (a select, a channel
        # receive: a ticker's channel, a context's deadline) to send, call Done or Signal? Not
        # the runtime's own, not the testing framework waiting for a test to end, and not one
        # waiting to send or on a sync primitive, which only another goroutine ends (or a
        # timer's callback, time.AfterFunc's, which is no goroutine until it fires).
        proof = [r for r in np.unique(g.reason[waiting]).tolist() if strings[r] in TIMER_PROOF]
        framework = [s for s, fs in funcs.items()
                     if next((f for f in fs if not f.startswith("runtime.")), "").startswith(TESTING_FUNCS)]
        names = np.unique(g.name[waiting]).tolist()
        own = [n for n in names if strings[n].startswith(RUNTIME_OWN)]
        wakeable = (waiting & ~np.isin(g.reason, proof) & ~np.isin(g.name, own)
                    & ~np.isin(g.last_stack, framework) & ~nameless)
        wakeable[busy_rows] = False
        # One waiting in a plain receive inside the function that started a goroutine which no
        # timer reaches waits for that goroutine (`go f(); <-done`), not for a timer.
        self.waits_on_stuck = _waits_on_stuck(model, waiting & np.isin(g.reason, proof))
        wakeable &= ~self.waits_on_stuck
        self.timer_wakes = bool(wakeable.any())
        # Who of yours could still receive what a sender sends: one at work, or one waiting in
        # a receive or a select (a consumer's loop, a retry loop, a semaphore's holders at
        # work). Not the runtime's own, not the testing framework waiting for a test, not the
        # capture's own, and not one made only of the standard library's frames (an idle
        # connection receives nothing of yours).
        listening = [r for r in np.unique(g.reason[waiting]).tolist() if strings[r] in RECEIVING]
        waits = np.flatnonzero(waiting & np.isin(g.reason, listening) & ~np.isin(g.name, own))
        std_only = [s for s in np.unique(g.last_stack[waits]).tolist()
                    if holds_none(stacks(s), model.is_profile)]
        waits = waits[~np.isin(g.last_stack[waits], framework + std_only + nothing + takers)]
        # (As for the quiet, one busy goroutine of a capture with no writer of its own, a
        # SIGQUIT's or a crash's, is taken for the one that stopped the process.)
        self.at_work = max(0, int(g.weights(yours).sum()) - (0 if takers else 1))
        self.receivers = self.at_work + int(g.weights(waits).sum())
        # Goroutines reading an HTTP/1 client response's body: its connection's read loop waits
        # meanwhile (for the body's end or close), in use, not left open.
        reading = [s for s in (np.unique(g.last_stack[alive]).tolist() if body else [])
                   if not body.isdisjoint(t.stacks[s])]
        self.body_readers = int(g.weights(np.flatnonzero(alive & np.isin(g.last_stack, reading))).sum())
        alive_waits = g.wait_ns[alive & (g.wait_ns > 0)]
        self.uptime = int(alive_waits.max()) if len(alive_waits) else 0  # a dump's lower bound
        # Per creation site (top frame of the creation stack): created in the trace, and ended.
        top = np.array([ids[0] if ids else 0 for ids in t.stacks], np.int64)
        self.site_of_row = top[g.creation_stack]
        n = len(t.frames)
        created = g.created_ns >= 0
        self.site_created = np.bincount(self.site_of_row[created], minlength=n)
        ended = created & (g.ended_ns >= 0)
        self.site_ended = np.bincount(self.site_of_row[ended], minlength=n)
        ended_rows = np.flatnonzero(ended)
        order = np.argsort(self.site_of_row[ended_rows], kind="stable")
        self._ended_rows = ended_rows[order]
        self._ended_sites = self.site_of_row[self._ended_rows]
        self.wakes = model.wakes

    def last_woken(self, stacks: npt.NDArray[np.int32]) -> int | None:
        """When a goroutine waiting at one of ``stacks`` was last woken in the trace (ns since
        its start), or None if none ever was."""
        if self.wakes is None:
            return None
        at, hit = found(self.wakes.stack, stacks)
        return int(self.wakes.last_ns[at[hit]].max()) if hit.any() else None

    def returned(self, ids: npt.NDArray[np.int64], func: str) -> int:
        """How many of the distinct goroutine ``ids`` have returned from ``func``: they are
        gone, or (a dump, which shows where each is now) alive with no frame of ``func`` on
        their stack. A connection's goroutine serves one request after another: the handler
        that made a goroutine has returned though the connection's goroutine lives on. A
        trace's last stack of a goroutine is where it last stopped, not where it is."""
        at, hit = found(self._alive_ids, ids)
        if self.is_trace:
            return int((~hit).sum())
        stacks = self.g.last_stack[self._alive_rows[at[hit]]]
        inside = [s for s in np.unique(stacks).tolist() if func in self._funcs[s]]
        return int((~hit).sum()) + int((~np.isin(stacks, inside)).sum())

    def lifetimes(self, site: int) -> npt.NDArray[np.int64]:
        """How long the goroutines created at ``site`` that ended during the trace lived."""
        lo, hi = np.searchsorted(self._ended_sites, [site, site + 1])
        rows = self._ended_rows[lo:hi]
        return (self.g.ended_ns[rows] - self.g.created_ns[rows]).astype(np.int64)


def _nameless(model: Model) -> npt.NDArray[np.bool_]:
    """Which goroutines have no name and no last stack, or one of frames none of which has a
    name: the runtime's own that existed before a Go 1.21 trace (a program's goroutine has a
    start function the trace names)."""
    g = model.goroutines
    strings, frames = model.tables.strings, model.tables.stack_frames
    unnamed = np.isin(g.name, [n for n in np.unique(g.name).tolist() if not strings[n]])
    blank = [s for s in np.unique(g.last_stack[unnamed]).tolist() if not any(f.func for f in frames(s))]
    return unnamed & np.isin(g.last_stack, blank)


def _waits_on_stuck(model: Model, stuck: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Which goroutines wait in a plain channel receive (a select may hold a timer's case)
    while still in the function that started a goroutine that is ``stuck`` (waiting where no
    timer reaches: a send, a lock, a WaitGroup or Cond), or that waits so itself: a parent
    waiting for the result or the close of a child that cannot finish (``go f(); <-done``).
    Only where the capture names each goroutine's creator (a Go 1.21+ dump, a trace)."""
    g = model.goroutines
    strings, frames = model.tables.strings, model.tables.stack_frames
    out = np.zeros(len(g.id), bool)
    receive = [r for r in np.unique(g.reason[g.state == GoState.WAITING]).tolist()
               if strings[r] == "chan receive"]
    if not receive or not stuck.any():
        return out
    parents = np.flatnonzero((g.state == GoState.WAITING) & np.isin(g.reason, receive))
    order = np.argsort(g.id[parents], kind="stable")
    parents, parent_ids = parents[order], g.id[parents[order]]
    children = np.flatnonzero((g.state == GoState.WAITING) & (g.creator != NONE))
    at, hit = found(parent_ids, g.creator[children])
    children, parent = children[hit], parents[at[hit]]
    if not len(children):
        return out
    # Still in the function with the go statement: it is on the parent's stack now.
    pairs = np.unique(np.stack([g.last_stack[parent], g.creation_stack[children]]), axis=1)
    made = [(s, c) for s, c in pairs.T.tolist()
            if (top := frames(c)[:1]) and top[0].func in {f.func for f in frames(s)}]
    if not made:
        return out
    key = g.last_stack[parent].astype(np.int64) << 32 | g.creation_stack[children].astype(np.int64)
    keep = np.isin(key, [s << 32 | c for s, c in made])
    children, parent = children[keep], parent[keep]
    # From the stuck children up: a parent of one is stuck too, and so is its own parent.
    done = stuck.copy()
    while True:
        new = parent[done[children] & ~done[parent]]
        if not len(new):
            return out
        out[new] = done[new] = True


def _frames_of(t: Tables) -> tuple[set[int], set[int]]:
    """The frames of the runtime's machinery (RUNTIME_MACHINERY) and of a client response
    body's Read, by id: one pass over the frames, so that stacks are read only when some is."""
    inner: set[int] = set()
    body: set[int] = set()
    for i, f in enumerate(t.frames):
        if f.func in RUNTIME_MACHINERY:
            inner.add(i)
        elif f.func == BODY_READ:
            body.add(i)
    return inner, body


def _in_machinery(frames: list[Frame]) -> bool:
    """Whether a stack's runtime frames, leaf first up to the first of another package's, pass
    through the runtime's own machinery (an allocation, a GC's or a stop-the-world's start)."""
    for f in frames:
        if not f.func.startswith("runtime."):
            return False
        if f.func in RUNTIME_MACHINERY:
            return True
    return False


def _stack_funcs(model: Model) -> dict[int, list[str]]:
    """The functions of each distinct last stack of the model's goroutines, leaf first."""
    frames = model.tables.stack_frames
    return {s: [f.func for f in frames(s)] for s in np.unique(model.goroutines.last_stack).tolist()}


def _after_tests(model: Model, funcs: dict[int, list[str]]) -> bool:
    """Whether a dump was taken by a test binary's ``TestMain`` after its ``m.Run`` returned:
    the goroutine taking it runs ``TestMain`` outside ``testing.(*M).Run``, and no goroutine
    is in a test (``testing.tRunner``). What is left then outlived every test, the moment
    goleak's ``VerifyTestMain`` checks (README: the ``go test`` recipe). ``funcs``: from
    :func:`_stack_funcs`."""
    g = model.goroutines
    if any("testing.tRunner" in fs for fs in funcs.values()):
        return False
    # The taker: running in a dump; a profile prints no states, but its taker is in pprof.
    running = set(np.unique(g.last_stack[g.state == GoState.RUNNING]).tolist())
    return any(any(f.endswith(".TestMain") for f in fs) and "testing.(*M).Run" not in fs
               and (s in running or any(writes_profile(f) for f in fs))
               for s, fs in funcs.items())


def _detector_ran(model: Model) -> bool:
    """Whether the runtime's goroutine leak detector (Go 1.26+) ran for this capture: it
    marked some goroutine leaked, or the capture is a goroutineleak profile (the model's
    format says so, from its header or, at debug=2, its writer's frames)."""
    if model.extras is None:
        return False
    return bool(model.extras.leaked().any()) or model.source.format.startswith("goroutineleak ")


def found(keys: npt.NDArray[Any], values: npt.NDArray[Any]
           ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Where each of ``values`` is in the sorted ``keys``, and whether it is there at all."""
    if not len(keys):
        return np.zeros(len(values), np.intp), np.zeros(len(values), bool)
    at = np.searchsorted(keys, values).clip(0, len(keys) - 1)
    return at, keys[at] == values
