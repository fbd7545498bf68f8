"""Imports run one way: network/ at the bottom; the writer (excelgen/) and the checker (verify/) above it; the CNN
(cnn/) beside them, using the writer's styles; the CLI and the Python facades on top (README, Development)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("network", "excelgen", "verify", "cnn")
TOP = {"excelgen/cli.py", "excelgen/generate_cli.py", "excelgen/api.py", "verify/cli.py", "cnn/cli.py"}

# package -> the project packages its modules (other than TOP) may import
ALLOWED = {
    "network": set(),
    "verify": {"network"},
    "excelgen": {"network"},
    "cnn": {"network", "excelgen"},
}


def _imports(source: Path) -> set[str]:
    """The project packages a module imports, anywhere in it (lazy imports included)."""
    found = set()
    for node in ast.walk(ast.parse(source.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
    return found & set(PACKAGES)


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_imports_only_the_layers_below_it(package):
    wrong = {}
    for source in sorted((ROOT / package).glob("*.py")):
        if f"{package}/{source.name}" in TOP:
            continue
        above = _imports(source) - ALLOWED[package] - {package}
        if above:
            wrong[source.name] = sorted(above)
    assert wrong == {}


def test_the_top_modules_exist():
    """The exemptions name real files (a renamed CLI module must not slip out of the rule unnoticed)."""
    assert all((ROOT / module).is_file() for module in TOP)
