"""No import circle among the first-party packages (bot, dialogs, storage, renderers).

Every ``import`` statement counts wherever it stands: at module level, inside a
function (a deferred import is still a dependency, it only hides the circle until
run time) or under ``if TYPE_CHECKING:``; so does ``importlib.import_module`` with a
literal name. ``from a.b import c`` depends on the module ``a.b.c`` when there is
one, else on ``a.b`` (``c`` is a name defined there). A module does not depend on
the packages above it merely by being inside them: ``bot/cli/__init__.py`` may
import ``bot.cli.rounds``, which imports ``bot.cli.common``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "dialogs", "storage", "renderers")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    where: str  # "bot/cli/rounds.py:11"


def modules_under(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file of the packages."""
    found: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of ``name`` that is a first-party module."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> Iterator[tuple[str, int]]:
    """(first-party module, line) for every import in the file, at any depth."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [_known(alias.name, modules) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module, is_package)
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules
                else _known(base, modules)
                for alias in node.names
            ]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            targets = [_known(node.args[0].value, modules)]
        else:
            continue
        for target in targets:
            if target is not None and target != module:
                yield target, node.lineno


def import_graph(root: Path, packages: tuple[str, ...] = PACKAGES) -> list[Edge]:
    modules = modules_under(root, packages)
    edges = {}
    for module, path in modules.items():
        for target, line in imports_of(module, path, modules):
            edges.setdefault((module, target), Edge(
                module, target, f"{path.relative_to(root).as_posix()}:{line}"))
    return list(edges.values())


def circles(edges: list[Edge]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    graph: dict[str, list[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, []).append(edge.target)
        graph.setdefault(edge.target, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def describe(component: list[str], edges: list[Edge]) -> str:
    inside = set(component)
    lines = [f"{e.source} -> {e.target} ({e.where})" for e in edges
             if e.source in inside and e.target in inside]
    return " <-> ".join(component) + ":\n    " + "\n    ".join(sorted(lines))


def test_first_party_modules_import_each_other_without_a_circle() -> None:
    edges = import_graph(ROOT)
    found = circles(edges)
    assert not found, "import circles:\n" + "\n".join(describe(c, edges) for c in found)


# --------------------------------------------------------------------------- the scan itself


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("files", [
    pytest.param({"bot/__init__.py": "", "bot/a.py": "from bot.b import x\n",
                  "bot/b.py": "x = 1\ndef f():\n    from bot import a\n"},
                 id="function-level"),
    pytest.param({"bot/__init__.py": "", "bot/a.py": "from . import b\n",
                  "bot/b.py": "from typing import TYPE_CHECKING\n"
                              "if TYPE_CHECKING:\n    from .a import Thing\n"},
                 id="relative-and-type-checking"),
    pytest.param({"bot/__init__.py": "", "bot/a.py": "import bot.c.d\n",
                  "bot/c/__init__.py": "", "bot/c/d.py": "import importlib\n"
                  "def f():\n    return importlib.import_module('bot.a')\n"},
                 id="dotted-and-import_module"),
    pytest.param({"bot/__init__.py": "", "bot/p/__init__.py": "from bot.p.m import f\n",
                  "bot/p/m.py": "from bot.p import helper\n"},
                 id="submodule-importing-its-package"),
])
def test_the_scan_finds_a_circle(tmp_path: Path, files: dict[str, str]) -> None:
    edges = import_graph(_tree(tmp_path, files), ("bot",))
    assert len(circles(edges)) == 1


def test_a_package_importing_its_submodules_is_no_circle(tmp_path: Path) -> None:
    edges = import_graph(_tree(tmp_path, {
        "bot/__init__.py": "",
        "bot/cli/__init__.py": "from bot.cli.rounds import group\nfrom bot.cli import common\n",
        "bot/cli/common.py": "import click\n",
        "bot/cli/rounds.py": "from bot.cli.common import run\nfrom bot.cli import common\n",
    }), ("bot",))
    assert circles(edges) == []
    assert {(e.source, e.target) for e in edges} == {
        ("bot.cli", "bot.cli.rounds"), ("bot.cli", "bot.cli.common"),
        ("bot.cli.rounds", "bot.cli.common"),
    }
