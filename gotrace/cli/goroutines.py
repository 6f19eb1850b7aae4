"""``gotrace goroutines``: who is blocked on what, where, made by whom; table or JSON."""

from __future__ import annotations

import re

import click

from ..analysis.grouping import GROUP_BY, GroupBy, group_rows
from ..analysis.selection import select_rows, state_check
from ..durations import DURATION
from ..model import Model
from ..render.goroutines import footnotes, goroutines_table, headline
from .common import (
    REGEX,
    emit_json,
    format_option,
    notice,
    open_model,
    output_width,
    usage_error,
    wide_option,
)


@click.command()
@click.argument("file")
@click.option("--older-than", type=DURATION, metavar="DUR",
              help="Only goroutines blocked (waiting, runnable, syscall) at least this long "
                   "at the end, e.g. 60m (inclusive; a dump prints whole minutes).")
@click.option("--state", "states", multiple=True, metavar="REASON",
              help="Only this state or wait reason ('chan receive', select, runnable...). Repeatable.")
@click.option("--match", type=REGEX, metavar="REGEX",
              help="Only goroutines whose function, file, id or label matches.")
@click.option("--group-by", type=click.Choice(GROUP_BY), default="site", show_default=True,
              help="site: state x blocking site x creation site; stack: the whole stack instead of "
                   "its first frame of your code; func, created-by, or none (one row each).")
@click.option("--hide-idle", is_flag=True,
              help="Leave out the runtime's own idle goroutines (GC workers, finalizer...).")
@click.option("--snapshot", type=click.IntRange(min=1), metavar="N",
              help="Dumps: which dump of a file holding several (1 = first; default: the largest).")
@wide_option
@format_option
def goroutines(file: str, older_than: int | None, states: tuple[str, ...], match: re.Pattern[str] | None,
               group_by: str, hide_idle: bool, snapshot: int | None, wide: bool, fmt: str) -> None:
    """Goroutines grouped by state, blocking site and creation site, biggest group first.

    \b
    Examples:
      gotrace goroutines trace.out --older-than 500ms
      gotrace goroutines dump.txt --older-than 60m --state "chan receive"
      gotrace goroutines dump.txt --format json | jq '.groups[0]'
    """
    model = open_model(file, snapshot, dump_only={"--snapshot": snapshot})
    name = model.source.path
    if model.is_profile and (older_than is not None or match is not None):
        usage_error(f"{name} is a {model.source.format} profile: it prints no wait or per-goroutine "
                    "data, so --older-than and --match need a debug=2 dump")
    unknown, absent, here = state_check(model, states)
    if unknown:
        usage_error(f"Go has no state {', '.join(map(repr, unknown))}; "
                    f"the states in {name}: {', '.join(here)}", "--state")
    for s in absent:
        notice(f"no goroutine in {name} is in state {s!r}; its states: {', '.join(here)}")
    run(model, older_than, states, match, group_by, hide_idle, wide, fmt)


def run(model: Model, older_than: int | None, states: tuple[str, ...], match: re.Pattern[str] | None,
        group_by: str, hide_idle: bool, wide: bool, fmt: str) -> None:
    rows = select_rows(model, older_than, states, match, hide_idle=hide_idle)
    by: GroupBy = group_by  # type: ignore[assignment]
    groups = group_rows(model, rows, by)
    if fmt == "json":
        # The documents module imports every analysis's types: only JSON needs it.
        from ..render.documents import goroutines_document

        listed = rows if not model.is_profile else rows[:0]
        emit_json(goroutines_document(model, listed, groups, streamed=True))
        return
    width = None if wide else output_width()
    click.echo(headline(model, model.goroutines.count(rows), len(groups)))
    if groups:
        click.echo(goroutines_table(model, groups, width, wide))
    for line in footnotes(model, groups, width):
        click.echo(line)
