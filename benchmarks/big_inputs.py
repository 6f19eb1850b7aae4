"""Every row of the big-inputs table (issue 16), measured in one run, as ratios.

    python benchmarks/big_inputs.py [--no-tui] FILE [FILE...]

Traces get, each in a fresh process: Go's bare parse (``traceoracle bench``, from
../shared/tools/traceoracle), the CLI load (``gotrace --no-cache info``), the peak RSS of
``gotrace --no-cache goroutines --older-than 10s --format json`` as a multiple of the file's
size, and ``gotrace view``'s first usable Overview (benchmarks/tui_first_screen.py's headless
measurement) on a cold model cache and then again on the cache that first open filled.
Dumps get the end-to-end ``gotrace --no-cache goroutines`` in MB/s and its peak RSS.
Wall times are best of ``--repeat`` (default 1), the runs of one trace interleaved (Go, CLI,
view cold, view warm, then again) so that the machine's drift falls on all of them alike, and
carry the user CPU time beside them, which a busy machine inflates less.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from child import best, measure

HERE = Path(__file__).resolve().parent
GOTRACE = shutil.which("gotrace", path=os.path.dirname(sys.executable)) or "gotrace"


def tui_overview(path: str, cache_dir: str) -> dict[str, float]:
    out = measure([sys.executable, str(HERE / "tui_first_screen.py"), "--one", path],
                  env={"GOTRACE_CACHE_DIR": cache_dir}).stdout
    return json.loads(out.strip().splitlines()[-1])


def is_trace(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(16).startswith(b"go 1.")


def trace_rows(path: str, repeat: int, tui: bool) -> None:
    mb = os.path.getsize(path) / 1e6
    oracle = shutil.which("traceoracle")
    # Interleaved, each best of ``repeat``: the machine's speed drifts over minutes, and a
    # ratio of two runs taken far apart measures the drift as much as gotrace.
    gos, loads, colds, warms = [], [], [], []
    for _ in range(max(repeat, 1)):
        if oracle:
            gos.append(measure([oracle, "bench", path]))
        loads.append(measure([GOTRACE, "--no-cache", "info", path]))
        if tui:
            with tempfile.TemporaryDirectory(prefix="gotrace-bench-cache-") as cache:
                colds.append(tui_overview(path, cache))
                warms.append(tui_overview(path, cache))
    go = min(gos, key=lambda c: c.wall) if gos else None
    load = min(loads, key=lambda c: c.wall)
    gor = best([GOTRACE, "--no-cache", "goroutines", "--older-than", "10s", "--format", "json", path], 1)
    ratio = f"{load.wall / go.wall:.2f}x Go" if go else "(no traceoracle)"
    print(f"{path}  {mb:,.0f} MB")
    if go:
        print(f"  Go's bare parse                  {go.wall:7.2f} s  ({go.cpu:.2f} s CPU, "
              f"{go.rss_mb:,.0f} MB)")
    print(f"  CLI load (info)                  {load.wall:7.2f} s  ({load.cpu:.2f} s CPU)  {ratio}")
    print(f"  goroutines --older-than 10s json peak RSS {gor.rss_mb:,.0f} MB = "
          f"{gor.rss_mb / mb:.1f}x file")
    if tui:
        cold = min(colds, key=lambda m: m["overview"])
        warm = min(warms, key=lambda m: m["overview"])
        print(f"  view: first Overview, cold       {cold['overview']:7.2f} s  = "
              f"{cold['overview'] / load.wall:.2f}x CLI load  (viewer RSS {cold['rss_mb']:,.0f} MiB "
              f"+ {cold['shared_mb']:,.0f} MiB mapped, "
              f"loader {cold['child_rss_mb']:,.0f} MiB, {cold['child_private_mb']:,.0f} MiB "
              f"= {cold['child_private_mb'] * 2**20 / 1e6 / mb:.1f}x file private)")
        print(f"  view: first Overview, second open {warm['overview']:6.2f} s  "
              f"(viewer RSS {warm['rss_mb']:,.0f} MiB)")


def dump_rows(path: str, repeat: int) -> None:
    mb = os.path.getsize(path) / 1e6
    r = best([GOTRACE, "--no-cache", "goroutines", path], repeat)
    print(f"{path}  {mb:,.0f} MB")
    print(f"  goroutines end to end            {r.wall:7.2f} s  ({r.cpu:.2f} s CPU)  "
          f"{mb / r.wall:,.0f} MB/s  peak RSS {r.rss_mb:,.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--no-tui", action="store_true", help="skip the viewer's rows")
    args = ap.parse_args()
    for path in args.files:
        if is_trace(path):
            trace_rows(path, args.repeat, not args.no_tui)
        else:
            dump_rows(path, args.repeat)


if __name__ == "__main__":
    main()
