"""The model cache's names (:mod:`gotrace.cache`): where it lives, whether it is on, a
file's entry, and whether that entry is whole.

Apart from the cache, with nothing heavy: ``gotrace view`` asks whether the cache holds
its file before it imports numpy, the model or Textual, and starts its loader at once
when it does not, so that the child reads while the viewer imports.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from . import __version__

MODEL_VERSION = 5  # 4: no since_ns or syscall_block_ns column; 5: wakes
"""Bumped whenever the model's columns or their meaning change."""

MIN_SIZE = 4 << 20
_HASHED = 1 << 20
MANIFEST = "manifest.json"


def cache_dir() -> Path:
    env = os.environ.get("GOTRACE_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gotrace"


def enabled() -> bool:
    return os.environ.get("GOTRACE_NO_CACHE", "") in ("", "0")


def min_size() -> int:
    """Smallest file cached: :data:`MIN_SIZE`, or ``$GOTRACE_CACHE_MIN`` bytes."""
    try:
        return int(os.environ.get("GOTRACE_CACHE_MIN", MIN_SIZE))
    except ValueError:
        return MIN_SIZE


def key_of(path: str) -> str | None:
    """The entry name for the file at ``path`` as it is now; None if it cannot be cached."""
    try:
        real = os.path.realpath(path)
        st = os.stat(real)
        if not os.path.isfile(real) or st.st_size < min_size():
            return None
        h = hashlib.sha256()
        h.update(json.dumps([MODEL_VERSION, __version__, real, st.st_size, st.st_mtime_ns]).encode())
        with open(real, "rb") as f:
            h.update(f.read(_HASHED))
            f.seek(max(st.st_size - _HASHED, 0))
            h.update(f.read(_HASHED))
    except OSError:
        return None
    return h.hexdigest()[:32]


def is_lean(root: Path) -> bool | None:
    """Whether the entry at ``root`` lacks intervals (None: no readable entry there)."""
    try:
        manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        return not manifest.get("intervals", True)
    except (OSError, ValueError, AttributeError):
        return None


def holds(key: str | None, intervals: bool = False) -> bool:
    """Whether entry ``key`` is complete (written, and not evicted since), and with
    ``intervals`` whether it is a full one (not lean)."""
    if key is None or not (cache_dir() / key / MANIFEST).is_file():
        return False
    return not intervals or is_lean(cache_dir() / key) is False
