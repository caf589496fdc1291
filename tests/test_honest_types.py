"""No ``Any`` standing in for a saylau type (issue #12), checked on the source.

Every annotation of ``src/saylau`` is read with :mod:`ast`: a parameter, a return, a
variable or field.  Two rules:

* nothing is annotated plain ``Any`` (or ``Any | None``): a store, a law, a result or
  a report has its class, and mypy checks what is done with it;
* a parameter named like one of the house's objects (``store``, ``site``, ``conn``,
  ``engine``, ``law``, ``contest``, ``results``) mentions no ``Any`` at all.

``Any`` is honest where the value is not one of saylau's: a JSON or TOML value of any
shape, a raw SQL column value, an untyped library's object, arguments forwarded
as they come.  Those places are named below with their reason; an entry that no
longer offends must be removed (the test says which), so the list only shrinks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

#: Parameters that name one of the house's objects: never ``Any`` in any form.
NAMED = frozenset({"store", "site", "conn", "engine", "law", "contest", "results"})

#: ``module:function:parameter`` (``return`` for the return value, ``=`` for a
#: variable or field), by reason.
HONEST: frozenset[str] = frozenset(
    {
        # The package's lazy attributes (PEP 562): whatever the named module holds.
        "saylau:__getattr__:return",
        # A raw TOML value, before it is checked and converted.
        *(
            f"saylau.law.load:{f}:v"
            for f in (
                "_text",
                "_bool",
                "_percent",
                "_positive_fraction",
                "_chain",
                "_coalitions",
                "_consolation",
                "conv",
            )
        ),
        "saylau.law.load:get:default",
        "saylau.law.load:get:return",
        *(
            f"saylau.law.scheme_keys:{f}:v"
            for f in (
                "_scheme",
                "_quota",
                "_district_seats",
                "_unions",
                "_cap",
                "_votes",
                "_bool",
                "_percent",
            )
        ),
        "saylau.law.scheme_keys:get:default",
        "saylau.law.scheme_keys:get:return",
        "saylau.law.toml_out:_value:v",
        # A JSON value of any shape: encoded, hashed, signed or parsed.
        "saylau.jsonable:json_value:return",
        "saylau.cli.analysis:_echo_json:data",
        "saylau.cli.analysis:_write_json_atomic:data",
        "saylau.store.audit:canonical_text:value",
        "saylau.store.audit:_vouched:digest",
        "saylau.store.integrity:_digest:value",
        "saylau.trust.signing:canonical_json:obj",
        "saylau.trust.signing:_emit:obj",
        "saylau.trust.signing:sign:snapshot",
        "saylau.trust.signing:verify:snapshot",
        "saylau.trust.signing:load_snapshot:return",
        "saylau.web.api_docs:_pretty:value",
        "saylau.web.api_docs:show_json:value",
        "saylau.web.api_docs:_json:return",
        "saylau.web.encode:to_json_bytes:data",
        # A contest's JSON document (the NIST export reads the API's answer).
        "saylau.results.exports:nist_report:contest",
        # A raw SQL column value, and the column values of an insert.
        "saylau.store.integrity:_typed:value",
        "saylau.store.integrity:_typed:return",
        "saylau.store.workflow:insert_decision:values",
        "saylau.store.workflow:insert_approval:values",
        "saylau.store.workflow:insert_certification:values",
        "saylau.store.workflow:insert_entry:values",
        # Objects of untyped libraries: matplotlib, boto3 (no stubs: mypy sees Any).
        "saylau.analysis.charts:_plt:return",
        "saylau.analysis.charts:_save:fig",
        "saylau.analysis.charts:_hist:ax",
        "saylau.analysis.charts:_hist:return",
        "saylau.web.publish_s3:_client:return",
        "saylau.web.publish_s3:_remote_files:client",
        # An ASGI message (a dict whose keys depend on its type).
        "saylau.web.api_docs:send:message",
        # Arguments forwarded as they come, to click, FastAPI, a worker, urllib.
        "saylau.analysis.projection:project_file:kwargs",
        "saylau.analysis.whatif:_scenario:kwargs",
        "saylau.cli:make_context:extra",
        "saylau.cli:invoke:return",
        "saylau.web.pages:page:api_options",
        "saylau.web.pages:endpoint:params",
        "saylau.web.render:_in_worker:args",
        "saylau.web.routes.trust:run:args",
        "saylau.web.routes.trust:run:kwargs",
        "saylau.web.webhooks:redirect_request:args",
        "saylau.web.webhooks:redirect_request:kwargs",
    }
)


def _plain_any(node: ast.expr | None) -> bool:
    """``Any``, ``typing.Any``, ``Any | None`` or ``Optional[Any]``."""
    if node is None:
        return False
    text = ast.unparse(node).replace("typing.", "").replace(" ", "")
    return text in {"Any", "Any|None", "None|Any", "Optional[Any]", "'Any'", '"Any"'}


def _mentions_any(node: ast.expr | None) -> bool:
    if node is None:
        return False
    return any(
        (isinstance(n, ast.Name) and n.id == "Any")
        or (isinstance(n, ast.Attribute) and n.attr == "Any")
        or (isinstance(n, ast.Constant) and isinstance(n.value, str) and "Any" in n.value)
        for n in ast.walk(node)
    )


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _parameters(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.arg]:
    a = fn.args
    yield from (*a.posonlyargs, *a.args, *a.kwonlyargs)
    yield from (x for x in (a.vararg, a.kwarg) if x is not None)


def offences(source: str, module: str) -> set[str]:
    """Every ``module:function:what`` of ``source`` that breaks a rule (see the module)."""
    found: set[str] = set()

    def visit(node: ast.AST, scope: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                for arg in _parameters(child):
                    named = arg.arg in NAMED and _mentions_any(arg.annotation)
                    if named or _plain_any(arg.annotation):
                        found.add(f"{module}:{child.name}:{arg.arg}")
                if _plain_any(child.returns):
                    found.add(f"{module}:{child.name}:return")
                visit(child, child.name)
            elif isinstance(child, ast.AnnAssign) and _plain_any(child.annotation):
                found.add(f"{module}:{scope}:{ast.unparse(child.target)}=")
                visit(child, scope)
            else:
                visit(child, child.name if isinstance(child, ast.ClassDef) else scope)

    visit(ast.parse(source), "")
    return found


def test_no_any_stands_in_for_a_saylau_type() -> None:
    files = sorted((SRC / "saylau").rglob("*.py"))
    assert len(files) > 100  # a walk that found nothing would pass
    found: set[str] = set()
    for path in files:
        found |= offences(path.read_text(encoding="utf-8"), module_name(path))
    new, stale = sorted(found - HONEST), sorted(HONEST - found)
    assert not new, f"annotated Any (give it its type, or name it in HONEST with why): {new}"
    assert not stale, f"no longer Any, remove from HONEST: {stale}"


def test_the_rules_are_read() -> None:
    source = """
from typing import Any
class Site:
    key: Any | None
    def read(self, store: Store | Any, n: "Any") -> Any: ...
def f(results: dict[str, Any], x: dict[str, Any], *args: Any) -> list[Any]: ...
"""
    assert offences(source, "m") == {
        "m:Site:key=",
        "m:read:store",
        "m:read:n",
        "m:read:return",
        "m:f:results",
        "m:f:args",
    }
