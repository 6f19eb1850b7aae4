"""What every command shares: options, loading with progress, errors, JSON out.

Every failure the user can cause ends as one ``gotrace: error: ...`` line naming
the input and exit 1; usage mistakes are click's exit 2 (a bad regex, an option
that does not apply to the input). ``GOTRACE_DEBUG=1`` shows tracebacks. Commands
import from here; nothing here imports a command.

Errors, warnings and usage messages quote the input (its name, its function
names, a server's status line): they go through :func:`safe`, so that they are
one line each and hold no terminal escape.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from ..durations import show_ticks
from ..errors import GotraceError, WrongInputKindError
from ..inputs import RawInput, open_input
from ..load import cached, load_raw, remember
from ..model import Model
from ..model.spill import directory, wanted
from ..progress import StderrProgress
from ..render import jsontext, table
from ..render.text import safe
from ..tables import Tables

F = TypeVar("F", bound=Callable[..., Any])

EXIT_ERROR = 1
EXIT_USAGE = 2


def format_option(f: F) -> F:
    """``--format table|json``, the same on every command."""
    return click.option(
        "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
        help="table for people, json for scripts (the README documents each schema).",
    )(f)


def wide_option(f: F) -> F:
    """``--wide``: every column and full names, even when that is wider than the terminal."""
    return click.option(
        "--wide", is_flag=True,
        help="On a terminal, show every column and full names (piped output is never cut).",
    )(f)


class Regex(click.ParamType):
    """A regular expression, compiled; a bad one is a usage error naming the problem."""

    name = "regex"

    def convert(self, value: object, param: click.Parameter | None,
                ctx: click.Context | None) -> re.Pattern[str]:
        if isinstance(value, re.Pattern):
            return value
        try:
            return re.compile(str(value))
        except re.error as e:
            self.fail(f"{value!r} is not a valid regular expression: {e}", param, ctx)


REGEX = Regex()


def fail(message: str) -> NoReturn:
    click.echo(f"gotrace: error: {safe(message)}", err=True)
    sys.exit(EXIT_ERROR)


def notice(message: str) -> None:
    click.echo(f"gotrace: warning: {safe(message)}", err=True)


def usage_error(message: str, option: str | None = None) -> NoReturn:
    """Exit 2 with click's usage line: the command line, not the data, is wrong."""
    message = safe(message)
    if option:
        raise click.BadParameter(message, param_hint=option)
    raise click.UsageError(message)


class GotraceGroup(click.Group):
    """Turns every failure into one stderr line: GotraceError, memory, and (as a last
    resort, so a user never sees a traceback) an internal error naming the command."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except GotraceError as e:
            if os.environ.get("GOTRACE_DEBUG"):
                raise
            fail(_naming_input(ctx, str(e)))
        except MemoryError:
            if os.environ.get("GOTRACE_DEBUG"):
                raise
            fail(f"{_inputs(ctx) or 'gotrace'}: out of memory while loading the input")
        except KeyboardInterrupt:
            sys.exit(130)
        except BrokenPipeError:
            # The reader (head, less) went away: not an error; keep Python quiet at exit.
            _silence_stdout()
            sys.exit(0)
        except Exception as e:
            if os.environ.get("GOTRACE_DEBUG"):
                raise
            where = _inputs(ctx)
            fail(f"{where + ': ' if where else ''}internal error: {type(e).__name__}: {e} "
                 "(a bug in gotrace; GOTRACE_DEBUG=1 shows where)")


def _inputs(ctx: click.Context) -> str:
    """The input(s) the command was reading, for error lines (see :func:`read_input`)."""
    return ", ".join(ctx.meta.get(_INPUTS, ()))


_INPUTS = "gotrace.inputs"


def _remember_input(path: str) -> None:
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta.setdefault(_INPUTS, []).append("stdin" if path == "-" else path)


def read_input(path: str) -> RawInput:
    """``open_input``, remembering the name so that even an unexpected failure names it."""
    _remember_input(path)
    return open_input(path)


def _naming_input(ctx: click.Context, message: str) -> str:
    """The message, prefixed with the input it is about when it does not name one already."""
    names = ctx.meta.get(_INPUTS, ())
    if not names or any(name in message for name in names):
        return message
    return f"{names[-1]}: {message}"


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


Options = dict[str, object]


def check_applies(name: str, kind: str, *, dump_only: Options | None = None,
                  trace_only: Options | None = None) -> None:
    """Refuse (exit 2) an option given for the other kind of input, rather than ignore it."""
    for only, options in (("dump", dump_only), ("trace", trace_only)):
        if kind == only:
            continue
        for option, value in (options or {}).items():
            if value not in (None, False, (), ""):
                what = {"dump": "a goroutine dump", "trace": "an execution trace"}
                usage_error(f"{option} applies to {what[only]}; {name} is {what[kind]}")


def open_model(path: str, snapshot: int | None = None, want: str | None = None, *,
               dump_only: Options | None = None, intervals: bool = False) -> Model:
    """The model of the input at ``path``, from the model cache when it holds this very file.

    ``want="trace"`` refuses a dump; ``dump_only`` options given for a trace are refused
    (:func:`check_applies`) before anything is parsed. A trace's interval table is built
    only for a command that asks for ``intervals``.
    """
    key, model = cached(path, intervals) if snapshot is None else (None, None)
    if model is not None:
        _remember_input(path)
        check_applies(model.source.path, model.source.kind, dump_only=dump_only)
        _opened(model)
        return model
    raw = read_input(path)
    if want == "trace" and raw.kind != "trace":
        raise WrongInputKindError(f"{raw.name}: this command needs an execution trace, got a goroutine dump")
    check_applies(raw.name, raw.kind, dump_only=dump_only)
    model = load_model(raw, snapshot, intervals=intervals)
    remember(key, model)
    return model


def load_model(raw: RawInput, snapshot: int | None = None, tables: Tables | None = None, *,
               intervals: bool = False) -> Model:
    """Load with progress on stderr, then print the loader's notices (data lost, other dumps).
    A trace's interval table is built only if asked for (``intervals``), in files for the
    command's lifetime if the trace is big (:func:`gotrace.model.spill.wanted`)."""
    progress = StderrProgress(raw.size, f"loading {raw.name}")
    spill = directory() if intervals and raw.kind == "trace" and wanted(raw.size) else None
    try:
        model = load_raw(raw, progress, snapshot, tables, intervals=intervals, spill=spill)
    finally:
        progress.close()
    _opened(model)
    return model


def _opened(model: Model) -> None:
    """What every command does with a model it opened: its notices on stderr, and times
    printed as ticks if that is what the model's are."""
    show_ticks(model.info is not None and model.info.time_unit == "ticks")
    for n in model.notices:
        notice(n)


def output_width() -> int | None:
    """The width tables must fit: the terminal's, or None when stdout is not one (never cut)."""
    return table.terminal_width()


def emit_json(doc: object) -> None:
    """The document as ``json.dumps(doc, indent=1, ensure_ascii=False)`` and a newline,
    written a megabyte at a time (render.jsontext)."""
    for piece in jsontext.iterencode(doc):
        click.echo(piece, nl=False)
    click.echo()
