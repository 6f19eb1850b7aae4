"""``gotrace diff OLD NEW``: which goroutine groups grew between two dumps or two traces."""

from __future__ import annotations

import click

from ..analysis.end_state import end_snapshot
from ..dump.diff import diff_snapshots
from ..dump.grouping import GroupBy
from ..dump.jsonshape import diff_json
from ..durations import format_duration
from ..errors import WrongInputKindError
from ..render.table import count, render_table
from ..tables import Tables
from .common import emit_json, format_option, load_model, read_input


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _shift(ns: int) -> str:
    if ns == 0:
        return "0"
    return ("+" if ns > 0 else "-") + format_duration(abs(ns))


@click.command()
@click.argument("old")
@click.argument("new")
@click.option("--group-by", type=click.Choice(["stack", "func", "created-by"]), default="stack",
              show_default=True, help="What makes two goroutines the same group.")
@click.option("--hide-idle", is_flag=True, help="Drop the runtime's own idle goroutines.")
@format_option
def diff(old: str, new: str, group_by: str, hide_idle: bool, fmt: str) -> None:
    """Compare two goroutine dumps, or two traces' end states, group by group, sorted by growth.

    \b
    A slow leak shows itself between two dumps taken an hour apart:
      curl -s host:6060/debug/pprof/goroutine?debug=2 > before.txt
      ... an hour later ...
      curl -s host:6060/debug/pprof/goroutine?debug=2 > after.txt
      gotrace diff before.txt after.txt
    Two traces compare the goroutines alive at each trace's end, with their
    waits to the nanosecond.
    """
    raws = [read_input(old), read_input(new)]
    if raws[0].kind != raws[1].kind:
        what = {"dump": "a goroutine dump", "trace": "an execution trace"}
        raise WrongInputKindError(
            f"diff compares two dumps or two traces; {raws[0].name} is {what[raws[0].kind]} and "
            f"{raws[1].name} is {what[raws[1].kind]}")
    tables = Tables()
    models = [load_model(raw, tables=tables) for raw in raws]
    # A trace is compared by its end state, put in a dump's terms.
    a, b = (m.snapshot if m.source.kind == "dump" else end_snapshot(m) for m in models)
    by: GroupBy = group_by  # type: ignore[assignment]
    result = diff_snapshots(a, b, tables, by=by, hide_idle=hide_idle)
    if fmt == "json":
        emit_json(diff_json(result, tables, (raws[0].name, a), (raws[1].name, b)))
        return
    alive = " alive at the end" if a.kind == "trace" else ""
    click.echo(f"{count(result.total_before)} -> {count(result.total_after)} goroutines{alive} "
               f"({result.total_after - result.total_before:+,}); "
               f"{_plural(len(result.new_groups), 'new group')}, {len(result.vanished_groups)} vanished")
    rows = []
    for r in result.rows:
        shift = r.wait_shift_ns
        if r.status == "same" and not shift:
            continue
        rows.append([f"{r.count_before:,}", f"{r.count_after:,}", f"{r.change:+,}", r.status,
                     "-" if shift is None else _shift(shift), r.name])
    if rows:
        click.echo(render_table(["BEFORE", "AFTER", "CHANGE", "STATUS", "WAIT SHIFT", "WHERE"], rows,
                                right=(0, 1, 2)))
    else:
        click.echo("no group changed")
