"""Handing gotrace's model to other tools: one module per format.

* :mod:`.perfetto` and :mod:`.chrome`: the timeline (:mod:`.timeline`) for
  Perfetto's UI and every Trace Event viewer;
* :mod:`.pprof`: a goroutine profile for ``go tool pprof`` and Pyroscope;
* :mod:`.parquet`: the model's tables for DuckDB, pandas and polars.

Protobuf output is written by :mod:`.wire`, a columnar encoder, so neither the
protobuf runtime nor the perfetto package is needed to write; Parquet needs
pyarrow, the ``gotrace[export]`` extra, imported only when used.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ..errors import GotraceError

FORMATS = ("perfetto", "chrome", "pprof", "parquet")


class MissingDependencyError(GotraceError):
    """An optional feature's library is not installed; the message says which extra has it."""


class OutputError(GotraceError):
    """The output cannot be written (folder missing, permission, disk full)."""


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import an optional library, or fail with one line saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingDependencyError(f"{feature} needs {module.split('.')[0]}: "
                                     f"pip install 'gotrace[{extra}]'") from None
