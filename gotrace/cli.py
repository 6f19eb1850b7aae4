"""The ``gotrace`` command line: open input -> model -> analysis -> render.

Every failure the user can cause ends as one ``gotrace: error: ...`` line and exit
1; usage mistakes are click's exit 2. GOTRACE_DEBUG=1 shows tracebacks.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any, NoReturn

import click

from . import __version__
from .durations import DURATION, format_duration
from .errors import GotraceError, WrongInputKindError
from .inputs import RawInput, open_input
from .load import load_raw
from .model import Model
from .progress import StderrProgress
from .tables import Tables

FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
    help="table for people, json for scripts (see README for the schema).",
)


def fail(message: str) -> NoReturn:
    click.echo(f"gotrace: error: {message}", err=True)
    sys.exit(1)


def notice(message: str) -> None:
    click.echo(f"gotrace: warning: {message}", err=True)


class GotraceGroup(click.Group):
    """Turns GotraceError (and unexpected crashes) into one stderr line and exit 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except GotraceError as e:
            if os.environ.get("GOTRACE_DEBUG"):
                raise
            fail(str(e))
        except MemoryError:
            if os.environ.get("GOTRACE_DEBUG"):
                raise
            fail("out of memory while loading the input")
        except KeyboardInterrupt:
            sys.exit(130)
        except BrokenPipeError:
            sys.exit(0)


def open_model(path: str, snapshot: int | None = None, want: str | None = None) -> Model:
    raw = open_input(path)
    if want == "trace" and raw.kind != "trace":
        raise WrongInputKindError(f"{raw.name}: this command needs an execution trace, got a goroutine dump")
    return load_model(raw, snapshot)


def load_model(raw: RawInput, snapshot: int | None = None, tables: Tables | None = None) -> Model:
    """Load with progress on stderr, then print the loader's notices (data lost, other dumps)."""
    progress = StderrProgress(len(raw.data), f"loading {raw.name}")
    try:
        model = load_raw(raw, progress, snapshot, tables)
    finally:
        progress.close()
    for n in model.notices:
        notice(n)
    return model


def emit_json(doc: object) -> None:
    click.echo(json.dumps(doc, indent=1, ensure_ascii=False))


@click.group(cls=GotraceGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gotrace")
def cli() -> None:
    """Which goroutines pile up, where they were created, what they wait on.

    FILE is a Go execution trace (runtime/trace, /debug/pprof/trace) or a goroutine
    dump (/debug/pprof/goroutine?debug=2 or ?debug=1, a panic or SIGQUIT traceback,
    a test timeout). Use - for stdin; .gz is read transparently.
    """


@cli.command()
@click.argument("file")
@FORMAT
def info(file: str, fmt: str) -> None:
    """Format, span, event and goroutine counts, Ps, GCs, and any data lost."""
    from .analysis.summary import summarize

    model = open_model(file)
    s = summarize(model)
    if fmt == "json":
        emit_json(s)
        return
    width = max(len(k) for k in s)
    for k, v in s.items():
        if isinstance(v, dict):
            v = ", ".join(f"{kk} {vv:,}" if isinstance(vv, int) else f"{kk} {vv}" for kk, vv in v.items())
        elif isinstance(v, list):
            v = "; ".join(map(str, v)) or "none"
        elif isinstance(v, int) and k.endswith("_ns"):
            v = format_duration(v)
        elif isinstance(v, int):
            v = f"{v:,}"
        click.echo(f"{k.removesuffix('_ns').replace('_', ' '):<{width}}  {v}")


@cli.command()
@click.argument("file")
@click.option("--older-than", type=DURATION, metavar="DUR",
              help="Only goroutines blocked (waiting, runnable, syscall) at least this long "
                   "at the end, e.g. 60m.")
@click.option("--state", "states", multiple=True, metavar="REASON",
              help="Only this state or wait reason ('chan receive', select, runnable...). Repeatable.")
@click.option("--match", metavar="REGEX", help="Only goroutines whose function, file, id or label matches.")
@click.option("--group-by", type=click.Choice(["stack", "func", "created-by", "none"]), default="stack",
              show_default=True, help="Dumps: how to group goroutines in the table.")
@click.option("--hide-idle", is_flag=True, help="Dumps: drop the runtime's own idle goroutines.")
@click.option("--snapshot", type=click.IntRange(min=1), metavar="N",
              help="Dumps: which dump of a file holding several (1 = first; default: the largest).")
@FORMAT
def goroutines(file: str, older_than: int | None, states: tuple[str, ...], match: str | None,
               group_by: str, hide_idle: bool, snapshot: int | None, fmt: str) -> None:
    """Goroutines grouped by state, blocking site and creation site.

    \b
    Examples:
      gotrace goroutines trace.out --older-than 500ms
      gotrace goroutines dump.txt --older-than 60m --state "chan receive"
      gotrace goroutines dump.txt --format json | jq '.groups[0]'
    """
    from .commands.goroutines import run

    run(open_model(file, snapshot), older_than, states, match, group_by, hide_idle, fmt)


@cli.command(hidden=True)
@click.argument("file")
def events(file: str) -> None:
    """Print the ordered event stream (same layout as the Go tool eventdump)."""
    from .tables import Tables
    from .trace.reader import read_events
    from .trace.textdump import event_lines

    raw = open_input(file)
    if raw.kind != "trace":
        raise WrongInputKindError(f"{raw.name}: not an execution trace")
    tables = Tables()
    info_, chunks = read_events(raw.data, tables)
    out = sys.stdout
    for line in event_lines(chunks, tables):
        out.write(line + "\n")
    for d in info_.damage:
        notice(d.message)


def _register() -> None:
    from .commands.diff import diff
    from .commands.procs import procs
    from .commands.spikes import spikes
    from .commands.view import view

    for command in (view, spikes, procs, diff):
        cli.add_command(command)


_register()


def main() -> None:
    cli(prog_name="gotrace")
