"""The C accelerator (gotrace.trace._v1) and the pure-Python v1 reader agree.

Every column of every chunk and every damage note must be identical, on good
traces, cut ones and byte-flipped ones; the tests skip when the extension is
not built.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gotrace.errors import TraceFormatError
from gotrace.tables import Tables
from gotrace.trace import v1
from gotrace.trace.events import COLUMNS
from gotrace.trace.reader import read_events

DATA = Path(__file__).resolve().parents[1] / "data" / "v1"
ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / ".." / "shared" / "corpus"
GO_TESTDATA = Path("/opt/go-debian/usr/lib/go-1.27/src/internal/trace/internal/tracev1/testdata")

native = pytest.mark.skipif(v1._native is None, reason="C accelerator not built")


def _inputs() -> list[Path]:
    paths = sorted(DATA.glob("*_good")) + sorted(DATA.glob("*.trace"))
    if CORPUS.is_dir():
        paths += sorted(CORPUS.glob("go1.19/*.trace")) + sorted(CORPUS.glob("go1.21/*.trace"))
    paths += sorted((ROOT / "samples").glob("*.go1.21.trace"))
    if GO_TESTDATA.is_dir():
        paths += sorted(GO_TESTDATA.glob("*_good"))
    return paths


def _run(data: bytes, use_native: bool, monkeypatch: pytest.MonkeyPatch
         ) -> tuple[str, object, object]:
    """(outcome, columns, damage) of one read, on the chosen path."""
    monkeypatch.setattr(v1, "NATIVE", use_native)
    tables = Tables()
    try:
        info, it = read_events(data, tables)
        chunks = list(it)
    except TraceFormatError as e:
        return f"rejected: {e}", None, None
    cols = [tuple(getattr(c, name).tobytes() for name in COLUMNS) for c in chunks]
    dtypes = {(name, str(getattr(c, name).dtype)) for c in chunks for name in COLUMNS}
    damage = [(d.message, d.bytes_lost) for d in info.damage]
    return "ok", (cols, sorted(dtypes), tables.strings, tables.stacks, info.events), damage


def _assert_same(data: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run(data, True, monkeypatch) == _run(data, False, monkeypatch)


@native
@pytest.mark.parametrize("path", _inputs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_native_equals_python(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _assert_same(path.read_bytes(), monkeypatch)


def _small_inputs() -> list[Path]:
    return [p for p in _inputs() if p.stat().st_size < 400_000]


@native
@pytest.mark.parametrize("path", _small_inputs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_native_equals_python_when_cut(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = path.read_bytes()
    rng = random.Random(path.name)
    for cut in sorted({16, 17, 18, 40, *(rng.randrange(16, len(data)) for _ in range(6))}):
        _assert_same(data[:cut], monkeypatch)


@native
@pytest.mark.parametrize("path", _small_inputs(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_native_equals_python_when_flipped(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = path.read_bytes()
    rng = random.Random(path.name + "flip")
    for _ in range(8):
        bad = bytearray(data)
        for _ in range(rng.randrange(1, 4)):
            bad[rng.randrange(16, len(data))] = rng.randrange(256)
        _assert_same(bytes(bad), monkeypatch)


@native
def test_native_flag_and_env() -> None:
    assert v1.NATIVE is True or v1.NATIVE is False
    assert v1._native is not None
    assert isinstance(np.frombuffer(v1._native.gather(np.zeros(1, np.int64), np.arange(3),
                                                      np.zeros(0, np.int64), 8), np.int64)[0],
                      np.int64)


FUZZ_INPUTS = [DATA / "stress_start_stop_1_11_good", DATA / "user_task_region_1_21_good",
               DATA / "keepalive_1_21_cut.trace"]


@native
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(which=st.integers(0, len(FUZZ_INPUTS) - 1), cut=st.floats(0.0, 1.0),
       flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=4))
def test_fuzz_native_equals_python(which: int, cut: float, flips: list[tuple[float, int]],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    data = bytearray(FUZZ_INPUTS[which].read_bytes())
    for at, val in flips:
        data[16 + int(at * (len(data) - 17))] = val
    _assert_same(bytes(data[:16 + int(cut * (len(data) - 16))]), monkeypatch)
