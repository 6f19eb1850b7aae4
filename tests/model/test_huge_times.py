"""The model and ProcTimeline on the largest numbers the readers let through.

Times up to MAX_TIME_NS (2^60 ns) and P ids up to int32's maximum: every total
stays exact (the numpy and C builders agree to the nanosecond, past where
floating-point sums would round), and every per-P query works without overflow.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from eventtext import parse_lines

from gotrace.analysis.procs import ProcTimeline
from gotrace.model import from_trace
from gotrace.model.core import Model
from gotrace.tables import Tables
from gotrace.trace.events import MAX_PROC_ID, MAX_TIME_NS, GoState, TraceInfo

BIG_P = MAX_PROC_ID
T0 = 1000
T_END = MAX_TIME_NS - 1
# Two waits of ~2^58 ns under one reason: their sum needs every bit of int64
# precision that float64 (53 bits) cannot give.
W1 = (1 << 58) + 1
W2 = (1 << 58) + 3
STREAM = f"""
{T0} 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
{T0} 13 -1 -1 -1 - | 2 0 0 3 "" | - | 0
{T0} 13 -1 -1 -1 - | 2 {BIG_P} 0 2 "" | - | 0
{T0 + 1} 13 -1 {BIG_P} 5 - | 1 7 0 3 "" | - | 0
{T0 + 2} 13 7 {BIG_P} 5 - | 1 7 3 4 "chan receive" | - | 0
{T0 + 2 + W1} 13 -1 {BIG_P} 5 - | 1 7 4 3 "" | - | 0
{T0 + 3 + W1} 13 7 {BIG_P} 5 - | 1 7 3 4 "chan receive" | - | 0
{T0 + 3 + W1 + W2} 13 -1 0 5 - | 1 7 4 3 "" | - | 0
{T_END - 1} 13 7 0 5 - | 1 7 3 4 "select" | - | 0
{T_END} 1 -1 -1 -1 - | 0 0 0 0 "" | - | 0
"""


def build(native: bool, monkeypatch: pytest.MonkeyPatch) -> Model:
    monkeypatch.setattr(from_trace, "NATIVE", native)
    tables = Tables()
    lines = [ln.strip() for ln in STREAM.strip().splitlines()]
    info = TraceInfo("go 1.26 trace", 26, 0, len(lines))
    return from_trace.build_trace_model([parse_lines(lines, tables)], info, tables, "t")


@pytest.fixture(params=[False, True], ids=["numpy", "C"])
def model(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Model:
    if request.param and from_trace._native is None:
        pytest.skip("C summary not built")
    return build(request.param, monkeypatch)


def test_totals_are_exact(model: Model) -> None:
    g = model.goroutines
    r = g.row_of(7)
    assert r is not None
    assert model.span_ns == T_END - T0
    assert g.block_by_reason(r, model.tables.strings) == {"chan receive": W1 + W2, "select": 1}
    # Running from the first sync (it was undetermined) for 2 ns, then 1 ns, then
    # from the second wake-up to the last event but one.
    assert int(g.exec_ns[r]) == 2 + 1 + (T_END - 1 - (T0 + 3 + W1 + W2))
    assert g.state[r] == GoState.WAITING


def test_both_builders_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    if from_trace._native is None:
        pytest.skip("C summary not built")
    py, c = build(False, monkeypatch), build(True, monkeypatch)
    for part in ("goroutines", "intervals", "procs", "ranges"):
        a, b = getattr(py, part), getattr(c, part)
        for f in dataclasses.fields(a):
            np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name),
                                          err_msg=f"{part}.{f.name}")


def test_proc_timeline_queries(model: Model) -> None:
    tl = ProcTimeline(model)
    span = tl.span_ns
    assert tl.procs == [0, BIG_P]
    busy = {p: tl.busy(p, 0, span) for p in tl.procs}
    assert busy[BIG_P] == 3 and busy[0] == T_END - 1 - (T0 + 3 + W1 + W2)
    assert tl.total_running_ns() == sum(busy.values())
    dens = tl.density(0, 0, span, 2000)
    assert dens.shape == (2000,) and ((dens >= 0) & (dens <= 1)).all() and dens[-1] > 0.99
    util = tl.utilisation()
    assert 0 < util[0] <= 1
    gaps = tl.idle(BIG_P, 0, span)
    assert int((gaps[1] - gaps[0]).sum()) == span - 3
    assert tl.goroutine_at(0, span - 5) == 7
