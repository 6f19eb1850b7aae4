"""The loader's child process (:mod:`gotrace.tui.loader`), started before anything heavy.

``gotrace view`` spends a third of a second importing the command line, then half a
second importing Textual and laying out; the child spends as long importing numpy
and the parsers before it reads a byte. Started from here, where nothing imports
numpy, the model or Textual (``tests/test_layering.py`` checks), the child does its
importing and most of its reading while the viewer does its own: a cold open of a
big trace shows Overview a quarter of a second sooner.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO

from gotrace import cachekey
from gotrace.spilldir import directory

# glibc (2.35+; others ignore it): transparent huge pages for the child's malloc. Its big
# columns are written front to back once, and their memory then arrives a 2 MiB page
# at a time rather than 4 KiB: half the system time of reading a big trace, 10% of the
# wall time to Overview (4.82 s against 5.35 s, 4 interleaved pairs on a 110 MB trace).
HUGE_PAGES = "glibc.malloc.hugetlb=1"


@dataclass(slots=True)
class Child:
    """A running loader child: its output pipe (the process's stdout), the memory file its
    arrays are written to (Linux; None elsewhere), and the file its stderr goes to."""

    process: subprocess.Popen[bytes]
    shared: int | None
    errors: IO[bytes]

    def kill(self) -> None:
        """Kill the child if it still runs, and reap it; idempotent, from any thread."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)


def spawn(path: str, snapshot: int | None = None, stdin: IO[bytes] | None = None,
          analyses_only: bool = False, earlier: Sequence[str] = ()) -> Child:
    """Start ``python -m gotrace.tui.loader`` on ``path`` (``-``: ``stdin``, a file);
    ``analyses_only``: the viewer mapped the model from the cache, the child sends the rest;
    ``earlier``: captures of the same service before it, which its leaks are judged after."""
    # Linux: a memory file for the arrays (see the loader's docstring); the child inherits it.
    shared = os.memfd_create("gotrace-model") if hasattr(os, "memfd_create") else None
    # -P: never let a source checkout in the working directory shadow the installed
    # package (the checkout's gotrace/ has no tui/ inside). The interval table's files
    # go to the viewer's spill directory, which outlives the child.
    args = [sys.executable, "-P", "-m", "gotrace.tui.loader", path, str(os.getpid()),
            str(shared if shared is not None else -1), str(directory())]
    args += [str(snapshot) if snapshot is not None else "analyses" if analyses_only else "all", *earlier]
    # A pipe could fill up and stall the child; the file lives as long as the child's reader.
    errors = tempfile.TemporaryFile()  # noqa: SIM115
    if stdin is not None:
        stdin.seek(0)
    # Its own session: a terminal's signals reach the viewer, which decides.
    process = subprocess.Popen(args, env=child_env(os.environ),
                               stdin=stdin if stdin is not None else subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=errors, start_new_session=True,
                               pass_fds=() if shared is None else (shared,))
    return Child(process, shared, errors)


def child_env(env: Mapping[str, str]) -> dict[str, str]:
    """The child's environment: ours, with glibc's huge pages asked for unless the user
    tuned that themselves."""
    out = dict(env)
    tunables = out.get("GLIBC_TUNABLES", "")
    if "glibc.malloc.hugetlb=" not in tunables:
        out["GLIBC_TUNABLES"] = f"{tunables}:{HUGE_PAGES}" if tunables else HUGE_PAGES
    return out


def cache_may_serve(path: str, snapshot: int | None, stdin: IO[bytes] | None,
                    earlier: Sequence[str] = ()) -> bool:
    """Whether the viewer may open ``path`` from the model cache: a file named on the
    command line (not stdin), all of it (no ``--snapshot``), alone (the captures of a series
    are read together, into one table of strings and stacks)."""
    return stdin is None and snapshot is None and path != "-" and not earlier


def start_early(path: str, snapshot: int | None = None, stdin: IO[bytes] | None = None,
                earlier: Sequence[str] = ()) -> Child | None:
    """The loader's child, started before the viewer imports numpy and Textual and lays out
    (which the child spends importing and reading); None when the model cache holds the
    file whole, which the viewer maps without a child."""
    if cache_may_serve(path, snapshot, stdin, earlier) and cachekey.enabled() \
            and cachekey.holds(cachekey.key_of(path), intervals=True):  # key_of: None for a URL
        return None
    return spawn(path, snapshot, stdin, earlier=earlier)
