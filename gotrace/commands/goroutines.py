"""``gotrace goroutines``: the long-lived inventory as a table or the JSON contract."""

from __future__ import annotations

import click

from ..analysis.longlived import group_json, group_long_lived
from ..analysis.selection import select_rows
from ..durations import format_duration
from ..model import Model
from ..render.contract import goroutine_rows, source_json
from ..render.table import count, render_table
from ..tables import Frame


def _frame_label(f: Frame | None) -> str:
    return "(unknown creator)" if f is None else f.label()


def run(model: Model, older_than: int | None, states: tuple[str, ...], match: str | None,
        group_by: str, hide_idle: bool, fmt: str) -> None:
    if not model.is_trace:
        from .dump_goroutines import run_dump

        run_dump(model, older_than, states, match, group_by, hide_idle, fmt)
        return
    rows = select_rows(model, older_than, states, match)
    groups = group_long_lived(model, rows)
    if fmt == "json":
        doc = {
            "source": source_json(model),
            "span_ns": model.span_ns,
            "goroutines": goroutine_rows(model, rows),
            "groups": [group_json(model, grp) for grp in groups],
        }
        from ..cli import emit_json

        emit_json(doc)
        return
    total = len(rows)
    click.echo(f"{count(total)} goroutines in {len(groups):,} groups"
               f" (of {len(model.goroutines):,} in {format_duration(model.span_ns or 0)} of trace)")
    if not groups:
        return
    table = [
        [count(grp.count), grp.state + ("*" if grp.inferred else ""),
         "-" if grp.state == "dead" else
         f"{format_duration(grp.wait.min)} / {format_duration(grp.wait.p50)} / "
         f"{format_duration(grp.wait.max)}",
         _frame_label(grp.blocking) if grp.blocking else "-", _frame_label(grp.created_at)]
        for grp in groups
    ]
    click.echo(render_table(["COUNT", "STATE", "IN STATE min/p50/max", "AT", "CREATED AT"],
                            table, right=(0,)))
    if any(grp.inferred for grp in groups):
        click.echo("* state inferred from the stack: the trace gave no reason")
