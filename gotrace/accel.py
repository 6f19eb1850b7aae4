"""The optional C accelerators (``gotrace/*/_*.c``, built by setup.py when a compiler is there).

Each has a pure-Python twin with the same results; ``GOTRACE_PURE_PYTHON=1``
turns them off, which is how the tests compare the two paths.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from typing_extensions import Buffer

T = TypeVar("T", bound=np.generic)


def load(module: str) -> ModuleType | None:
    """The accelerator ``module``, or None when it is not built or turned off."""
    if os.environ.get("GOTRACE_PURE_PYTHON"):
        return None
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def frombuffer(buf: Buffer, dtype: type[T] | np.dtype[T]) -> npt.NDArray[T]:
    """A numpy view (no copy) of a column an accelerator returned as a Buf."""
    return np.frombuffer(memoryview(buf), dtype)
