"""The viewer reads a trace file as the CLI does, then again for its interval table."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import DATA, SAMPLES

from gotrace.errors import GotraceError
from gotrace.inputs import open_input
from gotrace.load import intervals_again, load_trace, start_trace

TRACES = [SAMPLES / "spike.go1.27.trace", SAMPLES / "spike.go1.21.trace",
          DATA / "v1" / "keepalive_1_21_cut.trace"]


@pytest.mark.parametrize("path", TRACES, ids=lambda p: p.name)
def test_a_second_read_gives_the_table_a_single_read_keeps(path: Path, tmp_path: Path) -> None:
    whole = load_trace(open_input(str(path)))
    lean, rest = start_trace(open_input(str(path)), intervals=False)
    assert rest is None and lean.intervals is None
    got = intervals_again(str(path), lean, tmp_path)
    assert whole.intervals is not None and len(got) > 0
    for f in dataclasses.fields(got):
        assert np.array_equal(getattr(got, f.name), getattr(whole.intervals, f.name)), f.name
    assert lean.tables.stacks == whole.tables.stacks


def test_a_file_that_changed_in_between_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "t.trace"
    shutil.copy(SAMPLES / "spike.go1.27.trace", path)
    lean, _ = start_trace(open_input(str(path)), intervals=False)
    shutil.copy(SAMPLES / "spike.go1.21.trace", path)
    with pytest.raises(GotraceError, match="changed while it was read"):
        intervals_again(str(path), lean, tmp_path)


HOSTILE = sorted((DATA / "tracefuzz").glob("*.trace")) + sorted((DATA / "gotests").glob("*.trace"))


@pytest.mark.parametrize("path", HOSTILE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_intervals_only_read_gives_the_table_of_a_whole_read(path: Path, tmp_path: Path) -> None:
    """Go's own test traces and the hostile-input corpus, read a second time by the C summary
    keeping only what the intervals need (batches of 3, windows of 2), and by a whole read."""
    from gotrace.model import from_trace

    try:
        whole = load_trace(open_input(str(path)))
        lean, _ = start_trace(open_input(str(path)), intervals=False)
    except GotraceError:
        pytest.skip("not a trace gotrace loads")
    native = from_trace._native
    old = native.spill_sizes(3, 2) if native is not None else None
    try:
        got = intervals_again(str(path), lean, tmp_path)
    finally:
        if native is not None and old is not None:
            native.spill_sizes(*old)
    assert whole.intervals is not None
    for f in dataclasses.fields(got):
        assert np.array_equal(getattr(got, f.name), getattr(whole.intervals, f.name)), f.name


@pytest.mark.skipif(__import__("gotrace.model.from_trace", fromlist=["_native"])._native is None,
                    reason="C summary not built")
def test_a_collector_without_the_summary_says_what_it_gives() -> None:
    from gotrace.model.from_trace import _native

    assert _native is not None
    with pytest.raises(ValueError, match="keeps the intervals"):
        _native.Collector(intervals=False, summary=False)
    bare = _native.Collector(summary=False)
    with pytest.raises(RuntimeError, match="gives ids"):
        bare.goroutines(b"")
    whole = _native.Collector()
    with pytest.raises(RuntimeError, match="gives goroutines"):
        whole.ids()
    assert len(memoryview(bare.ids())) == 0 and bare.counts() == (0, 0)
    with pytest.raises(RuntimeError, match="already"):
        bare.ids()


@pytest.mark.parametrize("path", TRACES, ids=lambda p: p.name)
def test_both_twins_read_the_same_table_again(path: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The C summary's intervals-only read and the pure-Python one (a whole model) give one table."""
    from gotrace.model import from_trace

    if from_trace._native is None:
        pytest.skip("C summary not built")
    tables: dict[bool, object] = {}
    for native in (True, False):
        monkeypatch.setattr(from_trace, "NATIVE", native)
        lean, _ = start_trace(open_input(str(path)), intervals=False)
        (tmp_path / str(native)).mkdir()
        tables[native] = intervals_again(str(path), lean, tmp_path / str(native))
    for f in dataclasses.fields(tables[True]):  # type: ignore[arg-type]
        assert np.array_equal(getattr(tables[True], f.name), getattr(tables[False], f.name)), f.name
