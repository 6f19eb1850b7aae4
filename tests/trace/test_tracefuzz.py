"""The hostile-input regression corpus (tests/data/tracefuzz), replayed on both paths.

Each input once crashed gotrace, blamed an option for bad data, or made the C
and Python paths disagree (see index.json). Now both paths must give the same
outcome, the one recorded, and every analysis the commands and the TUI run must
finish alike on what was kept.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import DATA
from twins import HAVE_C, Outcome, assert_twins, run

from gotrace.analysis.grouping import group_rows
from gotrace.analysis.leaks import find_leaks
from gotrace.analysis.procs import ProcTimeline
from gotrace.analysis.selection import select_rows
from gotrace.analysis.spikes import creation_spikes
from gotrace.analysis.summary import summarize
from gotrace.model.core import Model
from gotrace.render.documents import (
    goroutine_records,
    goroutines_document,
    leaks_document,
    spikes_document,
)

CORPUS = DATA / "tracefuzz"
INDEX: dict[str, dict[str, Any]] = json.loads((CORPUS / "index.json").read_text())


def analyses(model: Model) -> dict[str, Any]:
    """What the commands compute from a model, as plain data."""
    g = model.goroutines
    tl = ProcTimeline(model)
    span = tl.span_ns
    procs = {p: (tl.busy(p, 0, span), tl.density(p, 0, max(span, 1), 60).tolist(),
                 [x.tolist() for x in tl.idle(p, 0, span)]) for p in tl.procs}
    summary = summarize(model)
    summary.pop("reader")
    rows = select_rows(model)
    return {
        "summary": summary,
        "goroutines": goroutine_records(model, g.id.argsort()),
        "groups": goroutines_document(model, rows, group_rows(model, rows)),
        "leaks": leaks_document(find_leaks([model])),
        "procs": procs,
        "utilisation": tl.utilisation(),
        "gc": [x.tolist() for x in tl.gc_intervals(0, span)],
        "stw": [x if isinstance(x, list) else x.tolist() for x in tl.stw_intervals(0, span)],
        "spikes": spikes_document(creation_spikes(model)),
    }


def check(name: str, out: Outcome) -> None:
    want = INDEX[name]["outcome"]
    if "error" in want:
        assert out.error == want["error"]
        return
    assert out.error is None and out.notices == want["notices"] and out.events == want["events"]
    assert out.model is not None and out.model.span_ns is not None and out.model.span_ns >= 0


def test_every_input_is_indexed() -> None:
    assert sorted(p.stem for p in CORPUS.glob("*.trace")) == sorted(INDEX)


@pytest.mark.parametrize("name", sorted(INDEX))
def test_pure_python_replay(name: str) -> None:
    out = run((CORPUS / f"{name}.trace").read_bytes(), native=False)
    check(name, out)
    if out.model is not None:
        analyses(out.model)


@pytest.mark.skipif(not HAVE_C, reason="C accelerators not built")
@pytest.mark.parametrize("name", sorted(INDEX))
def test_both_paths_replay_alike(name: str) -> None:
    data = (CORPUS / f"{name}.trace").read_bytes()
    c = assert_twins(data)
    check(name, c)
    py = run(data, native=False)
    if c.model is not None:
        assert py.model is not None
        assert analyses(c.model) == analyses(py.model)
