"""``gotrace procs``: what each P ran over time, with GC and stop-the-world pauses."""

from __future__ import annotations

import click

from ..analysis.procs import ProcTimeline
from ..durations import DURATION, format_duration
from ..errors import TraceFormatError
from ..render.documents import procs_document
from ..render.text import wrap
from ..render.timeline import render_procs, summary_line
from .common import emit_json, format_option, open_model, output_width


@click.command()
@click.argument("file")
@click.option("--from", "t_from", type=DURATION, metavar="DUR",
              help="Start of the range, as a time since the trace began (e.g. 250ms).")
@click.option("--to", "t_to", type=DURATION, metavar="DUR", help="End of the range (default: trace end).")
@click.option("--width", type=click.IntRange(min=10, max=2000), metavar="N",
              help="Timeline columns (default: fit the terminal).")
@format_option
def procs(file: str, t_from: int | None, t_to: int | None, width: int | None, fmt: str) -> None:
    """One row per P: when it ran goroutines, when it idled, GC and STW pauses.

    Each character is a slice of time; ' ░▒▓█' say how much of it the P was busy.
    The percentage after a row is its utilisation over the range.

    \b
    Examples:
      gotrace procs trace.out
      gotrace procs trace.out --from 250ms --to 300ms --width 120
      gotrace procs trace.out --from 1s --to 1.1s --format json | jq '.procs[0].running[:5]'

    \b
    JSON: {"from_ns", "to_ns",
           "procs": [{"p", "busy_ns", "utilisation",
                      "running": [{"start_ns", "end_ns", "goroutine"}]}],  (unclipped)
           "gc": [{"start_ns", "end_ns"}], "stw": [{"start_ns", "end_ns", "name"}],
           "goroutines": {id: start function}}
    """
    model = open_model(file, want="trace", intervals=True)
    tl = ProcTimeline(model)
    span = tl.span_ns
    if span <= 0:
        raise TraceFormatError(f"{model.source.path}: the trace spans no time; there is no timeline to draw")
    t0 = t_from or 0
    t1 = span if t_to is None else min(t_to, span)
    if t0 >= t1:
        raise click.BadParameter(
            f"empty range {format_duration(t0)} – {format_duration(t1)} (the trace lasts "
            f"{format_duration(span)})", param_hint="--from/--to")
    if fmt == "json":
        emit_json(procs_document(tl, t0, t1))
        return
    labels = max([len(f"P{p}") for p in tl.procs] + [3]) + 1
    cols = width or max(10, (output_width() or 120) - labels - 10)
    click.echo(wrap(summary_line(tl, t0, t1), output_width()))
    click.echo(render_procs(tl, t0, t1, cols))
