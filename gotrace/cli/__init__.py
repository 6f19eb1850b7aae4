"""The ``gotrace`` command line: the click group and nothing else.

Each command lives in its own module (``gotrace/cli/<command>.py``) and imports
what it shares with the others from ``common``; this module only builds the
group. ``main`` is the console script.
"""

from __future__ import annotations

import os

import click

from .. import __version__
from .cache import cache
from .common import GotraceGroup
from .diff import diff
from .events import events
from .export import export
from .goroutines import goroutines
from .info import info
from .leaks import leaks
from .procs import procs
from .scan import scan
from .spikes import spikes
from .view import view


@click.group(cls=GotraceGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gotrace")
@click.option("--no-cache", is_flag=True,
              help="Neither read nor write the model cache (see gotrace cache --help).")
def cli(no_cache: bool) -> None:
    """Which goroutines pile up, where they were created, what they wait on, which leak.

    FILE is a Go execution trace (runtime/trace, /debug/pprof/trace) or a goroutine
    dump (/debug/pprof/goroutine?debug=2 or ?debug=1, a panic or SIGQUIT traceback,
    a test timeout). Use - for stdin; .gz is read transparently.
    """
    if no_cache:
        # In the environment, so that the viewer's loader process honours it too.
        os.environ["GOTRACE_NO_CACHE"] = "1"


for _command in (info, goroutines, leaks, spikes, procs, diff, export, scan, view, cache, events):
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="gotrace")
