"""The leak zoo scored: every program's verdict from every kind of input it has.

``tests/data/zoo`` holds 31 small Go programs with a classic leak each and 16
healthy ones, with what the runtime printed for them (``manifest.json`` says what
is true of each): ``out/`` while they ran (within a second), ``out-minutes/`` the
harness programs' debug=2 dumps taken a minute apart, whose last one shows the
ages in minutes a real service's dump shows. A leak is *found* from an input when the suspect at its blocking
function is ``likely`` or ``leak``; a healthy program is a *false positive* when
any of its suspects is ``leak``.

Run ``python tests/analysis/zoo.py`` from the repository root for the README's
table (recall and false positives per kind of input).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from gotrace.analysis.leaks import LeakReport, find_leaks, verdict_rank
from gotrace.inputs import open_input
from gotrace.load import load_raw
from gotrace.tables import Tables

ZOO = Path(__file__).resolve().parents[1] / "data" / "zoo"

Files = dict[str, object]
KINDS: dict[str, tuple[str, Callable[[Files], list[str] | None]]] = {
    "series": ("3 debug=2 dumps seconds apart", lambda f: f.get("series")),  # type: ignore[dict-item]
    "minutes_series": ("3 debug=2 dumps 3 minutes apart",
                       lambda f: f.get("minutes_series")),  # type: ignore[dict-item]
    "minutes": ("one debug=2 dump, 9 minutes in",
                lambda f: [str(f["minutes"])] if "minutes" in f else None),
    "goroutineleak": (
        "goroutineleak profile, debug=2",
        lambda f: [str(f["goroutineleak_debug2"])] if "goroutineleak_debug2" in f else None,
    ),
    "goroutineleak1": ("goroutineleak profile, debug=1",
                       lambda f: [str(f["goroutineleak_debug1"])] if "goroutineleak_debug1" in f else None),
    "goroutineleak_pb": ("goroutineleak profile, protobuf",
                         lambda f: [str(f["goroutineleak_pb"])] if "goroutineleak_pb" in f else None),
    "trace": ("execution trace", lambda f: [str(f["trace"])] if "trace" in f else None),
    "debug2": ("one debug=2 dump", lambda f: [str(f["debug2"])] if "debug2" in f else None),
    "debug1": ("one debug=1 profile", lambda f: [str(f["debug1"])] if "debug1" in f else None),
    "pb": ("one protobuf goroutine profile", lambda f: [str(f["pb"])] if "pb" in f else None),
    "crash": ("the crash output (deadlock, go test timeout)",
              lambda f: [str(f.get("stderr") or f["gotest"])] if "stderr" in f or "gotest" in f else None),
}


@dataclass(frozen=True, slots=True)
class Outcome:
    program: str
    healthy: bool
    version: str
    kind: str
    verdict: str  # the leak's suspect's verdict, or for a healthy program its worst suspect's
    detail: str


def manifest() -> dict[str, object]:
    return json.loads((ZOO / "manifest.json").read_text())  # type: ignore[no-any-return]


def report(paths: list[str]) -> LeakReport:
    tables = Tables()
    return find_leaks([load_raw(open_input(str(ZOO / p)), tables=tables) for p in paths])


def minutes_files(name: str, version: str) -> Files:
    """``minutes.sh``'s series of a program in ``out-minutes/`` (dumps a minute apart, so the
    last one shows ages in minutes), and that last dump alone: empty if it has none."""
    series = []
    for i in range(1, 10):
        p = next((f"out-minutes/{name}.{version}.debug2.{i}.txt{z}" for z in ("", ".gz")
                  if (ZOO / f"out-minutes/{name}.{version}.debug2.{i}.txt{z}").is_file()), None)
        if p is None:
            break
        series.append(p)
    return {"minutes_series": series, "minutes": series[-1]} if series else {}


def outcomes() -> list[Outcome]:
    out = []
    for prog in manifest()["programs"]:  # type: ignore[index, union-attr]
        leak = prog.get("leak")
        for version, files in prog["files"].items():
            files = {**files, **minutes_files(prog["name"], version)}
            for kind, (_, paths_of) in KINDS.items():
                paths = paths_of(files)
                if not paths:
                    continue
                rep = report(paths)
                if leak:
                    found = [
                        s
                        for s in rep.suspects
                        if s.group.blocking is not None and s.group.blocking.func == leak["blocking_func"]
                    ]
                    best = min(found, key=lambda s: verdict_rank(s.verdict), default=None)
                    verdict = best.verdict if best else "missing"
                    detail = ", ".join(e.kind for e in best.evidence) if best else ""
                else:
                    worst = min(rep.suspects, key=lambda s: verdict_rank(s.verdict), default=None)
                    verdict = worst.verdict if worst else "benign"
                    detail = worst.group.blocking.func if worst and worst.group.blocking else ""
                out.append(Outcome(prog["name"], not leak, version, kind, verdict, detail))
    return out


def table(results: list[Outcome]) -> str:
    """Markdown: per kind of input, leaks found (>= likely) and healthy programs called leak."""
    lines = ["| input | Go | leaks found (likely or leak) | healthy called leak |", "|---|---|---:|---:|"]
    for kind, (label, _) in KINDS.items():
        for version in ("go1.27", "go1.26", "go1.21"):
            rows = [o for o in results if o.kind == kind and o.version == version]
            leaks = [o for o in rows if not o.healthy]
            healthy = [o for o in rows if o.healthy]
            if not leaks:
                continue
            found = sum(o.verdict in ("leak", "likely") for o in leaks)
            false = sum(o.verdict == "leak" for o in healthy)
            lines.append(
                f"| {label} | {version[2:]} | {found}/{len(leaks)} ({100 * found / len(leaks):.0f}%) | "
                f"{false}/{len(healthy)} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    res = outcomes()
    print(table(res))
    if "-v" in sys.argv:
        for o in res:
            print(
                f"{o.program:28} {'healthy' if o.healthy else 'leak':7} {o.version} {o.kind:13} "
                f"{o.verdict:8} {o.detail}"
            )
