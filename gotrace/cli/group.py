"""The command line's group, which turns every failure into one line, and that line.

Every failure the user can cause ends as one ``gotrace: error: ...`` line naming
the input and exit 1; usage mistakes are click's exit 2. ``GOTRACE_DEBUG=1`` shows
tracebacks. Apart from :mod:`gotrace.cli.common`, with nothing heavy (no numpy, no
parser): ``gotrace view`` starts its loader before it imports those
(``tests/test_layering.py``).
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import click

from ..errors import GotraceError
from ..render.text import safe

EXIT_ERROR = 1


def fail(message: str) -> NoReturn:
    click.echo(f"gotrace: error: {safe(message)}", err=True)
    sys.exit(EXIT_ERROR)


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
    """The input(s) the command was reading, for error lines (see :func:`gotrace.cli.common.read_input`)."""
    return ", ".join(ctx.meta.get(_INPUTS, ()))


_INPUTS = "gotrace.inputs"


def remember_input(path: str) -> None:
    """Note ``path`` as an input of the running command: its failures name it."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta.setdefault(_INPUTS, []).append("stdin" if path == "-" else path)


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
