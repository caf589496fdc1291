"""Security headers: pages load only saylau's own assets; the API answers are locked down."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_page_and_api_headers(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["x-frame-options"] == "DENY"
    api = client.get("/api/v1/contests")
    assert api.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"


def test_forms_refused_by_api_and_body_capped(client: TestClient) -> None:
    r = client.post("/api/v1/contests/majilis/protocols", data={"station": "x"})
    assert r.status_code == 415 and r.json()["ok"] is False
    r = client.post(
        "/api/v1/contests/majilis/protocols",
        headers={"content-length": "999999999999"},
        content=b"",
    )
    assert r.status_code == 413


def test_fast_path_answers_carry_the_security_headers(store: object, db_url: str) -> None:
    from saylau.web.app import create_app

    # A TTL > 0 lets saylau.web.fastpath answer repeated polls before FastAPI's routing.
    with TestClient(create_app(db_url, counter_ttl=60)) as c:
        first = c.get("/api/v1/contests/majilis")
        again = c.get("/api/v1/contests/majilis")
        cached = c.get("/api/v1/contests/majilis", headers={"if-none-match": again.headers["etag"]})
    assert [first.status_code, again.status_code, cached.status_code] == [200, 200, 304]
    for r in (again, cached):
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
        # the answer's own cache policy wins over the API default (no-store)
        assert r.headers["cache-control"] == "no-cache"
    assert again.content == first.content


def test_the_worker_builder_gives_the_apis_json(client: TestClient, db_url: str) -> None:
    import json

    import pytest

    from saylau.web.workers import build_json

    # What a worker process runs (saylau serve rebuilds polled JSON there).
    body = json.loads(build_json(db_url, "contest_page", ("majilis",)))
    assert body == client.get("/api/v1/contests/majilis").json()
    assert {p["name"]: p["votes"] for p in body["parties"]}["Nur Otan"] == 2670
    with pytest.raises(ValueError, match="no builder 'statement'"):
        build_json(db_url, "statement", ("majilis",))
