"""The fuzz harness's machinery: run an input through gotrace on both reader paths and judge it.

Shared by the campaign runner (``python -m tests.fuzz.run``) and the replay
tests (``tests/fuzz/test_fuzz_replay.py``); standard library only, and no
relative imports, so both can load it.

Every command runs twice, in children forked by two :class:`ForkServer` s: one
with the C accelerators, one with ``GOTRACE_PURE_PYTHON=1``. :func:`problems`
holds the contract each pair must keep:

* exit status 0 or 1 (``leaks``: also 3), never a signal or a watchdog kill;
* no traceback and no "internal error"; on exit 1 exactly one
  ``gotrace: error:`` line, every other stderr line a ``gotrace: warning:``,
  none of them longer than :data:`MAX_LINE`;
* no raw control or bidi character in text output (JSON escapes C0 itself);
* the same exit status, stdout and stderr on both paths (``info``'s ``reader``
  line says which path ran, and is left out of the comparison);
* at most :data:`TIME_LIMIT_S` of CPU and :data:`RSS_LIMIT` resident memory
  (the issue's limits for inputs under 1 MB), and no "out of memory".
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
FORKSERVER = Path(__file__).with_name("forkserver.py")
CRASH_DIR = REPO / "tests" / "data" / "fuzzcrash"
CORPUS = (REPO / ".." / "shared" / "corpus").resolve()

TIME_LIMIT_S = 10.0  # CPU seconds, so that a loaded machine does not make findings up
RSS_LIMIT = 1 << 30
WALL_KILL_S = 180.0  # the watchdog's hard stop, on wall time: a loaded machine stretches runs 10x
MAX_LINE = 2000  # a stderr line longer than this is no "clear line"
MAX_INPUT = 1_000_000

TARGETS = ("v1", "v2", "dump")
TRACE_COMMANDS = (("info",), ("goroutines", "--format", "json"), ("spikes",), ("procs",))
COMMANDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "v1": TRACE_COMMANDS,
    "v2": TRACE_COMMANDS,
    "dump": (("info",), ("goroutines", "--format", "json"), ("goroutines",), ("leaks",)),
}
V1_VERSIONS = (b"11", b"19", b"21")
V2_VERSIONS = (b"22", b"23", b"25", b"26")

LOADING_KINDS = ("stderr", "long-line", "unsafe-output", "oom")  # any command meets these the same way
# A problem on one path's stderr that makes the two stderrs differ by itself.
EXPLAINS_STDERR = ("stderr", "long-line", "traceback", "internal-error", "oom", "exit-code")
_C0 = re.compile("[\x00-\x08\x0b-\x1f]")  # newline aside: a raw control character
_UNSAFE_TEXT = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Outcome:
    """One command's run: what the watchdog saw and what the command printed."""

    code: int
    signal: str | None
    killed: str | None
    wall_s: float
    cpu_s: float
    maxrss: int
    stdout: bytes
    stderr: bytes


@dataclass(frozen=True)
class Problem:
    kind: str  # traceback, internal-error, signal, killed-time, killed-rss, slow, rss, oom, exit-code,
    #            stderr, long-line, unsafe-output, difference
    path: str  # "C", "pure" or "both"
    command: tuple[str, ...]
    detail: str

    def signature(self, input_name: str) -> str:
        """What makes two findings the same bug: kind, path, the message's shape, and the command
        unless the message comes from loading, which every command shares."""
        command = "" if self.kind in LOADING_KINDS else f"{self.command[0]}:"
        detail = shape(self.detail, input_name, quoted=self.kind != "difference")
        return f"{self.kind}:{command}{self.path}:{detail}"


def shape(text: str, input_name: str = "", quoted: bool = True) -> str:
    """A message with the input's name, numbers and (``quoted``) quoted values taken out, for
    deduplication. A path difference keeps its quotes: they hold the lines that differ."""
    if input_name:
        text = text.replace(input_name, "INPUT")
    text = re.sub(r"[^\s\"']*/(gotrace|site-packages)/", r"\1/", text)  # where it is installed
    text = re.sub(r"0x[0-9a-f]+|\d[\d,.]*", "N", text)  # 0x1f, 7, 1,234, 1.5 alike
    if quoted:
        text = re.sub(r"'[^']*'|\"[^\"]*\"", "Q", text)
    return text[:160]


class ForkServer:
    """A child Python with gotrace imported (see forkserver.py) that runs commands on request."""

    def __init__(self, pure: bool, workdir: Path, kill_after_s: float = WALL_KILL_S,
                 kill_above: int = 2 * RSS_LIMIT) -> None:
        self.pure = pure
        self.workdir = workdir
        self.name = "pure" if pure else "C"
        self.kill_after_s = kill_after_s
        self.kill_above = kill_above
        self._start()

    def _start(self) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("GOTRACE_DEBUG", "GOTRACE_PURE_PYTHON")}
        env.update({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "COLUMNS": "100"})
        if self.pure:
            env["GOTRACE_PURE_PYTHON"] = "1"
        self.log = open(self.workdir / f"forkserver-{self.name}.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-P", str(FORKSERVER)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.log, env=env, cwd=self.workdir)
        assert self.proc.stdout is not None
        ready = self.proc.stdout.readline()
        if not ready:
            raise RuntimeError(f"the {self.name} fork server did not start; see {self.log.name}")

    def send(self, args: Sequence[str], tag: str, debug: bool = False) -> None:
        job = {"args": list(args), "stdout": str(self.workdir / f"{tag}.{self.name}.out"),
               "stderr": str(self.workdir / f"{tag}.{self.name}.err"), "timeout_s": self.kill_after_s,
               "rss_limit": self.kill_above, "debug": debug}
        assert self.proc.stdin is not None
        self.proc.stdin.write((json.dumps(job) + "\n").encode())
        self.proc.stdin.flush()

    def receive(self, tag: str) -> Outcome:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.close()
            self._start()
            raise RuntimeError(f"the {self.name} fork server died; restarted it")
        r = json.loads(line)
        out = self.workdir / f"{tag}.{self.name}.out"
        err = self.workdir / f"{tag}.{self.name}.err"
        outcome = Outcome(r["code"], r["signal"], r["killed"], r["wall_s"], r["cpu_s"], r["maxrss"],
                          out.read_bytes(), err.read_bytes())
        out.unlink(missing_ok=True)
        err.unlink(missing_ok=True)
        return outcome

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class BothPaths:
    """The C and the pure-Python fork servers, run side by side on each command. The watchdog
    kills a run after ``kill_after_s`` (wall) or above ``kill_above`` resident bytes: above
    the limits the contract judges by, so that the report says how far over a run went."""

    def __init__(self, kill_after_s: float = WALL_KILL_S, kill_above: int = 2 * RSS_LIMIT) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="gotrace-fuzz-")
        self.workdir = Path(self._tmp.name)
        self.servers = tuple(ForkServer(pure, self.workdir, kill_after_s, kill_above)
                             for pure in (False, True))

    def run(self, args: Sequence[str], debug: bool = False) -> tuple[Outcome, Outcome]:
        for s in self.servers:
            s.send(args, "run", debug)
        c, pure = (s.receive("run") for s in self.servers)
        return c, pure

    def run_one(self, pure: bool, args: Sequence[str], debug: bool = False) -> Outcome:
        s = self.servers[pure]
        s.send(args, "one", debug)
        return s.receive("one")

    def close(self) -> None:
        for s in self.servers:
            s.close()
        self._tmp.cleanup()

    def __enter__(self) -> BothPaths:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _text(b: bytes) -> str:
    return b.decode("utf-8", "replace")


def _comparable(command: Sequence[str], stdout: bytes) -> bytes:
    """stdout as the two paths must agree on it: ``info`` names the reader that ran."""
    if command[0] == "info" and "json" not in command:
        return b"".join(x for x in stdout.splitlines(keepends=True) if not x.startswith(b"reader "))
    return stdout


def check_one(command: Sequence[str], path: str, o: Outcome) -> list[Problem]:
    """The contract for one run."""
    cmd = tuple(command)
    out: list[Problem] = []
    err = _text(o.stderr)
    lines = err.splitlines()
    if o.killed:
        out.append(Problem(f"killed-{o.killed}", path, cmd, f"killed after {o.wall_s:.1f}s"))
    elif o.signal:
        out.append(Problem("signal", path, cmd, o.signal))
    if o.cpu_s > TIME_LIMIT_S:
        out.append(Problem("slow", path, cmd, f"{o.cpu_s:.1f}s of CPU"))
    if o.maxrss > RSS_LIMIT:
        out.append(Problem("rss", path, cmd, f"{o.maxrss / 2**20:.0f} MiB resident"))
    if o.killed or o.signal:
        return out
    if "Traceback (most recent call last)" in err:
        last = lines[-1] if lines else ""
        out.append(Problem("traceback", path, cmd, last))
    elif "internal error" in err:
        out.append(Problem("internal-error", path, cmd, next(x for x in lines if "internal error" in x)))
    elif "out of memory" in err:
        out.append(Problem("oom", path, cmd, next(x for x in lines if "out of memory" in x)))
    allowed = {0, 1, 3} if cmd[0] == "leaks" else {0, 1}
    if o.code not in allowed:
        out.append(Problem("exit-code", path, cmd, f"exit {o.code}: {lines[-1] if lines else ''}"))
    if not out:
        errors = [x for x in lines if x.startswith("gotrace: error: ")]
        others = [x for x in lines if not x.startswith(("gotrace: error: ", "gotrace: warning: "))]
        if others or len(errors) != (o.code == 1):
            out.append(Problem("stderr", path, cmd, (others or errors or ["no error line"])[0]))
    long = [x for x in lines if len(x) > MAX_LINE]
    if long:  # its first words: a cut by characters would fall differently as numbers grow
        words = " ".join(long[0].split()[:8])
        out.append(Problem("long-line", path, cmd, f"{len(long[0]):,} chars: {words}"))
    text_out = "json" not in cmd
    for stream, data in (("stdout", o.stdout), ("stderr", o.stderr)):
        bad = (_UNSAFE_TEXT if text_out or stream == "stderr" else _C0).search(_text(data))
        if bad:
            out.append(Problem("unsafe-output", path, cmd, f"{stream} holds U+{ord(bad.group()):04X}"))
    return out


def problems(command: Sequence[str], c: Outcome, pure: Outcome) -> list[Problem]:
    """The contract for a command run on both paths: each run's, then their agreement. A problem
    both paths have alike is one problem, on path "both"."""
    on_c, on_pure = check_one(command, "C", c), check_one(command, "pure", pure)
    alike = {(p.kind, p.detail) for p in on_c} & {(p.kind, p.detail) for p in on_pure}
    found = [Problem(p.kind, "both", p.command, p.detail) if (p.kind, p.detail) in alike else p for p in on_c]
    found += [p for p in on_pure if (p.kind, p.detail) not in alike]
    if c.killed or pure.killed or c.signal or pure.signal:
        return found
    differ = [what for what, a, b in (
        ("exit status", c.code, pure.code),
        ("stdout", _comparable(command, c.stdout), _comparable(command, pure.stdout)),
        ("stderr", c.stderr, pure.stderr)) if a != b]
    if any(p.path != "both" and p.kind in EXPLAINS_STDERR for p in found):
        differ = [what for what in differ if what != "stderr"]  # already a finding of its own
    if differ:
        first = _first_difference(c.stderr if "stderr" in differ else c.stdout,
                                  pure.stderr if "stderr" in differ else pure.stdout)
        found.append(Problem("difference", "both", tuple(command), f"{', '.join(differ)}: {first}"))
    return found


def _first_difference(a: bytes, b: bytes) -> str:
    for x, y in zip(_text(a).splitlines(), _text(b).splitlines(), strict=False):
        if x != y:
            return f"C {x[:120]!r} / pure {y[:120]!r}"
    return f"C {len(a):,} bytes / pure {len(b):,} bytes"


_FRAME = re.compile(r'File "([^"]*gotrace/[^"]*)", line (\d+), in (\S+)')


def where(traceback_text: str) -> str:
    """``ExcType: message at gotrace/trace/v2.py:412 in read`` from a GOTRACE_DEBUG traceback."""
    frames = _FRAME.findall(traceback_text)
    lines = [x for x in traceback_text.splitlines() if x.strip()]
    exc = lines[-1] if lines else "?"
    if not frames:
        return exc
    file, line, func = frames[-1]
    return f"{exc} at {file[file.rindex('gotrace/'):]}:{line} in {func}"


def target_of(data: bytes) -> str | None:
    """v1, v2 or dump by the bytes' header; None for what none of the targets starts from."""
    if data.startswith(b"go 1.") and data[7:13] == b" trace":
        version = data[5:7]
        return "v1" if version in V1_VERSIONS else "v2" if version in V2_VERSIONS else None
    return "dump" if b"goroutine " in data[:65536] else None


def seed_files(target: str, corpus: bool = True) -> list[Path]:
    """The valid inputs a target's mutations start from: samples/, tests/data/ and, when it is
    there, the reference corpus; each under 1 MB."""
    places: list[Iterable[Path]] = [(REPO / "samples").glob("*"), (REPO / "tests" / "data").rglob("*")]
    if corpus and CORPUS.is_dir():
        places.append(CORPUS.glob("go1.*/*"))
    out = []
    for place in places:
        for p in sorted(place):
            if not p.is_file() or p.suffix in (".gz", ".md", ".json", ".go", ".mod", ".sh") or \
                    "fuzzcrash" in p.parts or p.stat().st_size > MAX_INPUT:
                continue
            with p.open("rb") as f:
                head = f.read(65536)
            if target_of(head) == target:
                out.append(p)
    return out


@dataclass
class Crash:
    """A saved finding: the input beside ``<id>.json`` holding this."""

    target: str
    signature: str
    problems: list[dict[str, Any]]
    commands: list[list[str]]
    where: str
    strategies: list[str]
    seed: str
    size: int
    known: str | None = None  # a reader bug owned elsewhere: the replay expects it to fail

    @staticmethod
    def id_of(signature: str) -> str:
        return hashlib.sha1(signature.encode()).hexdigest()[:12]

    def save(self, directory: Path, data: bytes) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        base = directory / self.id_of(self.signature)
        base.with_suffix(".bin").write_bytes(data)
        base.with_suffix(".json").write_text(json.dumps(asdict(self), indent=1) + "\n")
        return base.with_suffix(".bin")


def saved_crashes(directory: Path = CRASH_DIR) -> list[tuple[Path, Crash]]:
    """Every saved finding under ``directory`` (all targets), input path first. A finding is
    a ``.json`` beside its ``.bin``: other JSON there (a campaign's ``--report``) is not one."""
    out = []
    for meta in sorted(directory.rglob("*.json")):
        if not meta.with_suffix(".bin").exists():
            continue
        crash = Crash(**json.loads(meta.read_text()))
        out.append((meta.with_suffix(".bin"), crash))
    return out
