"""``gotrace diff OLD NEW``: which goroutine groups grew between two dumps."""

from __future__ import annotations

import click

from ..dump.diff import diff_snapshots
from ..dump.grouping import GroupBy
from ..dump.jsonshape import diff_json
from ..durations import format_duration
from ..errors import WrongInputKindError
from ..inputs import open_input
from ..model.from_dump import build_dump_model
from ..render.table import count, render_table
from ..tables import Tables

MINUTE = 60_000_000_000


@click.command()
@click.argument("old")
@click.argument("new")
@click.option("--group-by", type=click.Choice(["stack", "func", "created-by"]), default="stack",
              show_default=True, help="What makes two goroutines the same group.")
@click.option("--hide-idle", is_flag=True, help="Drop the runtime's own idle goroutines.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table for people, json for scripts.")
def diff(old: str, new: str, group_by: str, hide_idle: bool, fmt: str) -> None:
    """Compare two goroutine dumps group by group, sorted by growth.

    \b
    A slow leak shows itself between two dumps taken an hour apart:
      curl -s host:6060/debug/pprof/goroutine?debug=2 > before.txt
      ... an hour later ...
      curl -s host:6060/debug/pprof/goroutine?debug=2 > after.txt
      gotrace diff before.txt after.txt
    """
    from ..cli import emit_json, notice

    tables = Tables()
    models = []
    for path in (old, new):
        raw = open_input(path)
        if raw.kind != "dump":
            raise WrongInputKindError(
                f"{raw.name}: diff compares goroutine dumps; this is an execution trace"
            )
        m = build_dump_model(raw.data, raw.name, tables=tables)
        for n in m.notices:
            notice(n)
        models.append(m)
    a, b = models
    by: GroupBy = group_by  # type: ignore[assignment]
    result = diff_snapshots(a.snapshot, b.snapshot, tables, by=by, hide_idle=hide_idle)
    if fmt == "json":
        emit_json(diff_json(result, tables, (a.source.path, a.snapshot), (b.source.path, b.snapshot)))
        return
    click.echo(f"{count(result.total_before)} -> {count(result.total_after)} goroutines "
               f"({result.total_after - result.total_before:+,}); "
               f"{len(result.new_groups)} new groups, {len(result.vanished_groups)} vanished")
    rows = []
    for r in result.rows:
        if r.status == "same" and r.wait_shift_minutes in (None, 0):
            continue
        shift = r.wait_shift_minutes
        rows.append([f"{r.count_before:,}", f"{r.count_after:,}", f"{r.change:+,}", r.status,
                     "-" if shift is None else "0" if shift == 0
                     else ("+" if shift > 0 else "-") + format_duration(abs(shift) * MINUTE),
                     r.name])
    if rows:
        click.echo(render_table(["BEFORE", "AFTER", "CHANGE", "STATUS", "WAIT SHIFT", "WHERE"], rows,
                                right=(0, 1, 2)))
    else:
        click.echo("no group changed")
