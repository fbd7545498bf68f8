"""Imports run one way, with no exemptions: network/ at the bottom; the writer (excelgen/) and the checker (verify/)
above it, knowing nothing of each other; the CNN (cnn/) beside them, using only the writer's sheet toolkit; the CLI
and what joins the libraries (backprop_sheet/) on top. Inside verify/, each room imports only the rooms before it.
No module import cycle anywhere (imports under `if TYPE_CHECKING:` are for type checkers and do not run)."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("network", "excelgen", "verify", "cnn", "backprop_sheet")

# package -> the project packages its modules may import
ALLOWED = {
    "network": set(),
    "excelgen": {"network"},
    "verify": {"network"},
    "cnn": {"network", "excelgen"},
    "backprop_sheet": {"network", "excelgen", "verify", "cnn"},
}
# the writer's sheet toolkit: the only modules of excelgen/ that cnn/ may import
SHEET_TOOLKIT = {"excelgen", "excelgen.styles", "excelgen.printing", "excelgen.grid"}
# verify's rooms, each allowed to import the rooms listed with it; its top modules (api, batch) may import them all
ROOMS = {
    "reading": set(),
    "engines": {"reading"},
    "reports": {"reading"},
    "naming": {"reading"},
    "tables": {"reading", "engines", "naming"},  # recognise.py evaluates formulas with engines/fastmath.py
    "checking": {"reading", "engines", "reports", "naming", "tables"},
    "grading": {"reports"},  # the rubric, and the score of a Report
    "marking": {"reading", "reports", "grading"},  # the marked copy of a student's workbook
}


def _modules() -> dict[str, Path]:
    """Every module of the project: dotted name -> file."""
    found = {}
    for package in PACKAGES:
        for source in sorted((ROOT / package).rglob("*.py")):
            parts = source.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = source
    return found


MODULES = _modules()


def _runtime_nodes(tree: ast.AST):
    """The nodes of a module that run: everything but the bodies of `if TYPE_CHECKING:`."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            stack.extend(node.orelse)
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _imports(module: str) -> set[str]:
    """The project modules `module` imports at run time, anywhere in it (lazy imports included)."""
    found = set()
    for node in _runtime_nodes(ast.parse(MODULES[module].read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            submodules = {name for name in names if name in MODULES}
            found |= submodules or {node.module}
            if len(submodules) < len(names):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name in MODULES and name != module}


@functools.cache
def graph() -> dict[str, set[str]]:
    """module -> the project modules it imports; parsed when a test first asks (not while pytest collects)."""
    return {module: _imports(module) for module in MODULES}


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_imports_only_the_layers_below_it(package):
    wrong = {}
    for module, imported in graph().items():
        if module.split(".")[0] != package:
            continue
        above = {name for name in imported if name.split(".")[0] not in ALLOWED[package] | {package}}
        if package == "cnn":
            above |= {name for name in imported if name.startswith("excelgen") and name not in SHEET_TOOLKIT}
        if above:
            wrong[module] = sorted(above)
    assert wrong == {}


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "verify" else None


def test_each_room_of_the_checker_imports_only_the_rooms_before_it():
    assert {path.name for path in (ROOT / "verify").iterdir() if path.is_dir() and path.name != "__pycache__"} == set(ROOMS)
    wrong = {}
    for module, imported in graph().items():
        room = _room(module)
        if room is None:
            continue
        others = {_room(name) or name for name in imported if name.startswith("verify")} - {room}
        if others - ROOMS[room]:
            wrong[module] = sorted(others - ROOMS[room])
    assert wrong == {}


def test_no_module_import_cycle():
    cycles, state = [], {}  # state: 1 on the current path, 2 done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for name in sorted(graph()[module]):
            if state.get(name) == 1:
                cycles.append(path[path.index(name):] + [name])
            elif name not in state:
                visit(name, path + [name])
        state[module] = 2

    for module in sorted(graph()):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_graph_sees_the_imports_it_judges():
    """The rules above are not passing on an empty graph: known imports are found, lazy ones too."""
    assert "network.errors" in graph()["network.description"]
    assert "cnn.export" in graph()["backprop_sheet.workbook"]  # a lazy import, inside generate()
    assert "verify.reading.book" in graph()["verify.checking.workbook"]
    assert len(MODULES) > 50
