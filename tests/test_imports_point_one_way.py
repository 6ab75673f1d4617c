"""The folder layout is the pipeline: each stage imports only itself and the stages before it,
no two modules import each other (directly or around a loop), and no module grows past 400
lines. Every import counts, function-level ones included: a lazy import may keep a heavy
library off ``import bookstore_resil``, never hide a backward edge."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).parents[1] / "bookstore_resil"
# The stages in import order: a module may import its own stage and the ones to its left.
STAGES = (
    "foundation",  # errors, log, display, clock, secrets, templates, workbook: every stage uses
    "define",
    "analyse",
    "targets",
    "lab",
    "archive",
    "report",
    "history",
    "exercise",
    "cli",
    "testing",  # scaffolding for tests and practice; the runtime never imports it
)
MAX_LINES = 400
# The lab's Django project is imported by gunicorn as its own top-level package ("books").
NOT_PACKAGE_CODE = ("lab/bookstore_api",)


def modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.as_posix().startswith(NOT_PACKAGE_CODE):
            continue
        parts = ("bookstore_resil", *relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def stage_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1 or parts[1] not in STAGES:
        return "foundation"
    return parts[1]


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """Every package module ``module`` imports, at any depth of its code."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".")
                if not is_package:
                    anchor = anchor[:-1]
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            names = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            # the longest known module the name lies in ("pkg.mod.func" -> "pkg.mod")
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


@pytest.fixture(scope="module")
def graph() -> nx.DiGraph:
    found = modules()
    graph = nx.DiGraph()
    for module, path in found.items():
        graph.add_node(module)
        for imported in imports_of(module, path, set(found)):
            # a package's __init__ is run by importing any of its modules: not an edge
            if not module.startswith(imported + "."):
                graph.add_edge(module, imported)
    return graph


def test_every_module_belongs_to_a_stage(graph):
    top_level = sorted(m for m in graph if m.count(".") == 1 and stage_of(m) == "foundation")
    foundation = ["clock", "display", "errors", "log", "secrets", "templates", "workbook"]
    assert [m.split(".")[1] for m in top_level] == foundation


def test_imports_point_from_later_stages_to_earlier_ones(graph):
    backward = [
        f"{importer} ({stage_of(importer)}) imports {imported} ({stage_of(imported)})"
        for importer, imported in graph.edges
        if STAGES.index(stage_of(imported)) > STAGES.index(stage_of(importer))
    ]
    assert backward == []


def test_no_import_cycle_between_modules(graph):
    assert list(nx.simple_cycles(graph)) == []


def test_the_runtime_never_imports_the_testing_scaffolding(graph):
    assert [
        m for m, i in graph.edges if stage_of(i) == "testing" and stage_of(m) != "testing"
    ] == []


def test_no_module_is_longer_than_400_lines():
    lines = {m: len(p.read_text().splitlines()) for m, p in modules().items()}
    assert {m: n for m, n in lines.items() if n > MAX_LINES} == {}


def test_the_test_sees_function_level_imports(tmp_path):
    module = tmp_path / "mod.py"
    module.write_text("def f():\n    from .other import thing\n    import pkg.late\n")
    known = {"pkg.other", "pkg.late", "pkg.mod"}
    assert imports_of("pkg.mod", module, known) == {"pkg.other", "pkg.late"}
