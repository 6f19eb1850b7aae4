"""Each C accelerator's copies of the spec's numbers equal the spec.

The C code needs event types, states, limits and table layouts as compile-time
constants, so it keeps its own copies and exports them as ``constants``; every
exported name must be listed here with the Python value it copies, so a copy
can neither drift nor be added unchecked.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from gotrace.model import core
from gotrace.trace import convert_v1, decode_v1, events, order_v1, order_v2, spec_v1, spec_v2
from gotrace.trace.events import GoState, Kind, ProcState, ResourceKind


def _module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        pytest.skip(f"{name} not built")


def _check(exported: dict[str, Any], spec: ModuleType, named: dict[str, Any]) -> None:
    ev = {k for k in exported if k.startswith("EV_")}
    expected = {k: getattr(spec, k) for k in ev} | named
    assert set(exported) == set(expected), "a constant is exported but not checked, or missing"
    differ = {k: (exported[k], expected[k]) for k in expected if exported[k] != expected[k]}
    assert differ == {}


def test_order_v2_constants() -> None:
    c = _module("gotrace.trace._order_v2").constants
    s = spec_v2
    _check(c, s, {
        "MAX_EVENT": s.MAX_EVENT, "NUM_SPECS": s.NUM_SPECS,
        "GO_BAD": s.GO_BAD, "GO_RUNNABLE": s.GO_RUNNABLE, "GO_RUNNING": s.GO_RUNNING,
        "GO_SYSCALL": s.GO_SYSCALL, "GO_WAITING": s.GO_WAITING,
        "PROC_BAD": s.PROC_BAD, "PROC_RUNNING": s.PROC_RUNNING, "PROC_IDLE": s.PROC_IDLE,
        "PROC_SYSCALL": s.PROC_SYSCALL, "PROC_SYSCALL_ABANDONED": s.PROC_SYSCALL_ABANDONED,
        "GS_UNDETERMINED": GoState.UNDETERMINED, "PS_UNDETERMINED": ProcState.UNDETERMINED,
        "PS_NOT_EXIST": ProcState.NOT_EXIST, "PS_RUNNING": ProcState.RUNNING,
        "PS_IDLE": ProcState.IDLE,
        "GC_UNDETERMINED": order_v2.GC_UNDETERMINED, "GC_NOT_RUNNING": order_v2.GC_NOT_RUNNING,
        "GC_RUNNING": order_v2.GC_RUNNING, "NONE": order_v2.NONE,
        "MAX_TIME_NS": events.MAX_TIME_NS, "MAX_PROC_ID": events.MAX_PROC_ID,
        "GO_STATUS_TO_STATE": s.GO_STATUS_TO_STATE,
        "PROC_STATUS_TO_STATE": s.PROC_STATUS_TO_STATE,
        "GO_STATUS_NAMES": s.GO_STATUS_NAMES, "PROC_STATUS_NAMES": s.PROC_STATUS_NAMES,
    })


def test_v1_constants() -> None:
    c = _module("gotrace.trace._v1").constants
    flags = {f"F_{name}": 1 << k for k, name in enumerate(decode_v1.FLAG_BITS)}
    layout = {f"T_{name}": convert_v1.LAYOUT_TABLES.index(table) for name, table in (
        ("KIND", "kind"), ("RK", "rkind"), ("FRM", "frm"), ("TO", "to"),
        ("HAS_STACK", "has_stack"), ("RES_SRC", "res_src"), ("TSTACK_SRC", "tstack_src"),
        ("VALID", "valid"))}
    _check(c, spec_v1, flags | layout | {
        "MAX_INT32": decode_v1.MAX_INT32, "MAX_TICKS": decode_v1.MAX_TICKS,
        "TS_BLOCK": decode_v1.TS_BLOCK,
        "TIME_RANGE_ERROR": decode_v1.TIME_RANGE_ERROR, "MAX_TIME_NS": events.MAX_TIME_NS,
        "PROFILE_P": order_v1.PROFILE_P, "GARBAGE_KEY": order_v1.GARBAGE_KEY,
        "G_DEAD": order_v1.G_DEAD, "K_LABEL": Kind.LABEL, "K_REGION_BEGIN": Kind.REGION_BEGIN,
        "K_REGION_END": Kind.REGION_END, "K_STATE_TRANSITION": Kind.STATE_TRANSITION,
        "GS_UNDETERMINED": GoState.UNDETERMINED, "GS_RUNNABLE": GoState.RUNNABLE,
        "GS_RUNNING": GoState.RUNNING, "GS_SYSCALL": GoState.SYSCALL,
        "RK_GOROUTINE": ResourceKind.GOROUTINE, "NCOLS": len(events.COLUMNS),
    })


def test_summary_constants() -> None:
    c = _module("gotrace.model._summary").constants
    _check(c, events, {
        "K_SYNC": Kind.SYNC, "K_RANGE_BEGIN": Kind.RANGE_BEGIN, "K_RANGE_END": Kind.RANGE_END,
        "K_STATE_TRANSITION": Kind.STATE_TRANSITION,
        **{f"G_{s.name}": s.value for s in GoState},
        "R_GOROUTINE": ResourceKind.GOROUTINE, "R_PROC": ResourceKind.PROC, "NONE": core.NONE,
    })


def test_results_are_the_exported_buf_type() -> None:
    """The stubs name each module's Buf: it is the type columns really come back in."""
    m = _module("gotrace.trace._v1")
    perm = np.zeros(1, np.int64)
    assert isinstance(m.gather(perm, np.arange(3), np.zeros(0, np.int64), 8, 8), m.Buf)
    for name in ("gotrace.trace._order_v2", "gotrace.model._summary"):
        assert isinstance(_module(name).Buf, type)
