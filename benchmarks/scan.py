"""``gotrace scan`` over a fleet of small dumps: files/s on the local pool and on Dask.

    python benchmarks/scan.py [--files 1000] [--workers 2]
    python benchmarks/scan.py --make-fleet DIR --hosts 4 --captures 4

The fleet is made from the real goroutine dumps shipped in ``samples/``
(``leak.go1.23.debug2.txt``, ``stuck.go1.27.debug2.txt``): each file is a
debug=2 dump whose goroutine blocks are copied byte for byte from them, with
the goroutine ids renumbered so each file's ids are unique. Every host runs the
leaky service, so ``reports.(*Handler).render`` goroutines (created at
reports.go:28) grow by 2-6 per capture on every host; a third of the hosts also
pile up ``queue.(*Pool).worker`` goroutines (one more per capture); the rest
(the HTTP server, its connections, main) stays the same. Captures are 15
minutes apart, named ``web-NN/2025-06-01THHMM.debug2.txt``. The same seed gives
the same files.

The benchmark scans the fleet on the local process pool and on a Dask
LocalCluster, both with ``--workers`` workers (Dask's time includes starting
the cluster, measured on its own too), checks that both wrote the same rows,
and prints files/s.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
HEADER = re.compile(r"^goroutine \d+ ", re.M)
START = datetime(2025, 6, 1, 0, 0, tzinfo=UTC)


def blocks(path: Path) -> list[str]:
    """The goroutine blocks of a debug=2 dump, as printed."""
    return [b for b in path.read_text().strip("\n").split("\n\n") if b.startswith("goroutine ")]


def make_fleet(root: Path, hosts: int, captures: int, seed: int = 1) -> list[Path]:
    """Write hosts x captures dumps under ``root``; returns their paths."""
    rng = random.Random(seed)
    leak = blocks(SAMPLES / "leak.go1.23.debug2.txt")
    stuck = blocks(SAMPLES / "stuck.go1.27.debug2.txt")
    leaked = [b for b in leak if "reports.(*Handler).render" in b]
    steady = [b for b in leak if "reports.(*Handler).render" not in b]
    workers = [b for b in stuck if "queue.(*Pool).worker" in b]
    paths = []
    for h in range(hosts):
        base, rate = rng.randint(5, 40), rng.randint(2, 6)
        piles_up = h % 3 == 0
        folder = root / f"web-{h + 1:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        for c in range(captures):
            n_leaked = base + rate * c + rng.randint(0, 1)
            n_workers = 4 + (c if piles_up else 0)
            chosen = steady + [leaked[i % len(leaked)] for i in range(n_leaked)]
            chosen += [workers[i % len(workers)] for i in range(n_workers)]
            text = "\n\n".join(HEADER.sub(f"goroutine {i + 1} ", b, count=1) for i, b in enumerate(chosen))
            path = folder / f"{(START + timedelta(minutes=15 * c)):%Y-%m-%dT%H%M}.debug2.txt"
            path.write_text(text + "\n")
            paths.append(path)
    return paths


def canonical_rows(out: Path) -> list[str]:
    import pyarrow.parquet as pq

    return sorted(repr(r) for table in ("groups", "suspects", "sites")
                  for p in sorted((out / table).glob("part-*.parquet")) for r in pq.read_table(p).to_pylist())


def bench(files: int, workers: int) -> None:
    from gotrace.fleet.inputs import expand, tasks_for
    from gotrace.fleet.scan import scan

    captures = 20
    hosts = max(1, files // captures)
    with tempfile.TemporaryDirectory(prefix="gotrace-scan-bench-") as tmp:
        root = Path(tmp)
        paths = make_fleet(root / "fleet", hosts, captures)
        size = sum(p.stat().st_size for p in paths)
        tasks = tasks_for(expand([str(root / "fleet")])[0])
        print(f"{len(tasks):,} dumps of {hosts} hosts x {captures} captures, "
              f"{size / len(paths) / 1e3:.0f} KB each on average; {workers} workers")
        results = []
        t = time.perf_counter()
        local = scan(tasks, root / "local", workers=workers)
        results.append((local.runner, time.perf_counter() - t))
        t = time.perf_counter()
        dask = scan(tasks, root / "dask", workers=workers, dask="local")
        results.append((dask.runner, time.perf_counter() - t))
        from distributed import Client, LocalCluster

        t = time.perf_counter()
        with LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None) as cluster, \
                Client(cluster):
            pass
        startup = time.perf_counter() - t
        same = canonical_rows(root / "local") == canonical_rows(root / "dask")
        print("\n| runner | files | seconds | files/s |\n|---|---:|---:|---:|")
        for runner, seconds in results:
            print(f"| {runner} | {len(tasks):,} | {seconds:.1f} | {len(tasks) / seconds:.1f} |")
        print(f"\nDask LocalCluster start and stop alone: {startup:.1f} s. Same rows on both: {same}.")
        top = local.growth.to_pylist()[0]
        print(f"Top growing creation site: {top['site_func']} ({top['site_file']}:{top['site_line']}), "
              f"growing on {top['hosts_growing']}/{top['hosts_with_series']} hosts, +{top['growth']:,}")
        if not same:
            raise SystemExit("the local pool and Dask wrote different rows")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--make-fleet", metavar="DIR", help="only write a fleet of dumps to DIR")
    ap.add_argument("--hosts", type=int, default=4)
    ap.add_argument("--captures", type=int, default=4)
    args = ap.parse_args()
    if args.make_fleet:
        root = Path(args.make_fleet)
        if root.exists():
            shutil.rmtree(root)
        paths = make_fleet(root, args.hosts, args.captures)
        print(f"wrote {len(paths)} dumps to {root}/", file=sys.stderr)
        return
    bench(args.files, args.workers)


if __name__ == "__main__":
    main()
