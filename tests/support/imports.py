"""The project's import graph, read from source: every import a file makes, at module level or inside a
function (an import inside a function is still an import), and a cycle finder for such graphs."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path


def imported_modules(source: Path, package: str) -> Iterator[str]:
    """Every module a source file imports, relative imports resolved against its package; for
    `from a import b`, both `a` and `a.b` (b may be a module or a name in a)."""
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def module_graph(root: Path, packages: tuple[str, ...]) -> dict[str, set[str]]:
    """{module: the project's modules it imports} for every module under `packages` (migrations left
    out: Django writes them). An import of a package's own parent is left out: Python runs the parent's
    __init__ first whichever way, so it cannot close a loop that matters."""
    files = {}
    for package in packages:
        for source in (root / package).rglob("*.py"):
            parts = source.relative_to(root).with_suffix("").parts
            if "migrations" not in parts:
                files[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = source
    graph: dict[str, set[str]] = {}
    for module, source in files.items():
        package = module if source.name == "__init__.py" else module.rpartition(".")[0]
        targets = {_owner(name, files) for name in imported_modules(source, package)}
        graph[module] = {t for t in targets if t and t != module and not module.startswith(t + ".")}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of nodes (first = last), or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return path[path.index(node) :] + [node]
        if node in done:
            return None
        path.append(node)
        for other in sorted(graph.get(node, ())):
            cycle = visit(other)
            if cycle:
                return cycle
        path.pop()
        done.add(node)
        return None

    for node in sorted(graph):
        cycle = visit(node)
        if cycle:
            return cycle
    return None


def _owner(name: str, files: dict[str, Path]) -> str | None:
    """The project module that `name` (a module, or a name inside one) belongs to, or None."""
    while name and name not in files:
        name = name.rpartition(".")[0]
    return name or None
