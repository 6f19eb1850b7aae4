"""Time ``gotrace view`` from start until Overview is drawn, headless, on real files.

    python benchmarks/tui_first_screen.py FILE [FILE...] [--size 80x24] [--no-cli]

Each file is opened by the real app (``App.run_test()``: the loader's child
process, the streaming of the model and of each analysis) in a fresh process,
so the peak RSS is the viewer's own. It starts as ``gotrace view`` does (the
command line's imports, the loader's child, then Textual's import) and prints, in
seconds from the process's start (as the CLI's time is measured, from outside):

* ``model``: the model has reached the viewer (from the loader's child or the cache);
* ``overview``: Overview is the current page and its facts are drawn: the first
  screen a user can read and act on (the findings may still be coming);
* ``findings``: every finding is in (leak suspects, spikes, long-lived);
* ``all``: every analysis has arrived (the timeline's index is last);

then the peak RSS of the viewer's process, the model's arrays it maps from the
loader's memory file (RSS counts them only once touched: RSS plus this is the
most the viewer can hold), the peak RSS of the loader's child and the most private
memory it held (sampled: its RSS also counts the viewer's model it maps), and, for the bar
the viewer should stay within, the peak RSS of ``gotrace leaks FILE`` (the CLI
loading the same file and judging it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from typing import Any

from child import measure

POLL_S = 0.01


def _process_age() -> float:
    """Seconds since this process started (Linux; 0 elsewhere): the interpreter's own start
    counts here as it does in the CLI's time, which is measured from outside."""
    try:
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, starttime
        return max(0.0, time.clock_gettime(time.CLOCK_BOOTTIME) - started)
    except (OSError, ValueError, IndexError, AttributeError):
        return 0.0


async def _measure(path: str, size: tuple[int, int]) -> dict[str, float]:
    # As `gotrace view` starts, from the process's start: the command line's imports, the
    # loader's child, then Textual is imported.
    t0 = time.perf_counter() - _process_age()
    importlib.import_module("gotrace.cli.view")  # what `gotrace view` has imported when it starts the child
    from gotrace.tui.spawn import start_early

    child = start_early(path)
    private = _PrivatePeak(child.process.pid if child is not None else None)
    from gotrace.tui.app import GotraceApp
    from gotrace.tui.loader import Loader
    from gotrace.tui.screens.overview import OverviewScreen
    from gotrace.tui.textual_private import screen_lines

    marks: dict[str, float] = {}
    arrived = asyncio.Event()

    class Timed(GotraceApp):
        def start(self, *args: Any, **kwargs: Any) -> None:
            super().start(*args, **kwargs)
            marks["model"] = time.perf_counter() - t0  # the model is in the viewer: the rest is drawing it
            arrived.set()

    app = Timed(path, loader=Loader(path, child=child) if child is not None else None)
    async with app.run_test(size=size) as pilot:
        # No polling until the model is here: a pilot's pause waits for the screen to settle,
        # CPU that a real viewer does not spend and that the child, reading on both cores of a
        # two-core machine, would pay for.
        while not arrived.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arrived.wait(), 0.2)
            if app.return_value is not None:
                raise SystemExit(f"{path}: {app.return_value}")
        while "all" not in marks:
            await pilot.pause(POLL_S)
            now = time.perf_counter() - t0
            screen = app.screen
            if app.return_value is not None:
                raise SystemExit(f"{path}: {app.return_value}")
            if not isinstance(screen, OverviewScreen):
                continue
            if "overview" not in marks and any(line.lstrip().startswith("file ")
                                               for line in screen_lines(app)):
                marks["overview"] = now
            if "findings" not in marks and screen.complete:
                marks["findings"] = now
            if app.session is not None and not app.session.coming and "findings" in marks:
                marks["all"] = now
        marks["shared_mb"] = _shared_model_mb()
    marks["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    marks["child_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    marks["child_private_mb"] = private.stop()
    return marks


class _PrivatePeak:
    """The most private memory (RssAnon: not the viewer's model it maps, not the page cache
    of files it reads) the loader's child held, sampled every 10 ms from /proc (Linux; 0
    elsewhere or without a child): what the child costs, where its RSS also counts pages it
    shares with the viewer."""

    def __init__(self, pid: int | None) -> None:
        self.pid = pid
        self.peak_kb = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True) if pid is not None else None
        if self.thread is not None:
            self.thread.start()

    def _sample(self) -> None:
        path = f"/proc/{self.pid}/status"
        while not self.done.wait(0.01):
            try:
                with open(path) as f:
                    for line in f:
                        if line.startswith("RssAnon:"):
                            self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                            break
            except (OSError, ValueError):
                return  # the child is gone

    def stop(self) -> float:
        self.done.set()
        if self.thread is not None:
            self.thread.join()
        return self.peak_kb / 1024


def _shared_model_mb() -> float:
    """MB of the model's arrays mapped from the loader's memory file (Linux): memory the viewer
    holds that its RSS counts only as far as it has touched it."""
    try:
        with open("/proc/self/maps") as f:
            spans = [line.split()[0] for line in f if "gotrace-model" in line]
    except OSError:
        return 0.0
    return sum(int(b, 16) - int(a, 16) for a, b in (s.split("-") for s in spans)) / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--size", default="80x24", help="terminal size, COLSxROWS (default 80x24)")
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI's RSS bar")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # the measuring child
    args = ap.parse_args()
    cols, rows = (int(x) for x in args.size.split("x"))
    if args.one:
        print(json.dumps(asyncio.run(_measure(args.files[0], (cols, rows)))))
        return
    print(f"{'file':<40} {'MB':>6} {'overview':>9} {'findings':>9} {'all':>7} {'TUI RSS':>8} "
          f"{'+mapped':>8} {'child RSS':>9} {'private':>8} {'CLI RSS':>8}")
    for path in args.files:
        out = subprocess.run([sys.executable, __file__, "--one", "--size", args.size, path],
                             capture_output=True, text=True, check=False)
        if out.returncode:
            print(f"{path}: failed: {out.stderr.strip().splitlines()[-1:]}")
            continue
        m = json.loads(out.stdout.strip().splitlines()[-1])
        cli = "-"
        if not args.no_cli:
            gotrace = shutil.which("gotrace", path=os.path.dirname(sys.executable)) or "gotrace"
            leaks = measure([gotrace, "leaks", "--format", "json", path], ok=(0, 3), keep_output=False)
            cli = f"{leaks.rss / 2**20:.0f}M"
        size = os.path.getsize(path) / 1e6
        print(f"{path[-40:]:<40} {size:6.1f} {m['overview']:8.2f}s {m['findings']:8.2f}s {m['all']:6.2f}s "
              f"{m['rss_mb']:7.0f}M {m['shared_mb']:7.0f}M {m['child_rss_mb']:8.0f}M "
              f"{m['child_private_mb']:7.0f}M {cli:>8}")


if __name__ == "__main__":
    main()
