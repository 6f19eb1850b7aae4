"""``gotrace view``: the interactive viewer, loaded only when asked for.

The core never imports Textual (tests/test_layering.py reads every import in
gotrace/), so the TUI package is looked up by name at run time: ``gotrace
info`` and scripts start without paying for, or needing, the TUI.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import tempfile
from typing import IO

import click

from ..errors import InputError
from ..spilldir import directory
from .group import fail


def input_from_stdin() -> IO[bytes]:
    """``view -``: the input comes on stdin, and the keys must come from the terminal.

    The input is kept in a temporary file (the viewer's loader reads it as its own
    stdin), then stdin is reopened on the controlling terminal for the keys.
    """
    if sys.stdin.isatty():
        raise InputError("view -: stdin is the terminal; pipe a trace or dump in: gotrace view - < trace.out")
    spool = tempfile.TemporaryFile()  # noqa: SIM115  (the viewer's to close)
    shutil.copyfileobj(sys.stdin.buffer, spool)
    try:
        tty = os.open("/dev/tty", os.O_RDONLY)
    except OSError:
        spool.close()
        raise InputError("view -: no terminal to read keys from (/dev/tty)") from None
    os.dup2(tty, sys.stdin.fileno())
    os.close(tty)
    return spool


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="[EARLIER...] FILE")
@click.option("--snapshot", type=click.IntRange(min=1), metavar="N",
              help="Dumps: which dump of a file holding several (1 = first; default: the largest).")
def view(files: tuple[str, ...], snapshot: int | None) -> None:
    """Browse a trace or dump: overview, spikes, long-lived, timeline, goroutines.

    \b
    FILE is a path, - for stdin (the keys then come from the terminal), a .gz
    file or a dump's URL. It opens on Overview: what the file holds, and the
    findings, most certain leak first.

    \b
    EARLIER: captures of the same service taken before FILE, oldest first (as
    for gotrace leaks). FILE is shown; its leaks are judged after them, as a
    series: growth and goroutines that stayed are evidence. The dumps before
    the one shown in FILE itself are read so too.

    \b
    Keys: 1-5 switch pages (Overview, Spikes, Long-lived, Timeline, Leaks),
    Enter opens, Esc goes back, / searches, ? lists the page's keys, Ctrl+P
    finds any action, q or Ctrl+C quits.
    """
    *earlier, file = files
    if earlier and "-" in files:
        # click's own error, not common.usage_error: common imports the parsers, and the
        # loader's child starts before anything heavy is imported (tests/test_layering.py).
        raise click.UsageError("- (stdin) is one input alone: give the captures of a series as files")
    for f in files:
        if f != "-" and not f.startswith(("http://", "https://")):
            if not os.path.exists(f):
                raise InputError(f"{f}: no such file")
            if os.path.isdir(f):
                raise InputError(f"{f}: is a directory, not a trace or dump file")
    if not sys.stdout.isatty():
        raise InputError("view needs a terminal; use `gotrace goroutines` or `gotrace info` in scripts")
    stdin = input_from_stdin() if file == "-" else None
    directory()  # where the interval table's files go: a failure is this line, not the UI's
    # The child starts reading while numpy and Textual are imported and Overview is laid
    # out (nothing heavy is imported up to here: tests/test_layering.py).
    child = importlib.import_module("gotrace.tui.spawn").start_early(file, snapshot, stdin, earlier)
    try:
        app = importlib.import_module("gotrace.tui.app")
        error = app.run(file, snapshot, stdin, child, earlier)
    finally:
        if child is not None:
            child.kill()
        if stdin is not None:
            stdin.close()
    if error:
        fail(error)
