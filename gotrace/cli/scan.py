"""``gotrace scan PATH... --out DIR``: a fleet's traces and dumps, analysed in parallel, into Parquet."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import InputError
from ..export import require
from .common import REGEX, emit_json, format_option, notice, output_width, usage_error, wide_option

SCAN_SCHEMA = 1


class ScanProgress:
    """``scanning ━━━━━━━   45/80 files  2 failed  0:00:12 < 0:00:09`` on stderr, only on a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.failed = 0
        self._bar: Any = None
        try:
            enabled = sys.stderr.isatty()
        except (AttributeError, ValueError):
            enabled = False
        if enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(
                TextColumn("scanning", markup=False), BarColumn(bar_width=None), MofNCompleteColumn(),
                TextColumn("files {task.fields[failed]}", markup=False), TimeElapsedColumn(),
                TimeRemainingColumn(), console=Console(file=sys.stderr, highlight=False),
                transient=True, expand=True,
            )
            self._task = self._bar.add_task("scan", total=total, failed="")

    def __enter__(self) -> ScanProgress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __call__(self, result: Any) -> None:
        if not result.ok:
            self.failed += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1,
                             failed=f" {self.failed:,} failed" if self.failed else "")

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("-o", "--out", required=True, metavar="DIR", help="The folder of the Parquet dataset.")
@click.option("--meta", metavar="CSV", help="Host and time per file: a CSV with file, host, time columns.")
@click.option("--name-pattern", type=REGEX, metavar="REGEX",
              help="Host and time from the path: a regex with named groups host and/or time, e.g. "
                   r"'(?P<host>[^/]+)/(?P<time>[^/]+)\.txt$'.")
@click.option("--workers", type=click.IntRange(min=1), metavar="N",
              help="Local processes, or workers of --dask local (default: one per core).")
@click.option("--dask", metavar="SCHEDULER",
              help="Run on Dask: 'local' starts a LocalCluster here; tcp://host:8786 uses a scheduler "
                   "(its workers need gotrace and must see the paths).")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True, metavar="N",
              help="Growing sites shown per kind.")
@wide_option
@format_option
def scan(paths: tuple[str, ...], out: str, meta: str | None, name_pattern: re.Pattern[str] | None,
         workers: int | None, dask: str | None, top: int, wide: bool, fmt: str) -> None:
    """Analyse many traces and dumps (files, folders, globs, fsspec URLs; mixed) in
    parallel: groups, spikes and leak suspects of each, as one Parquet dataset with a
    file column, and which creation and blocking sites grow across files and hosts.

    Each file's host and time come from --meta, --name-pattern, or its name
    (web-7_2024-05-01T1215.txt, web-7/2024-05-01T1215.txt). A file that cannot be
    read is reported (files.parquet, and here), never fatal.

    \b
    Examples:
      gotrace scan dumps/ --out fleet/
      gotrace scan 'dumps/**/*.txt' traces/*.trace --out fleet/ --dask local --workers 4
      gotrace scan s3://bucket/dumps/ --out fleet/ --dask tcp://scheduler:8786
      duckdb -c "FROM read_parquet('fleet/groups/*.parquet') LIMIT 5"
    """
    require("pyarrow.parquet", "fleet", "gotrace scan")
    if dask is not None:
        require("distributed", "fleet", "--dask")
    if name_pattern is not None and not {"host", "time"} & set(name_pattern.groupindex):
        usage_error("the pattern needs a named group host or time, e.g. (?P<host>...)", "--name-pattern")
    from ..fleet.inputs import expand, read_meta, tasks_for
    from ..fleet.scan import scan as run_scan

    files, notices = expand(list(paths))
    for n in notices:
        notice(n)
    if not files:
        raise InputError(f"no file to scan in {', '.join(paths)}")
    tasks = tasks_for(files, read_meta(meta) if meta else None, name_pattern)
    with ScanProgress(len(tasks)) as progress:
        report = run_scan(tasks, Path(out), workers, dask, progress)
    for r in report.failures:
        notice(f"failed: {r.error}")
    if fmt == "json":
        emit_json(_document(report))
        return
    click.echo(_summary(report, top, None if wide else output_width()))


def _document(report: Any) -> dict[str, Any]:
    return {
        "schema_version": SCAN_SCHEMA,
        "out": str(report.out),
        "runner": report.runner,
        "seconds": report.seconds,
        "files": len(report.results),
        "analysed": len(report.results) - len(report.failures),
        "kinds": report.kinds,
        "failed": [{"file": r.file, "error": r.error} for r in report.failures],
        "rows": report.rows,
        "growth": report.growth.to_pylist(),
    }


def _summary(report: Any, top: int, width: int | None) -> str:
    from ..durations import format_duration
    from ..render.table import Col, render_table
    from ..render.text import plural
    from ..tables import site_label

    n = len(report.results)
    failed = len(report.failures)
    kinds = ", ".join(plural(v, k) for k, v in sorted(report.kinds.items()))
    took = format_duration(int(report.seconds * 1e9))
    lines = [f"scanned {plural(n, 'file')} in {took} on {report.runner}: {n - failed:,} analysed "
             f"({kinds or 'none'}), {failed:,} failed"]
    tables = ", ".join(f"{name}/ {rows:,} rows" for name, rows in report.rows.items())
    lines.append(f"dataset {report.out}/: {tables or 'no rows'}; files.parquet, growth.parquet")
    growth = report.growth.to_pylist()
    with_series = growth[0]["hosts_with_series"] if growth else 0
    if not with_series:
        lines.append("no host has two files or more: nothing to compare (name files HOST_TIME.ext, "
                     "or give --meta)")
    for kind, title in (("created", "creation sites"), ("blocking", "blocking sites")):
        rows = [g for g in growth if g["kind"] == kind and g["growth"] > 0 and g["hosts_growing"] > 0][:top]
        if not with_series:
            break
        lines.append("")
        if not rows:
            lines.append(f"no {title} grow across files")
            continue
        lines.append(f"{title} that grow, first → last file of each host "
                     f"({plural(with_series, 'host')} with 2+ files)")
        cols = [Col("HOSTS", right=True), Col("FIRST", right=True), Col("LAST", right=True),
                Col("GROWTH", right=True), Col("PEAK", right=True, drop=1), Col("SITE", flex=True)]
        cells = [[f"{g['hosts_growing']}/{with_series}", f"{g['first']:,}", f"{g['last']:,}",
                  f"+{g['growth']:,}", f"{g['peak']:,}",
                  site_label(g["site_func"], g["site_file"], g["site_line"])]
                 for g in rows]
        lines.append(render_table(cols, cells, width))
    return "\n".join(lines)
