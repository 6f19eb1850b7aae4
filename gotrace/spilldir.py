"""Where this process's spill files go: its spill directory (:mod:`gotrace.model.spill`).

Apart from the spill module, with nothing heavy: ``gotrace view`` names the directory
to the loader it starts before it imports numpy, the model or Textual, so that the
child reads while the viewer imports (a quarter of a second sooner on a big trace).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

from .errors import GotraceError

_PREFIX = "gotrace-spill-"
_dir: Path | None = None


def directory() -> Path:
    """This process's spill directory (under ``$TMPDIR``), made on first use and removed,
    with everything in it, when the process exits. Those left by processes that were
    killed (their pid is in the name) are removed on the way."""
    global _dir
    if _dir is None:
        tmp = tempfile.gettempdir()
        _sweep(Path(tmp))
        try:
            _dir = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))
        except OSError as e:
            raise GotraceError(f"cannot make a folder for the interval table's files in {tmp}: "
                               f"{e.strerror or e} (TMPDIR chooses where)") from None
        atexit.register(shutil.rmtree, _dir, True)
    return _dir


def _sweep(tmp: Path) -> None:
    """Remove the spill directories in ``tmp`` whose process is gone."""
    try:
        found = list(tmp.glob(f"{_PREFIX}*-*"))
    except OSError:
        return
    for d in found:
        pid = d.name[len(_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(d, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def use(spill: Path) -> None:
    """Make ``spill`` (another process's, which removes it) this process's spill directory:
    the viewer's loader writes where the viewer maps from."""
    global _dir
    _dir = spill
