"""``gotrace procs``: what each P ran over time, with GC and stop-the-world pauses."""

from __future__ import annotations

import shutil
from typing import Any

import click

from ..analysis.procs import ProcTimeline
from ..durations import DURATION, format_duration
from ..render.timeline import render_procs, summary_line
from .common import emit_json, format_option, open_model


def procs_json(tl: ProcTimeline, t0: int, t1: int) -> dict[str, Any]:
    g = tl.model.goroutines
    strings = tl.model.tables.strings
    util = tl.utilisation(t0, t1)
    out_procs = []
    seen: set[int] = set()
    for p in tl.procs:
        r = tl.running(p, t0, t1)
        ids = r.goroutine.tolist()
        seen.update(ids)
        out_procs.append({
            "p": p,
            "busy_ns": tl.busy(p, t0, t1),
            "utilisation": util[p],
            "running": [{"start_ns": s, "end_ns": e, "goroutine": gid}
                        for s, e, gid in zip(r.start.tolist(), r.end.tolist(), ids, strict=True)],
        })
    gs, ge = tl.gc_intervals(t0, t1)
    ss, se, names = tl.stw_intervals(t0, t1)
    rows = [g.row_of(gid) for gid in sorted(seen)]
    return {
        "from_ns": t0,
        "to_ns": t1,
        "procs": out_procs,
        "gc": [{"start_ns": s, "end_ns": e} for s, e in zip(gs.tolist(), ge.tolist(), strict=True)],
        "stw": [{"start_ns": s, "end_ns": e, "name": n}
                for s, e, n in zip(ss.tolist(), se.tolist(), names, strict=True)],
        "goroutines": {str(int(g.id[r])): strings[int(g.name[r])] or None for r in rows if r is not None},
    }


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
    model = open_model(file, want="trace")
    tl = ProcTimeline(model)
    span = tl.span_ns
    t0 = t_from or 0
    t1 = span if t_to is None else min(t_to, span)
    if t0 >= t1:
        raise click.BadParameter(
            f"empty range {format_duration(t0)} – {format_duration(t1)} (the trace lasts "
            f"{format_duration(span)})", param_hint="--from/--to")
    if fmt == "json":
        emit_json(procs_json(tl, t0, t1))
        return
    labels = max([len(f"P{p}") for p in tl.procs] + [3]) + 1
    cols = width or max(10, shutil.get_terminal_size((120, 24)).columns - labels - 10)
    click.echo(summary_line(tl, t0, t1))
    click.echo(render_procs(tl, t0, t1, cols))
