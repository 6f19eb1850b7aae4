"""Go's own trace tests: its internal/trace test cases and FuzzReader corpus, on both paths.

Every input is read by the C accelerators and by the pure-Python twins. Both must
agree with each other exactly (the same error, or the same model and notices), and
with Go: a trace Go reads to the end is read whole, with Go's event count and Go's
summarizer totals goroutine by goroutine; a trace Go rejects is rejected (an error,
or, past a first good generation, a damage notice), with Go's error where the test
case names it. The traces and Go's verdicts are committed (tests/data/gotests,
tests/data/gofuzz, see their README); no Go toolchain is needed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA
from gosummary import differences
from twins import HAVE_C, Outcome, assert_twins, run

GOTESTS = DATA / "gotests"
GOFUZZ = DATA / "gofuzz"


def _cases(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    expected = json.loads((folder / "expected.json").read_text())
    return [(folder / f"{name}.trace", v) for name, v in sorted(expected.items())]


CASES = _cases(GOTESTS) + _cases(GOFUZZ)


def check_against_go(path: Path, go: dict[str, Any], out: Outcome) -> None:
    if go["error"] is None:
        assert out.error is None, f"Go reads this trace, we say: {out.error}"
        assert out.notices == []
        assert out.events == go["events"]
        summary = json.loads(path.with_suffix(".summary.json").read_text())
        assert out.model is not None
        assert differences(out.model, summary) == []
        return
    if out.error is None:
        # Salvage keeps a good prefix and says what was lost; a prefix with nothing
        # in it is no salvage: that must be an error.
        assert out.notices, f"Go rejects this trace ({go['error']}), we accept it"
        assert out.model is not None
        assert len(out.model.goroutines) or out.model.proc_ids, "nothing usable, yet no error"
    said = out.error or " ".join(out.notices)
    expect = go.get("expect", "")
    if expect.startswith("FAILURE"):
        pattern = json.loads(expect.removeprefix("FAILURE").strip())
        assert re.search(pattern, said), f"{said!r} does not say Go's {pattern!r}"
    # The same reason as Go's reader (ours may say where, or Go a word more).
    assert go["error"] in said or said.split(": ")[-1] in go["error"], (said, go["error"])


@pytest.mark.parametrize(("path", "go"), CASES, ids=[p.stem for p, _ in CASES])
def test_pure_python_agrees_with_go(path: Path, go: dict[str, Any]) -> None:
    check_against_go(path, go, run(path.read_bytes(), native=False))


@pytest.mark.skipif(not HAVE_C, reason="C accelerators not built")
@pytest.mark.parametrize(("path", "go"), CASES, ids=[p.stem for p, _ in CASES])
def test_c_agrees_with_go_and_python(path: Path, go: dict[str, Any]) -> None:
    check_against_go(path, go, assert_twins(path.read_bytes()))


def test_every_go_case_is_here() -> None:
    """The regeneration script converted all of Go's cases and fuzz inputs (22 and 17 in Go 1.27)."""
    assert len(_cases(GOTESTS)) >= 22 and len(_cases(GOFUZZ)) >= 17
    assert all(p.is_file() for p, _ in CASES)
