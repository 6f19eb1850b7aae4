"""The ``gotrace diff`` table: groups sorted by growth, with what tells two rows apart."""

from __future__ import annotations

from ..analysis.diff import DiffResult
from ..model import Model
from .table import Col, render_table
from .text import count, dur, plural, shorten_site, site


def _shift(ns: int | None, minutes: bool) -> str:
    if ns is None:
        return "-"
    if ns == 0:
        return "0"
    if minutes and abs(ns) < 60_000_000_000:
        return "<1m"
    return ("+" if ns > 0 else "-") + dur(abs(ns))


def headline(result: DiffResult, old: Model) -> str:
    alive = " alive at the end" if old.is_trace else ""
    same = sum(1 for r in result.rows if r.status == "same")
    return (f"{count(result.total_before)} -> {plural(result.total_after, 'goroutine')}{alive} "
            f"({result.total_after - result.total_before:+,}); "
            f"{plural(len(result.new_groups), 'new group')}, {len(result.vanished_groups):,} vanished, "
            f"{same:,} unchanged")


def diff_table(result: DiffResult, old: Model, width: int | None, wide: bool,
               show_all: bool = False) -> str | None:
    """Groups whose count changed (every group with ``show_all``); None when none did."""
    minutes = not old.is_trace
    rows = []
    for r in result.rows:
        shift = r.wait_shift_ns
        if r.status == "same" and not show_all:
            continue
        grp = r.group
        rows.append([f"{r.count_before:,}", f"{r.count_after:,}", f"{r.change:+,}", r.status,
                     _shift(shift, minutes), grp.state, site(grp.blocking, "-"), site(grp.created_at, "-")])
    if not rows:
        return None
    cols = [Col("BEFORE", right=True), Col("AFTER", right=True), Col("CHANGE", right=True), Col("STATUS"),
            Col("WAIT SHIFT", drop=1), Col("STATE", squeeze=12),
            Col("BLOCKED AT", flex=True, shorten=shorten_site),
            Col("CREATED AT", flex=True, shorten=shorten_site, drop=2)]
    return render_table(cols, rows, width, wide)
