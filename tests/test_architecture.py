"""The core stays Textual-free: models, ingest, eligibility, search, store, fetch, session and the
command line import without textual, so they can be used (and tested) with no UI at all; and the
record model sits below eligibility/, never importing back what imports it."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

PROBE = """
import importlib, pkgutil, sys
import trialtui
core = [m.name for m in pkgutil.walk_packages(trialtui.__path__, "trialtui.")
        if not m.name.startswith("trialtui.tui") and m.name != "trialtui.__main__"]
for name in core:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print(len(core), loaded)
"""


def test_core_modules_import_without_textual():
    probe = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr[-2000:]
    count, loaded = probe.stdout.split(" ", 1)
    assert int(count) >= 10, "the probe should have found the core modules"
    assert loaded.strip() == "[]", f"core modules pulled in textual: {loaded}"


def test_styles_use_theme_variables_not_hex_colours():
    from trialtui.paths import styles_dir

    sheets = list(styles_dir().glob("*.tcss"))
    assert sheets
    for sheet in sheets:
        hex_colours = re.findall(r":[^;{}]*#[0-9a-fA-F]{3,8}\b", sheet.read_text())
        assert not hex_colours, f"{sheet.name} uses hex colours: {hex_colours}"


def import_graph() -> dict[str, set[str]]:
    """Every trialtui module → the trialtui modules it imports anywhere in its body (imports inside
    functions count: they close a cycle as surely as top-level ones, only later)."""
    from conftest import ROOT

    src = ROOT / "src"
    modules = {}
    for path in (src / "trialtui").rglob("*.py"):
        parts = path.relative_to(src).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):  # the code base imports absolutely
                assert not node.level, f"{path.name}: a relative import; the graph reads absolute ones"
                targets.add(node.module)
                targets.update(f"{node.module}.{alias.name}" for alias in node.names)
        # importing a.b.c runs a/__init__ and a/b/__init__ too
        graph[name] = {p for t in targets for p in _with_parents(t) if p in modules and p != name}
    return graph


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(2, len(parts) + 1)]


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_models_import_nothing_that_imports_them_back():
    graph = import_graph()
    assert "trialtui.models" in graph["trialtui.eligibility.criteria"], "the graph should see criteria → models"
    from_models = reachable(graph, "trialtui.models")
    assert "trialtui.models" not in from_models, f"models.py is in an import cycle through {sorted(from_models)}"
    eligibility = sorted(m for m in from_models if m.startswith("trialtui.eligibility"))
    assert not eligibility, f"models.py imports eligibility/ ({eligibility}), which imports models.py"
