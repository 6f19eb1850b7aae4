"""End-to-end speed of gotrace's dump commands: the whole command line, start-up included.

    python benchmarks/dump_end_to_end.py [DUMP] [--runs 3] [--only COMMAND]... [--compare "CMD {path}"]

Each command (``gotrace --no-cache goroutines``, ``--group-by stack``, ``--format
json``, ``info --format json``, ``leaks --format json``) runs in a fresh process
with its output sent to /dev/null, ``--runs`` times; the best wall time, the user
CPU of that best run and its peak RSS are printed, with MB/s of the input. The
machine may be shared: user CPU says what the command itself cost, and the best of
several runs is the one least disturbed. The bar (issue 16) is 100 MB/s end to end.

``--compare`` times another dump parser the same way (a Go one, say), with ``{path}``
replaced by the dump; without it only gotrace's numbers are printed: nothing here
stands in for a parser that is not installed.

The default DUMP is ``shared/tools/make_big_dump.py``'s (100 MB, 363,728
goroutines, one snapshot), made in /tmp on first use.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from pathlib import Path

from child import best

MAKER = Path(__file__).resolve().parents[1] / ".." / "shared" / "tools" / "make_big_dump.py"
GOTRACE = [sys.executable, "-c", "from gotrace.cli import main; main()", "--no-cache"]
COMMANDS = {
    "goroutines": ["goroutines"],
    "goroutines --group-by stack": ["goroutines", "--group-by", "stack"],
    "goroutines --format json": ["goroutines", "--format", "json"],
    "info --format json": ["info", "--format", "json"],
    "leaks --format json": ["leaks", "--format", "json"],
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("path", nargs="?", default="/tmp/big.debug2.txt")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", action="append", choices=list(COMMANDS), help="time only these (repeatable)")
    ap.add_argument("--compare", metavar="CMD", help="another parser's command line, {path} for the dump")
    args = ap.parse_args()
    path = Path(args.path)
    if not path.exists():
        if not MAKER.exists():
            sys.exit(f"no {path} and no {MAKER} to make it")
        subprocess.run([sys.executable, str(MAKER), "--out", str(path)], check=True, capture_output=True)
    mb = path.stat().st_size / 1e6
    print(f"{path}: {mb:.1f} MB; best of {args.runs} runs; bar: 100 MB/s end to end")
    print(f"{'command':<34} {'wall s':>7} {'MB/s':>7} {'user s':>7} {'sys s':>6} {'peak RSS MB':>12}")
    rows = [(f"gotrace {name}", [*GOTRACE, *argv, str(path)])
            for name, argv in COMMANDS.items() if not args.only or name in args.only]
    if args.compare:
        rows.append((args.compare, shlex.split(args.compare.replace("{path}", shlex.quote(str(path))))))
    else:
        print("(no --compare: no other dump parser timed)")
    for name, cmd in rows:
        c = best(cmd, args.runs, ok=(0, 3), keep_output=False)  # leaks exits 3 on leaks
        wall, user, sys_s, rss = c.wall, c.user, c.sys, c.rss
        print(f"{name[:34]:<34} {wall:7.2f} {mb / wall:7.1f} {user:7.2f} {sys_s:6.2f} {rss / 1e6:12.0f}")


if __name__ == "__main__":
    main()
