#!/usr/bin/env python3
"""Capture a debug=2 goroutine dump of each of Go's own goroutine-leak test programs.

Usage: capture.py GOROOT_WITH_TESTDATA GO_BINARY OUT_DIR

GOROOT_WITH_TESTDATA is a Go 1.26+ tree: its src/runtime/testdata/testgoroutineleakprofile
holds the programs (22 common patterns and stress tests, and 64 GoKer blocking bugs of
cockroach, etcd, grpc, kubernetes, moby, istio, serving, syncthing and hugo) and its
src/runtime/goroutineleakprofile_test.go their expected leaks. GO_BINARY builds them (Go
1.21 gives dumps without the runtime's "(leaked)" marks: only gotrace's own evidence
speaks). Each program's entry point ends by writing the goroutineleak profile to stdout; a
copy writes the goroutine profile at debug=2 instead, to OUT_DIR/NAME.debug2.txt.gz, and, for
the tests whose leak is certain (not flaky), an execution trace from its start to then,
OUT_DIR/NAME.trace.gz; OUT_DIR/../expected.json gets each test's expected leaks. Standard
library only.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DUMP = '''
func dumpAll() {
	trace.Stop()
	f, err := os.Create(filepath.Join(os.Getenv("OUT"), os.Args[1]+".debug2.txt"))
	if err != nil {
		panic(err)
	}
	defer f.Close()
	pprof.Lookup("goroutine").WriteTo(f, 2)
}
'''


def expected(test_file: Path) -> dict[str, dict[str, object]]:
    """makeTest / makeFlakyTest calls: a test's name, whether flaky, its leaks' regexps."""
    src = "\n".join(x for x in test_file.read_text().splitlines() if not x.lstrip().startswith("//"))
    out: dict[str, dict[str, object]] = {}
    for m in re.finditer(r'(makeTest|makeFlakyTest)\(\s*"(\w+)"((?:\s*,\s*`[^`]*`)*)\s*,?\s*\)', src):
        out[m[2]] = {"flaky": m[1] == "makeFlakyTest", "simple": m[1] == "makeTest",
                     "leaks": re.findall(r"`([^`]*)`", m[3])}
    return out


def patch(tree: Path) -> None:
    """The final prof.WriteTo(os.Stdout, 2) of each entry point becomes dumpAll(); prof may be
    nil (Go before 1.26 has no goroutineleak profile)."""
    for p in tree.rglob("*.go"):
        s = p.read_text()
        s = s.replace("prof.WriteTo(os.Stdout, 2)", "dumpAll(); _ = prof")
        s = s.replace("prof.WriteTo(io.Discard, 2)",
                      "if prof != nil {\n\t\t\tprof.WriteTo(io.Discard, 2)\n\t\t}")
        if p.name == "main.go":
            s = s.replace('import "os"', 'import (\n\t"os"\n\t"path/filepath"\n\t"runtime/pprof"\n'
                          '\t"runtime/trace"\n)') + DUMP
            start = ('\tt, _ := os.Create(filepath.Join(os.Getenv("OUT"), os.Args[1]+".trace"))\n'
                     "\ttrace.Start(t)\n")
            s = s.replace("\tf()\n}", start + "\tf()\n}", 1)
        elif "os." not in s:
            s = re.sub(r'\n\t"os"\n', "\n", s, count=1)
        p.write_text(s)


def main(goroot: str, go: str, out_dir: str) -> None:
    data = Path(goroot) / "src" / "runtime"
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    cases = expected(data / "goroutineleakprofile_test.go")
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "src"
        shutil.copytree(data / "testdata" / "testgoroutineleakprofile", tree)
        patch(tree)
        (tree / "go.mod").write_text("module testgoroutineleakprofile\n\ngo 1.21\n")
        env = dict(os.environ, GOFLAGS="-mod=mod", GOTOOLCHAIN="local", GOEXPERIMENT="loopvar")
        for prog, where in (("top", tree), ("goker", tree / "goker")):
            exe = Path(tmp) / prog
            subprocess.run([go, "build", "-o", str(exe), "."], cwd=where, env=env, check=True)
            names = sorted(n for f in where.glob("*.go")
                           for n in re.findall(r'register\("(\w+)"', f.read_text()))
            for name in names:
                run_env = dict(os.environ, OUT=tmp, GODEBUG="asyncpreemptoff=1")
                if cases.get(name, {}).get("simple"):
                    run_env["GOMAXPROCS"] = "1"
                subprocess.run([str(exe), name], cwd=where, env=run_env, timeout=30,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                # The flaky tests' traces are megabytes: they run their bug a thousand times.
                steady = name in cases and not cases[name]["flaky"]
                for kind in ("debug2.txt", "trace") if steady else ("debug2.txt",):
                    got = Path(tmp) / f"{name}.{kind}"
                    if got.exists() and got.stat().st_size:
                        (out / f"{name}.{kind}.gz").write_bytes(gzip.compress(got.read_bytes(), 9, mtime=0))
                print(name, flush=True)
    (out.parent / "expected.json").write_text(json.dumps(
        {"source": "src/runtime/goroutineleakprofile_test.go of " + goroot, "tests": cases}, indent=1) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
