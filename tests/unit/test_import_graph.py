"""No two packages of spoofscope import each other (docs/architecture.md, "Import graph").

Every import counts, those inside functions too: a lazy import still ties two packages, and
a cycle between them is how the trainer and evaluation came to borrow each other's helpers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import spoofscope

ROOT = Path(spoofscope.__file__).resolve().parent


def package_edges() -> dict[str, set[str]]:
    """Top-level package (or module) of spoofscope → the others it imports."""
    edges: dict[str, set[str]] = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        own = parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                segments = name.split(".")
                if segments[0] == "spoofscope" and len(segments) > 1 and segments[1] != own:
                    edges.setdefault(own, set()).add(segments[1])
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle of ``edges``, each as the path from its smallest member back to it."""
    found: list[list[str]] = []

    def walk(start: str, node: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(node, ())):
            if nxt == start:
                found.append([*path, start])
            elif nxt > start and nxt not in path:
                walk(start, nxt, [*path, nxt])

    for start in sorted(edges):
        walk(start, start, [start])
    return found


def test_no_package_imports_one_that_imports_it_back():
    assert cycles(package_edges()) == []


def test_the_cycle_finder_finds_a_planted_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
