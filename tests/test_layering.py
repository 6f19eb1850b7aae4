"""The core never imports the TUI: scripts and servers use it without Textual."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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
        "import sys, gotrace.cli, gotrace.load, gotrace.analysis.grouping;"
        "from gotrace.cli import cli;"
        "bad = [m for m in sys.modules if m.startswith(('textual', 'gotrace.tui'))];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def _module_name(path: Path) -> str:
    rel = path.relative_to(REPO).with_suffix("")
    parts = list(rel.parts)
    if parts[0] == "tui":
        parts[0:1] = ["gotrace", "tui"]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """Every gotrace module -> the gotrace modules it imports, at module level or inside functions."""
    files = [*(REPO / "gotrace").rglob("*.py"), *(REPO / "tui").rglob("*.py")]
    modules = {_module_name(p): p for p in files}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_pkg = path.name == "__init__.py"
        package = name if is_pkg else name.rsplit(".", 1)[0]
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    mod = ".".join(base + ([node.module] if node.module else []))
                else:
                    mod = node.module or ""
                targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
            for t in targets:
                if t in modules and t != name:
                    deps.add(t)
        graph[name] = deps
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles() -> None:
    graph = import_graph()
    # A package's __init__ re-exporting its own modules is not a cycle of concerns.
    pruned = {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}
    assert _cycles(pruned) == []


def _imports(graph: dict[str, set[str]], src: str, dst: str) -> list[str]:
    return sorted(f"{m} -> {d}" for m, deps in graph.items() if m == src or m.startswith(src + ".")
                  for d in deps if d == dst or d.startswith(dst + "."))


def test_arrows_point_one_way() -> None:
    """bytes -> events -> model -> analyses -> views: no arrow points back."""
    graph = import_graph()
    assert _imports(graph, "gotrace.trace", "gotrace.model") == []
    assert _imports(graph, "gotrace.trace", "gotrace.analysis") == []
    assert _imports(graph, "gotrace.dump", "gotrace.analysis") == []
    assert _imports(graph, "gotrace.model", "gotrace.analysis") == []
    for core in ("gotrace.trace", "gotrace.dump", "gotrace.model", "gotrace.analysis", "gotrace.render"):
        assert _imports(graph, core, "gotrace.cli") == []
        assert _imports(graph, core, "gotrace.tui") == []
    # Commands share gotrace.cli.common and .group; only the root (gotrace.cli) knows the commands.
    commands = [m for m in graph if m.startswith("gotrace.cli.") and m != "gotrace.cli.common"]
    for m in commands:
        assert "gotrace.cli" not in graph[m], m
    assert [d for d in graph["gotrace.cli.common"] if d.startswith("gotrace.cli.")] == ["gotrace.cli.group"]
    assert [d for d in graph["gotrace.cli.group"] if d.startswith("gotrace.cli.")] == []


def test_the_viewer_starts_its_loader_before_importing_anything_heavy() -> None:
    """``gotrace view`` starts the loader's child (gotrace.tui.spawn) having imported only
    the command line's root, the view command and what they need: not numpy, not the
    parsers or the model, not Textual, so the child reads while the viewer imports them."""
    code = ("import sys, gotrace.cli, gotrace.cli.view, gotrace.tui.spawn; "
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('numpy', 'textual', 'rich', 'construct') or m.startswith(("
            "'gotrace.model', 'gotrace.trace', 'gotrace.dump', 'gotrace.inputs', 'gotrace.tui.loader')))))")
    # -P: the installed package, not a checkout's gotrace/ in the working directory (no tui/ there).
    out = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == []
