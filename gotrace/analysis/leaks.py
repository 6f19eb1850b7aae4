"""Which goroutine groups leak, how sure we are, and why: a ranked verdict with its evidence.

A *suspect* is a group of the latest input (:mod:`gotrace.analysis.grouping`'s
``site`` key: state x blocking site x creation site) of goroutines that are not
running. Each suspect collects *evidence*: facts with their numbers, each worth
points. The score (0-100) is their sum, capped by known-benign shapes, and the
verdict follows from it, except that proof decides outright.

Verdicts:

* ``leak``: proven (the runtime's own leak detector marked them; blocked forever
  by construction; every goroutine asleep) or score >= 80, where the score holds more
  than a pile: how many wait, made by how many, for how long, how many connections are
  open (``PILE_KINDS``) is what one capture of a healthy server shows too (a goroutine per
  connection or watch, there for hours), and so is one capture's quiet (``PARKED_KINDS``:
  whoever could wake or release them is parked too, but parked on what, a dump does not
  say: a ticker, a deadline, a reply on its way, a time.AfterFunc callback that is no
  goroutine until it fires), so without a fact about what can still end them (that the
  process stopped, a history, senders whose creators are gone while nothing of yours could
  receive) the score stops at 79;
* ``likely``: score >= 55;
* ``watch``: score >= 30;
* ``benign``: anything lower, and known-benign shapes without proof.

Evidence, and what it is worth (the numbers are tuned on the leak zoo in
``tests/data/zoo`` and the corpus, and documented in the README):

=========================  ======================================================  ======
kind                       fact                                                    points
=========================  ======================================================  ======
``runtime-proof``          goroutines marked ``(leaked)`` / in a goroutineleak       leak
                           profile: the GC proved nothing runnable can wake them
``forever``                nil channel, ``select {}``: blocked by construction        leak
                           (not the main goroutine's: on purpose)
``all-asleep``             the runtime died with "all goroutines are asleep"          leak
``bubble-deadlock``        a synctest bubble deadlocked (its main returned, or all     leak
                           of it blocked) with these durably blocked in it
``test-timeout``           still blocked when the test binary timed out              +45
``goleak``                 goleak reported them: they outlived the test though it    +45
                           waited for them to end
``unproven``               a capture the runtime's leak detector ran on (Go 1.26+)       0
                           did not mark these: they may still leak through a
                           reachable channel or lock
``after-tests``            in a dump taken in ``TestMain`` after ``m.Run`` returned   +45
                           (no test runs): they outlived every test; +20 when the
                           runtime's leak detector ran on the capture (Go 1.26+:
                           it marked some goroutine, or a goroutineleak profile)
                           and found what these wait on still reachable
``blocked``                a channel, select or lock wait (the leak states)           +10
``count``                  how many wait at one site: 10+, 100+, 1,000+, 10,000+   +15..+55
``per-request``            created by many different goroutines (dump; not of the   +20
                           group's own: a chain), or steadily throughout the trace
``orphaned``               blocked sending, created by 3+ goroutines of which    +10..+30
                           90%+ have returned from the function that made them
                           (gone, or a dump shows them elsewhere: a connection's
                           goroutine serving its next request): nobody is left
                           to receive; +30 when no goroutine of yours is at work
                           or waits in a receive or a select, else +10 and a pile
                           (a long-lived consumer, behind, may be the receiver;
                           +30 and a pile when ``unserved``: not briefly behind)
``unserved``               chan sends waiting 3 minutes or more (dump), more         +30
                           arriving since (ages a minute or more apart, or one
                           alone; not made together: loops served since): a
                           channel serves its oldest sender first, so the queue
                           is minutes deep, its consumer gone, stuck or minutes
                           behind; a pile
``none-ended``             none of the site's goroutines ended during the trace      +15
``outlived``               blocked 10x longer than the site's ended goroutines       +35
                           lived (p99): stuck outliers of a busy site
``churn``                  most of the site's goroutines end (and these did not     -25
                           outlive them): these are in flight
``burst-at-start``         all created together at the start: a pool               -15
``age``                    blocked for 10 minutes or more (dump)                     +15
``since-start``            made by one goroutine, all blocked since about the         -15
                           oldest wait in the dump (10 minutes or more): a fixed
                           set started with the process
``ages-spread``            ages spread over the uptime: they pile up                 +10
``long-in-trace``          blocked for most of the trace                             +10
``stalled``                3+ blocked at the site over a quarter of the trace or     +25
                           more, none woken there for half the trace or more
                           (with lock-held, none-ended, outlived: a pile while a
                           goroutine of yours is at work at the trace's end, or
                           while they have waited under a minute)
``capped``                 why points past 80 say likely: what they cannot tell    caps score
                           from a healthy program (a short trace, captures seconds
                           apart, a dump's quiet or pile), and what would
``lock-held``              waiting for a lock a minute or more (dump), or 100 ms     +30
                           and a quarter of the trace
``holder-parked``          waiting for a Mutex/RWMutex while no goroutine with the   +45
                           program's code on its stack (but the capture's own)
                           runs, is runnable, in a syscall, asleep or waiting on
                           the network or the runtime (a GC assist, a GC's start);
                           alone with a pile, likely at most
``holds-lock``             a debug=2 dump: these print a pointer to the struct       +30..+45
                           whose lock ``holder-parked`` waiters want: they likely
                           hold it (+30 from a select, which may be a limiter's);
                           replaces ``no-waker``. In a busy process, a series:
                           the same waiters and these stay in every capture;
                           alone with a pile, likely at most
``no-waker``               a dump or a trace's end: 2+ in a plain channel send or  +30..+45
                           receive, a WaitGroup or Cond wait, while nothing at all runs as for
                           ``holder-parked`` (not after a test's end, which says so);
                           +45 when nothing but a timer's callback (time.AfterFunc)
                           can start anything, and then for one goroutine alone too
                           (a send, a WaitGroup or Cond: no loop's next event; a
                           receive in the function that started a goroutine that
                           cannot finish, which waits for that one);
                           alone with a pile, likely at most
``idle-conns``             100+ server connections idle (keep-alive never closed),   +40
                           or 10+ client connections waiting for a body close (not
                           those whose body a goroutine is reading: a stream's,
                           whose readers tell more)
``write-stalled``          blocked in a write (to the network, or to a pipe) for a   +30
                           minute or more: its reader stopped reading and the write
                           has no deadline (a peer that hung, a pipe's reader gone)
``conns-in-use``           instead of ``idle-conns``: the process is up 2+ minutes      0
                           and 3 in 4 or more of them waited under a minute
``timer-loop``             a ticker/timer/wheel loop per object                      +10
``growth``                 grew between snapshots of a series, never shrank       +15..+45
                           (+15 when it grew once and not in the last step); as
                           for ``stuck``, likely at most when nothing in the last
                           dump has waited a minute (a young process captured
                           seconds apart: a warm-up grows so too)
``moved``                  grew, but mostly by goroutines the first snapshot had     -20
                           elsewhere in the program's code (not idle in the standard
                           library, as a keep-alive connection between requests): a
                           fixed set moving between waits, as steady
``steady``                 the same count in every snapshot                          -20
``restart``                the counts, when a capture is of another process         0
``fluctuates``             fewer in some snapshot: leaked goroutines never leave     -15
``stuck``                  the same goroutine ids as in an earlier snapshot          +25
                           (not where the count shrank); growth and stuck are a
                           pile when those that stayed waited under a minute
``churning``               other goroutines than in an earlier snapshot             -30
``woken``                  instead of ``stuck``: the same goroutines, but 4 in 5 have   -20
                           waited less than the snapshots are apart (known from
                           another goroutine's growing wait; 3 minutes or more, so
                           that a GC has stamped every wait): served since (not
                           for a sleep or a select, which wake by themselves)
``benign-shape``           runtime worker, tracer or profiler, signal loop,      caps score
                           accept loop, main, testing parents, a connection's
                           companion (write half, read-ahead, the read loop of a
                           body being read), a fixed pool
=========================  ======================================================  ======

Why the newer kinds hold beyond the zoo:

* ``holder-parked``: an Unlock with waiters makes one of them runnable, and a holder that
  is releasing is running. A lock of the program's is held by a goroutine with the
  program's code on its stack; one made only of the standard library's frames (an idle
  keep-alive connection, a client's read loop, the pprof handler writing a dump fetched
  from ``/debug/pprof``) or waiting in an accept holds none and releases none. When no
  other goroutine but the one taking the capture (and the runtime's own) is running,
  runnable, in a syscall, asleep or waiting on the network or on the runtime itself (an
  allocation's GC assist or the GC it starts, whatever the wait is called: "semacquire" on
  the runtime's own semaphore; a debug=1 record parked deeper than a channel's wait may be
  one), the lock's holder waits on a channel, another lock or a Cond while holding it (the
  double-lock, lock-order and lock-plus-channel deadlocks), or returned without
  unlocking. A contended lock in a healthy process shows its holder at work, or in a
  query or sleep that ends by itself (the corpus's worker holds its lock across a sleep:
  during most of its mutex waits nothing else runs, only the holder sleeps). One dump
  cannot tell a holder that waits on a ticker's channel or a timeout while holding the
  lock (a limiter) from a deadlocked one, which is why this is worth ``likely``, however
  many wait, not ``leak``; a series (the same goroutines stay) or a trace (they are
  woken) tells them apart. WaitGroup
  and Cond waits are left out: they wait for an event (Done, Signal), not for a release.
  A profile's states come from its stacks: a protobuf profile's keep the runtime's frames
  and tell every wait; a debug=1 stack whose wait the dropped runtime frames hid is read
  from the PCs its record still lists (``gotrace.model.infer.infer_hidden_waits``); one
  that even they do not show parked may be running, so it counts against the quiet, as
  many times as its record.
* ``holds-lock``: the same quiet names the holder where a debug=2 dump prints arguments: a
  parked goroutine (in a send, a receive, a WaitGroup, a Cond, a select) whose frames of the
  program's own print the nearest pointer below the lock's address works on the struct the
  lock is a field of (``gotrace.analysis.holders``). It is the bug's site, where the lock is
  held across a wait; on the zoo's and the GoKer bugs' dumps every tie is the real holder, and
  no healthy program has one.
* ``no-waker``: the same quiet, for goroutines waiting on an event rather than a release.
  What could send, receive, call Done or Signal is itself parked; only a timer can still
  start anything (a ticker's or ``time.After``'s channel, a context's deadline, a
  ``select`` with a timeout elsewhere), so this weighs less than ``holder-parked``, a
  ``select`` (which may hold a timer's case) is left out, and so is a lone goroutine in a
  receive: one waiting for its next event is what a long-lived loop (a dispatcher, a ticker's)
  looks like. It weighs as much when no timer can start anything either: the group sends or
  waits on a WaitGroup or Cond (no timer receives, calls Done or Signals; and then a lone
  goroutine counts too: most real blocking bugs leave one or two), or receives while still in
  the function that started a goroutine which waits so (``go f(); <-done``: it waits for
  that goroutine, not for a timer; Moby #30408), and every other goroutine
  but the runtime's, the tracer's or profiler's and the testing framework's waits to send or
  on a sync primitive too; a goroutine in a select or a channel receive could hold a ticker's
  channel or a context's deadline, and then the timer's weight stays. Even then a
  time.AfterFunc (or context.AfterFunc) callback, no goroutine until it fires, may Signal,
  call Done, unlock or send: one capture's quiet is worth ``likely`` at most. A process that
  serves anything has a goroutine waiting on the network or in a syscall and is never quiet;
  a hung test or batch job, dumped by SIGQUIT or from inside, or traced to that moment, is.
  A trace's end is such a moment too: its wake history (``stalled``) needs three goroutines
  at a site, and a bug traced from its start often leaves one.
* ``orphaned``: a goroutine made to hand a result back sends on a channel its creator
  receives from; once the creator has returned (a timeout, an error path, an early
  return) the send can never complete. Returned means from the function with the ``go``
  statement: a keep-alive connection's goroutine lives on and serves the next request, but
  the handler that made the sender is gone (a dump shows each creator's stack; a trace
  only whether it ended). But the creator need not be the receiver: a fire-and-forget
  send to a long-lived consumer (an audit log, a shipper retrying in a select), a
  semaphore's acquire (its holders release it) wait for another goroutine, which may be
  behind for a while (the zoo's ``audit_backlog``: its writer rotates its log, and a dump
  then shows 15 senders waiting). So this is worth much only when no goroutine of yours
  could be that receiver: none is at work, and none waits in a receive or a select; else
  it weighs little and counts as a pile. Long-lived producers are made by
  long-lived owners (still in the function that made them), and connection helpers that
  outlive their dialer wait to receive, not to send.
* ``unserved``: a channel's waiting senders are a queue, and a receive takes the one at its
  head, the oldest (a buffered channel's receive refills the buffer from that head too). A
  send that has waited minutes while more senders arrived behind it is in a queue minutes
  deep: its consumer returned, crashed or is stuck (a lost reply after a timeout, a
  callback's send nobody waits for, workers whose results nobody drains), or is minutes
  behind. A consumer merely behind on a slow write or a log rotation takes the oldest within
  seconds (the zoo's ``audit_backlog``); a receive loop idle for minutes is common, a send left
  waiting minutes is not. Senders whose ages are all alike were queued at once (a batch behind
  a semaphore, served in turn), and say nothing of the kind; nor do senders made together
  (about consecutive goroutine ids) whose waits began minutes apart: a one-shot send waits from
  its goroutine's start, so these were served and sent again, loops (a generator or token
  refiller per shard) whose consumers ask rarely. Leaked senders are made one by one, minutes
  apart, with other goroutines made in between. Three minutes outlasts what a consumer merely
  slow sits out (a connect's timeout, a retry's backoff); a dump's age is the runtime's
  approximation (it stamps a wait with the end of the GC before the one that first sees it, up
  to a GC cycle early: two minutes in an idle process). Minutes behind is
  still a pile, not a history: with it, ``orphaned`` senders' makers are no consumer that is
  briefly behind (+30), but alone they are ``likely`` at most. A trace's ``stalled`` says as
  much of its own span.
* A dump's pool excuse (``benign-shape``) needs a shared object: every goroutine's
  blocking frame prints the same pointer arguments (its queue). It needs the pool idle too,
  waiting for work (a receive, a select, a Cond): goroutines that all wait to send a result
  wait for a consumer that is gone or stalled (a goroutine per row, all stuck). Goroutines
  that each wait with an object of their own (a result channel per request) are not a pool
  however they were made, and a frame that prints no pointer is no evidence of one, nor is a
  method's receiver beside an argument printed as unknown (``0x0?``: the call's own channel).

Everything here reads the model and the groups; nothing per goroutine is done in
Python except gathering the flags of a dump's goroutines, reading the arguments of at
most ``ARGS_SAMPLED`` goroutines of a group that could be a pool, and, when a lock's
holder is parked, of at most ``holders.BUDGET`` goroutines that could hold it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..model import NONE, Model
from ..model.infer import PARKED
from ..stacks import is_std
from ..tables import Frame
from ..trace.events import GoState
from .capture import Capture
from .grouping import Group
from .holders import lock_holders
from .series import FORCED_GC, MINUTE, Series
from .waits import (
    ACCEPT_FUNCS,
    CHANNEL_STATES,
    FOREVER_STATES,
    LOCK_STATES,
    NET_STATES,
    TESTING_FUNCS,
    TIMER_PROOF,
    WRITE_FUNCS,
    waits_for,
)

Verdict = Literal["leak", "likely", "watch", "benign"]
VERDICTS: tuple[Verdict, ...] = ("leak", "likely", "watch", "benign")  # most certain first
THRESHOLDS = {"leak": 80, "likely": 55, "watch": 30}
# The evidence that decides a verdict alone (``leak``), whatever the points.
PROOF_KINDS = frozenset({"runtime-proof", "forever", "all-asleep", "bubble-deadlock"})
# Evidence that capped the score: why the points above it do not add up.
CAP_KINDS = frozenset({"benign-shape", "capped"})
# Waits another goroutine or the network ends: a goroutine in one that has waited less than
# the captures are apart was woken since. A sleep or a select (a ticker's case) wakes itself.
WAKEN_STATES = (LOCK_STATES | NET_STATES | {"chan send", "chan receive"})

LOCK_WAIT_MEANS = {
    "sync.WaitGroup.Wait": "a Done that never comes (Add and Done do not match?)",
    "sync.Cond.Wait": "a Signal or Broadcast that never comes",
    "sync.(*Cond).Wait": "a Signal or Broadcast that never comes",
}
SERVER_CONN_FUNCS = frozenset({
    "net/http.(*conn).serve", "net/http.(*http2serverConn).serve",
    "golang.org/x/net/http2.(*serverConn).serve",
})
# Creators of goroutines meant to live as long as the process: a package's init, and a test
# binary's TestMain (the fixtures its tests share). What they make outlives the tests by design.
LIFELONG_CREATORS = re.compile(r"\.(?:init(?:\.[0-9]+)?|TestMain)(?:\.func[0-9.]+)?$")
TIMER_NAME = re.compile(r"(?i)tick|timer|wheel|heartbeat|janitor|sweep|refresh|poll")
POOL_MAX = 1024
# A pointer as a debug=2 dump prints an argument: a heap or data address, not a small int, and
# not marked "?" (a register value the runtime could not vouch for).
POINTER_ARG = re.compile(r"0x[0-9a-f]{5,}(?![0-9a-fx?])")
ARGS_SAMPLED = 64
METHOD = re.compile(r"\.\(\*[^()]+\)\.[^.]+$")  # pkg.(*T).m: its first argument is the receiver
UNKNOWN_ARG = re.compile(r"0x[0-9a-f]+\?")
STALLED_MIN = 3
# Distinct creators that must all (90%) have returned for ``orphaned``: one or two handlers
# that returned a moment before their sender is received are timing, three are a pattern.
ORPHAN_MIN = 3
# How long a send waits before it is ``unserved``: past the timeouts and backoffs a consumer
# that is merely behind waits out (a TCP connect's gives up after about two minutes).
UNSERVED = 3 * MINUTE
# Goroutine ids a P takes from the runtime at a time (runtime's _GoidCacheBatch): goroutines one
# goroutine makes in a loop get consecutive ids, but for a jump to the P's next batch.
GOID_BATCH = 16
# Evidence of a pile in one capture, and nothing else: alone it stops short of ``leak``.
# Open connections are among them: a busy server's hundreds of keep-alive connections wait for
# their next request, and a trace of seconds, or a young process's dump, cannot tell those from
# connections idle for hours.
PILE_KINDS = frozenset({"count", "blocked", "per-request", "age", "ages-spread", "timer-loop",
                        "long-in-trace", "idle-conns", "write-stalled", "unserved"})
# What one dump's quiet says: nothing of the program's is at work, so whoever could wake or
# release these is parked too. Parked on what, a dump does not say: a ticker's channel, a
# deadline, a reply on its way, or a time.AfterFunc callback (no goroutine until it fires)
# may yet end the wait. A limiter holds its lock while it waits for its next tick. Alone,
# with a pile, it stops at likely; a history (the same goroutines in every capture) or a
# stopped process goes further.
PARKED_KINDS = frozenset({"no-waker", "holder-parked", "holds-lock"})
# What a trace's span says: waits that outlasted it. A trace of a second cannot see a lock held
# across a slower call end, nor a backlog behind a consumer at work drain; while a goroutine of
# yours is at work at its end (the holder or consumer may be waiting on it), they are a pile.
TRACE_SPAN_KINDS = frozenset({"lock-held", "stalled", "none-ended", "outlived"})


@dataclass(slots=True)
class Evidence:
    kind: str
    points: int  # 0 for proof and caps: they decide the verdict, not the sum
    text: str

    def json(self) -> dict[str, object]:
        return {"kind": self.kind, "points": self.points, "text": self.text}


@dataclass(slots=True)
class Suspect:
    group: Group  # in the latest input
    verdict: Verdict
    score: int
    evidence: list[Evidence]
    series: list[int] = field(default_factory=list)  # count in each input of a series, oldest first
    leaked: int = 0  # goroutines the runtime marked as leaked

    @property
    def key(self) -> tuple[str, Frame | None, Frame | None]:
        return (self.group.state, self.group.blocking, self.group.created_at)


@dataclass(slots=True)
class LeakReport:
    models: list[Model]  # the series, oldest first; the suspects are groups of the last
    suspects: list[Suspect]  # most certain first
    stopped: bool = False  # the last capture's process crashed or ended its tests (Capture.stopped)
    notes: list[str] = field(default_factory=list)  # about the series itself (Series.notes)
    # The names of the captures judged, oldest first (the viewer receives the report with the
    # last model only).
    captures: list[str] = field(default_factory=list)

    @property
    def model(self) -> Model:
        return self.models[-1]


def verdict_rank(v: str) -> int:
    """0 for leak ... 3 for benign: smaller is worse."""
    return VERDICTS.index(v)  # type: ignore[arg-type]


def verdict_of(score: int) -> Verdict:
    """The verdict a score earns without proof."""
    if score >= THRESHOLDS["leak"]:
        return "leak"
    if score >= THRESHOLDS["likely"]:
        return "likely"
    return "watch" if score >= THRESHOLDS["watch"] else "benign"


def _count_points(n: int) -> tuple[int, str] | None:
    for floor, points in ((10_000, 55), (1_000, 45), (100, 30), (10, 15), (2, 5)):
        if n >= floor:
            return points, f"{n:,} goroutines wait at this one site"
    return None


def _where(grp: Group) -> str:
    f = grp.blocking
    if f is None:
        return "(no stack)"
    return f"{f.func.rsplit('/', 1)[-1]} ({f.file.rsplit('/', 1)[-1]}:{f.line})"


def _local(func: str) -> str:
    """A function's name within its package, with its receiver's type: ``(*Conn).startHeartbeat``
    of ``example.com/app/conn.(*Conn).startHeartbeat``. Names say what a loop is for; the
    import path and package say where it lives (a package ``poller`` runs more than polls)."""
    return func.rsplit("/", 1)[-1].split(".", 1)[-1]


def _sync_wait_means(model: Model, grp: Group) -> str:
    """What a long sync wait waits for. Dumps name WaitGroup and Cond waits; traces and older
    Go call every sync wait "sync" or "semacquire", and the stack tells which it is."""
    if grp.state in LOCK_WAIT_MEANS:
        return LOCK_WAIT_MEANS[grp.state]
    for f in model.tables.stack_frames(grp.stack):
        if f.func.endswith("(*WaitGroup).Wait"):
            return LOCK_WAIT_MEANS["sync.WaitGroup.Wait"]
        if f.func.endswith("(*Cond).Wait"):
            return LOCK_WAIT_MEANS["sync.Cond.Wait"]
    return "a lock that is never released (deadlock?)"


def _yours(n: int) -> str:
    return "1 goroutine of yours is" if n == 1 else f"{n:,} goroutines of yours are"


def _dur(ns: int) -> str:
    from ..durations import format_duration

    return format_duration(ns)


def _in_use(ctx: Capture, grp: Group) -> int | None:
    """Whether a dump shows a group of connections in use rather than idle: the process has
    been up two minutes or more (some goroutine waited that long), yet three in four of these
    or more waited under a minute, as connections that carry requests do between them. Idle
    ones (never closed, a body never read) age with the process. None when the dump cannot
    tell (a trace, a profile, a process younger than that) or they are idle; else how many
    waited under a minute."""
    if ctx.is_trace or ctx.model.is_profile or ctx.uptime < 2 * MINUTE:
        return None
    fresh = int((ctx.g.wait_ns[grp.rows] < MINUTE).sum())
    return fresh if fresh * 4 >= len(grp.rows) * 3 else None


def _lifelong(model: Model, grp: Group) -> bool:
    """Whether the group's goroutines were made to live as long as the process: created by a
    package's init or a test binary's TestMain, or (a profile prints no creators) running
    a closure of one."""
    if grp.created_at is not None:
        return LIFELONG_CREATORS.search(grp.created_at.func) is not None
    frames = model.tables.stack_frames(grp.stack)
    entry = frames[-1].func if frames else ""
    return ".func" in entry and LIFELONG_CREATORS.search(entry) is not None


def _stalled(ctx: Capture, grp: Group) -> str | None:
    """Why the group's site stopped being served, or None: since the last time any goroutine
    waiting at its stacks was woken (or, if none ever was, since the first of these blocked),
    STALLED_MIN or more of them blocked there, arriving over a quarter of the trace or more,
    and that quiet lasts half the trace or more. A served site wakes its waiters as they come
    (a consumer receives, a lock is released, a Done arrives); an idle pool's workers all
    stop at about one time, when the work stops."""
    g = ctx.g
    rows = grp.rows[g.state[grp.rows] == GoState.WAITING]
    if ctx.span < 10_000_000 or len(rows) < STALLED_MIN:
        return None
    blocked = ctx.span - g.wait_ns[rows]
    woken = ctx.last_woken(np.unique(g.last_stack[rows]))
    since = blocked if woken is None else blocked[blocked > woken]
    if len(since) < STALLED_MIN:
        return None
    first, last = int(since.min()), int(since.max())
    quiet = ctx.span - (first if woken is None else woken)
    if quiet * 2 < ctx.span or (last - first) * 4 < ctx.span:
        return None
    share = f"the last {_dur(quiet)}, {quiet / ctx.span:.0%} of the trace"
    arrived = f"{len(since):,} blocked here between {_dur(first)} and {_dur(last)}"
    if woken is None:
        return f"never served: {arrived} and no goroutine waiting here was ever woken ({share})"
    return f"no longer served: {arrived}, none woken since {_dur(woken)} ({share})"


def _writes_into(model: Model, grp: Group) -> str | None:
    """What the group's goroutines write into while they wait ("a network connection", "a
    pipe"), from the frames of its stack; None when they do not wait in a write."""
    funcs = {f.func for f in model.tables.stack_frames(grp.stack)} & WRITE_FUNCS
    if not funcs:
        return None
    return "a pipe" if funcs <= {"io.(*pipe).write", "net.(*pipe).write"} else "a network connection"


def _shared_object(model: Model, grp: Group) -> bool:
    """Whether a dump shows the group's goroutines waiting with one and the same object: the
    pointer arguments of their blocking frame are identical (an idle pool's shared queue), rather
    than each its own (a channel or struct per request), or not printed at all.

    Reads the arguments of at most ARGS_SAMPLED goroutines: one difference is enough, and a big
    dump's groups stay cheap.
    """
    if model.extras is None or grp.blocking is None:
        return False
    frames = model.tables.frames
    index: dict[int, int] = {}
    seen: set[tuple[str, ...]] = set()
    for r in grp.rows[:ARGS_SAMPLED].tolist():
        g = model.extras[r].g
        i = index.get(g.stack_id)
        if i is None:
            ids = model.tables.stacks[g.stack_id]
            i = index[g.stack_id] = next((k for k, fid in enumerate(ids) if frames[fid] == grp.blocking), -1)
        args = g.frame_args
        seen.add(_waited_with(grp.blocking.func, args[i]) if 0 <= i < len(args) else ())
        if len(seen) > 1:
            return False
    return len(seen) == 1 and () not in seen


def _made_together(ids: npt.NDArray[np.int64]) -> bool:
    """Whether goroutines were made in one go: their ids (never reused, handed out in order,
    ``GOID_BATCH`` at a time to each P) are consecutive but for one jump to a P's next batch.
    Goroutines made minutes apart in a process that does anything are not: others were made in
    between."""
    return len(ids) >= 2 and int(ids.max()) - int(ids.min()) + 1 <= len(ids) + GOID_BATCH


def _waited_with(func: str, args: str) -> tuple[str, ...]:
    """The pointers among a frame's printed arguments that could be what it waits with.

    A method's receiver is the object when it is all the frame prints (a pool's queue is a
    field of the pool), but not beside an argument the runtime could not vouch for ("0x0?",
    a register's value it did not keep): a service's method started once per call with the
    call's own channel (``go u.ship(parts)``) prints the same receiver in every goroutine and
    the channel as unknown, and the channel is what it waits on."""
    if METHOD.search(func):
        rest = args.partition(",")[2]  # after the receiver (a pointer: one value)
        if UNKNOWN_ARG.search(rest):
            args = rest
    return tuple(POINTER_ARG.findall(args))


def _in_framework(model: Model, grp: Group) -> bool:
    """Whether the group waits inside the testing framework, called from its blocking frame:
    ``TestMain`` in ``m.Run``, a test in ``t.Run`` waiting for its subtest. The blocking frame
    is the first not in the standard library, so these frames are above it."""
    for f in model.tables.stack_frames(grp.stack):
        if f == grp.blocking:
            return False
        if f.func.startswith(TESTING_FUNCS):
            return True
    return False


def _runtime_shape(model: Model, grp: Group) -> str | None:
    """A known-benign shape this group has, in words, or None."""
    f = grp.blocking
    func = f.func if f is not None else ""
    created = grp.created_at.func if grp.created_at is not None else ""
    if func.startswith("runtime.") or (created.startswith("runtime.") and is_std(func)):
        return "one of the runtime's own goroutines"
    # The capture's own machinery: runtime/trace's reader (Go 1.21: Start.func1; Go 1.25+:
    # the trace multiplexer's), runtime/pprof's CPU profile writer.
    if func.startswith(("runtime/trace.", "runtime/pprof.")):
        return "the execution tracer's or profiler's own goroutine"
    if func in ("os/signal.loop", "os/signal.signal_recv") or func.startswith("os/signal."):
        return "the signal-handling loop"
    if func.startswith(TESTING_FUNCS) or _in_framework(model, grp):
        return "the testing framework waiting for a test"
    if func in ACCEPT_FUNCS and grp.count <= 2:
        return "an accept loop"
    if func in ("main.main",) and grp.count == 1:
        return "the main goroutine waiting"
    if f is None:
        return "no stack: nothing tells what these wait for"
    return None


def _judge(ctx: Capture, grp: Group, series: list[int], creators: npt.NDArray[np.int64],
           earlier_ids: npt.NDArray[np.int64] | None, same_process: bool | None = None,
           wants: Literal["release", "event"] | None = None,
           holds: Sequence[tuple[Group, int]] = (), restarted: bool = False,
           new: int | None = None, apart: int = 0) -> Suspect:
    """The suspect ``grp`` becomes: its evidence, score and verdict.

    ``series`` is its count in each input of a series (empty for one input);
    ``earlier_ids`` the ids of its goroutines in the earliest input that had it, and
    ``same_process`` whether that input is of the same process (None: cannot tell), for
    goroutine ids mean something across captures only within one process. ``wants``: what
    the group waits for from another goroutine (:func:`gotrace.analysis.waits.waits_for`),
    read only in a capture as quiet as a parked lock holder needs (else None). ``holds``: the
    groups waiting for a lock with a parked holder that ``grp``'s goroutines are tied to
    (:func:`gotrace.analysis.holders.lock_holders`), with how many of them are. ``creators``:
    the distinct goroutines that made them (:func:`_distinct_creators`).
    ``restarted``: an earlier capture of the series is of another process, so its counts are
    shown but not weighed. ``new``: how many of its goroutines the series' first capture did
    not have (None when ids cannot tell); ``apart``: how long at least passed between the
    earliest input that had it and the last (:meth:`Series.apart`; 0: unknown).
    """
    g = ctx.g
    state = grp.state
    n = grp.count
    where = _where(grp)
    ev: list[Evidence] = []
    proof: str | None = None
    leaked = grp.leaked

    # --- proof -------------------------------------------------------------------
    if leaked:
        proof = "runtime-proof"
        ev.append(Evidence("runtime-proof", 0, f"the runtime marked {leaked:,} as leaked: the GC found "
                           "nothing runnable that can ever wake them"))
    elif ctx.detector_ran and state in CHANNEL_STATES | LOCK_STATES:
        ev.append(Evidence("unproven", 0, "the runtime's leak detector ran and did not mark these: what "
                           "they wait on is still reachable (it cannot see a leak through a reachable "
                           "channel or lock)"))
    shape = _runtime_shape(ctx.model, grp)
    if state in FOREVER_STATES:
        # The main goroutine (main.main on its stack: no other goroutine runs it) that blocks
        # forever, in main.main or a function it calls, lets the program's goroutines run on.
        in_main = any(f.func == "main.main" for f in ctx.model.tables.stack_frames(grp.stack))
        if shape == "the main goroutine waiting" or in_main:
            ev.append(Evidence("benign-shape", 0, f"main blocks forever on purpose ({state} in the main "
                               f"goroutine, at {where})"))
            shape = "main blocking forever on purpose"
        else:
            proof = proof or "forever"
            ev.append(Evidence("forever", 0, f"{n:,} blocked forever by construction ({state}) at {where}"))
    durable = int(ctx.durable[grp.rows].sum()) if ctx.bubble_dead else 0
    if durable and shape is None:
        proof = proof or "bubble-deadlock"
        ev.append(Evidence("bubble-deadlock", 0, f"a synctest bubble deadlocked with {durable:,} of these "
                           f"durably blocked in it at {where}: nothing in the bubble can wake them"))
    if ctx.all_asleep and shape is None:
        proof = proof or "all-asleep"
        ev.append(Evidence("all-asleep", 0, f"the runtime stopped the program: all goroutines are asleep, "
                           f"these {n:,} at {where} among them (a deadlock)"))

    # --- what the group is ---------------------------------------------------------
    if state in CHANNEL_STATES or state in LOCK_STATES:
        ev.append(Evidence("blocked", 10, f"{n:,} blocked in {state} at {where}"))
    elif state in ("unknown", PARKED) and ctx.model.is_profile and grp.blocking is not None \
            and not is_std(grp.blocking.func):
        ev.append(Evidence("blocked", 10, f"{n:,} parked in your code at {where} "
                           "(the profile does not say on what)"))
    counted = _count_points(n)
    if counted is not None:
        ev.append(Evidence("count", counted[0], counted[1]))
    if ctx.test_timeout and shape is None:
        ev.append(Evidence("test-timeout", 45,
                           f"still blocked when the test binary timed out ({n:,} at {where})"))
    if ctx.after_tests and shape is None and not _lifelong(ctx.model, grp):
        if ctx.detector_ran and not leaked:  # a package variable holds them, or what they wait on
            ev.append(Evidence("after-tests", 20, f"{n:,} at {where} still there after every test "
                               "ended, but the runtime's leak detector found what they wait on "
                               "reachable"))
        else:
            ev.append(Evidence("after-tests", 45, f"{n:,} at {where} still there after every test "
                               "ended (the dump was taken in TestMain after m.Run)"))
    if ctx.goleak and shape is None:
        ev.append(Evidence("goleak", 45, f"goleak found {n:,} at {where} after the test, having "
                           "waited for them to end"))

    # The process stopped (a test timed out, goleak gave up, every test ended): quietness
    # says that once already.
    ended = ctx.test_timeout or ctx.goleak or ctx.after_tests

    # --- how they came to be ---------------------------------------------------------
    # Made by many goroutines of the group's own (a chain, each link making the next and
    # waiting for it) is one recursion, not one per request.
    makers = creators[~np.isin(creators, g.id[grp.rows])] \
        if not ctx.is_trace and len(creators) >= 10 else creators[:0]
    if len(makers) >= 10:
        each = (f", {n / len(makers):,.0f} each on average: made per request or per item" if
                n >= 3 * len(makers) else ": one per request or connection")
        ev.append(Evidence("per-request", 20, f"created by {len(makers):,} different goroutines{each}, "
                           "never finished"))
    # A channel hands its oldest waiting sender to the next receive: senders that kept
    # arriving while the oldest waited minutes are a queue minutes deep, behind a consumer
    # that is gone, stuck, or minutes behind. Ages all alike are a batch queued at once (a
    # semaphore's), served in turn; goroutines made together (consecutive ids) whose waits
    # began minutes apart were served and sent again: loops (generators, token refillers),
    # each waiting for a consumer that asks rarely.
    unserved = state == "chan send" and not ctx.is_trace and grp.wait.max >= UNSERVED \
        and (n == 1 or (grp.wait.max - grp.wait.min >= MINUTE and not _made_together(g.id[grp.rows])))
    if unserved:
        youngest = _dur(grp.wait.min) if grp.wait.min else "<1m"
        since = "" if n == 1 else f", more arriving since (the youngest waited {youngest})"
        ev.append(Evidence("unserved", 30, f"waiting up to {_dur(grp.wait.max)} to send{since}: a "
                           "channel serves its oldest sender first, so their consumer is gone, "
                           "stuck, or minutes behind"))
    if state == "chan send" and len(creators) >= ORPHAN_MIN and grp.created_at is not None:
        maker = grp.created_at.func
        gone = ctx.returned(creators, maker)
        if gone * 10 >= len(creators) * 9:
            short = maker.rsplit("/", 1)[-1]
            # A creator that returned receives nothing more; but the receiver may be another
            # goroutine (a fire-and-forget send to a long-lived consumer, a semaphore whose
            # holders release it): one of yours at work or waiting in a receive or a select,
            # unless they have waited minutes (unserved): a consumer then is not briefly behind.
            after = (": nobody is left to receive what they send (no goroutine of yours is at work "
                     "or waits in a receive or a select)" if not ctx.receivers else
                     f", so they receive nothing more; {_yours(ctx.receivers)} at work or in a "
                     "receive or a select, but a consumer that is merely behind does not "
                     f"leave them {_dur(grp.wait.max)}" if unserved else
                     f", so they receive nothing more; {_yours(ctx.receivers)} at work or in a "
                     "receive or a select, and may be their consumer")
            ev.append(Evidence("orphaned", 10 if ctx.receivers and not unserved else 30,
                               f"{gone:,} of the {len(creators):,} goroutines that created them have "
                               f"returned from {short}{after}"))
    pool = False
    if ctx.is_trace and ctx.span > 0:
        created = g.created_ns[grp.rows]
        made = created[created >= 0]
        site = int(ctx.site_of_row[grp.rows[0]]) if len(grp.rows) else 0
        site_created = int(ctx.site_created[site]) if site else 0
        site_ended = int(ctx.site_ended[site]) if site else 0
        if len(made) >= 5:
            first, last = int(made.min()), int(made.max())
            spread = (last - first) / ctx.span
            if spread >= 0.25:
                ev.append(Evidence("per-request", 20, f"created steadily through the trace: {len(made):,} "
                                   f"between {_dur(first)} and {_dur(last)} ({spread:.0%} of it)"))
            elif spread < 0.05 and first <= 0.2 * ctx.span and len(made) == n:
                pool = True
                ev.append(Evidence("burst-at-start", -15, f"all {n:,} created within {_dur(last - first)} "
                                   f"at {_dur(first)}: a pool started together"))
        waits = np.maximum(g.wait_ns[grp.rows], 0)
        lived = ctx.lifetimes(site) if site else None
        outlived = False
        if lived is not None and len(lived) >= 5 and len(waits):
            usual = max(int(np.percentile(lived, 99)), 1_000_000)
            stuck = int((waits >= 10 * usual).sum())
            if stuck >= max(3, (n + 1) // 2):
                outlived = True
                ev.append(Evidence("outlived", 35, f"{stuck:,} of them blocked for over {_dur(10 * usual)}, "
                                   f"while the {len(lived):,} that ended from the same site lived "
                                   f"{_dur(usual)} or less (p99)"))
        if site_created >= 10 and site_ended == 0 and n >= 10:
            ev.append(Evidence("none-ended", 15, f"0 of the {site_created:,} goroutines created there ended "
                               f"in {_dur(ctx.span)} of trace"))
        elif site_created >= 10 and site_ended * 2 >= site_created and not outlived:
            ev.append(Evidence("churn", -25, f"{site_ended:,} of the {site_created:,} goroutines created "
                               "there ended: these are likely in flight"))
        stalled = _stalled(ctx, grp) if state in CHANNEL_STATES or state in LOCK_STATES else None
        if stalled is not None:
            ev.append(Evidence("stalled", 25, stalled))
        if len(waits) and ctx.span >= 10_000_000 and int(waits.min()) >= ctx.span // 2 and n >= 2:
            ev.append(Evidence("long-in-trace", 10, f"every one blocked for at least "
                               f"{_dur(int(waits.min()))}, over half of the {_dur(ctx.span)} trace"))

    # --- how long they have waited (dumps print minutes) -------------------------------
    if not ctx.is_trace and grp.wait.max >= 10 * MINUTE:
        ev.append(Evidence("age", 15, f"blocked for up to {_dur(grp.wait.max)}"))
        if grp.wait.min * 4 <= grp.wait.max and n >= 3:
            youngest = _dur(grp.wait.min) if grp.wait.min else "<1m"
            ev.append(Evidence("ages-spread", 10, f"ages spread from {youngest} to {_dur(grp.wait.max)}: "
                               "they pile up over the uptime"))
        # Made by one goroutine and all blocked since about the oldest wait in the dump: a
        # fixed set started with the process (informers, watchers, a pool), not a pile.
        elif len(creators) == 1 and n >= 2 and grp.wait.min >= ctx.uptime - MINUTE:
            ev.append(Evidence("since-start", -15, f"all {n:,} made by one goroutine and blocked "
                               f"since about the process's start ({_dur(grp.wait.min)} or more): "
                               "a fixed set started with it"))
    long_wait = MINUTE if not ctx.is_trace else max(100_000_000, ctx.span // 4)
    if state in LOCK_STATES and grp.wait.max >= long_wait:
        ev.append(Evidence("lock-held", 30, f"waiting up to {_dur(grp.wait.max)} in {state}: "
                           + _sync_wait_means(ctx.model, grp)))
    if wants == "release":
        ev.append(Evidence("holder-parked", 45, f"{n:,} wait for a lock whose holder is parked: none "
                           "of your goroutines runs, sleeps, or waits on a syscall or the network "
                           "(a deadlock, or a return without Unlock)"))

    # Tied to a lock whose holder is parked: the same quiet as no-waker's, with the lock
    # that nobody can take named; the two say one thing and count once.
    holding = bool(holds) and shape is None
    if holding:
        waiters, tied = max(holds, key=lambda h: h[0].count)
        who = "it likely holds" if n == 1 else f"{tied:,} of them likely hold"
        wait = "waits" if waiters.count == 1 else "wait"
        how = "a frame points at it" if ctx.quiet_locks else \
            "a frame points at it, and it and they stay so in every capture"
        ev.append(Evidence("holds-lock", 30 if state == "select" else 45,
                           f"{who} the lock {waiters.count:,} {wait} for at {_where(waiters)}, "
                           f"parked in {state} ({how})"))

    # One goroutine waiting for its next event is what a long-lived loop looks like (a
    # dispatcher, a sweeper): the quiet speaks of groups there. Not of one waiting to send or
    # for a WaitGroup or Cond, which no loop's timer ends, nor of a receive in the function
    # that started a goroutine which cannot finish: it waits for that one.
    on_child = bool(ctx.waits_on_stuck[grp.rows].all()) if n else False
    proof_wait = (state in TIMER_PROOF or on_child) and not ctx.timer_wakes
    if wants == "event" and ctx.quiet and shape is None and proof is None \
            and not ended and (n >= 2 or proof_wait) and not holding:
        if proof_wait:
            them = "them" if n > 1 else "it"
            what = (f"for goroutines {'they' if n > 1 else 'it'} started, which cannot finish, and"
                    if on_child else "and")
            ev.append(Evidence("no-waker", 45, f"{n:,} wait{'s' if n == 1 else ''} in {state} {what} "
                               f"nothing but a timer's callback (time.AfterFunc) can wake {them}: "
                               "nothing runs, sleeps, or waits on a syscall or the network, and the "
                               "rest wait to send or on locks, WaitGroups or Conds"))
        else:
            ev.append(Evidence("no-waker", 30, f"{n:,} wait in {state} and only a timer could wake "
                               "them: nothing runs, sleeps, or waits on a syscall or the network"))

    # --- shapes ------------------------------------------------------------------------
    # A write waits only while its reader does not read: one that made no progress for a
    # minute or more writes to a peer (or a pipe's reader) that stopped, with no deadline.
    if state in NET_STATES | {"select"} and grp.wait.max >= MINUTE:
        into = _writes_into(ctx.model, grp)
        if into is not None:
            stalled_n = int((g.wait_ns[grp.rows] >= MINUTE).sum())
            ev.append(Evidence("write-stalled", 30, f"{stalled_n:,} blocked writing to {into} for up to "
                               f"{_dur(grp.wait.max)}: its reader stopped reading, and nothing ends the "
                               "write (no deadline)"))
    func = grp.blocking.func if grp.blocking is not None else ""
    server_conns = func in SERVER_CONN_FUNCS and state in NET_STATES and n >= 100
    # A client connection's read loop waits so while its response's body is open; a body being
    # read (a stream) has a goroutine of yours in its Read: those are in use, not left open.
    client_loops = func == "net/http.(*persistConn).readLoop" and state == "select" and n >= 10
    unread = n - ctx.body_readers if client_loops else 0
    client_conns = unread >= 10
    fresh = _in_use(ctx, grp) if server_conns or client_conns else None
    if fresh is not None:
        ev.append(Evidence("conns-in-use", 0, f"{n:,} connections at {where}, but in a process up "
                           f"{_dur(ctx.uptime)} or more {fresh:,} of them waited under a minute: in use"))
    elif server_conns:
        ev.append(Evidence("idle-conns", 40, f"{n:,} server connections held open and idle at {where}: "
                           "keep-alive connections that are never closed"))
    elif client_conns:
        reading = f" ({ctx.body_readers:,} more are being read)" if ctx.body_readers else ""
        ev.append(Evidence("idle-conns", 40, f"{unread:,} client connections waiting for their response "
                           f"body to be read or closed{reading}: bodies never closed"))
    elif client_loops:
        shape = shape or (f"client connections whose response bodies {min(ctx.body_readers, n):,} goroutines "
                          "are reading (the readers tell more)")
    elif func == "net/http.(*persistConn).writeLoop":
        shape = shape or "the write half of client connections (their read half tells more)"
    elif func == "net/http.(*connReader).backgroundRead":
        # Started by a server connection for as long as its handler runs: handlers that
        # hang keep them, and tell more (they are where the code waits).
        shape = shape or "server connections' reads while their handlers run (the handlers tell more)"
    # The blocking function's own name (a long-poll handler's type, PollHandler, is no
    # timer's), and its maker's, without the import path (a package may be named poller).
    if TIMER_NAME.search(func.rsplit(".", 1)[-1] + " "
                         + (_local(grp.created_at.func) if grp.created_at else "")) \
            and n >= 10 and state in CHANNEL_STATES | {"sleep"}:
        ev.append(Evidence("timer-loop", 10, f"{n:,} timer or ticker loops, one per object, never stopped"))
    # Idle: waiting for work. A send hands a result over, and senders that all wait are
    # waiting for a consumer that is gone or stalled, however they were made.
    idle_states = (CHANNEL_STATES - {"chan send"}) | {"sync.Cond.Wait", "sync.(*Cond).Wait"}
    # A dump's pool: made by one goroutine, idle, and waiting with one shared object (the
    # queue); goroutines that each hold an object of their own are not a pool. Their ages
    # differ once it has worked: each worker went idle when it finished its last job.
    if not ctx.is_trace and len(creators) == 1 and n <= POOL_MAX and n >= 2 and state in idle_states \
            and _shared_object(ctx.model, grp):
        pool = True
    # A test that timed out, or that goleak checked, or a test binary whose tests all ended,
    # should have ended every goroutine it started: no pool excuses them.
    pool = pool and state in idle_states and not ended

    # --- a series --------------------------------------------------------------------
    steps = np.diff(np.array(series, np.int64))
    shrank = bool((steps < 0).any())  # fewer in some capture than in the one before
    if len(series) >= 2 and restarted:
        trail = " → ".join(f"{c:,}" for c in series)
        ev.append(Evidence("restart", 0, f"{trail} in captures of more than one process: not weighed"))
    elif len(series) >= 2:
        trail = " → ".join(f"{c:,}" for c in series)
        if shrank and not (steps > 0).any():
            ev.append(Evidence("fluctuates", -15, f"only shrank: {trail}: leaked goroutines never "
                               "leave (captures given newest first read so: give them oldest first)"))
        elif shrank:
            ev.append(Evidence("fluctuates", -15,
                               f"goes up and down: {trail}: leaked goroutines never leave"))
        elif (more := series[-1] - series[0]) >= 2 or (series[0] == 0 and more > 0):
            if new is not None and new * 2 < more:
                # A leak grows by goroutines made since (or that took new work since: a keep-alive
                # connection's, idle in the standard library then); a fixed set's goroutines (a
                # busy pool's workers, producers behind a full queue) move between waits of yours.
                ev.append(Evidence("moved", -20, f"{trail}, but {more - new:,} of the {more:,} more "
                                   "were in the first capture already, in your code elsewhere: the "
                                   "same goroutines moved here, not new ones"))
            else:
                rises = int((steps > 0).sum())
                # Grown, then not at all between the last two captures: a leak fed by traffic
                # grows in every interval; a set filling up to its size (in-flight requests, a
                # pool warming up) stops.
                stopped = len(steps) >= 2 and steps[-1] == 0 and rises == 1
                pts = 45 if rises >= 2 else 15 if stopped else 30
                how = ("grew in every snapshot" if rises == len(steps) else "grew, then stayed"
                       if stopped else "grew and never shrank")
                ev.append(Evidence("growth", pts, f"{how}: {trail}"))
        elif not holding:  # a deadlocked lock's holder stays as it is: no fixed set's sign
            ev.append(Evidence("steady", -20, f"steady at {series[-1]:,} in {len(series)} snapshots"))
    # Leaked goroutines never leave: when every one an earlier capture had here is gone, even
    # a single one, these come and go (a short backlog caught twice); that some stay says more
    # when there are two or more of them, and when the site never lost any (one that shrank is
    # served: a limiter's queue moves up one by one, its waiters the same for a while).
    # Those that stayed have waited at least as long as the series lasted, unless woken in
    # between: when a dump shows them all under a minute, the captures are seconds apart (or
    # they were woken: not stuck), and over seconds growth and staying goroutines are what a
    # burst or a warm-up shows too: alone with a pile, likely at most.
    brief = False
    if earlier_ids is not None and len(earlier_ids) >= 1 and not ctx.model.is_profile \
            and same_process is not False:
        stayed = grp.rows[np.isin(g.id[grp.rows], earlier_ids)]
        still = len(stayed)
        brief = not ctx.is_trace and still > 0 and int(g.wait_ns[stayed].max()) < MINUTE
        # A leaked goroutine's wait only grows. One that has waited less than the captures are
        # apart (less a dump's whole minutes) was woken since: served (a connection's reader, a
        # worker), unless its wait wakes it by itself. The runtime stamps a wait when a GC first
        # sees it (with the end of the GC before: never later than it began), and collects at
        # least every FORCED_GC: over captures further apart, a stuck wait shows its age.
        # (Most of them: a client's pool keeps a few idle connections beside the busy ones.)
        recent = g.wait_ns[stayed] < apart - MINUTE if apart >= FORCED_GC + MINUTE \
            else np.zeros(still, bool)
        woken = still > 0 and state in WAKEN_STATES and not ctx.is_trace \
            and int(recent.sum()) * 5 >= still * 4
        if woken and still * 5 >= len(earlier_ids) * 4 and len(earlier_ids) >= 2:
            brief = False
            longest = int(g.wait_ns[stayed[recent]].max())
            ev.append(Evidence("woken", -20, f"the same goroutines stay, but {int(recent.sum()):,} of "
                               f"the {still:,} were woken since the first capture that had them: "
                               f"they have waited {_dur(longest) if longest else '<1m'} at most, and "
                               f"the captures are {_dur(apart)} or more apart: served, not stuck"))
        elif still * 5 >= len(earlier_ids) * 4 and len(earlier_ids) >= 2 and not shrank:
            seconds = "" if not brief else (
                f"; all have waited under a minute, though the captures are {_dur(apart)} or more "
                "apart: woken since (a loop's timer, or new work)" if apart >= MINUTE else
                "; all have waited under a minute: the captures are seconds apart (or they were "
                "woken since), which a burst or a warm-up fills too")
            ev.append(Evidence("stuck", 25, f"the same goroutines stay: {still:,} of the "
                               f"{len(earlier_ids):,} here in the first capture that had them "
                               f"are still here{seconds}"))
        elif still * 5 < len(earlier_ids) and same_process:
            ev.append(Evidence("churning", -30, f"they come and go: {still:,} of the {len(earlier_ids):,} "
                               "here in the first capture that had them are still here"))

    # A dump in which nothing has waited a minute, not even a goroutine parked for good (the
    # runtime's forced-GC helper is, in any process that collects by itself), is of a process
    # minutes old at most: its captures are seconds or a minute apart, and what grows or stays
    # over them (connections filling a client's pool, requests in flight) a warm-up shows too.
    young = len(series) >= 2 and not ctx.is_trace and not ctx.model.is_profile and ctx.uptime < MINUTE
    score = max(0, min(100, sum(e.points for e in ev)))
    growing = any(e.kind == "growth" for e in ev)
    if shape is not None and proof is None:
        ev.append(Evidence("benign-shape", 0, shape))
        score = min(score, 10)
    elif pool and not growing and proof is None and n <= POOL_MAX:
        how = ("created together and idle" if ctx.is_trace
               else "made by one goroutine, idle on one shared object")
        ev.append(Evidence("benign-shape", 0, f"a fixed pool of {n:,} workers, {how}"))
        score = min(score, 30)
    if proof is not None:
        verdict: Verdict = "leak"
        score = max(score, 90 if proof != "runtime-proof" else 100)
    else:
        # How many wait, made by how many, for how long: one capture of a healthy server shows
        # as much (a goroutine per client connection or watch, there for hours). Near-certain
        # needs a fact about what can still end them: who could wake or release them, that the
        # process stopped, a history. "Only a timer could wake them" is no such fact: a
        # scheduler's ticker wakes a healthy daemon's goroutines so. Nor is "their makers
        # returned" while some goroutine of yours is at work: it may be the consumer they
        # wait for, behind on a slow write (a backlog, not a leak).
        # A trace's waits that outlast it say as much as the trace is long: under a minute,
        # a backoff, a timeout or a slow call outlasts it too, as in a quiet series of seconds.
        spans = ctx.is_trace and (not ctx.quiet_locks or grp.wait.max < MINUTE)
        if all(e.kind in PILE_KINDS or e.kind in PARKED_KINDS or e.points <= 0
               or (e.kind == "orphaned" and ctx.receivers)
               or ((brief or young) and e.kind in ("growth", "stuck"))
               or (spans and e.kind in TRACE_SPAN_KINDS)
               for e in ev):
            if score >= THRESHOLDS["leak"]:
                ev.append(Evidence("capped", 0, _capped(ctx, grp, ev, spans, brief, len(series) >= 2,
                                                        apart, young)))
            score = min(score, THRESHOLDS["leak"] - 1)
        verdict = verdict_of(score)
    # Proof first, then what capped the score (a shape, a short trace: why the points above it
    # do not add up), then the facts by weight.
    ev.sort(key=lambda e: (0 if e.kind in PROOF_KINDS else 1 if e.kind in CAP_KINDS else 2,
                           -abs(e.points)))
    return Suspect(grp, verdict, score, ev, series, leaked)


def _capped(ctx: Capture, grp: Group, ev: list[Evidence], spans: bool, brief: bool, serial: bool,
            apart: int = 0, young: bool = False) -> str:
    """Why points past the leak threshold say likely: what the evidence cannot tell apart
    from a healthy program, and what would. ``apart``: how far apart a series' captures are
    known to be (0: unknown); ``young``: nothing in the last dump has waited a minute."""
    kinds = {e.kind for e in ev}
    if spans and kinds & TRACE_SPAN_KINDS:
        why = (f"waited {_dur(grp.wait.max)} at most in the trace: a backoff or a slow call waits as "
               "long" if ctx.quiet_locks else
               f"{_yours(ctx.at_work)} at work at the trace's end, and may be what they wait for")
    elif brief and kinds & {"growth", "stuck"} and apart >= MINUTE:
        return ("likely at most: the same goroutines stay, but each was woken since the first "
                "capture (a loop's timer, or new work): a healthy long-lived goroutine (a "
                "connection's handler, a poller) is so too; whether anything ever stops the loop "
                "tells a leak")
    elif brief and kinds & {"growth", "stuck"}:
        why = "the captures are seconds apart: a burst or a warm-up grows and stays so too"
    elif young and kinds & {"growth", "stuck"}:
        why = ("nothing in the last capture has waited a minute: a process minutes old, captured "
               "seconds apart, grows so while it warms up (connections, requests in flight)")
    elif kinds & PARKED_KINDS:
        why = ("nothing of yours is at work, but a dump does not say what the parked ones wait on: "
               "a ticker, a deadline or a time.AfterFunc callback may end it")
    elif "orphaned" in kinds and ctx.receivers:
        behind = ", minutes behind" if "unserved" in kinds else ""
        why = (f"{_yours(ctx.receivers)} at work or in a receive or a select, and may be their "
               f"consumer{behind}")
    else:
        why = ("a pile alone (how many, made by how many, for how long): a healthy server's "
               "connections or watches look so too")
    then = ("minutes of trace, or dumps minutes apart, tell a leak" if ctx.is_trace else
            "captures minutes apart tell a leak" if serial else "a capture minutes later tells a leak")
    return f"likely at most: {why}; {then}"


def _held_locks(ctx: Capture, groups: list[Group], wants: list[Literal["release", "event"] | None],
                series: Series) -> dict[int, list[tuple[Group, int]]]:
    """Per group (index), the lock waiters with a parked holder that its goroutines are tied
    to by a dump's arguments: candidates for that holder, parked in a wait of their own.
    ``wants``: each group's :func:`gotrace.analysis.waits.waits_for`, None where not read.

    The holder is parked when nothing of the program's runs (``Capture.quiet_locks``), or,
    in a busy process, when a series shows the lock never released: the same goroutines wait
    for it in every capture, and the candidates are parked in every capture too."""
    if ctx.is_trace:
        return {}
    if ctx.quiet_locks:
        locked = [i for i, w in enumerate(wants) if w == "release"]
        parked = [i for i, (x, w) in enumerate(zip(groups, wants, strict=True)) if w != "release"
                  and (x.state in CHANNEL_STATES or x.state in LOCK_STATES)]
    elif len(series.models) > 1:
        stay = [i for i, x in enumerate(groups)
                if (x.state in CHANNEL_STATES or x.state in LOCK_STATES) and series.stays(x)]
        locked = [i for i in stay if waits_for(ctx.model, groups[i]) == "release"]
        parked = [i for i in stay if i not in locked]
    else:
        return {}
    out: dict[int, list[tuple[Group, int]]] = {}
    for h in lock_holders(ctx.model, groups, locked, parked):
        out.setdefault(h.holder, []).append((groups[h.waiters], h.count))
    return out


def _distinct_creators(creator: npt.NDArray[np.int64], groups: Sequence[Group]
                       ) -> list[npt.NDArray[np.int64]]:
    """Per group, the distinct ids of the goroutines that created its goroutines (sorted; none
    where the input prints no creator), in one sort of every group's rows at once: a dump of
    100,000 distinct groups asks this 100,000 times."""
    if not groups:
        return []
    sizes = np.array([len(x.rows) for x in groups], np.int64)
    rows = np.concatenate([x.rows for x in groups])
    which = np.repeat(np.arange(len(groups), dtype=np.int64), sizes)
    made = creator[rows]
    known = made != NONE
    made, which = made[known], which[known]
    order = np.lexsort((made, which))
    made, which = made[order], which[order]
    first = np.ones(len(made), bool)
    first[1:] = (made[1:] != made[:-1]) | (which[1:] != which[:-1])
    made, which = made[first], which[first]
    bounds = np.searchsorted(which, np.arange(len(groups) + 1))
    return [made[bounds[k]:bounds[k + 1]] for k in range(len(groups))]


def find_leaks(models: Sequence[Model]) -> LeakReport:
    """The suspects of the last model; earlier models are the same service's earlier captures
    (:class:`gotrace.analysis.series.Series` matches their groups to the last one's).

    Models of a series should share one ``Tables``.
    """
    series = Series(models)
    last = series.models[-1]
    ctx = Capture(last)
    groups = series.last
    # What each group waits for, read once: a lock's holder is looked for, and judged, by it.
    wants = [waits_for(last, x) if ctx.quiet_locks else None for x in groups]
    held = _held_locks(ctx, groups, wants, series)
    creators = _distinct_creators(last.goroutines.creator, groups)
    suspects = []
    for gi, grp in enumerate(groups):
        # The earliest capture that had the group: are its goroutines the ones here now?
        earlier_ids, same = series.earlier(grp)
        suspects.append(_judge(ctx, grp, series.counts(grp), creators[gi], earlier_ids, same, wants[gi],
                               held.get(gi, ()), series.restarted, series.made(grp), series.apart(grp)))
    suspects.sort(key=lambda s: (verdict_rank(s.verdict), -s.score, -s.group.count))
    return LeakReport(series.models, suspects, ctx.stopped, series.notes(),
                      [m.source.path for m in series.models])
