"""The house's layers hold: imports run only downward, no circle of files, no cross-app import
hidden inside a function (docs/architecture.md, "Layers").

The layers are the import-linter contract in pyproject.toml; ``lint-imports`` prints the same
report as the first test. The second test proves that the contract can fail: it copies the
package, adds one upward import, and watches the contract refuse it.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "cluedesk"


def _lint(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    return subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
         "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
    )


def test_the_layer_contract_holds() -> None:
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True) == 0, (
        "an import runs up the layers: run `lint-imports` for the chain"
    )


def test_an_upward_import_breaks_the_contract(tmp_path: Path) -> None:
    shutil.copytree(PACKAGE, tmp_path / "cluedesk", ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static",
                                                                                  "templates", "locale", "data"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    assert _lint(tmp_path, tmp_path).returncode == 0
    # the ledger (a bottom layer) reaching up into the clues app
    (tmp_path / "cluedesk" / "ledger" / "upward.py").write_text("from cluedesk.clues import models  # noqa\n")
    broken = _lint(tmp_path, tmp_path)
    assert broken.returncode != 0
    assert "cluedesk.ledger.upward -> cluedesk.clues.models" in broken.stdout


def _app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _inner_cross_app_imports(path: Path) -> list[str]:
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    own = _app_of(module)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for fn in ast.walk(tree):
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(fn):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = module.split(".")[: -node.level]
                    names = [".".join([*base, node.module] if node.module else base)]
                else:
                    names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                if name.startswith("cluedesk.") and _app_of(name) != own:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name} inside {fn.name}()")
    return found


def test_no_cross_app_import_hides_inside_a_function() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            found += _inner_cross_app_imports(path)
    assert found == [], "\n".join(found)


def test_the_inner_import_guard_sees_one(tmp_path: Path) -> None:
    sample = ROOT / "cluedesk" / "ledger" / "_sample_for_test.py"
    try:
        sample.write_text("def f():\n    from cluedesk.clues.models import Clue\n    return Clue\n")
        assert _inner_cross_app_imports(sample) == [
            "cluedesk/ledger/_sample_for_test.py:2 imports cluedesk.clues.models inside f()"
        ]
    finally:
        sample.unlink()


def _circles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """Tarjan's strongly connected components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0

    def visit(start: str) -> None:
        nonlocal counter
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start) & modules)))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child) & modules))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    circle = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        circle.append(member)
                        if member == node:
                            break
                    if len(circle) > 1:
                        out.append(sorted(circle))

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return out


def _modules(graph: grimp.ImportGraph) -> set[str]:
    return {m for m in graph.modules if ".migrations" not in m}


def test_no_circle_of_files() -> None:
    graph = grimp.build_graph("cluedesk", cache_dir=None)
    assert _circles(graph, _modules(graph)) == []


def test_the_circle_finder_sees_one() -> None:
    graph = grimp.ImportGraph()
    for name in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(name)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.x")
    graph.add_import(importer="a.z", imported="a.x")
    assert _circles(graph, {"a.x", "a.y", "a.z"}) == [["a.x", "a.y"]]


@pytest.mark.parametrize("store", ["jobs", "dashboard_panels", "implicated_clues"])
def test_registry_stores_exist(store: str) -> None:
    from cluedesk.platform.registry import registry

    assert store in registry


def _views_that_write_events() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if not (path.stem == "views" or path.parent.name == "views" or path.stem.endswith("_views")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cluedesk.ledger.services"):
                if any(alias.name == "record" for alias in node.names):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Attribute) and node.attr == "record" and isinstance(node.value, ast.Name) \
                    and node.value.id in {"ledger", "ledger_services"}:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_views_write_no_ledger_event() -> None:
    """Every state change is one service writing one event; a view calls the service (issue 21, item 3)."""
    assert _views_that_write_events() == []


def _layer_of() -> dict[str, int]:
    """App -> its layer's index (0 = the top) from the import-linter contract."""
    import tomllib

    contract = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]
    out = {}
    for index, line in enumerate(contract["layers"]):
        for name in line.replace(":", "|").split("|"):
            out[name.strip().split(".")[-1]] = index
    return out


def _template_reach() -> list[str]:
    """Templates that load a tag library of, or include/extend a template of, an app above their own."""
    layer = _layer_of()
    owner_of_template = {}
    for path in PACKAGE.glob("*/templates/**/*.html"):
        owner_of_template[str(path.relative_to(path.parents[len(path.relative_to(PACKAGE).parts) - 3]))] = \
            path.relative_to(PACKAGE).parts[0]
    owner_of_library = {p.stem: p.relative_to(PACKAGE).parts[0] for p in PACKAGE.glob("*/templatetags/*.py")}
    found = []
    for path in sorted(PACKAGE.glob("*/templates/**/*.html")):
        app = path.relative_to(PACKAGE).parts[0]
        text = path.read_text(encoding="utf-8")
        used = [owner_of_library.get(lib) for load in re.findall(r"{%\s*load\s+([^%]+?)\s*%}", text)
                for lib in load.split()]
        used += [owner_of_template.get(name) for name in
                 re.findall(r"""{%\s*(?:include|extends)\s+["']([^"']+)["']""", text)]
        for other in used:
            if other and other != app and layer.get(other, 99) <= layer.get(app, 99):
                found.append(f"{path.relative_to(ROOT)} uses {other}'s templates or tags")
    return found


def test_templates_reach_only_downward() -> None:
    assert _template_reach() == []


def _shims(paths: list[Path]) -> list[str]:
    """Ways around the layers: import shims, imports by name of our own modules, signature probes."""
    found = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                names = [n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)]
                if {"ImportError", "ModuleNotFoundError"} & set(names):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} catches an import error")
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                literal = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                if name in {"import_string", "import_module", "__import__"} and any(
                        v.startswith("cluedesk") for v in literal):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports one of our modules by name")
                if name == "signature" and isinstance(node.func, ast.Attribute) and \
                        getattr(node.func.value, "id", "") == "inspect":
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} probes a signature")
    return found


def test_no_way_around_the_layers() -> None:
    paths = [p for p in sorted(PACKAGE.rglob("*.py")) if "migrations" not in p.parts]
    assert _shims(paths) == []


def test_the_shim_guard_sees_them(tmp_path: Path) -> None:
    sample = ROOT / "cluedesk" / "ledger" / "_shim_sample_for_test.py"
    try:
        sample.write_text(
            "import inspect\nfrom django.utils.module_loading import import_string\n"
            "try:\n    from cluedesk.clues import models\nexcept ImportError:\n    models = None\n"
            "f = import_string('cluedesk.clues.views.x')\ninspect.signature(f)\n")
        assert len(_shims([sample])) == 3
    finally:
        sample.unlink()
