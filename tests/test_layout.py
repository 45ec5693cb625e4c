"""The package's shape, as docs/architecture.md promises it: glue at the edge, a pure judge,
arrows from glue to core, short modules and functions. Read from the source (no imports run)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "pytest_ovbench"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 40

# subpackage -> what it must never import (third-party top-level names or our subpackages)
NEVER = {
    "judge": {
        "pytest",
        "_pytest",
        "yaml",
        "openvino",
        "baselines",
        "runtime",
        "engine",
        "plugin",
        "report",
        "cli",
    },
    "engine": {"pytest", "_pytest", "plugin", "report", "cli"},
    "history": {"pytest", "_pytest", "openvino", "yaml", "plugin", "engine", "cli", "baselines"},
    "config": {"pytest", "_pytest", "openvino", "runtime", "measure", "engine", "plugin", "report"},
    "measure": {"pytest", "_pytest", "yaml", "judge", "baselines", "engine", "plugin", "report", "cli"},
    "baselines": {"pytest", "_pytest", "openvino", "engine", "plugin", "report", "cli"},
    "report": {"pytest", "_pytest", "openvino", "yaml", "plugin", "cli"},
    "runtime": {"pytest", "_pytest", "measure", "judge", "baselines", "engine", "plugin", "report", "cli"},
    "inputs": {"pytest", "_pytest", "measure", "judge", "baselines", "engine", "plugin", "report", "cli"},
    "cli": {"pytest", "_pytest", "openvino", "plugin", "engine"},
}


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Top-level names a module imports, with ``pytest_ovbench.X`` given as ``X``."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {_top(name) for name in names}


def _top(name: str) -> str:
    parts = name.split(".")
    return parts[1] if parts[0] == "pytest_ovbench" and len(parts) > 1 else parts[0]


def subpackage(path: Path) -> str:
    relative = path.relative_to(PACKAGE).parts
    return relative[0] if len(relative) > 1 else ""


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_from_glue_to_core(path: Path) -> None:
    forbidden = NEVER.get(subpackage(path), set())
    if not subpackage(path):  # top-level shared modules: no pytest either
        forbidden = (
            {"pytest", "_pytest", "plugin"} if path.name not in {"__init__.py", "__main__.py"} else set()
        )
    assert imported(path) & forbidden == set()


def test_only_the_plugin_imports_pytest() -> None:
    importers = {str(p.relative_to(PACKAGE)) for p in modules() if imported(p) & {"pytest", "_pytest"}}
    assert importers and all(name.startswith("plugin/") for name in importers)


def test_every_subpackage_says_what_it_owns() -> None:
    for init in PACKAGE.glob("*/__init__.py"):
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert docstring and len(docstring) > 60, init


def test_modules_and_functions_stay_short() -> None:
    long_modules = [
        (str(p.relative_to(PACKAGE)), n)
        for p in modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]
    long_functions = [
        (str(p.relative_to(PACKAGE)), node.name, node.end_lineno - node.lineno + 1)
        for p in modules()
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long_modules == [] and long_functions == []
