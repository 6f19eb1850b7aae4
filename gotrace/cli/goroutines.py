"""``gotrace goroutines``: the long-lived inventory as a table or the JSON contract."""

from __future__ import annotations

import re

import click

from ..analysis.longlived import group_json, group_long_lived
from ..analysis.selection import select_rows
from ..durations import DURATION, format_duration
from ..model import Model
from ..render.contract import goroutine_rows, source_json
from ..render.table import count, render_table
from ..tables import Frame
from .common import REGEX, check_applies, emit_json, format_option, load_model, read_input
from .dump_goroutines import run_dump


@click.command()
@click.argument("file")
@click.option("--older-than", type=DURATION, metavar="DUR",
              help="Only goroutines blocked (waiting, runnable, syscall) at least this long "
                   "at the end, e.g. 60m.")
@click.option("--state", "states", multiple=True, metavar="REASON",
              help="Only this state or wait reason ('chan receive', select, runnable...). Repeatable.")
@click.option("--match", type=REGEX, metavar="REGEX",
              help="Only goroutines whose function, file, id or label matches.")
@click.option("--group-by", type=click.Choice(["stack", "func", "created-by", "none"]),
              help="Dumps: how to group goroutines in the table (default: stack).")
@click.option("--hide-idle", is_flag=True, help="Dumps: drop the runtime's own idle goroutines.")
@click.option("--snapshot", type=click.IntRange(min=1), metavar="N",
              help="Dumps: which dump of a file holding several (1 = first; default: the largest).")
@format_option
def goroutines(file: str, older_than: int | None, states: tuple[str, ...], match: re.Pattern[str] | None,
               group_by: str | None, hide_idle: bool, snapshot: int | None, fmt: str) -> None:
    """Goroutines grouped by state, blocking site and creation site.

    \b
    Examples:
      gotrace goroutines trace.out --older-than 500ms
      gotrace goroutines dump.txt --older-than 60m --state "chan receive"
      gotrace goroutines dump.txt --format json | jq '.groups[0]'
    """
    raw = read_input(file)
    check_applies(raw, dump_only={"--group-by": group_by, "--hide-idle": hide_idle, "--snapshot": snapshot})
    run(load_model(raw, snapshot), older_than, states, match, group_by or "stack", hide_idle, fmt)


def _frame_label(f: Frame | None) -> str:
    return "(unknown creator)" if f is None else f.label()


def run(model: Model, older_than: int | None, states: tuple[str, ...], match: re.Pattern[str] | None,
        group_by: str, hide_idle: bool, fmt: str) -> None:
    if not model.is_trace:
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
