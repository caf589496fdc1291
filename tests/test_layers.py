"""The layering rules of the house, checked on the source (``docs/ARCHITECTURE.md``).

Every ``import`` of ``src/saylau`` is read with :mod:`ast`, those inside functions
and under ``if TYPE_CHECKING:`` too (a deferred import is still a dependency; it only
hides a cycle from the interpreter).  Three rules:

* only ``saylau.store`` imports SQLAlchemy or Alembic;
* only ``saylau.web`` imports FastAPI or Starlette;
* no cycle between the top-level parts of ``saylau`` (``saylau.X`` → ``saylau.Y`` → …
  → ``saylau.X``), and none between the modules of ``saylau.web``.

Modules still being moved are named in the allowlists below; an entry that no longer
offends must be removed (the test says which), so the lists only shrink.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "saylau"

#: Modules outside ``saylau.store`` allowed to import SQLAlchemy: none (an entry needs
#: a reason, and the test fails once the module no longer offends).
SQL_OUTSIDE_STORE: frozenset[str] = frozenset()
#: Modules outside ``saylau.web`` allowed to import FastAPI or Starlette: none.
HTTP_OUTSIDE_WEB: frozenset[str] = frozenset()
#: Package-level dependencies that still close a cycle, as (importer, imported).
CYCLE_EDGES: frozenset[tuple[str, str]] = frozenset()


def module_name(path: Path) -> str:
    """``src/saylau/web/app.py`` → ``saylau.web.app`` (a package is its ``__init__``)."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of ``saylau`` by dotted name."""
    return {module_name(p): p for p in sorted((SRC / ROOT).rglob("*.py"))}


def _absolute(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    is_package = modules()[module].name == "__init__.py"
    base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
    return ".".join([*base, *([node.module] if node.module else [])])


@cache
def imports(module: str) -> frozenset[str]:
    """The dotted names ``module`` imports anywhere in its body: ``from a import b``
    gives ``a.b`` when that is a module of saylau, else ``a``."""
    tree = ast.parse(modules()[module].read_text(encoding="utf-8"), str(modules()[module]))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in modules() else base)
    return frozenset(found)


def _under(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def offenders(libraries: Iterable[str], home: str) -> set[str]:
    """The modules outside the package ``home`` that import one of ``libraries``."""
    libs = tuple(libraries)
    return {
        m for m in modules() if not _under(m, (home,)) and any(_under(i, libs) for i in imports(m))
    }


def part(name: str, depth: int) -> str | None:
    """The unit of ``name`` at ``depth`` components (``saylau.web.app`` at 2 is
    ``saylau.web``); None for what is not saylau's."""
    if not _under(name, (ROOT,)):
        return None
    return ".".join(name.split(".")[:depth])


def graph(depth: int, within: str = ROOT) -> dict[str, set[str]]:
    """Dependencies between the units at ``depth`` of the modules under ``within``."""
    edges: dict[str, set[str]] = {}
    for m in modules():
        if not _under(m, (within,)) or m == within:
            continue
        src = part(m, depth)
        assert src is not None
        for imported in imports(m):
            dst = part(imported, depth)
            if dst is not None and dst != src and _under(dst, (within,)) and dst != within:
                edges.setdefault(src, set()).add(dst)
    return edges


def cycle_edges(edges: Mapping[str, set[str]]) -> set[tuple[str, str]]:
    """The edges that lie on a cycle: both ends in one strongly connected component
    (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    component: dict[str, int] = {}

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component[w] = index[v]
                if w == v:
                    break

    for v in sorted({*edges, *(w for ws in edges.values() for w in ws)}):
        if v not in index:
            visit(v)
    return {(v, w) for v, ws in edges.items() for w in ws if component[v] == component[w]}


def _check(found: set[str] | set[tuple[str, str]], allowed: frozenset[object], what: str) -> None:
    new = sorted(found - allowed, key=str)
    stale = sorted(allowed - found, key=str)
    assert not new, f"{what}: {new}"
    assert not stale, f"{what}: fixed, remove from the allowlist: {stale}"


def test_the_source_is_read() -> None:
    # A walk that found nothing would pass every rule below.
    assert len(modules()) > 100
    assert {"saylau.store", "saylau.web", "saylau.web.app"} <= set(modules())
    assert "saylau.store" in imports("saylau.web.model")
    assert "sqlalchemy" in imports("saylau.store.engine")
    assert "saylau.web.workers" in imports("saylau.web.render")  # inside a function


def test_only_the_store_speaks_sql() -> None:
    found = offenders(("sqlalchemy", "alembic"), "saylau.store")
    _check(found, SQL_OUTSIDE_STORE, "SQLAlchemy/Alembic imported outside saylau.store")


def test_only_the_web_speaks_http() -> None:
    found = offenders(("fastapi", "starlette"), "saylau.web")
    _check(found, HTTP_OUTSIDE_WEB, "FastAPI/Starlette imported outside saylau.web")


def test_no_cycle_between_packages() -> None:
    found = cycle_edges(graph(2))
    _check(found, CYCLE_EDGES, "import cycle between packages (importer, imported)")


def test_no_cycle_inside_the_web_package() -> None:
    assert not cycle_edges(graph(3, "saylau.web")), "import cycle between modules of saylau.web"


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}}, set()),
        ({"a": {"b"}, "b": {"a"}, "c": {"a"}}, {("a", "b"), ("b", "a")}),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, {("a", "b"), ("b", "c"), ("c", "a")}),
    ],
)
def test_cycles_are_found(edges: dict[str, set[str]], expected: set[tuple[str, str]]) -> None:
    assert cycle_edges(edges) == expected
