"""Every saved fuzz finding, replayed: the input must now keep the contract on both reader paths.

The findings live in tests/data/fuzzcrash/<target>/ (``<id>.bin`` and
``<id>.json``; see tests/fuzz/run.py). One whose JSON says ``"known": "..."``
is a bug in code owned elsewhere: an expected failure, strict, so that the day
it is fixed the replay says so and the mark comes off.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from harness import CRASH_DIR, BothPaths, Crash, problems, saved_crashes


def _cases() -> list[object]:
    return [pytest.param(path, crash, id=f"{crash.target}/{path.stem}",
                         marks=[pytest.mark.xfail(strict=True, reason=crash.known)] if crash.known else [])
            for path, crash in saved_crashes(CRASH_DIR)]


@pytest.fixture(scope="module")
def paths() -> Iterator[BothPaths]:
    with BothPaths() as both:
        yield both


@pytest.mark.parametrize(("path", "crash"), _cases())
def test_saved_finding_keeps_the_contract(paths: BothPaths, path: Path, crash: Crash) -> None:
    for command in crash.commands:
        c, pure = paths.run([*command, str(path)])
        assert problems(command, c, pure) == [], crash.where or crash.signature
