"""Empty task, region and log names: string id 0, which Go resolves to "".

The traces come from tests/data/emptynames/main.go (Go 1.21, 1.22 and 1.27, see
regenerate.sh there); Go's summarizer output for each is committed beside it.
Both reader paths must read them whole and agree with Go goroutine by goroutine.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA
from gosummary import differences
from twins import HAVE_C, Outcome, assert_twins, run

from gotrace.tables import Tables
from gotrace.trace.events import Kind
from gotrace.trace.reader import read_events

TRACES = sorted((DATA / "emptynames").glob("*.trace"))


def check(path: Path, out: Outcome) -> None:
    summary = json.loads(path.with_suffix(".summary.json").read_text())
    assert out.error is None and out.notices == []
    assert out.events == summary["events"]
    assert out.model is not None
    assert differences(out.model, summary) == []


@pytest.mark.parametrize("path", TRACES, ids=lambda p: p.stem)
def test_pure_python_reads_empty_names_like_go(path: Path) -> None:
    check(path, run(path.read_bytes(), native=False))


@pytest.mark.skipif(not HAVE_C, reason="C accelerators not built")
@pytest.mark.parametrize("path", TRACES, ids=lambda p: p.stem)
def test_c_reads_empty_names_like_go(path: Path) -> None:
    check(path, assert_twins(path.read_bytes()))


@pytest.mark.parametrize("path", TRACES, ids=lambda p: p.stem)
def test_annotations_keep_their_empty_names(path: Path) -> None:
    tables = Tables()
    _, it = read_events(path.read_bytes(), tables)
    chunks = list(it)
    kinds = np.concatenate([c.kind for c in chunks])
    names = np.concatenate([c.name for c in chunks])
    for kind, at_least in ((Kind.TASK_BEGIN, 2), (Kind.REGION_BEGIN, 8), (Kind.LOG, 5)):
        sel = kinds == kind
        assert sel.sum() >= at_least, Kind(kind).name
        assert {tables.strings[n] for n in names[sel].tolist()} == {""}


def test_all_three_formats_are_here() -> None:
    assert [p.stem for p in TRACES] == ["emptynames.go1.21", "emptynames.go1.22",
                                        "emptynames.go1.27"]
