"""The core never imports the TUI: scripts and servers use it without Textual."""

from __future__ import annotations

import ast
import subprocess
import sys

from conftest import REPO


def test_core_source_has_no_textual_import() -> None:
    offenders = []
    for path in (REPO / "gotrace").rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] if node.level == 0 else [f".{node.module}"]
            for name in names:
                if name.split(".")[0] in ("textual", "tui") or name.startswith(
                    ("gotrace.tui", ".tui", "..tui")
                ):
                    offenders.append(f"{path.relative_to(REPO)}: {name}")
    assert offenders == []


def test_core_import_does_not_load_textual() -> None:
    code = (
        "import sys, gotrace.cli, gotrace.load, gotrace.analysis.longlived;"
        "from gotrace.cli import cli;"
        "bad = [m for m in sys.modules if m.startswith(('textual', 'gotrace.tui'))];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
