"""``goroutines --format json`` streams its records: the same text as the whole document."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import REPO

from gotrace.analysis.grouping import group_rows
from gotrace.inputs import open_input
from gotrace.load import load_raw
from gotrace.render import documents
from gotrace.render.documents import goroutine_records, goroutines_document
from gotrace.render.jsontext import dumps

SAMPLES = REPO / "samples"


@pytest.mark.parametrize("name", ["spike.go1.27.trace", "leak.go1.23.debug2.txt", "stuck.go1.27.debug1.txt"])
def test_streamed_records_are_the_documents_records(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    model = load_raw(open_input(str(SAMPLES / name)))
    rows = np.arange(len(model.goroutines), dtype=np.int64)[::-1].copy()  # any order: listed by id
    whole = goroutines_document(model, rows, group_rows(model, rows))
    monkeypatch.setattr(documents, "RECORDS_AT_ONCE", 7)  # many slices, and a short last one
    streamed = goroutines_document(model, rows, group_rows(model, rows), streamed=True)
    assert dumps(streamed) == json.dumps(whole, indent=1, ensure_ascii=False)
    assert goroutine_records(model, rows) == whole["goroutines"]
    assert len(whole["goroutines"]) == len(rows) and len(streamed["goroutines"]) == len(rows)

