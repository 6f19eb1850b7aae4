"""Lock holders named from a debug=2 dump's arguments (``holds-lock``).

When nothing of the program's runs, a Mutex's waiters have a parked holder; a parked
goroutine whose frames print a pointer to the struct the lock is a field of (the nearest
pointer below the lock's address) is that holder, and where the bug is. Checked on the
zoo's and the GoKer bugs' real dumps too: every tie there is the bug's holder, and no
healthy program has one (tests/analysis/test_zoo.py, test_goker.py).
"""

from __future__ import annotations

from pathlib import Path

from gotrace.analysis.leaks import Suspect, find_leaks
from gotrace.load import load
from gotrace.model.from_dump import build_dump_model

DATA = Path(__file__).resolve().parents[1] / "data"
ZOO, GOKER = DATA / "zoo", DATA / "goker"

MAIN = "goroutine 1 [running]:\nmain.main()\n\t/src/app/main.go:10 +0x25\n\n"
STORE = 0xC000120000
LOCK = STORE + 0x8  # Store.mu, after its first field


def waiter(gid: int, lock: str = f"{LOCK:#x}", receiver: str = f"{STORE:#x}") -> str:
    return (f"goroutine {gid} [sync.Mutex.Lock]:\n"
            f"sync.runtime_SemacquireMutex(0xc00001234c?, 0x0?, 0x1?)\n\t/go/src/runtime/sema.go:77 +0x25\n"
            f"sync.(*Mutex).lockSlow({lock})\n\t/go/src/sync/mutex.go:171 +0x165\n"
            f"sync.(*Mutex).Lock(...)\n\t/go/src/sync/mutex.go:90\n"
            f"main.(*Store).Get({receiver}, {{0x4d1a2b, 0x3}})\n\t/src/app/store.go:20 +0x45\n"
            f"created by main.main in goroutine 1\n\t/src/app/main.go:9 +0x2a\n\n")


def parked(gid: int, state: str, func: str, arg: str, line: int = 40) -> str:
    return (f"goroutine {gid} [{state}]:\n{func}({arg})\n\t/src/app/store.go:{line} +0x45\n"
            f"created by main.main in goroutine 1\n\t/src/app/main.go:9 +0x2a\n\n")


def suspects(text: str) -> dict[str, Suspect]:
    rep = find_leaks([build_dump_model(text.encode(), "dump.txt")])
    return {s.group.blocking.func: s for s in rep.suspects if s.group.blocking is not None}


def holds(s: Suspect) -> list[str]:
    return [e.text for e in s.evidence if e.kind == "holds-lock"]


def test_a_parked_goroutine_on_the_locked_struct_holds_the_lock() -> None:
    """A Close that waits for a send while holding the lock its readers need: one goroutine
    is enough, and it is named with the waiters' site."""
    close_ = parked(30, "chan send", "main.(*Store).Close", f"{STORE:#x}")
    found = suspects(MAIN + waiter(20) + waiter(21) + close_)
    close = found["main.(*Store).Close"]
    assert holds(close) == ["it likely holds the lock 2 wait for at main.(*Store).Get (store.go:20), "
                            "parked in chan send (a frame points at it)"]
    assert close.verdict == "likely"
    assert "no-waker" not in [e.kind for e in close.evidence]  # the same quiet, counted once
    assert not holds(found["main.(*Store).Get"])
    # In a select, the holder may be a limiter's, waiting on a ticker: it weighs less.
    loop = parked(30, "select", "main.(*Store).Close", f"{STORE:#x}")
    ev = [e for e in suspects(MAIN + waiter(20) + waiter(21) + loop)["main.(*Store).Close"].evidence
          if e.kind == "holds-lock"]
    assert [e.points for e in ev] == [30]


def test_the_nearest_struct_below_the_lock_is_its_owner() -> None:
    """Small objects sit next to each other on the heap: a goroutine on the struct just
    before the locked one is not its holder when one on the locked struct is printed, by
    the waiters or anyone else."""
    neighbour = parked(31, "chan receive", "main.(*Cache).loop", f"{STORE - 0x40:#x}", 50)
    found = suspects(MAIN + waiter(20) + waiter(21) + neighbour)
    assert not holds(found["main.(*Cache).loop"])  # the waiters print STORE, nearer
    found = suspects(MAIN + waiter(20, receiver="0x0?") + waiter(21, receiver="0x0?") + neighbour
                     + parked(30, "chan send", "main.(*Store).Close", f"{STORE:#x}"))
    assert holds(found["main.(*Store).Close"]) and not holds(found["main.(*Cache).loop"])


def test_a_far_or_unvouched_pointer_ties_nothing() -> None:
    far = parked(30, "chan send", "main.(*Store).Close", f"{LOCK - 0x1000:#x}")
    assert not holds(suspects(MAIN + waiter(20) + waiter(21, receiver="0x0?") + far)["main.(*Store).Close"])
    unsure = parked(30, "chan send", "main.(*Store).Close", f"{STORE:#x}?")
    text = MAIN + waiter(20, receiver="0x0?") + waiter(21, receiver="0x0?") + unsure
    assert not holds(suspects(text)["main.(*Store).Close"])


def test_a_struct_everyone_works_on_names_no_holder() -> None:
    """Twenty parked handlers all print the server whose lock two goroutines want: a Mutex has
    one holder, and the tie says nothing about which."""
    def handlers(n: int) -> str:
        return "".join(parked(40 + i, "chan receive", f"main.(*Server).h{i}", f"{STORE:#x}")
                       for i in range(n))

    waiters = waiter(20, receiver="0x0?") + waiter(21, receiver="0x0?")
    assert not any(holds(s) for s in suspects(MAIN + waiters + handlers(20)).values())
    found = suspects(MAIN + waiters + handlers(2))
    assert holds(found["main.(*Server).h0"]) and holds(found["main.(*Server).h1"])


def test_an_address_past_64_bits_is_no_pointer() -> None:
    """Arguments are the input's text: one too long for an address is not read as one."""
    huge = "0x" + "f" * 40
    text = MAIN + waiter(20, lock=huge, receiver=huge) + waiter(21, lock=huge, receiver=huge)
    text += parked(30, "chan send", "main.(*Store).Close", huge)
    assert not holds(suspects(text)["main.(*Store).Close"])


def test_an_rlock_waiter_names_its_lock_by_its_receiver() -> None:
    """RLock is inlined and prints no address; the method that called it holds the lock in its
    receiver, and a holder on the same receiver is tied."""
    reader = (f"goroutine 20 [sync.RWMutex.RLock]:\nsync.runtime_SemacquireRWMutexR(0x0?, 0x0?, 0x0?)\n"
              f"\t/go/src/runtime/sema.go:82 +0x25\nsync.(*RWMutex).RLock(...)\n"
              f"\t/go/src/sync/rwmutex.go:70\n"
              f"main.(*Cache).Get({STORE:#x}, {{0x4d1a2b, 0x3}})\n\t/src/app/cache.go:17 +0x45\n"
              f"created by main.main in goroutine 1\n\t/src/app/main.go:9 +0x2a\n\n")
    refresh = parked(30, "sync.WaitGroup.Wait", "main.(*Cache).refresh", f"{STORE:#x}")
    found = suspects(MAIN + reader + refresh)
    assert holds(found["main.(*Cache).refresh"])


def test_no_holder_while_the_program_still_runs() -> None:
    """Anyone of the program's that runs, sleeps or waits on the network may hold the lock
    and release it: no parked goroutine is blamed then."""
    close = parked(30, "chan send", "main.(*Store).Close", f"{STORE:#x}")
    for other in (parked(9, "runnable", "main.(*Store).Put", "0x1"),
                  parked(9, "sleep", "main.(*Store).load", "0x1")):
        assert not holds(suspects(MAIN + waiter(20) + waiter(21) + close + other)["main.(*Store).Close"])


def test_real_dumps_tie_the_holders_of_real_deadlocks() -> None:
    """The zoo's Close that waits for its reader while holding the lock it needs, and GoKer
    bugs that send on a channel while holding a lock (kubernetes#10182, moby#28462)."""
    cases = [(ZOO / "out" / "close_wait_self.go1.27.debug2.txt", "main.(*ClientConn).Close"),
             (ZOO / "out" / "close_wait_self.go1.21.debug2.txt", "main.(*ClientConn).Close"),
             (GOKER / "out" / "kubernetes10182.intest.go1.27.txt",
              "example.com/holdout/src/kubernetes10182.(*statusManager).SetPodStatus"),
             (GOKER / "out" / "moby28462.intest.go1.27.txt",
              "example.com/holdout/src/moby28462.(*Container).StopHealthcheck")]
    for path, func in cases:
        rep = find_leaks([load(str(path))])
        tied = [s for s in rep.suspects if holds(s)]
        assert [s.group.blocking.func for s in tied if s.group.blocking] == [func], path
        assert all(s.verdict == "likely" for s in tied), path


def test_a_series_names_the_holder_in_a_busy_process() -> None:
    """A process that still works (a poller sleeps) is never quiet, and one dump of it names no
    holder: the sleeper might hold the lock. Across a series, the same waiters stay in every
    capture, so the lock was never released, and a goroutine parked on the locked struct in
    every capture is its holder. One that comes and goes is not."""
    from gotrace.tables import Tables

    sleeper = ("goroutine 7 [sleep]:\ntime.Sleep(0x3b9aca00)\n\t/go/src/runtime/time.go:300 +0x45\n"
               "main.poll()\n\t/src/app/poll.go:12 +0x25\ncreated by main.main in goroutine 1\n"
               "\t/src/app/main.go:8 +0x2a\n\n")
    accept = parked(5, "IO wait", "main.acceptLoop", "0xc000200000", line=70)
    close_ = parked(30, "chan send", "main.(*Store).Close", f"{STORE:#x}")

    def capture(waiters: int, holder: str) -> str:
        return MAIN + sleeper + accept + holder + "".join(waiter(100 + i) for i in range(waiters))

    assert not holds(suspects(capture(6, close_))["main.(*Store).Close"])  # one dump: the sleeper
    tables = Tables()
    series = [build_dump_model(capture(n, close_).encode(), f"dump{n}.txt", tables=tables) for n in (3, 6)]
    found = {s.group.blocking.func: s for s in find_leaks(series).suspects if s.group.blocking is not None}
    close = found["main.(*Store).Close"]
    assert holds(close) == ["it likely holds the lock 6 wait for at main.(*Store).Get (store.go:20), parked "
                            "in chan send (a frame points at it, and it and they stay so in every capture)"]
    assert close.verdict == "likely" and "steady" not in [e.kind for e in close.evidence]
    # Another goroutine on the struct in the last capture only: it came since, so it is not
    # the holder the waiters have waited for since the first.
    other = parked(31, "chan send", "main.(*Store).Close", f"{STORE:#x}")
    series = [build_dump_model(capture(3, close_).encode(), "a.txt", tables=tables),
              build_dump_model(capture(6, other).encode(), "b.txt", tables=tables)]
    found = {s.group.blocking.func: s for s in find_leaks(series).suspects if s.group.blocking is not None}
    assert not holds(found["main.(*Store).Close"])


def test_a_real_busy_processs_series_names_the_deadlocks_holder() -> None:
    """tests/data/dumps/busy_lock: a lock held across a channel send, in a process that serves
    HTTP and polls metrics. One dump names no holder; the series of three names commit, and
    the Stat waiters, the same goroutines in every dump, lead."""
    from gotrace.tables import Tables

    for version in ("go1.27", "go1.21"):
        paths = [DATA / "dumps" / "busy_lock" / f"lock_send_deadlock.{version}.debug2.{i}.txt"
                 for i in (1, 2, 3)]
        single = {s.group.blocking.func: s for s in find_leaks([load(str(paths[-1]))]).suspects
                  if s.group.blocking is not None}
        assert not holds(single["main.(*folderModel).commit"])
        tables = Tables()
        report = find_leaks([build_dump_model(p.read_bytes(), str(p), tables=tables) for p in paths])
        found = {s.group.blocking.func: s for s in report.suspects if s.group.blocking is not None}
        commit, stat = found["main.(*folderModel).commit"], found["main.(*folderModel).Stat"]
        assert len(holds(commit)) == 1 and "main.(*folderModel).Stat" in holds(commit)[0], version
        # Milliseconds apart (the waiters that stay have waited under a minute): likely, first.
        assert commit.verdict == "likely" and stat.verdict == "likely" and report.suspects[0] is stat
