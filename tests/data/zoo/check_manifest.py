#!/usr/bin/env python3
"""Consistency check of the leak zoo: manifest.json against the fixtures in out/.

Standard library only. For every program it checks that each listed file
exists and looks like what it claims to be (dump, trace header, gzipped
protobuf), and, by simple text parsing of the final text dump of every Go
version (debug=2, or the runtime's stderr / `go test` output), that each leak
group has exactly `count` goroutines whose

  * wait reason (the header's state without ", N minutes" and " (leaked)") is `state`,
  * first frame of the program's own code (`main.` or `example.com/zoo/...`;
    when a stack has none, the first frame outside runtime, internal/, sync and
    time) is `blocking_func` (at `blocking_line`, when given),
  * `created by` function is `created_by`.

`by_version` entries override these fields for one Go version (for example
Go 1.21 prints "semacquire" where Go 1.27 prints "sync.WaitGroup.Wait").
A leak's count must never shrink along the debug=2 series, and the last
element of a series must be the final dump. `runtime_leaked` must match the
goroutines marked "(leaked)" in the goroutineleak profile.

    python3 check_manifest.py                 # checks manifest.json and out/ next to this file
    python3 check_manifest.py -v              # also prints each program's groups
    python3 check_manifest.py --manifest M --out DIR   # as regenerate.sh does on its scratch output
    python3 check_manifest.py --minutes DIR   # minutes.sh's series (out-minutes/): the same
                                              # leak counts, and ages in minutes shown

Exit status 0 when everything matches, 1 with one line per problem otherwise.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent

HEADER = re.compile(r"^goroutine (\d+)(?: gp=\S+ m=\S+(?: mp=\S+)?)? \[([^\]]*)\]( \{.*\})?:$")
OWN = ("main.", "example.com/zoo/")
NOT_OWN = ("example.com/zoo/internal/harness.",)
RUNTIME = ("runtime.", "runtime/", "internal/", "sync.", "sync/atomic.", "time.")


def read_text(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", "replace")


def func_name(line: str) -> str:
    """'main.(*T).m(0x1, {0x2, 0x3})' -> 'main.(*T).m'."""
    line = line.strip()
    if line.endswith(")") and "(" in line:
        return line[: line.rindex("(")]
    return line


def parse_dump(text: str) -> list[dict]:
    """Goroutines of a debug=2 style dump: id, state, leaked, frames [(func, file:line)], created_by."""
    gs = []
    cur = None
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        m = HEADER.match(line)
        if m:
            state = m.group(2)
            leaked = " (leaked)" in state
            state = state.replace(" (leaked)", "").replace(" (scan)", "")
            state = re.sub(r", \d+ minutes", "", state)
            state = state.replace(", locked to thread", "")
            cur = {"id": int(m.group(1)), "state": state, "leaked": leaked, "frames": [], "created_by": None}
            gs.append(cur)
            i += 1
            continue
        if cur is not None:
            if not line.strip():
                cur = None
            elif line.startswith("created by "):
                cur["created_by"] = line[len("created by ") :].split(" in goroutine ")[0].strip()
            elif not line.startswith("\t") and not line.startswith("..."):
                where = (
                    lines[i + 1].strip().split(" ")[0]
                    if i + 1 < len(lines) and lines[i + 1].startswith("\t")
                    else ""
                )
                cur["frames"].append((func_name(line), where))
        i += 1
    return gs


def blocking_frame(g: dict) -> tuple[str, str]:
    frames = g["frames"]
    for f in frames:
        if f[0].startswith(OWN) and not f[0].startswith(NOT_OWN):
            return f
    for f in frames:
        if not f[0].startswith(RUNTIME):
            return f
    return frames[0] if frames else ("?", "")


def groups(gs: list[dict]) -> Counter:
    c = Counter()
    for g in gs:
        c[(g["state"], blocking_frame(g)[0], g["created_by"])] += 1
    return c


def match(gs: list[dict], grp: dict) -> list[dict]:
    return [
        g
        for g in gs
        if g["state"] == grp["state"]
        and blocking_frame(g)[0] == grp["blocking_func"]
        and g["created_by"] == grp["created_by"]
    ]


def for_version(grp: dict, v: str) -> dict:
    g = {k: val for k, val in grp.items() if k != "by_version"}
    g.update(grp.get("by_version", {}).get(v, {}))
    return g


class Checker:
    def __init__(self, manifest: Path, out: Path | None, verbose: bool, minutes: Path | None = None):
        self.manifest_path = manifest
        self.root = manifest.parent
        self.out = minutes if minutes is not None else out
        self.minutes = minutes is not None
        self.aged = 0  # minutes dumps that show an age in minutes
        self.verbose = verbose
        self.problems: list[str] = []

    def path(self, rel: str) -> Path:
        if self.out is not None and rel.startswith("out/"):
            return self.out / rel[4:]
        return self.root / rel

    def fail(self, prog: str, msg: str) -> None:
        self.problems.append(f"{prog}: {msg}")

    def run(self) -> int:
        m = json.loads(self.manifest_path.read_text())
        if m.get("version") != 1:
            self.fail("manifest", "version must be 1")
        names = [p["name"] for p in m["programs"]]
        for n, k in Counter(names).items():
            if k > 1:
                self.fail(n, "listed twice")
        for prog in m["programs"]:
            self.check_program(prog)
        kinds = Counter(p["kind"] for p in m["programs"])
        if self.minutes and not self.aged:
            self.fail("minutes", "no dump shows an age in minutes: were they paused?")
        if self.minutes:
            print(f"check_manifest: {self.aged} last dumps show ages in minutes (a goroutine that wakes "
                  "from time to time, a sleep or a ticker's select, never does)", file=sys.stderr)
        for p in self.problems:
            print(p)
        print(
            f"check_manifest: {len(m['programs'])} programs ({kinds['leak']} leak, "
            f"{kinds['healthy']} healthy), {len(self.problems)} problem(s)",
            file=sys.stderr,
        )
        return 1 if self.problems else 0

    def check_program(self, prog: dict) -> None:
        name = prog["name"]
        if prog["kind"] not in ("leak", "healthy"):
            self.fail(name, f"kind {prog['kind']!r}")
        if (prog["kind"] == "leak") != (prog.get("leak") is not None):
            self.fail(name, "a leak program needs a leak object, a healthy one null")
        if not (HERE / "src" / name).is_dir() and not (self.root / "src" / name).is_dir():
            self.fail(name, "no src folder")
        files = prog.get("files") or {}
        if self.minutes:
            files = self.minutes_files(prog)
            if not files:
                return
        if not files:
            self.fail(name, "no files")
        for v, ent in files.items():
            for key, rel in ent.items():
                for r in rel if isinstance(rel, list) else [rel]:
                    if not self.path(r).is_file():
                        self.fail(name, f"{v} {key}: {r} does not exist")
            if any(
                not self.path(r).is_file()
                for rels in ent.values()
                for r in (rels if isinstance(rels, list) else [rels])
            ):
                continue
            self.check_version(prog, v, ent)
        for v, _want in (prog.get("runtime_leaked") or {}).items():
            if not self.minutes and "goroutineleak_debug2" not in files.get(v, {}):
                self.fail(name, f"runtime_leaked for {v} but no goroutineleak_debug2 file")

    def minutes_files(self, prog: dict) -> dict:
        """minutes.sh's series of a harness program (one with a series in out/), per version;
        its last dump stands for the final one."""
        if not any("series" in ent for ent in (prog.get("files") or {}).values()):
            return {}
        files: dict = {}
        found = {v: (self.path(f"out/{prog['name']}.{v}.debug2.1.txt").is_file()
                     or self.path(f"out/{prog['name']}.{v}.debug2.1.txt.gz").is_file())
                 for v in ("go1.27", "go1.21")}
        if not any(found.values()):  # not run (minutes.sh says which it leaves out, and why)
            print(f"check_manifest: {prog['name']}: no minutes series", file=sys.stderr)
            return files
        for v in ("go1.27", "go1.21"):
            series = []
            for i in range(1, 10):
                f = next((f"out/{prog['name']}.{v}.debug2.{i}.txt{z}" for z in ("", ".gz")
                          if self.path(f"out/{prog['name']}.{v}.debug2.{i}.txt{z}").is_file()), None)
                if f is None:
                    break
                series.append(f)
            if not series:
                self.fail(prog["name"], f"{v}: no minutes series in {self.out}")
                continue
            files[v] = {"series": series, "debug2": series[-1]}
            self.aged += bool(re.search(r"^goroutine \d+.* \[[^]]*, \d+ minutes\b",
                                        read_text(self.path(series[-1])), re.M))
        return files

    def check_version(self, prog: dict, v: str, ent: dict) -> None:
        name = prog["name"]
        dump_key = next((k for k in ("debug2", "stderr", "gotest") if k in ent), None)
        if dump_key is None:
            self.fail(name, f"{v}: no debug2, stderr or gotest dump")
            return
        text = read_text(self.path(ent[dump_key]))
        gs = parse_dump(text)
        if not gs:
            self.fail(name, f"{v}: no goroutines in {ent[dump_key]}")
            return
        if dump_key == "stderr" and "fatal error: all goroutines are asleep - deadlock!" not in text:
            self.fail(name, f"{v}: stderr without the deadlock message")
        if dump_key == "gotest" and not re.search(r"^panic: test timed out after \S+$", text, re.M):
            self.fail(name, f"{v}: go test output without 'panic: test timed out'")
        if self.verbose:
            print(f"{name} {v} {ent[dump_key]}: {len(gs)} goroutines")
            for (st, fn, cb), n in groups(gs).most_common():
                print(f"  {n:5d} [{st}] {fn} <- {cb}")

        leak = prog.get("leak")
        grps = [] if leak is None else [leak, *list(leak.get("also", []))]
        for i, grp in enumerate(grps):
            g = for_version(grp, v)
            got = match(gs, g)
            label = "leak" if i == 0 else f"leak.also[{i - 1}]"
            if len(got) != g["count"]:
                self.fail(
                    name,
                    f"{v} {label}: {len(got)} goroutines [{g['state']}] in {g['blocking_func']} "
                    f"created by {g['created_by']}, manifest says {g['count']}",
                )
            if "blocking_line" in g:
                lines = {blocking_frame(x)[1].rsplit(":", 1)[-1] for x in got}
                if lines and lines != {str(g["blocking_line"])}:
                    self.fail(
                        name,
                        f"{v} {label}: blocking lines {sorted(lines)}, manifest says {g['blocking_line']}",
                    )

        series = ent.get("series", [])
        if series:
            # gzip -n output is deterministic, so equal dumps give equal files.
            if (
                "debug2" in ent
                and self.path(series[-1]).read_bytes() != self.path(ent["debug2"]).read_bytes()
                and read_text(self.path(series[-1])) != read_text(self.path(ent["debug2"]))
            ):
                self.fail(name, f"{v}: last series dump differs from the final debug2 dump")
            if leak is not None:
                g = for_version(leak, v)
                counts = [len(match(parse_dump(read_text(self.path(s))), g)) for s in series]
                if counts != sorted(counts):
                    self.fail(name, f"{v}: leak count shrinks along the series: {counts}")
                if self.verbose:
                    print(f"  series leak counts: {counts}")

        if "debug1" in ent:
            d1 = read_text(self.path(ent["debug1"]))
            if not re.match(r"goroutine profile: total \d+\n", d1):
                self.fail(name, f"{v}: debug1 without 'goroutine profile: total N'")
            if leak is not None and for_version(leak, v)["blocking_func"] not in d1:
                self.fail(name, f"{v}: debug1 never mentions {for_version(leak, v)['blocking_func']}")

        if "trace" in ent:
            head = self.path(ent["trace"]).read_bytes()
            if ent["trace"].endswith(".gz"):
                head = gzip.decompress(head)
            mm = re.match(rb"go 1\.(\d+) trace\x00+", head[:16])
            if not mm:
                self.fail(name, f"{v}: trace header {head[:16]!r}")

        for key in ("pb", "goroutineleak_pb"):
            if key in ent:
                try:
                    raw = gzip.decompress(self.path(ent[key]).read_bytes())
                except OSError:
                    self.fail(name, f"{v}: {key} is not gzipped")
                    continue
                if b"goroutine" not in raw or b"count" not in raw:
                    self.fail(name, f"{v}: {key} lacks the goroutine/count sample type strings")

        want = (prog.get("runtime_leaked") or {}).get(v)
        if "goroutineleak_debug2" in ent:
            lt = read_text(self.path(ent["goroutineleak_debug2"]))
            n = sum(1 for g in parse_dump(lt) if g["leaked"])
            if want is None:
                self.fail(
                    name, f"{v}: goroutineleak profile present but runtime_leaked not given ({n} leaked)"
                )
            elif n != want:
                self.fail(name, f"{v}: {n} goroutines marked (leaked), manifest says {want}")
            if "goroutineleak_debug1" in ent:
                l1 = read_text(self.path(ent["goroutineleak_debug1"]))
                mm = re.match(r"goroutineleak profile: total (\d+)\n", l1)
                if not mm:
                    self.fail(name, f"{v}: goroutineleak debug1 without 'goroutineleak profile: total N'")
                elif want is not None and int(mm.group(1)) != want:
                    self.fail(name, f"{v}: goroutineleak debug1 total {mm.group(1)}, manifest says {want}")
            if self.verbose:
                print(f"  (leaked) in goroutineleak debug2: {n}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--manifest", type=Path, default=HERE / "manifest.json")
    ap.add_argument(
        "--out",
        type=Path,
        default=None,
        help="directory that stands for out/ (default: out/ next to the manifest)",
    )
    ap.add_argument("--minutes", type=Path, default=None,
                    help="check minutes.sh's series in this directory instead of out/")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    return Checker(a.manifest.resolve(), a.out.resolve() if a.out else None, a.verbose,
                   a.minutes.resolve() if a.minutes else None).run()


if __name__ == "__main__":
    sys.exit(main())
