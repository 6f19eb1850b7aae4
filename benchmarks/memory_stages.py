"""Where a load's peak memory goes, stage by stage, as ``gotrace goroutines --older-than 10s
--format json`` runs it: read the file, order events and build the model (the two overlap:
the reader yields chunks the model builder consumes), select, group, render.

For each stage: the resident set after it, and the peak during it (Linux: the peak is
reset between stages through /proc/self/clear_refs), both also as a multiple of the file's
size. Run: ``python benchmarks/memory_stages.py TRACE [TRACE...]``.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path

from gotrace.analysis.grouping import group_rows
from gotrace.analysis.selection import select_rows
from gotrace.inputs import open_input
from gotrace.load import load_raw
from gotrace.render.documents import goroutines_document


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(field)


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def profile(path: str) -> list[tuple[str, float, int, int]]:
    size = Path(path).stat().st_size
    rows: list[tuple[str, float, int, int]] = []
    keep: list[object] = []

    def stage(name: str, fn):  # type: ignore[no-untyped-def]
        gc.collect()
        _reset_peak()
        t = time.perf_counter()
        out = fn()
        rows.append((name, time.perf_counter() - t, _status("VmRSS"), _status("VmHWM")))
        keep.append(out)
        return out

    rows.append(("start", 0.0, _status("VmRSS"), _status("VmHWM")))
    raw = stage("read the file", lambda: open_input(path))
    model = stage("events + model", lambda: load_raw(raw, intervals=False))  # as the command loads
    rows_ = stage("select --older-than 10s", lambda: select_rows(model, older_than_ns=10_000_000_000))
    groups = stage("group", lambda: group_rows(model, rows_))
    stage("JSON document", lambda: json.dumps(goroutines_document(model, rows_, groups)))
    print(f"{path}: {size / 1e6:,.0f} MB, {len(model.goroutines):,} goroutines")
    print(f"{'stage':26} {'s':>6} {'RSS after MB':>13} {'x file':>7} {'peak MB':>8} {'x file':>7}")
    for name, secs, rss, hwm in rows:
        print(f"{name:26} {secs:6.2f} {rss / 1e6:13,.0f} {rss / size:7.1f} "
              f"{hwm / 1e6:8,.0f} {hwm / size:7.1f}")
    return rows


if __name__ == "__main__":
    for p in sys.argv[1:]:
        profile(p)
