"""The C scanner (gotrace/dump/_scan.c) and the pure-Python reader give the same snapshots.

Compared on every fixture, every corpus dump when present, and seeded
mutations of the fixtures of the kinds fuzzing uses (dropped, duplicated and
swapped lines, tabs turned to spaces, CRLF, NULs, byte flips, huge numbers,
long lines), plus the goroutine objects the C builder makes.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

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


def test_builder_refuses_a_partial_slot_list() -> None:
    scan = load("gotrace.dump._scan")
    assert scan is not None
    with pytest.raises(TypeError):
        scan.build(DumpGoroutine, 1, ("id",), ([1],))


def test_model_rows_and_extras_match_without_the_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    from gotrace.model import from_dump

    data = (DUMPS / "go127_crash.txt").read_bytes()
    fast = from_dump.build_dump_model(data, "x")
    monkeypatch.setattr(from_dump, "build", None)
    slow = from_dump.build_dump_model(data, "x")
    assert fast.extras is not None and slow.extras is not None
    assert [x.g.id for x in fast.extras] == [x.g.id for x in slow.extras] == fast.goroutines.id.tolist()
    for name in ("id", "name", "state", "reason", "wait_ns", "creator", "creation_stack", "last_stack"):
        assert getattr(fast.goroutines, name).tolist() == getattr(slow.goroutines, name).tolist()
