"""Time gotrace's model building against Go's own parser, in the same run.

    python benchmarks/trace_load.py TRACE [TRACE...]

For each trace: ``traceoracle bench`` (Go's internal/trace reader, bare parse; from
../shared/tools/traceoracle) and ``gotrace`` loading the full lifecycle model, each
in a fresh process so peak RSS is its own. Prints seconds, the load's peak RSS and the ratio;
"ours" is the model load, then the spikes and per-P analyses are timed on top
(the analyses issue allows them 30% of the load).
"""

from __future__ import annotations

import os
import re
import shutil
import sys

from child import measure

LOAD = """
import resource, sys, time
from gotrace.load import load
from gotrace.analysis.procs import ProcTimeline
from gotrace.analysis.spikes import creation_spikes
t = time.perf_counter(); m = load(sys.argv[1]); load_s = time.perf_counter() - t
load_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
t = time.perf_counter(); creation_spikes(m); ProcTimeline(m); an_s = time.perf_counter() - t
print(f"load_rss={load_rss} goroutines={len(m.goroutines)} events={m.info.events} "
      f"reader={m.info.reader} load={load_s:.3f}s "
      f"analyses={an_s:.3f}s ({100 * an_s / load_s:.0f}% of load)")
"""


def main(paths: list[str]) -> None:
    oracle = shutil.which("traceoracle")
    print(f"{'trace':<40} {'MB':>7} {'Go s':>7} {'Go RSS':>8} {'ours s':>7} {'ours RSS':>9} {'ratio':>6}")
    for path in paths:
        size = os.path.getsize(path) / 1e6
        go_s, go_rss = float("nan"), 0
        if oracle:
            go = measure([oracle, "bench", path])
            go_s, go_rss = go.wall, go.rss
        ours = measure([sys.executable, "-c", LOAD, path])
        wall, all_rss, out = ours.wall, ours.rss, ours.stdout.strip()
        # Peak RSS of the load alone; the whole process's peak (with analyses) follows.
        m = re.search(r"load_rss=(\d+) ", out)
        our_rss = int(m.group(1)) if m else all_rss
        out = re.sub(r"load_rss=\d+ ", "", out) + f" peak-with-analyses={all_rss / 2**20:.0f}M"
        # The process's wall time less the analyses: interpreter start-up and imports
        # count against us, as Go's process start counts against it.
        an = re.search(r"analyses=([0-9.]+)s", out)
        our_s = wall - (float(an.group(1)) if an else 0.0)
        name = os.path.relpath(path) if len(path) > 40 else path
        print(f"{name[-40:]:<40} {size:7.1f} {go_s:7.2f} {go_rss / 2**20:7.0f}M "
              f"{our_s:7.2f} {our_rss / 2**20:8.0f}M {our_s / go_s:6.2f}x   {out}")
    if not oracle:
        print("traceoracle not found: build it with ../shared/tools/traceoracle/build for the ratio")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    main(sys.argv[1:])
