"""Waits a debug=1 profile hides, named from the PCs its ``@`` lines still list.

Checked against Go itself: the same program's debug=2 dump prints each goroutine's wait,
and the wait at a code location is the location's (a line is a send, a receive or a
select), so every wait named from a debug=1 profile must be the one debug=2 prints at its
first frame, in the zoo (Go 1.21, 1.27) and the corpus (Go 1.19 to 1.26).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from conftest import CORPUS, DATA, HAS_CORPUS, SAMPLES, SCENARIOS, VERSIONS

from gotrace.dump.text import _hidden_pcs
from gotrace.load import load
from gotrace.model import Model
from gotrace.model.from_dump import build_dump_model
from gotrace.model.infer import CHAN_OP, PARKED
from gotrace.trace.events import GoState

ZOO = DATA / "zoo" / "out"
AGREES = {"select": {"select", "select (no cases)"},
          CHAN_OP: {"chan send", "chan receive", "chan send (nil chan)", "chan receive (nil chan)"}}


def record(count: int, pcs: str, *frames: tuple[str, str]) -> str:
    lines = [f"{count} @ {pcs}"] + [f"#\t{pc}\t{func}+0x10\t/src/app/main.go:{20 + i}"
                                    for i, (pc, func) in enumerate(frames)]
    return "\n".join(lines) + "\n\n"


def profile(*records: str) -> Model:
    total = sum(int(r.split()[0]) for r in records)
    text = f"goroutine profile: total {total}\n" + "".join(records)
    return build_dump_model(text.encode(), "p.txt")


def waits(m: Model) -> dict[str, tuple[str, str]]:
    """Each row's first function: its state and reason."""
    g, s = m.goroutines, m.tables.strings
    return {m.tables.stack_frames(int(g.last_stack[r]))[0].func:
            (GoState(g.state[r]).name, s[g.reason[r]]) for r in range(len(g.id))}


WRITER = record(1, "0x441651 0x4d7fb1 0x487481", ("0x4d7fb0", "runtime/pprof.writeGoroutine"),
                ("0x4870a0", "main.main"))
SLEEPER = record(2, "0x4812ca 0x4a0000 0x4e0001 0x487481", ("0x4a0000", "time.Sleep"),
                 ("0x4e0000", "main.tick"))


def test_hidden_pcs_counts_what_precedes_the_first_frame() -> None:
    assert _hidden_pcs("3 @ 0x4812ca 0x45d3b7 0x4ed8bf 0x487481", "#\t0x4ed8be\tmain.f+0x9e\tx.go:1") == (
        0x4812ca, 0x45d3b7, 2)
    assert _hidden_pcs("3 @ 0x4ed8bf 0x487481", "#\t0x4ed8be\tmain.f+0x9e\tx.go:1") == (0x4ed8bf, 0x487481, 0)
    assert _hidden_pcs("3 @ 0x4812ca 0x487481", "#\t0x4ed8be\tmain.f+0x9e\tx.go:1")[2] == -1  # not there
    assert _hidden_pcs("3 @ 0x4812ca", "") == (0x4812ca, 0, -1)  # no frame printed
    assert _hidden_pcs("3 @ 0x4812ca", "#\tzz\tmain.f\tx.go:1") == (0, 0, -1)  # unreadable
    huge = "3 @ 0x" + "f" * 40 + " 0x4ed8bf"
    assert _hidden_pcs(huge, "#\t0x4ed8be\tf\tx.go:1") == (0, 0, -1)  # past int64


def test_a_told_wait_shows_which_pc_is_goparks() -> None:
    m = profile(WRITER, SLEEPER,
                record(5, "0x4812ca 0x45d3b7 0x4ed8bf 0x487481", ("0x4ed8be", "main.(*S).loop")),
                record(7, "0x4812ca 0x4158ee 0x415432 0x4ed6dc 0x487481", ("0x4ed6db", "main.(*S).send")),
                record(2, "0x4812ca 0x1 0x2 0x3 0x4ed7dc 0x487481", ("0x4ed7db", "main.(*S).gc")),
                record(4, "0x4812ca 0x4159ee 0x4ed9dc 0x487481", ("0x4ed9db", "reflect.rselect"),
                       ("0x4eda00", "main.(*S).reflected")),
                record(3, "0x4c0000 0x4c1000 0x4edadc 0x487481", ("0x4edadb", "main.(*S).spin")))
    w = waits(m)
    assert w["main.(*S).loop"] == ("WAITING", "select")
    assert w["main.(*S).send"] == ("WAITING", CHAN_OP)
    assert w["main.(*S).gc"] == ("WAITING", PARKED)  # parked, under runtime frames we cannot name
    assert w["reflect.rselect"] == ("WAITING", PARKED)  # the runtime implements reflect's waits
    assert w["main.(*S).spin"] == ("UNDETERMINED", "")  # not parked in gopark: may be running
    assert w["time.Sleep"] == ("WAITING", "sleep")
    g = m.goroutines
    assert g.reason_inferred[g.reason == m.tables.string("select")].all()


def test_two_runtime_callers_of_one_innermost_pc_show_goparks() -> None:
    """With no told wait, an innermost PC entered from two places in the runtime (selectgo and
    chanrecv1's chanrecv) is gopark's. One entered from one place only may be asyncPreempt2's
    under asyncPreempt: goroutines preempted at different places in the program."""
    loop = record(5, "0x4812ca 0x45d3b7 0x4ed8bf 0x487481", ("0x4ed8be", "main.(*S).loop"))
    send = record(7, "0x4812ca 0x4158ee 0x415432 0x4ed6dc 0x487481", ("0x4ed6db", "main.(*S).send"))
    w = waits(profile(WRITER, loop, send))
    assert w["main.(*S).loop"] == ("WAITING", "select") and w["main.(*S).send"] == ("WAITING", CHAN_OP)
    preempted = record(9, "0x4812ca 0x45d3b7 0x4ed9bf 0x487481", ("0x4ed9be", "main.(*S).hash"))
    w = waits(profile(WRITER, loop, preempted))
    assert w["main.(*S).loop"] == w["main.(*S).hash"] == ("UNDETERMINED", "")
    one = record(1, "0x4812ca 0x4158ee 0x415432 0x4ed6dc 0x487481", ("0x4ed6db", "main.(*S).send"))
    assert waits(profile(WRITER, one))["main.(*S).send"] == ("UNDETERMINED", "")


def test_one_channel_path_parks_a_small_program() -> None:
    """With nothing else to go by, an innermost PC under three hidden frames is gopark's when
    a record of two or more goroutines reaches it (all of a hung program's goroutines in one
    ``<-ch``), or two records with different stacks do; not under two (asyncPreempt's), and
    not for one goroutine alone."""
    send = record(7, "0x4812ca 0x4158ee 0x415432 0x4ed6dc 0x487481", ("0x4ed6db", "main.(*S).send"))
    assert waits(profile(WRITER, send))["main.(*S).send"] == ("WAITING", CHAN_OP)
    a = record(1, "0x4812ca 0x4158ee 0x415432 0x4ed6dc 0x487481", ("0x4ed6db", "main.(*S).send"))
    b = record(1, "0x4812ca 0x4159ee 0x415532 0x4ed7dc 0x487481", ("0x4ed7db", "main.(*S).recv"))
    w = waits(profile(WRITER, a, b))
    assert w["main.(*S).send"] == w["main.(*S).recv"] == ("WAITING", CHAN_OP)
    spun = record(6, "0x4812ca 0x45d3b7 0x4ed9bf 0x487481", ("0x4ed9be", "main.(*S).hash"))
    assert waits(profile(WRITER, spun))["main.(*S).hash"] == ("UNDETERMINED", "")
    deeper = record(6, "0x4812ca 0x1 0x2 0x3 0x4ed9bf 0x487481", ("0x4ed9be", "main.(*S).hash"))
    assert waits(profile(WRITER, deeper))["main.(*S).hash"] == ("UNDETERMINED", "")


def _first_frame_states(m: Model) -> dict[tuple[str, int], set[str]]:
    """What a debug=2 dump says each goroutine waits on, by its first frame outside the runtime."""
    g, s = m.goroutines, m.tables.strings
    out: dict[tuple[str, int], set[str]] = defaultdict(set)
    for r in range(len(g.id)):
        frames = [f for f in m.tables.stack_frames(int(g.last_stack[r])) if not f.func.startswith("runtime.")]
        if frames:
            out[(frames[0].func, frames[0].line)].add(s[g.reason[r]] if g.state[r] == GoState.WAITING
                                                      else GoState(g.state[r]).name)
    return out


def _named_against_debug2(debug1: Path, debug2: Path) -> tuple[int, list[str]]:
    """How many rows of ``debug1`` had a select or channel wait named, and those that disagree
    with what ``debug2`` prints at the same first frame."""
    m = load(str(debug1))
    truth = _first_frame_states(load(str(debug2)))
    g, s = m.goroutines, m.tables.strings
    named, wrong = 0, []
    for r in range(len(g.id)):
        reason = s[g.reason[r]]
        if not g.reason_inferred[r] or reason not in AGREES:
            continue
        f = m.tables.stack_frames(int(g.last_stack[r]))[0]
        there = truth.get((f.func, f.line))
        if there is None:  # not at that line when the dump was taken
            continue
        named += 1
        if not there <= AGREES[reason]:
            wrong.append(f"{debug1.name}: {f.func}:{f.line} {reason}, debug=2 says {sorted(there)}")
    return named, wrong


def test_named_waits_agree_with_go_in_the_zoo() -> None:
    named, wrong = 0, []
    for debug1 in sorted(ZOO.glob("*.debug1.txt")):
        if "goroutineleak" in debug1.name:
            continue
        debug2 = debug1.with_name(debug1.name.replace(".debug1.txt", ".debug2.txt"))
        debug2 = debug2 if debug2.exists() else debug2.with_name(debug2.name + ".gz")
        if debug2.exists():
            n, w = _named_against_debug2(debug1, debug2)
            named, wrong = named + n, wrong + w
    assert wrong == []
    assert named >= 70, named


@pytest.mark.skipif(not HAS_CORPUS, reason="reference corpus not available")
def test_named_waits_agree_with_go_in_the_corpus() -> None:
    named, wrong = 0, []
    for version in VERSIONS:
        for scenario in SCENARIOS:
            debug1 = CORPUS / version / f"{scenario}.debug1.txt"
            debug2 = CORPUS / version / f"{scenario}.debug2.txt"
            if debug1.exists() and debug2.exists():
                n, w = _named_against_debug2(debug1, debug2)
                named, wrong = named + n, wrong + w
    assert wrong == []
    assert named >= 15, named


def test_only_the_profiles_writer_runs_not_goroutines_that_set_labels() -> None:
    """``pprof.Do`` stays on the stack of a goroutine that set labels with it; that frame is
    runtime/pprof's but writes nothing. The sample's 120 labelled pool workers wait in a
    channel receive, as its debug=2 dump says, and only the profile's writer runs."""
    states = _states(load(str(SAMPLES / "stuck.go1.27.debug1.txt")))
    truth = _states(load(str(SAMPLES / "stuck.go1.27.debug2.txt")))
    assert states.pop("running") == truth.pop("running") == 1
    assert states.pop(CHAN_OP) == truth.pop("chan receive") == 122
    assert states == truth


def _states(m: Model) -> dict[str, int]:
    """Goroutines per state (a wait's reason, else the state), record counts weighed."""
    g, s = m.goroutines, m.tables.strings
    names = [s[g.reason[r]] if g.state[r] == GoState.WAITING else GoState(g.state[r]).name.lower()
             for r in range(len(g.id))]
    counts: dict[str, int] = defaultdict(int)
    for name, w in zip(names, g.weights().tolist(), strict=True):
        counts[name] += w
    return dict(counts)
