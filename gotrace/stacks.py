"""Which frames matter to a Go engineer: the first one that is their own code.

Views name a goroutine or a group by the first frame outside the runtime and the
standard library. A stack made only of standard-library frames (an idle HTTP
keep-alive connection, a runtime helper) is named by its root function,
``net/http.(*conn).serve``, which says more than the leaf
``internal/poll.runtime_pollWait``. Traces and dumps share this one rule.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from .tables import Frame

_STD_ROOTS: Final[frozenset[str]] = frozenset(
    {
        "archive", "bufio", "builtin", "bytes", "cmp", "compress", "container", "context",
        "crypto", "database", "debug", "embed", "encoding", "errors", "expvar", "flag", "fmt",
        "go", "hash", "html", "image", "index", "internal", "io", "iter", "log", "maps", "math",
        "mime", "net", "os", "path", "plugin", "reflect", "regexp", "runtime", "slices", "sort",
        "strconv", "strings", "structs", "sync", "syscall", "testing", "text", "time",
        "unicode", "unique", "unsafe", "vendor", "weak",
    }
)  # fmt: skip


def package_of(func: str) -> str:
    """``net/http.(*conn).serve`` -> ``net/http``; ``panic`` -> ``""``."""
    bracket = func.find("[")
    head = func if bracket < 0 else func[:bracket]
    slash = head.rfind("/")
    dot = head.find(".", slash + 1)
    return head[:dot] if dot >= 0 else ""


def is_std(func: str) -> bool:
    """True for runtime and standard-library functions (and the builtin "panic").

    Standard library means the package path's first element is one of Go's
    top-level std directories, so ``main`` and dot-less module paths such as
    ``shop/server`` are the user's own code.
    """
    pkg = package_of(func)
    if not pkg:
        return True
    root = pkg.split("/", 1)[0]
    return root in _STD_ROOTS


# The compiler's wrapper for ``go f(args)`` (Go 1.21+): shown in tracebacks at
# GOTRACEBACK=system, never what a goroutine is.
def writes_profile(func: str) -> bool:
    """Whether ``func`` is runtime/pprof writing a profile: the frame that tells a profile's own
    writer (its only running goroutine) from goroutines that merely ran ``pprof.Do`` to set
    labels, which keep that frame on their stacks while they wait."""
    return func.startswith("runtime/pprof.write") or func == "runtime/pprof.(*Profile).WriteTo"


# Taking a trace's capture: the goroutine that stops it, or writes a flight recorder's window.
_TRACE_TAKERS: Final = frozenset({"runtime/trace.Stop", "runtime/trace.(*FlightRecorder).WriteTo"})


def takes_capture(func: str) -> bool:
    """Whether ``func`` is writing the dump or profile, or ending the trace, being read: the
    goroutine with it on its stack is the capture's own, busy only because it takes it."""
    return writes_profile(func) or func in _TRACE_TAKERS


_GOWRAP = re.compile(r"\.gowrap\d+$")


# What every goroutine returns into, and what runs the main goroutine's main.main: printed
# at GOTRACEBACK=system (a SIGQUIT's traceback) and recorded in traces, hidden in debug=2.
_ROOT_CALLERS: Final[frozenset[str]] = frozenset({"runtime.goexit", "runtime.main"})


def root_index(funcs: Sequence[str]) -> int | None:
    """Index (leaf first) of the stack's root function, what the goroutine runs: the last
    frame that is neither ``runtime.goexit``, ``runtime.main`` nor the ``go`` statement's
    ``.gowrapN`` wrapper (all printed at GOTRACEBACK=system, as a SIGQUIT's traceback is,
    and recorded in traces); None when there is no such frame."""
    for i in range(len(funcs) - 1, -1, -1):
        if funcs[i] not in _ROOT_CALLERS and not _GOWRAP.search(funcs[i]):
            return i
    return None


def display_index(funcs: Sequence[str]) -> int | None:
    """Index (leaf first) of the frame a stack is named by; None for an empty stack.

    The first user frame; failing that the root (:func:`root_index`).
    """
    for i, func in enumerate(funcs):
        if func and not is_std(func):
            return i
    root = root_index(funcs)
    if root is not None:
        return root
    return 0 if funcs else None


def user_frame(frames: list[Frame]) -> Frame | None:
    """The frame a stack is named by (see display_index)."""
    i = display_index([f.func for f in frames])
    return None if i is None else frames[i]
