"""``gotrace events`` (hidden): Go's ordered event stream, in the layout of Go's eventdump.

For comparing our readers with Go's own, event by event.
"""

from __future__ import annotations

import sys

import click

from ..errors import WrongInputKindError
from ..render.text import safe
from ..tables import Tables
from ..trace.reader import read_events
from ..trace.textdump import event_lines
from .common import notice, read_input


@click.command(hidden=True)
@click.argument("file")
def events(file: str) -> None:
    """Print the ordered event stream (same layout as the Go tool eventdump)."""
    raw = read_input(file)
    if raw.kind != "trace":
        raise WrongInputKindError(f"{raw.name}: not an execution trace")
    tables = Tables()
    info_, chunks = read_events(raw.data, tables)
    out = sys.stdout
    for line in event_lines(chunks, tables):
        out.write(safe(line) + "\n")
    for d in info_.damage:
        notice(d.message)
