"""Failures a user can act on, each carrying the one line shown on stderr.

The CLI turns any GotraceError into ``gotrace: error: <message>`` and exit 1; a
Python traceback is a bug. Set GOTRACE_DEBUG=1 to see the traceback anyway.
"""

from __future__ import annotations


class GotraceError(Exception):
    """Base: str(err) is the complete one-line message."""


class InputError(GotraceError):
    """The input cannot be read at all (missing file, permission, network)."""


class UnknownInputError(GotraceError):
    """The bytes are neither a Go execution trace nor a goroutine dump."""


class TraceFormatError(GotraceError):
    """The file is a Go trace but cannot be parsed (unknown version, corrupt start)."""


class DumpFormatError(GotraceError):
    """The text looks like a goroutine dump but holds no goroutine we could read."""


class WrongInputKindError(GotraceError):
    """The command needs a trace and got a dump (or the reverse)."""
