#!/usr/bin/env python3
"""Regenerate tests/data/gotests/ and tests/data/gofuzz/ from a Go toolchain's own trace tests.

Needs ``traceoracle`` (Go's internal/trace parser, see ../../../../shared/tools) on PATH and
a GOROOT holding ``src/internal/trace/testdata`` (default: Go 1.27's). The tests that
read these files need neither: the binary traces and Go's verdicts are committed.

* gotests/: each ``$GOROOT/src/internal/trace/testdata/tests/NAME.test`` (a text
  trace plus Go's expectation) becomes ``NAME.trace`` via ``traceoracle fromtest``.
* gofuzz/: each ``testdata/fuzz/FuzzReader/NAME`` (a "go test fuzz v1" file holding
  one ``[]byte("...")`` Go literal) becomes ``NAME.trace``, its bytes decoded from
  the literal exactly as Go's fuzzing engine does.

Each folder's ``expected.json`` maps NAME to what Go's reader says: ``expect``
(the test case's own expectation line; absent for fuzz inputs), ``events`` (how
many events Go's reader returned, null if it failed) and ``error`` (its error,
null if it succeeded). Traces Go accepts also get ``NAME.summary.json``:
``traceoracle summary`` (Go's summarizer, goroutine by goroutine).

Usage: python3 tests/data/gotests/regenerate.py [GOROOT]
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FUZZ_OUT = HERE.parent / "gofuzz"
DEFAULT_GOROOT = Path("/opt/go-debian/usr/lib/go-1.27")

_SIMPLE = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, '"': 34, "'": 39}


def go_bytes_literal(text: str) -> bytes:
    """The value of a Go interpreted string literal ("..." with Go's escapes) as bytes."""
    if not (text.startswith('"') and text.endswith('"')):
        if text.startswith("`") and text.endswith("`"):
            return text[1:-1].replace("\r", "").encode()
        raise ValueError(f"not a Go string literal: {text[:40]!r}")
    body = text[1:-1]
    out = bytearray()
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        e = body[i + 1]
        if e in _SIMPLE:
            out.append(_SIMPLE[e])
            i += 2
        elif e == "x":
            out.append(int(body[i + 2:i + 4], 16))
            i += 4
        elif e in "01234567":
            out.append(int(body[i + 1:i + 4], 8))
            i += 4
        elif e == "u":
            out += chr(int(body[i + 2:i + 6], 16)).encode()
            i += 6
        elif e == "U":
            out += chr(int(body[i + 2:i + 10], 16)).encode()
            i += 10
        else:
            raise ValueError(f"unknown escape \\{e}")
    return bytes(out)


def fuzz_input(path: Path) -> bytes:
    """The single []byte argument of a "go test fuzz v1" corpus file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0] != "go test fuzz v1":
        raise ValueError(f"{path}: not a go test fuzz v1 file")
    (arg,) = [ln for ln in lines[1:] if ln.strip()]
    m = re.fullmatch(r"\[\]byte\((.*)\)", arg.strip())
    if m is None:
        raise ValueError(f"{path}: expected one []byte(...) argument")
    return go_bytes_literal(m.group(1))


def verdict(trace: Path) -> dict[str, object]:
    """What Go's reader makes of the trace: its event count, or its error."""
    r = subprocess.run(["traceoracle", "bench", str(trace)], capture_output=True, text=True)
    if r.returncode == 0:
        m = re.search(r"events=(\d+)", r.stdout)
        assert m is not None, r.stdout
        return {"events": int(m.group(1)), "error": None}
    err = r.stderr.strip().splitlines()
    msg = err[0].removeprefix("error: ") if err else f"exit {r.returncode}"
    return {"events": None, "error": msg}


def summarise(trace: Path, out: Path) -> None:
    r = subprocess.run(["traceoracle", "summary", str(trace)], capture_output=True, text=True,
                       check=True)
    doc = json.loads(r.stdout)
    doc["goroutines"].sort(key=lambda g: g["id"])
    out.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n")


def clean(folder: Path) -> None:
    for p in list(folder.glob("*.trace")) + list(folder.glob("*.summary.json")):
        p.unlink()


def main() -> None:
    goroot = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_GOROOT
    testdata = goroot / "src" / "internal" / "trace" / "testdata"
    FUZZ_OUT.mkdir(exist_ok=True)
    clean(HERE)
    clean(FUZZ_OUT)

    expected: dict[str, dict[str, object]] = {}
    for test in sorted((testdata / "tests").glob("*.test")):
        name = test.stem
        out = HERE / f"{name}.trace"
        r = subprocess.run(["traceoracle", "fromtest", str(test), str(out)], capture_output=True,
                           text=True, check=True)
        v = verdict(out)
        expected[name] = {"expect": r.stdout.strip(), **v}
        if v["error"] is None:
            summarise(out, HERE / f"{name}.summary.json")
    (HERE / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")

    expected = {}
    for src in sorted((testdata / "fuzz" / "FuzzReader").iterdir()):
        out = FUZZ_OUT / f"{src.name}.trace"
        out.write_bytes(fuzz_input(src))
        v = verdict(out)
        expected[src.name] = v
        if v["error"] is None:
            summarise(out, FUZZ_OUT / f"{src.name}.summary.json")
    (FUZZ_OUT / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")
    print(f"{len(list(HERE.glob('*.trace')))} test cases, {len(expected)} fuzz inputs")


if __name__ == "__main__":
    main()
