"""The growth report: sites ranked by the hosts they grow on, then by growth."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

pa = pytest.importorskip("pyarrow", reason="gotrace[fleet] (pyarrow) is not installed")

from gotrace.fleet.growth import growth_table  # noqa: E402


def when(hour: int) -> datetime:
    return datetime(2024, 5, 1, hour, tzinfo=UTC)


def sites(rows: list[tuple[str, str, str, int]]) -> list[pa.Table]:
    """(file, kind, func, count) rows, as the per-file tables of a scan (here, one table)."""
    return [pa.table({
        "file": [r[0] for r in rows], "kind": [r[1] for r in rows], "site_func": [r[2] for r in rows],
        "site_file": ["x.go"] * len(rows), "site_line": pa.array([1] * len(rows), pa.int32()),
        "count": pa.array([r[3] for r in rows], pa.int64()),
    })]


FILES = [("a1", "a", when(1)), ("a2", "a", when(2)), ("a3", "a", when(3)),
         ("b1", "b", when(1)), ("b2", "b", when(2)), ("c1", "c", when(1))]


def test_the_site_growing_on_every_host_comes_first() -> None:
    table = growth_table(sites([
        # leak: grows on a and b (c has one file: no series)
        ("a1", "created", "leak", 10), ("a2", "created", "leak", 20), ("a3", "created", "leak", 40),
        ("b2", "created", "leak", 5), ("c1", "created", "leak", 7),
        # big: bigger growth, but on one host only; it vanishes from a's last file
        ("b1", "created", "big", 0), ("b2", "created", "big", 500), ("a1", "created", "big", 3),
        # steady
        ("a1", "created", "pool", 8), ("a3", "created", "pool", 8), ("b1", "created", "pool", 8),
        ("b2", "created", "pool", 8),
        ("a3", "blocking", "wait", 4),
    ]), FILES)
    rows = table.to_pylist()
    assert [(r["kind"], r["site_func"]) for r in rows] == [
        ("created", "leak"), ("created", "big"), ("created", "pool"), ("blocking", "wait")]
    leak, big, pool, wait = rows
    assert (leak["hosts"], leak["hosts_growing"], leak["hosts_with_series"]) == (3, 2, 2)
    assert leak["everywhere"]
    # first and last sum every host's first and last file: c's one file (7) is both.
    assert (leak["first"], leak["last"], leak["growth"], leak["peak"], leak["files"]) == (17, 52, 35, 40, 5)
    assert (big["hosts_growing"], big["growth"], big["everywhere"]) == (1, 500 - 3, False)
    assert (pool["hosts_growing"], pool["growth"]) == (0, 0)
    assert (wait["hosts_growing"], wait["first"], wait["last"]) == (1, 0, 4)


def test_the_order_of_files_and_rows_does_not_matter() -> None:
    rows = [("a1", "created", "x", 1), ("a2", "created", "x", 2), ("a1", "created", "y", 1),
            ("a2", "created", "y", 2), ("b1", "blocking", "z", 5), ("b2", "blocking", "w", 5)]
    assert growth_table(sites(rows), FILES).equals(growth_table(sites(rows[::-1]), FILES[::-1]))


def test_no_host_with_two_files_means_no_growth() -> None:
    table = growth_table(sites([("a1", "created", "x", 3), ("b1", "created", "x", 9)]),
                         [("a1", "a", None), ("b1", "b", None)])
    (row,) = table.to_pylist()
    assert (row["hosts_with_series"], row["hosts_growing"], row["everywhere"]) == (0, 0, False)


def test_files_without_host_or_time_form_one_series_in_name_order() -> None:
    table = growth_table(sites([("f2", "created", "x", 9), ("f1", "created", "x", 3)]),
                         [("f2", None, None), ("f1", None, None)])
    (row,) = table.to_pylist()
    assert (row["first"], row["last"], row["growth"]) == (3, 9, 6)


def test_empty() -> None:
    assert growth_table(sites([]), []).num_rows == 0
    assert growth_table([], []).num_rows == 0
