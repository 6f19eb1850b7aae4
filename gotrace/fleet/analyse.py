"""One file of a fleet, analysed where it is read: the task a local process or a Dask worker runs.

The result is small whatever the input: the groups, spikes and leak suspects
as Arrow tables (a few rows per call site), plus per-site counts for the
growth report, each row tagged with the file, host and time. A failure of any
kind is a result too (``error`` set), so one bad file never stops a scan.
"""

from __future__ import annotations

import gzip
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa

from ..errors import GotraceError, InputError
from ..export import require
from ..export.parquet import groups_table, model_spikes, spikes_table, suspects_table
from ..inputs import RawInput, open_input, sniff
from ..load import load_raw
from ..model import Model
from .inputs import Task, is_url

TABLES = ("groups", "spikes", "suspects", "sites")

SITES = pa.schema([("kind", pa.string()), ("site_func", pa.string()), ("site_file", pa.string()),
                   ("site_line", pa.int32()), ("count", pa.int64())])


@dataclass(slots=True)
class FileResult:
    """What one file gave: its tables, or why it failed."""

    file: str
    host: str | None
    time: datetime | None
    seconds: float
    kind: str | None = None  # "trace" | "dump"
    format: str | None = None
    goroutines: int = 0
    error: str | None = None
    tables: dict[str, pa.Table] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None


def read_raw(path: str) -> RawInput:
    """The file's bytes, through fsspec for URLs (s3://, gs://, http://...), gunzipped."""
    if not is_url(path):
        return open_input(path)
    fsspec = require("fsspec", "fleet", "reading URLs")
    try:
        with fsspec.open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as e:
        raise InputError(f"{path}: {e}") from None
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise InputError(f"{path}: corrupt gzip data ({e})") from None
    return RawInput(name=path, data=data, kind=sniff(path, data))


def site_counts(groups: pa.Table, suspects: pa.Table) -> pa.Table:
    """Goroutines alive per creation site (from the groups) and blocked per blocking site (the
    suspects: every group not running), the two series the growth report compares."""
    rows: dict[tuple[str, str, str, int], int] = {}
    g = groups.select(["state", "created_func", "created_file", "created_line", "count"]).to_pylist()
    for r in g:
        if r["state"] != "dead" and r["created_func"] is not None:
            k = ("created", r["created_func"], r["created_file"], r["created_line"])
            rows[k] = rows.get(k, 0) + r["count"]
    s = suspects.select(["blocking_func", "blocking_file", "blocking_line", "count"]).to_pylist()
    for r in s:
        if r["blocking_func"] is not None:
            k = ("blocking", r["blocking_func"], r["blocking_file"], r["blocking_line"])
            rows[k] = rows.get(k, 0) + r["count"]
    keys = list(rows)
    return pa.table({
        "kind": pa.array([k[0] for k in keys], pa.string()),
        "site_func": pa.array([k[1] for k in keys], pa.string()),
        "site_file": pa.array([k[2] for k in keys], pa.string()),
        "site_line": pa.array([k[3] for k in keys], pa.int32()),
        "count": pa.array([rows[k] for k in keys], pa.int64()),
    }, schema=SITES)


def tag(table: pa.Table, task: Task) -> pa.Table:
    """``file``, ``host`` and ``time`` columns in front of every row."""
    n = table.num_rows
    front = {
        "file": pa.array([task.file] * n, pa.string()),
        "host": pa.array([task.host] * n, pa.string()),
        "time": pa.array([task.time] * n, pa.timestamp("s", tz="UTC")),
    }
    return pa.table({**front, **{c: table[c] for c in table.column_names}})


def tables_of(model: Model) -> dict[str, pa.Table | None]:
    """Groups, spikes (traces; empty for a dump) and suspects of one model, and its site counts."""
    groups = groups_table(model)
    suspects = suspects_table(model)
    sp = model_spikes(model)
    return {"groups": groups, "spikes": spikes_table(sp) if sp is not None else None,
            "suspects": suspects, "sites": site_counts(groups, suspects)}


def analyse(task: Task) -> FileResult:
    """Read, model and analyse one file; never raises for a bad file."""
    t0 = time.perf_counter()
    result = FileResult(task.file, task.host, task.time, 0.0)
    try:
        raw = read_raw(task.file)
        result.kind = raw.kind
        model = load_raw(raw, intervals=False)  # no table of a fleet reads intervals
        result.format = model.source.format
        result.goroutines = model.goroutines.count()
        result.tables = {name: tag(t, task) for name, t in tables_of(model).items() if t is not None}
    except GotraceError as e:
        result.error = str(e)
    except MemoryError:
        result.error = f"{task.file}: out of memory"
    except Exception as e:  # a bug in gotrace on this input: reported, the scan goes on
        result.error = f"{task.file}: internal error: {type(e).__name__}: {e}"
    result.seconds = time.perf_counter() - t0
    if result.error is not None and task.file not in result.error:
        result.error = f"{task.file}: {result.error}"
    return result


def failed(task: Task, message: str) -> FileResult:
    """The result of a task whose worker died or could not run it."""
    return FileResult(task.file, task.host, task.time, 0.0, error=f"{task.file}: {message}")
