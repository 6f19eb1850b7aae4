"""``gotrace scan``: many traces and dumps analysed in parallel into one Parquet dataset.

The folder written:

* ``groups/``, ``spikes/``, ``suspects/``, ``sites/``: ``part-NNNNN.parquet``
  files, each the rows of up to ``FILES_PER_PART`` inputs, every row tagged
  with ``file``, ``host`` and ``time`` (the tables of
  :mod:`gotrace.export.parquet`; ``sites`` is the per-file count per creation
  and blocking site, :func:`.analyse.site_counts`). DuckDB reads a table with
  ``read_parquet('DIR/groups/*.parquet')``;
* ``files.parquet``: one row per input: host, time, kind, format, goroutines,
  seconds, and ``error`` for the ones that failed;
* ``growth.parquet``: :mod:`.growth`'s report over all files.

The driver receives one small result per file and writes parts as results
arrive, so its memory holds at most one part's tables plus the site counts.
Stale parts of an earlier scan into the same folder are removed first: a
dataset is what one scan found.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ..export import OutputError
from .analyse import TABLES, FileResult
from .growth import growth_table
from .inputs import Task
from .runners import run_dask, run_local

FILES_PER_PART = 256

Progress = Callable[[FileResult], None]

FILES_SCHEMA = pa.schema([
    ("file", pa.string()), ("host", pa.string()), ("time", pa.timestamp("s", tz="UTC")), ("ok", pa.bool_()),
    ("kind", pa.string()), ("format", pa.string()), ("goroutines", pa.int64()), ("seconds", pa.float64()),
    ("error", pa.string()),
])


@dataclass(slots=True)
class ScanReport:
    out: Path
    runner: str
    seconds: float
    results: list[FileResult]  # without their tables: one line per file
    rows: dict[str, int]
    growth: pa.Table

    @property
    def failures(self) -> list[FileResult]:
        return [r for r in self.results if not r.ok]

    @property
    def kinds(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.results:
            if r.ok and r.kind:
                out[r.kind] = out.get(r.kind, 0) + 1
        return out


@dataclass(slots=True)
class _Dataset:
    """Parts written as results arrive; the site counts kept for the growth report."""

    out: Path
    files_per_part: int
    buffered: dict[str, list[pa.Table]] = field(default_factory=dict)
    in_buffer: int = 0
    part: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    sites: list[pa.Table] = field(default_factory=list)

    def add(self, result: FileResult) -> None:
        for name, table in result.tables.items():
            self.buffered.setdefault(name, []).append(table)
            if name == "sites":
                self.sites.append(table)
        self.in_buffer += 1
        if self.in_buffer >= self.files_per_part:
            self.flush()

    def flush(self) -> None:
        if not self.in_buffer:
            return
        for name, tables in self.buffered.items():
            if not tables:
                continue
            (self.out / name).mkdir(exist_ok=True)
            table = pa.concat_tables(tables)
            pq.write_table(table, self.out / name / f"part-{self.part:05d}.parquet")
            self.rows[name] = self.rows.get(name, 0) + table.num_rows
        self.buffered.clear()
        self.in_buffer = 0
        self.part += 1


def _prepare(out: Path) -> None:
    """Create the folder and remove what an earlier scan wrote there (only that)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name in TABLES:
            for old in (out / name).glob("part-*.parquet"):
                old.unlink()
        for name in ("files.parquet", "growth.parquet"):
            (out / name).unlink(missing_ok=True)
    except OSError as e:
        raise OutputError(f"{out}: cannot write: {e.strerror or e}") from None


def results_of(tasks: list[Task], workers: int, dask: str | None) -> tuple[str, Iterator[FileResult]]:
    """Where the tasks run, in words, and their results as they complete."""
    if dask is None:
        return f"{workers} local process{'es' if workers != 1 else ''}", run_local(tasks, workers)
    where = f"a Dask LocalCluster of {workers} workers" if dask == "local" else f"the Dask cluster at {dask}"
    return where, run_dask(tasks, dask, workers)


def scan(tasks: list[Task], out: Path, workers: int | None = None, dask: str | None = None,
         progress: Progress | None = None, files_per_part: int = FILES_PER_PART) -> ScanReport:
    """Analyse every task's file on the local pool or on Dask, and write the dataset to ``out``."""
    workers = workers or os.cpu_count() or 1
    _prepare(out)
    t0 = time.perf_counter()
    dataset = _Dataset(out, files_per_part)
    results: list[FileResult] = []
    runner, stream = results_of(tasks, workers, dask)
    try:
        for result in stream:
            dataset.add(result)
            result.tables = {}
            results.append(result)
            if progress is not None:
                progress(result)
        dataset.flush()
        results.sort(key=lambda r: r.file)
        files = pa.table({
            "file": [r.file for r in results], "host": [r.host for r in results],
            "time": [r.time for r in results], "ok": [r.ok for r in results],
            "kind": [r.kind for r in results], "format": [r.format for r in results],
            "goroutines": [r.goroutines for r in results], "seconds": [r.seconds for r in results],
            "error": [r.error for r in results],
        }, schema=FILES_SCHEMA)
        pq.write_table(files, out / "files.parquet")
        ok = [(r.file, r.host, r.time) for r in results if r.ok]
        growth = growth_table(dataset.sites, ok)
        pq.write_table(growth, out / "growth.parquet")
    except OSError as e:
        raise OutputError(f"{out}: cannot write: {e.strerror or e}") from None
    return ScanReport(out=out, runner=runner, seconds=time.perf_counter() - t0, results=results,
                      rows=dataset.rows, growth=growth)
