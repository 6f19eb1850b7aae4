"""Run the whole trace pipeline (reader, model) on one chosen path: C accelerators or pure Python.

Shared by the tests that hold the two paths identical on every input, good or
damaged: Go's own test cases and fuzz corpus, and the mutation corpus. An
outcome is either the one-line error (a GotraceError) or the model, column for
column, with the damage notices and the reader's facts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from gotrace.errors import GotraceError
from gotrace.model import from_trace
from gotrace.model.core import Model
from gotrace.tables import Tables
from gotrace.trace import decode_v1, v1, v2
from gotrace.trace.reader import read_events

HAVE_C = decode_v1.NATIVE and v2._native is not None and from_trace._native is not None
"""Whether every C accelerator is built (the twin tests skip otherwise)."""


@contextmanager
def reader_path(native: bool) -> Iterator[None]:
    """Use the C accelerators (``native``) or the pure-Python twins, then restore the default."""
    saved = v1.NATIVE, v2.NATIVE, from_trace.NATIVE
    v1.NATIVE = v2.NATIVE = from_trace.NATIVE = native
    try:
        yield
    finally:
        v1.NATIVE, v2.NATIVE, from_trace.NATIVE = saved


@dataclass
class Outcome:
    """What the pipeline made of one input on one path."""

    error: str | None
    events: int = 0
    notices: list[str] = field(default_factory=list)
    model: Model | None = None

    def columns(self) -> dict[str, object]:
        """Everything the model holds, comparable with ==."""
        m = self.model
        if m is None:
            return {}
        out: dict[str, object] = {
            "span_ns": m.span_ns, "proc_ids": m.proc_ids, "strings": m.tables.strings,
            "frames": m.tables.frames, "stacks": m.tables.stacks,
        }
        for part in ("goroutines", "intervals", "procs", "ranges"):
            obj = getattr(m, part)
            for f in dataclasses.fields(obj):
                col = np.asarray(getattr(obj, f.name))
                out[f"{part}.{f.name}"] = (str(col.dtype), col.tobytes())
        return out


def run(data: bytes, native: bool) -> Outcome:
    """Read ``data`` and build its model on the chosen path."""
    with reader_path(native):
        tables = Tables()
        try:
            info, chunks = read_events(data, tables)
            model = from_trace.build_trace_model(chunks, info, tables, "t")
        except GotraceError as e:
            return Outcome(str(e))
    return Outcome(None, info.events, list(model.notices), model)


def assert_twins(data: bytes) -> Outcome:
    """Both paths give the same error, or the same model and notices; returns the C outcome."""
    py = run(data, native=False)
    c = run(data, native=True)
    assert c.error == py.error
    assert c.events == py.events
    assert c.notices == py.notices
    a, b = py.columns(), c.columns()
    assert a.keys() == b.keys()
    differ = [k for k in a if a[k] != b[k]]
    assert differ == [], f"columns differ between the C and Python paths: {differ}"
    return c
