"""``gotrace diff OLD NEW``: which goroutine groups grew between two dumps or two traces."""

from __future__ import annotations

import click

from ..analysis.diff import diff_models
from ..analysis.grouping import GroupBy
from ..errors import WrongInputKindError
from ..render.diff import diff_table, headline
from ..render.documents import diff_document
from ..tables import Tables
from .common import emit_json, format_option, load_model, output_width, read_input, wide_option


@click.command()
@click.argument("old")
@click.argument("new")
@click.option("--group-by", type=click.Choice(["site", "stack", "func", "created-by"]), default="site",
              show_default=True, help="What makes two goroutines the same group (see goroutines --help).")
@click.option("--hide-idle", is_flag=True, help="Leave out the runtime's own idle goroutines.")
@click.option("--all", "show_all", is_flag=True, help="List the unchanged groups too, with their wait shift.")
@wide_option
@format_option
def diff(old: str, new: str, group_by: str, hide_idle: bool, show_all: bool, wide: bool, fmt: str) -> None:
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
    a, b = (load_model(raw, tables=tables) for raw in raws)
    by: GroupBy = group_by  # type: ignore[assignment]
    result = diff_models(a, b, by, hide_idle)
    if fmt == "json":
        emit_json(diff_document(result, a, b))
        return
    click.echo(headline(result, a))
    table = diff_table(result, a, output_width(), wide, show_all)
    click.echo(table if table is not None else "no group changed its count")
