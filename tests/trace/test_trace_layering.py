"""The trace readers sit below the model: nothing in gotrace/trace imports upwards.

Data flows one way (DESIGN.md): formats -> events -> model -> analyses -> views.
A reader that imported the model (or anything above it) could not be used, or
tested, on its own, and a cycle would be one edit away.
"""

from __future__ import annotations

import ast

from conftest import REPO

TRACE = REPO / "gotrace" / "trace"
ABOVE = ("gotrace.model", "gotrace.analysis", "gotrace.render", "gotrace.commands",
         "gotrace.cli", "gotrace.load", "gotrace.tui", "gotrace.dump")


def _imports(tree: ast.AST) -> list[str]:
    """Absolute names of every module the file imports (relative ones resolved)."""
    package = ["gotrace", "trace"]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            mod = ".".join(base + ([node.module] if node.module else []))
            out += [mod] + [f"{mod}.{a.name}" for a in node.names]
    return out


def test_trace_imports_nothing_above_it() -> None:
    offenders = []
    for path in sorted(TRACE.glob("*.py*")):
        if path.suffix not in (".py", ".pyi"):
            continue
        tree = ast.parse(path.read_text(), str(path))
        offenders += [f"{path.name}: {name}" for name in _imports(tree)
                      if name.startswith(ABOVE)]
    assert offenders == []


def test_the_check_sees_relative_imports() -> None:
    tree = ast.parse("from ..model import core\nfrom . import spec_v2\nfrom .. import accel\n")
    assert _imports(tree) == ["gotrace.model", "gotrace.model.core", "gotrace.trace",
                                   "gotrace.trace.spec_v2", "gotrace", "gotrace.accel"]
