"""The C orderer (_order_v2.c) against its pure-Python twin (order_v2.py).

Same chunks column for column, same interned tables, same event count, and the
same damage or the same error on truncated and corrupted traces: the C code must
fail exactly where and how the Python code fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS, DATA, REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gotrace.errors import TraceFormatError
from gotrace.tables import Tables
from gotrace.trace import v2
from gotrace.trace.events import COLUMNS, EventChunk
from gotrace.trace.reader import V2_VERSIONS, parse_header

pytestmark = pytest.mark.skipif(v2._native is None,
                                reason="C orderer gotrace.trace._order_v2 not built")


def _is_v2(path: Path) -> bool:
    try:
        return parse_header(path.read_bytes()[:16]).version in V2_VERSIONS
    except TraceFormatError:
        return False


TRACES = [DATA / "v2small.trace"]
if CORPUS.is_dir():
    TRACES += sorted(p for d in ("go1.22", "go1.23", "go1.26")
                     for p in (CORPUS / d).glob("*.trace"))
TRACES += sorted(p for p in (REPO / "samples").glob("*.trace") if _is_v2(p))
# A copy of the corpus's go1.22/worker.trace: several generations, so cuts land inside the last one
# on a bare clone too.
MULTI_GEN = [DATA / "worker.go1.22.trace"]


@dataclass
class Outcome:
    error: str | None
    events: int
    damage: list[tuple[str, int]]
    chunks: list[EventChunk]
    tables: Tables


def run(data: bytes, native: bool) -> Outcome:
    info = parse_header(data)
    tables = Tables()
    chunks: list[EventChunk] = []
    error = None
    try:
        chunks.extend(v2.read(data, info, tables, None, native=native))
    except TraceFormatError as e:
        error = str(e)
    return Outcome(error, info.events, [(d.message, d.bytes_lost) for d in info.damage], chunks,
                   tables)


def assert_twins(data: bytes) -> Outcome:
    py = run(data, native=False)
    c = run(data, native=True)
    assert c.error == py.error
    assert c.events == py.events
    assert c.damage == py.damage
    assert len(c.chunks) == len(py.chunks)
    for i, (a, b) in enumerate(zip(py.chunks, c.chunks, strict=True)):
        for col in COLUMNS:
            x, y = getattr(a, col), getattr(b, col)
            assert x.dtype == y.dtype, f"chunk {i} column {col}: {x.dtype} vs {y.dtype}"
            assert np.array_equal(x, y), f"chunk {i} column {col} differs"
    assert c.tables.strings == py.tables.strings
    assert c.tables.frames == py.tables.frames
    assert c.tables.stacks == py.tables.stacks
    return py


@cache
def trace(path: Path) -> bytes:
    return path.read_bytes()


@pytest.mark.parametrize("path", TRACES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_whole_trace_same_on_both_paths(path: Path) -> None:
    out = assert_twins(trace(path))
    assert out.error is None and not out.damage and out.events > 0


CUTS = [0.05, 0.3, 0.55, 0.8, 0.97]


@pytest.mark.parametrize("frac", CUTS)
@pytest.mark.parametrize("path", MULTI_GEN, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_truncated_trace_same_on_both_paths(path: Path, frac: float) -> None:
    data = trace(path)
    assert_twins(data[:int(len(data) * frac)])


@pytest.mark.parametrize("path", MULTI_GEN, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_cut_in_the_last_generation_is_damage_on_both_paths(path: Path) -> None:
    data = trace(path)
    out = assert_twins(data[:len(data) - 5000])
    assert out.damage and out.chunks


def flipped(data: bytes, where: float, bit: int) -> bytes:
    b = bytearray(data)
    b[16 + int((len(b) - 17) * where)] ^= 1 << bit
    return bytes(b)


@pytest.mark.parametrize("where", [0.02, 0.13, 0.29, 0.41, 0.5, 0.66, 0.78, 0.9, 0.999])
@pytest.mark.parametrize("path", MULTI_GEN, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_flipped_byte_same_on_both_paths(path: Path, where: float) -> None:
    for bit in (0, 3, 7):
        assert_twins(flipped(trace(path), where, bit))


def test_flipped_bytes_reach_the_orderers_errors() -> None:
    """The flips above are worth something only if some land in ordering errors."""
    data = trace(DATA / "v2small.trace")
    errors = set()
    for i in range(60):
        out = run(flipped(data, i / 60, i % 8), native=True)
        msg = out.error or (out.damage[0][0] if out.damage else "")
        errors.add(msg.split(":")[-1].strip()[:30])
    assert len(errors) > 5


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 7)), min_size=1,
                      max_size=3))
def test_random_corruption_same_on_both_paths(flips: list[tuple[float, int]]) -> None:
    data = trace(DATA / "v2small.trace")
    for where, bit in flips:
        data = flipped(data, where, bit)
    assert_twins(data)


def test_small_chunks_same_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """Generations split over many chunks: state and times carry across them."""
    monkeypatch.setattr(v2, "CHUNK_EVENTS", 997)
    out = assert_twins(trace(MULTI_GEN[-1]))
    assert len(out.chunks) > 10


def test_pure_python_switch() -> None:
    # -P: import the installed gotrace (with its built extension), not the source tree in cwd.
    code = "import gotrace.trace.v2 as v; print(v.NATIVE)"
    env = dict(os.environ, GOTRACE_PURE_PYTHON="1")
    out = subprocess.run([sys.executable, "-P", "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
    env.pop("GOTRACE_PURE_PYTHON")
    out = subprocess.run([sys.executable, "-P", "-c", code], env=env, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "True"
