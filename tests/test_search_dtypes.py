"""Per-goroutine lookups search a column with keys of the column's own type.

numpy searches an int32 column for a Python int or an int64 key by first copying the
whole column to int64: a lookup that should take microseconds takes milliseconds on a
big model, and once per goroutine it made ``goroutines --format json`` on a
3.7 M-goroutine trace run for hours. Here ``np.searchsorted`` refuses any key that
would make it copy the column, while the per-goroutine paths run on real inputs.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import REPO

from gotrace.analysis.grouping import group_rows
from gotrace.analysis.leaks import find_leaks
from gotrace.analysis.series import suspect_rows
from gotrace.inputs import open_input
from gotrace.load import load_raw
from gotrace.model import Model
from gotrace.render.documents import Stacks, goroutine_records, group_json

SAMPLES = REPO / "samples"
INPUTS = ["spike.go1.27.trace", "spike.go1.21.trace", "leak.go1.23.trace", "leak.go1.23.debug2.txt"]


@pytest.fixture
def strict_search(monkeypatch: pytest.MonkeyPatch) -> None:
    search = np.searchsorted

    def checked(a, v, side="left", sorter=None):  # type: ignore[no-untyped-def]
        column, key = np.asarray(a), np.asarray(v)
        assert np.result_type(column.dtype, key.dtype) == column.dtype, (
            f"searching a {column.dtype} column with a {key.dtype} key copies the column")
        return search(a, v, side=side, sorter=sorter)

    monkeypatch.setattr(np, "searchsorted", checked)


def _model(name: str) -> Model:
    return load_raw(open_input(str(SAMPLES / name)))


def test_the_guard_catches_a_copying_search(strict_search: None) -> None:
    with pytest.raises(AssertionError, match="copies the column"):
        np.searchsorted(np.arange(10, dtype=np.int32), 5)


@pytest.mark.parametrize("name", INPUTS)
def test_records_groups_and_leaks_search_without_copying(name: str, strict_search: None) -> None:
    model = _model(name)
    g = model.goroutines
    assert len(g.block_row) or not model.is_trace  # a trace's records look up block times
    rows = np.arange(len(g), dtype=np.int64)
    stacks = Stacks(model.tables)
    records = goroutine_records(model, rows, stacks)
    assert len(records) == len(g)
    for grp in group_rows(model, rows):
        group_json(model, grp, stacks)
    find_leaks([model])
    group_rows(model, suspect_rows(model))


def test_block_times_by_reason_are_each_rows_own(strict_search: None) -> None:
    model = _model("leak.go1.23.trace")
    g, strings = model.goroutines, model.tables.strings
    for row in np.unique(g.block_row)[:50].tolist():
        mine = g.block_row == row
        want = {strings[r]: int(ns) for r, ns in zip(g.block_reason[mine].tolist(), g.block_ns[mine].tolist(),
                                                     strict=True)}
        assert g.block_by_reason(row, strings) == want


@pytest.mark.parametrize("name", INPUTS)
def test_the_viewers_analyses_search_without_copying(name: str, strict_search: None) -> None:
    from gotrace.tui.session import precompute

    results = precompute(_model(name))
    assert "leaks" in results and ("site_index" in results) == name.endswith(".trace")
