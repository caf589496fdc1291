"""CORS on the public read-only API: GET and HEAD from any origin, no credentials,
nothing for writes or for the authenticated reads."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

ORIGIN = {"Origin": "https://dashboard.example"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/contests",
        "/api/v1/contests/majilis",
        "/api/v1/contests/majilis/stations/001",
        "/api/v1/contests/majilis/export.csv?level=region",
        "/api/v1/contests/majilis.json",  # the published layout's name
        "/openapi.json",
    ],
)
def test_public_reads_are_open_to_every_origin(client: TestClient, path: str) -> None:
    answer = client.get(path, headers=ORIGIN)
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    assert "ETag" in answer.headers["access-control-expose-headers"]
    assert "access-control-allow-credentials" not in answer.headers
    # A poller's conditional request is allowed by the preflight.
    preflight = client.options(
        path.split("?")[0],
        headers={
            **ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-methods"] == "GET, HEAD"
    assert "If-None-Match" in preflight.headers["access-control-allow-headers"]
    assert "access-control-allow-credentials" not in preflight.headers


def test_writes_and_private_reads_get_no_cors(client: TestClient) -> None:
    preflight = client.options(
        "/api/v1/contests/majilis/protocols",
        headers={**ORIGIN, "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    for path in ("/api/v1/audit", "/api/v1/accounts", "/api/v1/contests/majilis/entries"):
        answer = client.get(path, headers=ORIGIN)
        assert answer.status_code in (401, 403), path
        assert "access-control-allow-origin" not in answer.headers, path
    # Pages are not part of the API.
    assert "access-control-allow-origin" not in client.get("/contests/majilis").headers
