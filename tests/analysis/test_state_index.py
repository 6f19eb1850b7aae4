"""Each row's state label, made a slice at a time in a small integer type, and counted
a slice at a time: the same answers as one np.unique over the whole column."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SAMPLES

from gotrace.analysis import selection
from gotrace.analysis.selection import state_check, state_label_index
from gotrace.load import load
from gotrace.model import core, count_by, state_name


@pytest.mark.parametrize("slice_rows", [7, 1 << 18])
def test_sliced_labels_and_counts_match_np_unique(slice_rows: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(selection, "LABEL_SLICE", slice_rows)
    monkeypatch.setattr(core, "COUNT_SLICE", slice_rows)
    model = load(str(SAMPLES / "spike.go1.27.trace"))
    g = model.goroutines
    assert len(g) > 1000  # the sliced path
    labels, inv = state_label_index(model)
    assert inv.dtype == np.int16 and len(inv) == len(g)
    key = g.state.astype(np.int64) << 32 | g.reason.astype(np.int64)
    uniq, where = np.unique(key, return_inverse=True)
    assert labels == [state_name(int(k >> 32), model.tables.strings[int(k & 0xFFFFFFFF)]) for k in uniq]
    np.testing.assert_array_equal(inv, where.reshape(-1))
    counts = count_by(inv, len(labels), g)
    np.testing.assert_array_equal(counts, np.bincount(where.reshape(-1), minlength=len(labels)))
    _, _, here = state_check(model, ())
    assert here[0] == labels[int(np.argmax(counts))]
