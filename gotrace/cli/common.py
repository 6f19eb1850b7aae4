"""What every command shares: options, loading with progress, warnings, JSON out.

Every failure the user can cause ends as one ``gotrace: error: ...`` line naming
the input and exit 1 (:mod:`gotrace.cli.group`); usage mistakes are click's exit 2
(a bad regex, an option that does not apply to the input). Commands import from
here; nothing here imports a command.

Errors, warnings and usage messages quote the input (its name, its function
names, a server's status line): they go through :func:`safe`, so that they are
one line each and hold no terminal escape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import click

from ..durations import show_ticks
from ..errors import WrongInputKindError
from ..inputs import RawInput, open_input
from ..load import cached, load_captures, load_raw, remember
from ..model import Model
from ..model.spill import wanted
from ..progress import StderrProgress
from ..render import jsontext, table
from ..render.text import safe
from ..spilldir import directory
from ..tables import Tables
from .group import remember_input

F = TypeVar("F", bound=Callable[..., Any])


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


def notice(message: str) -> None:
    click.echo(f"gotrace: warning: {safe(message)}", err=True)


def usage_error(message: str, option: str | None = None) -> NoReturn:
    """Exit 2 with click's usage line: the command line, not the data, is wrong."""
    message = safe(message)
    if option:
        raise click.BadParameter(message, param_hint=option)
    raise click.UsageError(message)


def read_input(path: str) -> RawInput:
    """``open_input``, remembering the name so that even an unexpected failure names it."""
    remember_input(path)
    return open_input(path)


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
        remember_input(path)
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


def load_series(raw: RawInput, tables: Tables) -> list[Model]:
    """The captures an input holds, oldest first: a trace, or every dump of a file of dumps
    (said on stderr when there are several: they are read as a series)."""
    progress = StderrProgress(raw.size, f"loading {raw.name}")
    try:
        models = load_captures(raw, tables, progress)
    finally:
        progress.close()
    if len(models) > 1:
        notice(f"{raw.name} holds {len(models)} dumps: read as a series, in file order (oldest first)")
    for m in models:
        _opened(m)
    return models


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
