"""``gotrace spikes``: creating call sites ranked by their creation-rate peak."""

from __future__ import annotations

import click

from ..analysis.spikes import MAX_WINDOWS, creation_spikes
from ..durations import DURATION
from ..errors import TraceFormatError
from ..render.documents import spikes_document
from ..render.spikes import spikes_report
from .common import emit_json, format_option, open_model, output_width, wide_option


@click.command()
@click.argument("file")
@click.option("--window", type=DURATION, metavar="DUR",
              help="Rate window, e.g. 10ms (default: the trace span / 100, rounded).")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, metavar="N",
              help="Show the first N sites.")
@click.option("--user-frames", is_flag=True,
              help="Name each site by its first frame of your own code, skipping the runtime, "
                   "the standard library (sync.WaitGroup.Go, net/http) and wrappers like errgroup.")
@wide_option
@format_option
def spikes(file: str, window: int | None, top: int, user_frames: bool, wide: bool, fmt: str) -> None:
    """Where goroutines were created, and which call site suddenly created many.

    A site spikes when one window holds at least 5x its own quiet rate, at least
    50 creations, and more extra creations than the whole program usually makes
    in a window. The first site listed is the one to look at.

    \b
    Examples:
      gotrace spikes trace.out
      gotrace spikes trace.out --window 5ms --user-frames
      gotrace spikes trace.out --format json | jq '.sites[0].callers'

    \b
    JSON: {"window_ns", "span_ns", "baseline_rate_per_s", "sites_total",
           "sites": [{"func", "file", "line" (null: unknown creator), "total",
                      "alive_at_end", "end_state", "is_spike",
                      "peak": {"start_ns", "count", "rate_per_s"} | null,
                      "burst": {"start_ns", "end_ns", "count"} | null,
                      "baseline_rate_per_s",
                      "callers": [{"stack": [{"func", "file", "line"}], "count", "share"}],
                      "series": [creations per window]}]}
    """
    model = open_model(file, want="trace")
    if window is not None and window <= 0:
        raise click.BadParameter("must be positive", param_hint="--window")
    span = model.span_ns or 0
    if window is not None and span and span // window > MAX_WINDOWS:
        raise click.BadParameter(f"{window:,} ns makes more than {MAX_WINDOWS:,} windows of a "
                                 f"{span:,} ns trace; use a longer window", param_hint="--window")
    if span <= 0:
        raise TraceFormatError(f"{model.source.path}: the trace spans no time; no creation rate to show")
    sp = creation_spikes(model, window, user_frames)
    if fmt == "json":
        emit_json(spikes_document(sp, top))
        return
    click.echo(spikes_report(sp, top, output_width(), wide))
