"""``gotrace export FILE --to FORMAT -o OUT``: the model for Perfetto, Chrome, pprof and SQL."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, TypeVar

import click

from ..durations import DURATION, format_duration
from ..export import FORMATS, OutputError, require
from ..export.timeline import DEFAULT_GOROUTINES
from ..render.text import plural
from .common import check_applies, load_model, read_input, usage_error

T = TypeVar("T")


@click.command()
@click.argument("file")
@click.option("--to", "fmt", type=click.Choice(FORMATS), required=True,
              help="perfetto (.pftrace) or chrome (.json.gz): a timeline of a trace; pprof (.pb.gz): a "
                   "goroutine profile of a trace or dump; parquet: a folder of the model's tables.")
@click.option("-o", "--output", "out", required=True, metavar="OUT",
              help="The file to write (a folder for parquet).")
@click.option("--from", "t_from", type=DURATION, metavar="DUR",
              help="perfetto/chrome: start of the window, as a time since the trace began.")
@click.option("--until", "t_until", type=DURATION, metavar="DUR",
              help="perfetto/chrome: end of the window (default: the trace's end).")
@click.option("--goroutines", "max_goroutines", type=click.IntRange(min=0), metavar="N",
              help=f"perfetto/chrome: a state track for at most N goroutines (default "
                   f"{DEFAULT_GOROUTINES:,}), picked round-robin over creation sites.")
@click.option("--at", "at", type=DURATION, metavar="DUR",
              help="pprof of a trace: the goroutines alive at this time since the trace began "
                   "(default: at its end).")
@click.option("--snapshot", type=click.IntRange(min=1), metavar="N",
              help="Dumps: which dump of a file holding several (1 = first; default: the largest).")
def export(file: str, fmt: str, out: str, t_from: int | None, t_until: int | None,
           max_goroutines: int | None, at: int | None, snapshot: int | None) -> None:
    """Write the model of FILE in another tool's format.

    \b
    perfetto  Perfetto's protobuf trace (ui.perfetto.dev): a track per P with
              the goroutines that ran, a track per goroutine with its states,
              GC and stop-the-world slices, creation arrows, a goroutine count.
    chrome    The same as Chrome Trace Event JSON, gzipped (chrome://tracing,
              Perfetto, Speedscope...).
    pprof     A goroutine profile, gzipped profile.proto: go tool pprof,
              Pyroscope. Labels become pprof labels, plus goroutine_state.
    parquet   goroutines, intervals, groups, spikes, suspects .parquet files
              in the folder OUT, for DuckDB, pandas, polars.

    \b
    Examples:
      gotrace export trace.out --to perfetto -o trace.pftrace
      gotrace export trace.out --to chrome --from 1s --until 1.5s -o slice.json.gz
      gotrace export dump.txt --to pprof -o goroutines.pb.gz && go tool pprof -top goroutines.pb.gz
      gotrace export trace.out --to parquet -o tables/ && duckdb -c "FROM 'tables/groups.parquet'"
    """
    timeline = fmt in ("perfetto", "chrome")
    given = {"--from": t_from, "--until": t_until, "--goroutines": max_goroutines}
    for name, value in given.items():
        if value is not None and not timeline:
            usage_error(f"{name} applies to --to perfetto or chrome, not {fmt}", name)
    if at is not None and fmt != "pprof":
        usage_error(f"--at applies to --to pprof, not {fmt}", "--at")
    if fmt == "parquet":
        require("pyarrow.parquet", "export", "parquet export")
    raw = read_input(file)
    check_applies(raw.name, raw.kind, dump_only={"--snapshot": snapshot}, trace_only={"--at": at, **given})
    model = load_model(raw, snapshot, intervals=True)
    target = Path(out)
    if timeline:
        from ..export.timeline import build_timeline

        span = int(model.span_ns or 0)
        if t_from is not None and t_until is not None and t_from >= t_until:
            usage_error(f"empty window {format_duration(t_from)} – {format_duration(t_until)}",
                        "--from/--until")
        if t_from is not None and t_from >= span and model.is_trace:
            usage_error(f"{format_duration(t_from)} is past the end of the trace "
                        f"({format_duration(span)})", "--from")
        tl = build_timeline(model, t_from, t_until,
                            DEFAULT_GOROUTINES if max_goroutines is None else max_goroutines)
        if fmt == "perfetto":
            from ..export.perfetto import write_perfetto

            _write(target, lambda f: write_perfetto(tl, f))
        else:
            from ..export.chrome import write_chrome

            _write(target, lambda f: write_chrome(tl, f))
        st = tl.stats
        kept = (f"a track for {tl.goroutine_tracks:,} of the {plural(tl.goroutines_in_window, 'goroutine')} "
                f"in the window")
        if tl.goroutine_tracks < tl.goroutines_in_window:
            kept += " (--goroutines N for more)"
        click.echo(f"wrote {out} ({_size(target)}): {format_duration(tl.t0)} – {format_duration(tl.t1)}; "
                   f"{st['P slices']:,} slices on {plural(sum(t.p is not None for t in tl.tracks), 'P')}; "
                   f"{kept}; {st['creation arrows']:,} creation arrows; {st['GC slices']:,} GC, "
                   f"{st['STW slices']:,} stop-the-world")
    elif fmt == "pprof":
        from ..export.pprof import write_pprof

        if at is not None and at > int(model.span_ns or 0):
            usage_error(f"{format_duration(at)} is past the end of the trace "
                        f"({format_duration(int(model.span_ns or 0))})", "--at")
        samples = _write(target, lambda f: write_pprof(model, f, at))
        when = "at the end" if at is None else f"at {format_duration(at)}"
        click.echo(f"wrote {out} ({_size(target)}): {plural(samples.total, 'goroutine')} {when} on "
                   f"{plural(len(samples.count), 'distinct stack')}")
    else:
        from ..export.parquet import write_parquet

        try:
            rows = write_parquet(model, target)
        except OSError as e:
            raise OutputError(f"{out}: cannot write: {e.strerror or e}") from None
        click.echo(f"wrote {out}/: " + ", ".join(f"{name}.parquet ({n:,} rows)" for name, n in rows.items()))


def _write(target: Path, write: Callable[[BinaryIO], T]) -> T:
    """Write through a temporary file beside ``target``, renamed at the end: a failed export
    never leaves a truncated file that a viewer would half-open."""
    tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            result = write(f)
        os.replace(tmp, target)
        return result
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{target}: cannot write: {e.strerror or e}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _size(path: Path) -> str:
    """``812 B``, ``3.4 MB``: the size of what was written."""
    n = float(path.stat().st_size)
    for unit in ("B", "KB", "MB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:,.1f} GB"
