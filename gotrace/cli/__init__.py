"""The ``gotrace`` command line: the click group and nothing else.

Each command lives in its own module (``gotrace/cli/<command>.py``, defining the
command of the same name) and imports what it shares with the others from
``common``; this module only builds the group. ``main`` is the console script.

A command's module is imported when that command runs (or ``--help`` lists it):
importing every command's analyses, exporters and their libraries took half a
second, most of a small command's time and half of reading a 100 MB dump.
"""

from __future__ import annotations

import importlib
import os

import click

from .. import __version__
from .group import GotraceGroup

COMMANDS = (
    "info", "goroutines", "leaks", "spikes", "procs", "diff", "export", "scan", "view", "cache", "events",
)


class LazyGroup(GotraceGroup):
    """The group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        command: click.Command = getattr(importlib.import_module(f".{cmd_name}", __name__), cmd_name)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


def main() -> None:
    cli(prog_name="gotrace")
