"""A dump's goroutine objects packed for the loader's pipe: the same goroutines, built on demand."""

from __future__ import annotations

import pickle
import re
from pathlib import Path

import pytest
from conftest import DUMPS, SAMPLES
from gotrace.tui.loader import Loaded, Loader
from gotrace.tui.packing import FIELDS, PackedExtras, packed
from tui_inputs import LEAK_DUMP, SPIKE_TRACE, model_of

DUMP_FILES = [SAMPLES / "stuck.go1.27.debug2.txt", SAMPLES / "stuck.go1.27.debug1.txt",
              SAMPLES / "leak.go1.23.sigquit.txt", SAMPLES / "testtimeout.go1.27.txt",
              DUMPS / "go127_panic_labels_ancestors.txt", DUMPS / "debug1_labels.txt",
              DUMPS / "go126_debug2_labels.txt", DUMPS / "synctest_all_blocked.go1.27.txt"]


@pytest.mark.parametrize("path", DUMP_FILES, ids=lambda p: p.name)
def test_packed_goroutines_are_the_same_goroutines(path: Path) -> None:
    model = model_of(path)
    assert model.extras is not None
    sent = pickle.loads(pickle.dumps(packed(model), protocol=5))
    extras = sent.extras
    assert isinstance(extras, PackedExtras) and len(extras) == len(model.extras)
    for before, after in zip(model.extras, extras, strict=True):
        assert [getattr(before.g, f) for f in FIELDS] == [getattr(after.g, f) for f in FIELDS]
    for pattern in ("(?i)queue", "orders", "nothing-like-this"):
        rx = re.compile(pattern)
        assert [x.matches(rx) for x in extras] == [x.matches(rx) for x in model.extras]
    for fact in ("leaked", "durable", "labelled"):
        assert (getattr(extras, fact)() == getattr(model.extras, fact)()).all(), fact
    snap, before_snap = sent.snapshot, model.snapshot
    assert snap.panic_message == before_snap.panic_message
    assert snap.goroutine_count == before_snap.goroutine_count
    assert model.extras is not extras  # the child's own model is left as it was


def test_a_trace_is_sent_as_it_is() -> None:
    model = model_of(SPIKE_TRACE)
    assert packed(model) is model


def test_the_loader_sends_a_dump_packed() -> None:
    loaded = next(m for m in Loader(str(LEAK_DUMP)).messages() if isinstance(m, Loaded))
    assert isinstance(loaded.model.extras, PackedExtras)
    row = loaded.model.goroutines.row_of(24)
    assert row is not None and loaded.model.extras[row].g.state == "chan send"
