"""Security headers: pages load only saylau's own assets; the API answers are locked down."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi.testclient import TestClient
from webdata import STATIONS, write_protocols

from saylau.store import Store
from saylau.tabulate import read_protocols


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


def test_a_worker_process_rebuilds_the_polled_json(
    store: Store, db_url: str, tmp_path: Path
) -> None:
    from saylau.web.app import create_app

    with TestClient(create_app(db_url, counter_ttl=0.05, rebuild_processes=1)) as c:
        before = c.get("/api/v1/contests/majilis").json()  # built here; then hot
        # station 001 amended: 10 more votes for Nur Otan
        amended = [(*STATIONS[0][:6], (510, 120, 30))]
        store.ingest("majilis", read_protocols(write_protocols(tmp_path / "a.csv", amended)))
        deadline = time.monotonic() + 60  # spawning the worker is slow on a busy machine
        after = before
        while after == before and time.monotonic() < deadline:
            time.sleep(0.05)
            after = c.get("/api/v1/contests/majilis").json()
        site = c.app.state.site  # type: ignore[attr-defined]
        assert getattr(site, "worker_builds", 0) >= 1
    votes = {p["name"]: p["votes"] for p in after["parties"]}
    assert votes["Nur Otan"] == 2680  # 2670 + 10
