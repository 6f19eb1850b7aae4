"""The C scanner (gotrace/dump/_scan.c) and the pure-Python reader give the same snapshots.

Compared on every fixture, every corpus dump when present, and seeded
mutations of the fixtures of the kinds fuzzing uses (dropped, duplicated and
swapped lines, tabs turned to spaces, CRLF, NULs, byte flips, huge numbers,
long lines); and the models built from either, columns and per-row extras.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS, DUMPS

from gotrace.accel import load
from gotrace.dump.parse import parse_dumps
from gotrace.dump.snapshot import DumpGoroutine
from gotrace.errors import GotraceError
from gotrace.tables import Tables

pytestmark = pytest.mark.skipif(load("gotrace.dump._scan") is None, reason="C scanner not built")

TEXTS = sorted(p for p in DUMPS.rglob("*.txt"))
CORPUS_TEXTS = sorted(CORPUS.glob("go*/*.txt")) if CORPUS.is_dir() else []


def facts(data: bytes, accelerated: bool) -> object:
    tables = Tables()
    try:
        snaps = parse_dumps(data, tables, accelerated=accelerated)
    except GotraceError as e:
        return ("error", str(e))
    return [
        (
            s.kind, s.start_line, s.end_line, s.panic_message, s.warnings, s.noise_lines,
            s.dropped_lines, s.prefix, s.total, s.profile, s.origin,
            [
                (g.id, g.state, g.raw_state, g.wait_minutes, sorted(g.flags), g.synctest_bubble,
                 g.labels, [(f.func, f.file, f.line) for f in tables.stack_frames(g.stack_id)],
                 g.frame_args, g.created_by, g.ancestors, g.frames_elided, g.line, g.gp, g.m, g.mp,
                 g.stack_unavailable, g.exact_wait_ns, g.leaked)
                for g in s.goroutines
            ],
            [(x.count, [(f.func, f.file, f.line) for f in tables.stack_frames(x.stack)], x.labels, x.leaked)
             for x in s.groups],
        )
        for s in snaps
    ]


@pytest.mark.parametrize("path", TEXTS + CORPUS_TEXTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_same_snapshots_on_every_dump(path: Path) -> None:
    data = path.read_bytes()
    assert facts(data, True) == facts(data, False)


def mutate(rng: random.Random, data: bytes) -> bytes:
    lines = data.split(b"\n")
    op = rng.randrange(9)
    k = rng.randrange(len(lines))
    if op == 0:
        del lines[k]
    elif op == 1:
        lines.insert(k, lines[k])
    elif op == 2:
        j = rng.randrange(len(lines))
        lines[k], lines[j] = lines[j], lines[k]
    elif op == 3:
        lines[k] = lines[k].replace(b"\t", b" " * rng.choice([1, 2, 8]))
    elif op == 4:
        return data.replace(b"\n", rng.choice([b"\r\n", b"\r\r\n"]))
    elif op == 5:
        lines[k] = lines[k][:3] + b"\x00" + lines[k][3:]
    elif op == 6:
        buf = bytearray(data)
        for _ in range(4):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        return bytes(buf)
    elif op == 7:
        nums = list(re.finditer(rb"[0-9]+", data))
        if nums:
            m = rng.choice(nums)
            return data[: m.start()] + b"99999999999999999999" + data[m.end() :]
    else:
        lines[k] += b"x" * 5000
    return b"\n".join(lines)


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_same_snapshots_on_mutated_dumps(path: Path) -> None:
    rng = random.Random(path.name)
    base = path.read_bytes()
    for _ in range(10):
        data = base
        for _ in range(rng.randint(1, 3)):
            data = mutate(rng, data)
        assert facts(data, True) == facts(data, False), data[:200]


def test_deferred_frame_args_read_like_the_eager_ones() -> None:
    data = (DUMPS / "headers.txt").read_bytes() * 3  # three dumps: bulk, then repeated ids
    fast = parse_dumps(data, Tables())
    slow = parse_dumps(data, Tables(), accelerated=False)
    for a, b in zip(fast, slow, strict=True):
        assert [g.frame_args for g in a.goroutines] == [g.frame_args for g in b.goroutines]
        assert all(type(g) is DumpGoroutine for g in a.goroutines)


MODEL_COLUMNS = ("id", "state", "wait_ns", "creator", "weight")


def model_facts(data: bytes, monkeypatch: pytest.MonkeyPatch, pure: bool) -> object:
    """The model's columns and every row's extras, read with or without the C scanner.

    Strings and stacks by value: the two paths intern them in different orders."""
    from gotrace.model import from_dump

    if pure:
        monkeypatch.setenv("GOTRACE_PURE_PYTHON", "1")
    else:
        monkeypatch.delenv("GOTRACE_PURE_PYTHON", raising=False)
    try:
        m = from_dump.build_dump_model(data, "x")
    except GotraceError as e:
        return ("error", str(e))
    t = m.tables
    g = m.goroutines
    rows = np.arange(len(g))
    rx = re.compile("a")

    def frames(column: np.ndarray) -> list[list[tuple[str, str, int]]]:
        return [[(f.func, f.file, f.line) for f in t.stack_frames(s)] for s in column.tolist()]

    return (
        [getattr(g, c).tolist() for c in MODEL_COLUMNS],
        [t.strings[s] for s in g.name.tolist()], [t.strings[s] for s in g.reason.tolist()],
        frames(g.last_stack), frames(g.creation_stack),
        [(x.g.id, x.g.state, sorted(x.g.flags), x.g.labels, x.g.created_by, x.g.line, x.leaked, x.matches(rx))
         for x in m.extras],
        m.extras.leaked().tolist(), m.extras.labelled().tolist(), m.extras.label_hits(rx).tolist(),
        m.extras.labels(rows),
    )


@pytest.mark.parametrize("path", TEXTS + CORPUS_TEXTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_same_model_on_every_dump(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = path.read_bytes()
    assert model_facts(data, monkeypatch, False) == model_facts(data, monkeypatch, True)


def test_goroutine_list_mixes_objects_and_plain_blocks() -> None:
    """A dump whose plain blocks are interrupted by goroutines only the line reader reads."""
    data = (DUMPS / "headers.txt").read_bytes()
    odd = b"goroutine 999999 [select]:\nmain.f(...)\n  main.go:1\n\n"  # space-indented: not plain
    data = data + odd + data.replace(b"goroutine ", b"goroutine 1")
    fast = parse_dumps(data, Tables())
    slow = parse_dumps(data, Tables(), accelerated=False)
    assert [len(s.goroutines) for s in fast] == [len(s.goroutines) for s in slow]
    for a, b in zip(fast, slow, strict=True):
        n = len(a.goroutines)
        ids = [g.id for g in b.goroutines]
        assert [g.id for g in a.goroutines] == [a.goroutines[i].id for i in range(n)] == ids
        assert [g.id for g in a.goroutines[1:-1]] == [g.id for g in b.goroutines][1:-1]
        assert a.goroutines[-1].id == b.goroutines[-1].id
        with pytest.raises(IndexError):
            a.goroutines[n]


def test_every_byte_at_every_word_position_is_judged_exactly() -> None:
    """The scanner checks lines eight bytes at a time for bytes the line reader treats
    apart (NUL, VT, FF, CR, non-ASCII) and leaves such blocks to it: each byte value, at
    each position of a word and in a line's tail, inside a function, a file and a creator
    line, is refused exactly when it is one of those, and both paths read it alike."""
    scan = load("gotrace.dump._scan")
    assert scan is not None
    block = (b"goroutine 7 [select]:\nmain.work(0x1)\n\t/src/main.go:12 +0x1d\n"
             b"created by main.start in goroutine 1\n\t/src/main.go:5 +0x2a\n\n")
    for value in range(256):
        apart = value in (0, 0x0B, 0x0C, 0x0D) or value >= 0x80
        for where in (b"main.work", b"/src/main.go:12", b"main.start"):
            for at in range(1, len(where) - 1):
                data = block.replace(where, where[:at] + bytes([value]) + where[at + 1 :], 1)
                if value == 0x0A:
                    continue  # a line break: another shape altogether
                regions = memoryview(scan.scan(data)[6]).nbytes
                assert (regions > 0) == apart, (value, where, at)
                if at == 1:
                    assert facts(data, True) == facts(data, False), data
