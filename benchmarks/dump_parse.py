"""Speed of dump reading on a ~100 MB debug=2 dump: parse, model, grouping, by stage.

By default the dump is ``shared/tools/make_big_dump.py``'s: 100 MB, 363,728
goroutines in one snapshot, deterministic (made in /tmp on first use). Prints
each stage's wall and CPU time and MB/s, and the peak RSS; ``--pure`` reads
without the C scanner (the pure-Python twin). Bar: 100 MB/s end to end.

    python benchmarks/dump_parse.py [--path FILE] [--pure]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

from gotrace.analysis.grouping import group_rows
from gotrace.analysis.selection import select_rows
from gotrace.dump.parse import parse_dumps
from gotrace.model.from_dump import build_dump_model
from gotrace.tables import Tables

MAKER = Path(__file__).resolve().parents[1] / ".." / "shared" / "tools" / "make_big_dump.py"


class Stage:
    """Wall and CPU time of one stage."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def done(self, name: str, mb: float) -> float:
        wall = time.perf_counter() - self.wall
        cpu = time.process_time() - self.cpu
        print(f"{name:<12} {wall:6.2f} s wall  {cpu:6.2f} s CPU  {mb / wall:7.1f} MB/s")
        return wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--path", default="/tmp/big.debug2.txt")
    ap.add_argument("--pure", action="store_true", help="without the C scanner")
    args = ap.parse_args()
    path = Path(args.path)
    if not path.exists():
        if not MAKER.exists():
            sys.exit(f"no {path} and no {MAKER} to make it")
        subprocess.run([sys.executable, str(MAKER), "--out", str(path)], check=True, capture_output=True)
    data = path.read_bytes()
    mb = len(data) / 1e6

    st = Stage()
    snaps = parse_dumps(data, Tables(), accelerated=not args.pure)
    parse = st.done("parse", mb)
    goroutines = sum(len(s.goroutines) for s in snaps)
    count = len(snaps)
    del snaps  # the model below parses again; keep one copy for the RSS figure
    st = Stage()
    model = build_dump_model(data, path.name) if not args.pure else None
    if model is not None:
        model_wall = st.done("parse+model", mb)
        st = Stage()
        groups = group_rows(model, select_rows(model))
        group = st.done("group", mb)
        print(f"model only   {model_wall - parse:6.2f} s;  {len(groups)} groups")
        total = model_wall + group
        print(f"end to end   {total:6.2f} s  {mb / total:.1f} MB/s  (bar: 100 MB/s)")
    print(f"input        {mb:.1f} MB, {count} snapshot(s), {goroutines:,} goroutines")
    print(f"peak RSS     {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
