"""``gotrace view``: the interactive viewer, loaded only when asked for.

The core never imports Textual (tests/test_layering.py reads every import in
gotrace/), so the TUI package is looked up by name at run time: ``gotrace
info`` and scripts start without paying for, or needing, the TUI.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from ..errors import InputError
from .common import fail


@click.command()
@click.argument("file")
@click.option("--snapshot", type=click.IntRange(min=1), metavar="N",
              help="Dumps: which dump of a file holding several (1 = first; default: the largest).")
def view(file: str, snapshot: int | None) -> None:
    """Browse a trace or dump: overview, spikes, long-lived, timeline, goroutines.

    \b
    Keys: 1-4 switch pages, Enter opens, Esc goes back, / searches, ? lists
    every key, Ctrl+P finds any action, q quits. A trace opens on Overview,
    a dump on Long-lived.
    """
    if file != "-" and not file.startswith(("http://", "https://")):
        if not os.path.exists(file):
            raise InputError(f"{file}: no such file")
        if os.path.isdir(file):
            raise InputError(f"{file}: is a directory, not a trace or dump file")
    if file == "-":
        raise InputError("view needs a file: the viewer reads keys from the terminal, not stdin")
    if not sys.stdout.isatty():
        raise InputError("view needs a terminal; use `gotrace goroutines` or `gotrace info` in scripts")
    app = importlib.import_module("gotrace.tui.app")
    error = app.run(file, snapshot)
    if error:
        fail(error)
