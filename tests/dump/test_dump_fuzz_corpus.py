"""Replay of the inputs fuzzing found bugs with (tests/data/dumpfuzz/README.md).

Each must load or fail with one GotraceError line, quickly, and read the same
with and without the C scanner.
"""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest
from conftest import DATA

from gotrace.dump.parse import parse_dumps
from gotrace.errors import GotraceError
from gotrace.inputs import sniff
from gotrace.model.from_dump import build_dump_model
from gotrace.tables import Tables

FUZZ = sorted(p for p in (DATA / "dumpfuzz").iterdir() if p.name != "README.md")


def _facts(data: bytes, accelerated: bool) -> object:
    tables = Tables()
    try:
        snaps = parse_dumps(data, tables, accelerated=accelerated)
    except GotraceError as e:
        return str(e)
    return [
        (s.kind, s.start_line, s.end_line, s.warnings, s.total,
         [(g.id, g.state, tables.stack_frames(g.stack_id), g.created_by, g.frame_args) for g in s.goroutines],
         [(x.count, tables.stack_frames(x.stack), x.labels) for x in s.groups])
        for s in snaps
    ]


@pytest.mark.parametrize("path", FUZZ, ids=lambda p: p.name)
def test_fuzz_finding_loads_or_fails_in_one_line(path: Path) -> None:
    data = path.read_bytes()
    start = time.perf_counter()
    try:
        raw = gzip.decompress(data) if path.name.endswith(".txt.gz") else data
        if sniff(path.name, raw) == "dump":
            build_dump_model(raw, path.name)
    except GotraceError as e:
        assert "\n" not in str(e)
    assert time.perf_counter() - start < 20
    raw = gzip.decompress(data) if path.name.endswith(".txt.gz") else data
    assert _facts(raw, True) == _facts(raw, False)


def test_megaline_is_a_dropped_line_not_a_hang() -> None:
    raw = gzip.decompress((DATA / "dumpfuzz" / "megaline_backtracking.txt.gz").read_bytes())
    (snap,) = parse_dumps(raw, Tables())
    assert len(snap.goroutines) == 1 and snap.goroutines[0].stack_id == 0
