"""Which frames matter to a Go engineer: the first one that is their own code.

Views name a goroutine or a group by the first frame outside the runtime and the
standard library; a stack of only runtime frames falls back to its top frame.
"""

from __future__ import annotations

from .tables import Frame, Tables


def is_std(func: str) -> bool:
    """True for runtime and standard-library functions.

    Go's rule of thumb: a standard-library import path has no dot in its first
    element (``net/http``, ``sync``), a module path does (``example.com/x``).
    Package ``main`` is the user's own.
    """
    if func.startswith("main."):
        return False
    path = func.split("(", 1)[0]
    slash = path.rfind("/")
    first = path[:slash].split("/", 1)[0] if slash >= 0 else path.split(".", 1)[0]
    return "." not in first


def user_frame(frames: list[Frame]) -> Frame | None:
    for f in frames:
        if f.func and not is_std(f.func):
            return f
    return frames[0] if frames else None


def user_frame_of(tables: Tables, stack_id: int) -> Frame | None:
    return user_frame(tables.stack_frames(stack_id))


def frames_json(tables: Tables, stack_id: int) -> list[dict[str, object]]:
    return [{"func": f.func, "file": f.file, "line": f.line} for f in tables.stack_frames(stack_id)]
