"""Schemathesis against the app's own OpenAPI spec, in-process through ASGI.

Every operation is fed generated requests (valid by the schema, then invalid),
with the Bearer token of each role in turn (and none), so the authenticated
endpoints run their real code and their refusals, on a small store
(tests/trust/conftest.py ``world``).  The claims under test: never a 5xx; every
status answered is documented for the operation (the OpenAPI lists the refusals),
the content type and the body match the documented schema, and every refusal is
the API's JSON error.  Bounded: ``MAX_EXAMPLES`` per operation, mode and role.

Schemathesis's pytest plugin and pytest-xdist do not mix well, so each operation
runs its Hypothesis test in a plain loop here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from trust_world import CONTEST, ROLES, World

from saylau.web import door

#: Examples per operation, generation mode and role (bounded: each role's run stays
#: within ~20 s on SQLite).
MAX_EXAMPLES = 4
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def app(world: World, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from saylau.web.app import create_app

    # The fuzzer fires hundreds of requests with one token: lift the rate limit so
    # they reach the handlers (the limit itself is tested in test_api_flow).
    monkeypatch.setattr(door, "LIMITS", door.Limits(rate_per_second=1e9, burst=10**9))
    app = create_app(world.url)
    yield app
    app.state.site.store.close()


def _check(case: Any, response: Any) -> None:
    where = f"{case.method} {case.formatted_path} {case.query!r} {str(case.body)[:200]!r}"
    assert response.status_code < 500, f"{where} -> {response.status_code}: {response.text[:500]}"
    case.validate_response(response, checks=CHECKS)
    if case.path.startswith("/api/v1/") and response.status_code >= 400:
        body = json.loads(response.text)
        assert body["ok"] is False, where
        assert isinstance(body["error"], str) and body["error"], where
        assert "Traceback" not in response.text, where


#: Every role on SQLite; PostgreSQL (the same code, another driver's errors) with the
#: role that reaches every handler, to stay within the time bound.  Chosen here, not
#: skipped at run time: such a skip would count as a missing server in the skip totals.
BACKENDS = [
    *[pytest.param(role, "sqlite", id=f"{role}-sqlite") for role in [*ROLES, "anonymous"]],
    pytest.param("cec", "postgresql", marks=pytest.mark.postgres, id="cec-postgresql"),
]


@pytest.mark.parametrize(("role", "db_url"), BACKENDS, indirect=["db_url"])
def test_no_server_error_on_any_operation(app: Any, world: World, role: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    auth = {"Authorization": f"Bearer {world.tokens[role]}"} if role in world.tokens else {}
    # The write API's operations (tag "trust"); the read-only site routes belong to
    # saylau.web and are fuzzed by its own tests.
    operations = [
        op for op in (r.ok() for r in schema.get_all_operations()) if "trust" in (op.tags or [])
    ]
    assert len(operations) >= 12, [op.path for op in operations]
    calls = 0
    for op in operations:
        fixed = {"contest": CONTEST} if "{contest}" in op.path else None
        strategies = [
            op.as_strategy(GenerationMode.POSITIVE),
            op.as_strategy(GenerationMode.NEGATIVE),
        ]
        if fixed is not None:  # also aim at the real contest so deep paths run
            strategies.append(op.as_strategy(GenerationMode.POSITIVE, path_parameters=fixed))

        @given(case=st.one_of(strategies))
        @settings(
            max_examples=MAX_EXAMPLES * len(strategies),
            deadline=None,
            database=None,
            phases=[
                Phase.explicit,
                Phase.generate,
            ],  # no shrinking: the failure message names the case
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            nonlocal calls
            calls += 1
            _check(case, case.call(headers=auth))

        run()
    assert calls >= MAX_EXAMPLES * len(operations)
