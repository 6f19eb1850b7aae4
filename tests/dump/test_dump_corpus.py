"""Every real dump in the corpus, checked against a deliberately naive reading.

The reference here is a few regexes over blank-line separated blocks; it shares
no code with the parser, so agreement on every goroutine of ~180,000 means the
parser reads the real runtime output right.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CORPUS

from gotrace.dump.parse import parse_file
from gotrace.dump.snapshot import Snapshot
from gotrace.tables import Tables

FILES = sorted(CORPUS.glob("go*/*.txt")) if CORPUS.exists() else []

HEADER = re.compile(r"^goroutine (\d+) (?:gp=\S+ m=\S+ (?:mp=\S+ )?)?\[([^\]]*)\]:$")
FUNC = re.compile(r"^(.+)\((.*)\)$")
FILELINE = re.compile(r"^\t(\S+):(\d+)")


def _expected(text: str) -> list[dict[str, object]]:
    """Naive per-goroutine facts: id, status text, wait, creator, (func, file, line)s."""
    out = []
    for block in text.split("\n\n"):
        lines = block.strip("\n").split("\n")
        m = HEADER.match(lines[0])
        if m is None:
            continue
        inner = m.group(2)
        wait = re.search(r", (\d+) minutes", inner)
        frames = []
        creator = None
        k = 1
        while k + 1 < len(lines) + 1 and k < len(lines):
            line = lines[k]
            if line.startswith("created by "):
                creator = re.sub(r" in goroutine \d+$", "", line[len("created by ") :])
                break
            fm = FUNC.match(line)
            fl = FILELINE.match(lines[k + 1]) if k + 1 < len(lines) else None
            if fm and fl:
                frames.append((fm.group(1), fl.group(1), int(fl.group(2))))
                k += 2
            else:
                k += 1
        out.append(
            {
                "id": int(m.group(1)),
                "state": inner.split(",")[0],
                "wait": int(wait.group(1)) if wait else None,
                "creator": creator,
                "frames": frames,
            }
        )
    return out


def _id(p: Path) -> str:
    return f"{p.parent.name}/{p.name}"


@pytest.mark.skipif(not FILES, reason="reference corpus ../shared/corpus not available")
@pytest.mark.parametrize("path", FILES, ids=_id)
def test_corpus_file(path: Path) -> None:
    text = path.read_text()
    tables = Tables()
    snaps = parse_file(path, tables)
    assert len(snaps) == 1
    snap: Snapshot = snaps[0]
    assert snap.warnings == []
    headers = len(re.findall(r"^goroutine \d+ (?:gp=\S+ m=\S+ (?:mp=\S+ )?)?\[", text, re.M))
    assert len(snap.goroutines) == headers

    if ".debug1." in path.name:
        assert snap.kind == "debug1"
        header = re.search(r"^goroutine profile: total (\d+)$", text, re.M)
        assert header is not None
        total = int(header.group(1))
        records = [int(c) for c in re.findall(r"^(\d+) @", text, re.M)]
        assert snap.total == total
        assert [g.count for g in snap.groups] == records
        assert sum(g.count for g in snap.groups) == total
        for grp in snap.groups:
            assert tables.stacks[grp.stack], "every record has frames"
        return

    assert snap.kind == ("traceback" if ".sigquit." in path.name else "debug2")
    expected = _expected(text)
    assert len(expected) == headers
    for g, want in zip(snap.goroutines, expected, strict=True):
        assert g.id == want["id"]
        assert g.state == want["state"]
        assert g.wait_minutes == want["wait"]
        got_frames = [(f.func, f.file, f.line) for f in tables.stack_frames(g.stack_id)]
        assert got_frames == want["frames"], g.id
        assert len(g.frame_args) == len(got_frames)
        assert (g.created_by[0] if g.created_by else None) == want["creator"]


@pytest.mark.skipif(not FILES, reason="reference corpus ../shared/corpus not available")
def test_sigquit_headers_and_goroutine_zero() -> None:
    for path in (p for p in FILES if p.name == "leakhttp.sigquit.txt"):
        snap = parse_file(path, Tables())[0]
        assert snap.panic_message is not None
        assert snap.panic_message.startswith("SIGQUIT: quit\nPC=")
        zero = [g for g in snap.goroutines if g.id == 0]
        assert len(zero) == path.read_text().count("\ngoroutine 0 ")
        if "\ngoroutine 0 gp=" in path.read_text():  # Go 1.23+
            g0 = zero[0]
            assert g0.state == "idle" and g0.gp is not None and g0.m is not None
            assert g0.mp is not None
            assert all(g.gp is not None for g in snap.goroutines)
            leaked = [g for g in snap.goroutines if g.state == "chan send"]
            assert len(leaked) == 1200
            assert all(g.m is None for g in leaked)  # m=nil
        # the register dump after the last goroutine is not a goroutine
        assert snap.end_line < len(path.read_text().splitlines())
