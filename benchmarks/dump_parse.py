"""End-to-end speed of dump parsing + grouping on a ~100 MB debug=2 dump.

Builds the dump in /tmp by concatenating the corpus debug=2 dumps (each copy is
a separate snapshot, as it would be in a log of periodic dumps), then reads the
file, parses every snapshot and groups each one by stack. Prints MB/s and the
peak RSS. Bar: 25 MB/s.

    python benchmarks/dump_parse.py [--size-mb 100] [--keep]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

from gotrace.dump.grouping import group_goroutines
from gotrace.dump.parse import parse_file
from gotrace.tables import Tables

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"


def build(target: Path, size: int) -> int:
    sources = sorted(CORPUS.glob("go*/*.debug2.txt"))
    if not sources:
        sys.exit(f"no corpus dumps under {CORPUS}")
    blobs = [p.read_bytes() for p in sources]
    written = 0
    with target.open("wb") as out:
        while written < size:
            for blob in blobs:
                out.write(blob)
                out.write(b"\n")
                written += len(blob) + 1
                if written >= size:
                    break
    return written


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=float, default=100.0)
    ap.add_argument("--path", default="/tmp/gotrace_bench_dump.txt")
    ap.add_argument("--keep", action="store_true", help="reuse an existing file")
    args = ap.parse_args()
    path = Path(args.path)
    size = int(args.size_mb * 1e6)
    if not (args.keep and path.exists()):
        build(path, size)
    nbytes = path.stat().st_size

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    tables = Tables()
    snaps = parse_file(path, tables)
    t1 = time.perf_counter()
    groups = 0
    for snap in snaps:
        groups += len(group_goroutines(snap, tables))
    t2 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    mb = nbytes / 1e6
    goroutines = sum(len(s.goroutines) for s in snaps)
    print(f"input        {mb:.1f} MB, {len(snaps)} snapshots, {goroutines} goroutines")
    print(f"parse        {t1 - t0:.2f} s  {mb / (t1 - t0):.1f} MB/s")
    print(f"group        {t2 - t1:.2f} s  ({groups} groups)")
    print(f"end to end   {t2 - t0:.2f} s  {mb / (t2 - t0):.1f} MB/s  (bar: 25 MB/s)")
    print(f"peak RSS     {rss / 1024:.0f} MB (before parsing {rss_before / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
