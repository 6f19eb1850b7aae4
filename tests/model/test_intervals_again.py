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
