"""Which frames are the user's code: the name a group is shown under.

A stack's top frames are nearly always runtime.gopark, sync.(*Cond).Wait or
internal/poll; what a reader needs is the first frame of *their* code
(``gotrace.stacks.is_std`` decides which frames are not).
"""

from __future__ import annotations

from typing import Final

from gotrace.stacks import display_index, root_index
from gotrace.tables import Tables

# Root functions of goroutines the runtime and standard library start for
# themselves (besides any runtime.* function other than runtime.main).
_RUNTIME_HELPER_ROOTS: Final[frozenset[str]] = frozenset(
    {"os/signal.loop", "unique.registerCleanup.func1", "runtime.goexit"}
)


def display_frame(tables: Tables, stack_id: int) -> int | None:
    """Frame id a stack is named by (``gotrace.stacks.display_index``); None if empty."""
    ids = tables.stacks[stack_id]
    frames = tables.frames
    i = display_index([frames[fid].func for fid in ids])
    return None if i is None else ids[i]


def display_name(tables: Tables, stack_id: int) -> str:
    """The group name: first non-std function of the stack (see display_frame)."""
    fid = display_frame(tables, stack_id)
    return "(no stack)" if fid is None else tables.frames[fid].func


def start_func(tables: Tables, stack_id: int) -> str | None:
    """The goroutine's root function (:func:`gotrace.stacks.root_index`: runtime.goexit and
    the go statement's wrapper, shown at GOTRACEBACK=system, skipped)."""
    funcs = [tables.frames[fid].func for fid in tables.stacks[stack_id]]
    i = root_index(funcs)
    return None if i is None else funcs[i]


def is_runtime_helper(root: str | None) -> bool:
    """Whether a goroutine with this root function was started by the runtime itself."""
    if root is None:
        return False
    if root in _RUNTIME_HELPER_ROOTS:
        return True
    return root.startswith("runtime.") and root != "runtime.main"
