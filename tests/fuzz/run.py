"""The fuzz campaign: mutate valid traces and dumps, run gotrace on both reader paths, keep what
breaks the contract.

    python -m tests.fuzz.run --target v2 --minutes 30            # from the repository root
    python -m tests.fuzz.run --target dump --minutes 1 --seed 7 --report /tmp/dump.json

Targets: ``v1`` (old trace format), ``v2`` (new trace format), ``dump``. Each
input is a seed (samples/, tests/data/, and ../shared/corpus when present,
plus earlier findings) with strategies from :mod:`tests.fuzz.mutate` applied;
it runs through the target's commands (harness.COMMANDS) with the C
accelerators and with ``GOTRACE_PURE_PYTHON=1``, each run a watched child
(harness.py, forkserver.py). A run that breaks the contract (harness.problems)
is a finding; a finding with a new signature is shrunk (when it is quick to
reproduce) and saved to ``tests/data/fuzzcrash/<target>/<id>.bin`` with
``<id>.json`` describing it, where tests/fuzz/test_fuzz_replay.py replays it.
A finding in code owned elsewhere is marked ``"known": "<one-line reason>"`` in
its JSON, which makes the replay an expected failure until it is fixed.

The summary (inputs, runs, findings by kind, the slowest and largest runs per
path) goes to stderr every minute and at the end, and to ``--report`` as JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .harness import (
    COMMANDS,
    CRASH_DIR,
    TARGETS,
    BothPaths,
    Crash,
    Outcome,
    Problem,
    problems,
    saved_crashes,
    seed_files,
    shape,
    where,
)
from .mutate import mutate

LIMIT_KINDS = ("killed-time", "killed-rss", "slow", "rss", "oom")
TRACEBACK_KINDS = ("traceback", "internal-error")
SHRINK_S = 60.0  # per new finding


@dataclass
class Peak:
    value: float = 0.0
    command: str = ""
    input_size: int = 0


@dataclass
class Stats:
    target: str
    seed: int
    minutes: float = 0.0
    inputs: int = 0
    runs: int = 0
    findings: Counter[str] = field(default_factory=Counter)  # by kind, every occurrence
    inputs_with_findings: int = 0
    signatures_new: list[str] = field(default_factory=list)
    signatures_seen: Counter[str] = field(default_factory=Counter)
    peaks: dict[str, Peak] = field(default_factory=dict)  # "C cpu_s", "pure maxrss"...
    exits: Counter[str] = field(default_factory=Counter)  # "info 0": how deep the inputs got

    def add(self, command: Sequence[str], size: int, c: Outcome, pure: Outcome) -> None:
        self.runs += 2
        self.exits[f"{' '.join(command)}: exit {c.code}"] += 1
        for path, o in (("C", c), ("pure", pure)):
            for what in ("cpu_s", "wall_s", "maxrss"):
                peak = self.peaks.setdefault(f"{path} {what}", Peak())
                value = getattr(o, what)
                if value > peak.value:
                    self.peaks[f"{path} {what}"] = Peak(value, " ".join(command), size)

    def line(self) -> str:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(self.findings.items())) or "none"
        cpu = max(self.peaks.get("C cpu_s", Peak()).value, self.peaks.get("pure cpu_s", Peak()).value)
        rss = max(self.peaks.get("C maxrss", Peak()).value, self.peaks.get("pure maxrss", Peak()).value)
        return (f"{self.target} {self.minutes:5.1f} min: {self.inputs:,} inputs, {self.runs:,} runs; "
                f"findings: {kinds}; {len(self.signatures_new)} new; max {cpu:.2f}s CPU, "
                f"{rss / 2**20:.0f} MiB")

    def report(self) -> dict[str, Any]:
        doc: dict[str, Any] = {k: getattr(self, k) for k in (
            "target", "seed", "minutes", "inputs", "runs", "inputs_with_findings", "signatures_new")}
        doc["findings"] = dict(self.findings)
        doc["signatures_seen"] = dict(self.signatures_seen)
        doc["exits"] = dict(sorted(self.exits.items()))
        doc["peaks"] = {k: asdict(v) for k, v in self.peaks.items()}
        doc["tracebacks"] = sum(self.findings[k] for k in TRACEBACK_KINDS)
        doc["path_differences"] = self.findings["difference"]
        doc["limit_hits"] = sum(self.findings[k] for k in LIMIT_KINDS)
        doc["signals"] = self.findings["signal"]
        return doc


class Campaign:
    def __init__(self, target: str, rng: random.Random, crash_dir: Path, paths: BothPaths) -> None:
        self.target = target
        self.rng = rng
        self.crash_dir = crash_dir
        self.paths = paths
        self.input = paths.workdir / "input"
        self.stats = Stats(target, 0)
        self.known = {c.signature for _, c in saved_crashes(crash_dir)}
        self.seed_paths = seed_files(target)
        self.seeds = [p.read_bytes() for p in self.seed_paths]
        for p, c in saved_crashes(crash_dir):
            if c.target == target:
                self.seed_paths.append(p)
                self.seeds.append(p.read_bytes())
        if not self.seeds:
            raise SystemExit(f"no seed inputs for target {target}")
        # Small seeds run fast: favour them, so that a campaign tries more inputs per minute.
        self.weights = [1 / max(len(s), 4096) ** 0.5 for s in self.seeds]

    def run_input(self, data: bytes) -> list[tuple[Problem, Outcome, Outcome]]:
        self.input.write_bytes(data)
        found = []
        for command in COMMANDS[self.target]:
            c, pure = self.paths.run([*command, str(self.input)])
            self.stats.add(command, len(data), c, pure)
            found += [(p, c, pure) for p in problems(command, c, pure)]
        return found

    def signature(self, p: Problem) -> tuple[str, str]:
        """The finding's signature and, for a traceback, where it happened (a GOTRACE_DEBUG run)."""
        if p.kind not in TRACEBACK_KINDS:
            return p.signature(str(self.input)), ""
        o = self.paths.run_one(p.path == "pure", [*p.command, str(self.input)], debug=True)
        place = where(o.stderr.decode("utf-8", "replace"))
        # One bug however many commands and paths meet it: the place is the signature.
        return f"{p.kind}:{shape(place, str(self.input))}", place

    def reproduces(self, data: bytes, p: Problem, want: str) -> bool:
        """Whether ``data`` still shows the finding signed ``want`` (a traceback: at the same place)."""
        self.input.write_bytes(data)
        c, pure = self.paths.run([*p.command, str(self.input)])
        return any(q.kind == p.kind and q.path == p.path and self.signature(q)[0] == want
                   for q in problems(p.command, c, pure))

    def shrink(self, data: bytes, p: Problem, want: str, seconds: float = SHRINK_S) -> bytes:
        """A shorter input with the same finding, within ``seconds``: the shortest prefix a
        binary search finds (half the time at most), then chunks taken out, from halves down
        to single bytes (lines of a dump go first). Limit findings are not shrunk: too slow."""
        if p.kind in LIMIT_KINDS:
            return data
        start = time.monotonic()

        def left() -> float:
            return seconds - (time.monotonic() - start)

        def keeps(candidate: bytes) -> bool:
            return self.reproduces(candidate, p, want)

        lo, hi = 0, len(data)
        while hi - lo > max(16, hi // 100) and left() > seconds / 2:
            mid = (lo + hi) // 2
            if keeps(data[:mid]):
                hi = mid
            else:
                lo = mid
        data = data[:hi]
        if self.target == "dump":
            data = b"".join(_without_chunks(data.splitlines(keepends=True), keeps, left))
        return b"".join(_without_chunks([data[i: i + 1] for i in range(len(data))], keeps, left))

    def record(self, data: bytes, strategies: list[str], seed: str,
               found: list[tuple[Problem, Outcome, Outcome]]) -> None:
        self.stats.inputs_with_findings += 1
        by_signature: dict[str, list[Problem]] = {}
        places: dict[str, str] = {}
        for p, _, _ in found:
            self.stats.findings[p.kind] += 1
            sig, places[p.kind] = self.signature(p)
            self.stats.signatures_seen[sig] += 1
            by_signature.setdefault(sig, []).append(p)
        for sig, same in by_signature.items():
            if sig in self.known:
                continue
            self.known.add(sig)
            self.stats.signatures_new.append(sig)
            small = self.shrink(data, same[0], sig)
            commands = list(dict.fromkeys(tuple(q.command) for q in same))
            crash = Crash(self.target, sig, [asdict(q) for q in same], [list(c) for c in commands],
                          places[same[0].kind], strategies, seed, len(small))
            path = crash.save(self.crash_dir / self.target, small)
            print(f"  new finding {path.name}: {sig}", file=sys.stderr)

    def go(self, minutes: float, seed: int) -> Stats:
        self.stats = Stats(self.target, seed)
        start = time.monotonic()
        last = start
        while time.monotonic() - start < minutes * 60:
            i = self.rng.choices(range(len(self.seeds)), self.weights)[0]
            data, strategies = mutate(self.rng, self.target, self.seeds[i], self.seeds)
            found = self.run_input(data)
            self.stats.inputs += 1
            if found:
                self.record(data, strategies, self.seed_paths[i].name, found)
            now = time.monotonic()
            self.stats.minutes = (now - start) / 60
            if now - last >= 60:
                last = now
                print(self.stats.line(), file=sys.stderr, flush=True)
        return self.stats


def _without_chunks(units: list[bytes], keeps: Callable[[bytes], bool],
                    left: Callable[[], float]) -> list[bytes]:
    """``units`` with runs of them taken out while ``keeps`` holds (ddmin, simplified)."""
    parts = 2
    while left() > 0 and len(units) >= 2:
        size = max(1, len(units) // parts)
        for k in range(0, len(units), size):
            if left() <= 0:
                return units
            candidate = units[:k] + units[k + size:]
            if candidate and keeps(b"".join(candidate)):
                units = candidate
                parts = max(parts - 1, 2)
                break
        else:
            if size == 1:
                return units
            parts = min(parts * 2, len(units))
    return units


def shrink_saved(meta: Path, minutes: float) -> None:
    """Shrink a saved finding's input in place, for ``minutes``, keeping its first problem, and
    bring its signature up to date (findings saved by an older harness)."""
    crash = Crash(**json.loads(meta.read_text()))
    kind = crash.signature.split(":", 1)[0]
    first = next(p for p in crash.problems if p["kind"] == kind and p["command"] in crash.commands)
    problem = Problem(first["kind"], first["path"], tuple(first["command"]), first["detail"])
    data = meta.with_suffix(".bin").read_bytes()
    with BothPaths() as paths:
        campaign = Campaign(crash.target, random.Random(0), meta.parent.parent, paths)
        campaign.input.write_bytes(data)
        # The problem as this harness words and signs it (the finding may be older).
        found = [p for p in problems(problem.command, *paths.run([*problem.command, str(campaign.input)]))
                 if p.kind == problem.kind]
        problem = next((p for p in found if p.path == problem.path), found[0])
        want, _ = campaign.signature(problem)
        small = campaign.shrink(data, problem, want, minutes * 60)
        campaign.input.write_bytes(small)
        crash.signature, place = campaign.signature(problem)
        crash.where = place or crash.where
    meta.with_suffix(".bin").write_bytes(small)
    crash.size = len(small)
    meta.write_text(json.dumps(asdict(crash), indent=1) + "\n")
    print(f"{meta.with_suffix('.bin')}: {len(data):,} -> {len(small):,} bytes", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--target", choices=TARGETS)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock)")
    ap.add_argument("--crash-dir", type=Path, default=CRASH_DIR,
                    help="where findings are saved, one folder per target (default: tests/data/fuzzcrash)")
    ap.add_argument("--report", type=Path, help="write the campaign's summary here as JSON")
    ap.add_argument("--shrink", type=Path, metavar="ID.json",
                    help="instead of a campaign, shrink a saved finding further for --minutes")
    args = ap.parse_args(argv)
    if args.shrink:
        shrink_saved(args.shrink, args.minutes)
        return
    if args.target is None:
        ap.error("--target is required (or --shrink)")
    seed = args.seed if args.seed is not None else time.time_ns() % 2**32
    with BothPaths() as paths:
        campaign = Campaign(args.target, random.Random(seed), args.crash_dir, paths)
        print(f"{args.target}: {len(campaign.seeds)} seeds, random seed {seed}", file=sys.stderr)
        stats = campaign.go(args.minutes, seed)
    print(stats.line(), file=sys.stderr)
    if args.report:  # after minutes of work, a report's missing folder is no reason to lose it
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(stats.report(), indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
