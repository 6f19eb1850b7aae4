"""Numbers that do not fit, odd brackets: damage is reported, nothing overflows."""

from __future__ import annotations

from conftest import DUMPS

from gotrace.dump.parse import parse_file
from gotrace.dump.snapshot import NS_PER_MINUTE
from gotrace.model.from_dump import build_dump_model
from gotrace.tables import Tables


def test_numbers_past_int64_are_damage_not_tracebacks() -> None:
    tables = Tables()
    (snap,) = parse_file(DUMPS / "hostile_numbers.txt", tables)
    g = {x.id: x for x in snap.goroutines}
    assert sorted(g) == [1, 5, 6, 99]  # the goroutine whose id cannot be represented is skipped
    assert g[5].wait_minutes is None and g[5].created_by == ("main.main", "/src/app/main.go", 31, None)
    assert g[6].wait_minutes is None and g[6].synctest_bubble is None
    assert tables.stack_frames(g[6].stack_id)[0].line == 0
    text = "\n".join(snap.warnings)
    for what in (
        "line 5: goroutine id 99999999999999999999 cannot be represented; goroutine skipped",
        "line 13: creator id 99999999999999999999 cannot be represented",
        "line 9: goroutine 5: a wait of 153722867280913 minutes cannot be represented",
        "line 15: goroutine 6: a wait of 99999999999999999999 minutes cannot be represented;"
        " synctest bubble 99999999999999999999 cannot be represented",
        "line 17: line number 99999999999 cannot be represented",
    ):
        assert what in text


def test_the_largest_wait_that_fits_is_kept() -> None:
    text = (DUMPS / "hostile_numbers.txt").read_text()
    fits = (2**63 - 1) // NS_PER_MINUTE
    text = text.replace("153722867280913 minutes", f"{fits} minutes")
    model = build_dump_model(text.encode(), "x.txt")
    row = model.goroutines.row_of(5)
    assert row is not None and int(model.goroutines.wait_ns[row]) == fits * NS_PER_MINUTE


def test_model_builds_from_hostile_numbers() -> None:
    model = build_dump_model((DUMPS / "hostile_numbers.txt").read_bytes(), "hostile_numbers.txt")
    assert model.goroutines.id.tolist() == [1, 5, 6, 99]
    assert any("cannot be represented" in n for n in model.notices)


def test_state_with_brackets_is_kept() -> None:
    (snap,) = parse_file(DUMPS / "hostile_numbers.txt", Tables())
    g = {x.id: x for x in snap.goroutines}[99]
    assert (g.state, g.raw_state) == ("select [x]", "select [x]")
