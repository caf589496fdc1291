"""The write API's door (issue #19): refusals on the record, failed authentication
limited per address, and bad input refused with one clear answer and nothing written."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError
from trust_world import CONTEST, S1, World

from saylau.store import engine as store_engine
from saylau.store import faults
from saylau.trust import audit
from saylau.web import door

URL = f"/api/v1/contests/{CONTEST}/protocols"
BULK = URL + "/bulk"


def _h(world: World, role: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[role]}", **extra}


def _refusals(world: World) -> list[tuple[str, dict[str, Any]]]:
    with world.store.engine.connect() as conn:
        rows = audit.entries(conn, limit=100_000)
    return [(e.actor, json.loads(e.detail)) for e in rows if e.action == "refused"]


def _versions(world: World) -> int:
    """Protocol versions stored, every station: a refusal writes none."""
    with world.store.engine.connect() as conn:
        return int(conn.execute(text("SELECT COUNT(*) FROM protocol_versions")).scalar_one())


def test_refused_writes_are_on_the_record(client: TestClient, world: World) -> None:
    before = len(_refusals(world))
    assert client.post(URL, json={"protocol": S1}).status_code == 401
    bad = client.post(URL, json={"protocol": S1}, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    scope = client.post(
        "/api/v1/contests/kz/approvals", json={"division": "region:Astana"}, headers=_h(world, "territorial")
    )  # fmt: skip
    assert scope.status_code == 403
    invalid = client.post(URL, json={"protocol": {**S1, "valid": -1}}, headers=_h(world, "station"))
    assert invalid.status_code == 422
    # A refused read is not a refused write: not logged.
    assert client.get("/api/v1/audit").status_code == 401
    found = _refusals(world)[before:]
    assert [(actor, d["status"], d["route"]) for actor, d in found] == [
        ("anonymous", 401, "POST /api/v1/contests/kz/protocols"),
        ("anonymous", 401, "POST /api/v1/contests/kz/protocols"),
        ("territorial", 403, "POST /api/v1/contests/kz/approvals"),
        ("station", 422, "POST /api/v1/contests/kz/protocols"),
    ]
    assert all(d["address"] == "testclient" for _, d in found)
    assert "authentication required" in found[0][1]["reason"]
    assert "invalid, expired or revoked token" in found[1][1]["reason"]
    assert "valid" in found[3][1]["reason"]


def test_a_flood_of_refusals_is_aggregated(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(door, "LIMITS", door.Limits(refusals_per_minute=3))
    monkeypatch.setattr(door.Refusals, "flush_every", 10)
    before = len(_refusals(world))
    for _ in range(3 + 25):
        assert client.post(URL, content=b"{}", headers=_h(world, "station")).status_code == 415
    found = _refusals(world)[before:]
    # 3 one by one, then one entry per 10 refused beyond the limit (the last 5 wait
    # for their minute to end).
    assert [d.get("aggregated") for _, d in found] == [None, None, None, 10, 10]
    assert found[3][1]["address"] == "testclient"


def test_failed_authentication_is_limited_per_address(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        door, "LIMITS", door.Limits(auth_failures_per_second=0.001, auth_failure_burst=20)
    )
    codes = [
        client.post(URL, json={"protocol": S1}, headers={"Authorization": f"Bearer guess{n}"}).status_code
        for n in range(150)
    ]  # fmt: skip
    assert codes[:20] == [401] * 20 and set(codes[20:]) == {429}
    # Every guess has its own token: the per-token limit alone never stopped them.
    # While the address is over its budget, a good token from it waits too.
    blocked = client.post(URL, json={"protocol": S1}, headers=_h(world, "station"))
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers


def test_duplicate_keys_and_non_json_bodies_are_refused(client: TestClient, world: World) -> None:
    body = json.dumps({"protocol": S1, "reason": "x"})
    doubled = '{"protocol": {"station": "S1", "station": "S9"}, "reason": "x"}'
    dup = client.post(
        URL, content=doubled, headers=_h(world, "cec", **{"Content-Type": "application/json"})
    )
    assert dup.status_code == 422 and "duplicate key 'station'" in dup.json()["error"]
    plain = client.post(
        URL, content=body, headers=_h(world, "cec", **{"Content-Type": "text/plain"})
    )
    assert plain.status_code == 415 and "application/json" in plain.json()["error"]
    assert _versions(world) == 2
    # The same body as JSON goes through (the refusals were about the media type).
    good = client.post(
        URL, content=body, headers=_h(world, "cec", **{"Content-Type": "application/json"})
    )
    assert good.status_code == 200, good.text  # fmt: skip


def test_idempotency_key_is_bound_to_the_query(client: TestClient, world: World) -> None:
    csv = "station,region,registered,valid,invalid,party:Amanat,party:Auyl\nS1,Almaty,1000,600,11,400,200\n"
    h = _h(world, "station", **{"Idempotency-Key": "bulk-1", "Content-Type": "text/csv"})
    first = client.post(BULK + "?reason=recount", content=csv, headers=h)
    assert first.status_code == 200, first.text
    again = client.post(BULK + "?reason=recount", content=csv, headers=h)
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json() == first.json()
    other = client.post(BULK + "?reason=other", content=csv, headers=h)
    assert other.status_code == 409 and "Idempotency-Key 'bulk-1'" in other.json()["error"]


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("station", "S1\x00", "U+0000"),
        ("region", "Alm\x00aty", "U+0000"),
        ("region", "Almaty\u202e", "U+202E"),
        ("station", "S\u200b1", "U+200B"),
    ],
)
def test_invisible_characters_in_names_are_one_422(
    client: TestClient, world: World, field: str, value: str, said: str
) -> None:
    """The same answer on SQLite and PostgreSQL (NUL was a 500 there), by JSON and CSV."""
    row = {**S1, field: value, "invalid": 12}
    csv = ",".join(row) + "\n" + ",".join(str(v) for v in row.values()) + "\n"
    bulk = client.post(
        BULK + "?reason=x",
        content=csv.encode(),
        headers=_h(world, "cec", **{"Content-Type": "text/csv"}),
    )
    assert bulk.status_code == 422 and said in bulk.text, bulk.text
    if "\x00" not in value:  # a NUL in a JSON body is refused before parsing (also 422)
        one = client.post(URL, json={"protocol": row, "reason": "x"}, headers=_h(world, "cec"))
        assert one.status_code == 422 and said in one.text, one.text
    assert _versions(world) == 2  # fmt: skip


def _zip(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(name, data)
    return out.getvalue()


def test_zip_bomb_is_refused_and_content_type_honoured(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv = b"station,region,registered,valid,invalid,party:Amanat,party:Auyl\nS1,Almaty,1000,600,13,400,200\n"
    zipped = _zip("p.csv", csv)
    as_csv = client.post(
        BULK + "?reason=x", content=zipped, headers=_h(world, "cec", **{"Content-Type": "text/csv"})
    )
    assert as_csv.status_code == 415 and "application/zip" in as_csv.json()["error"]
    untyped = client.post(BULK + "?reason=x", content=csv, headers=_h(world, "cec"))
    assert untyped.status_code == 415
    monkeypatch.setattr(door, "LIMITS", door.Limits(unzipped_bytes=1024 * 1024))
    # 300 MB would be the bomb; 4 MB of one cell shows the cap as well.
    bomb = _zip("p.csv", csv[:-1] + b"9" * (4 * 1024 * 1024) + b"\n")
    assert len(bomb) < 40_000
    refused = client.post(
        BULK + "?reason=x",
        content=bomb,
        headers=_h(world, "cec", **{"Content-Type": "application/zip"}),
    )
    assert refused.status_code == 422 and "unpacks to more than 1,048,576 bytes" in refused.text
    assert _versions(world) == 2
    ok = client.post(
        BULK + "?reason=x",
        content=zipped,
        headers=_h(world, "cec", **{"Content-Type": "application/zip"}),
    )
    assert ok.status_code == 200 and ok.json()["counts"] == {"accepted": 1}, ok.text  # fmt: skip


def test_an_unwritable_database_is_503_with_the_reason(
    client: TestClient, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    engine = client.app.state.site.store.engine  # type: ignore[attr-defined]
    sqlite = store_engine.is_sqlite(engine)

    def read_only(dbapi_conn: Any, _: Any) -> None:
        cur = dbapi_conn.cursor()
        if sqlite:
            cur.execute("PRAGMA query_only = ON")
        else:
            cur.execute("SET default_transaction_read_only = on")
            dbapi_conn.commit()  # a SET rolled back with its transaction would not hold
        cur.close()

    event.listen(engine, "connect", read_only)
    engine.dispose()  # every new connection is read-only
    try:
        row = {**S1, "invalid": 14}
        resp = client.post(URL, json={"protocol": row, "reason": "x"}, headers=_h(world, "cec"))
    finally:
        event.remove(engine, "connect", read_only)
        engine.dispose()
    assert resp.status_code == 503, resp.text
    error = resp.json()["error"]
    assert error.startswith("database unavailable:") and "read" in error.lower(), error
    assert any("database unavailable" in r.getMessage() for r in caplog.records)
    assert _versions(world) == 2


def test_a_full_disk_is_unavailable_not_a_bug(tmp_path: Any) -> None:
    """SQLite's own "database or disk is full" (max_page_count reached) is named."""
    engine = create_engine(f"sqlite:///{tmp_path / 'full.db'}")

    def tiny(dbapi_conn: Any, _: Any) -> None:
        dbapi_conn.execute("PRAGMA max_page_count = 3")

    event.listen(engine, "connect", tiny)
    try:
        with pytest.raises(OperationalError) as caught, engine.begin() as conn:
            conn.execute(text("CREATE TABLE t (x BLOB)"))
            conn.execute(text("INSERT INTO t VALUES (randomblob(100000))"))
    finally:
        engine.dispose()
    assert faults.unavailable(caught.value) == "database unavailable: database or disk is full"
    assert faults.unavailable(ValueError("x")) is None
