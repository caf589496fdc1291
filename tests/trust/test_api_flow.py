"""Submission outcomes, idempotency, double entry, certification freeze, limits, fuzzing."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trust_world import S1, World

from saylau.web import door

URL = "/api/v1/contests/kz/protocols"


def _h(world: World, role: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[role]}", **extra}


def test_outcomes_and_amendment_reason(client: TestClient, world: World) -> None:
    same = client.post(URL, json={"protocol": S1}, headers=_h(world, "station"))
    assert same.json() == {"ok": True, "status": "unchanged", "station": "S1", "version": 1,
                           "hash": same.json()["hash"]}  # fmt: skip
    amended = {**S1, "party:Amanat": 390, "valid": 590}
    no_reason = client.post(URL, json={"protocol": amended}, headers=_h(world, "station"))
    assert (
        no_reason.status_code == 422 and "an amendment needs a reason" in no_reason.json()["error"]
    )
    ok = client.post(
        URL, json={"protocol": amended, "reason": "recount"}, headers=_h(world, "station")
    )
    assert ok.json()["status"] == "accepted" and ok.json()["version"] == 2
    # valid 590 but the parties add up to 600: the law's policy decides, the relation is named
    bad = client.post(
        URL,
        json={"protocol": {**amended, "valid": 601}, "reason": "typo"},
        headers=_h(world, "station"),
    )
    assert bad.json()["status"] in ("flagged", "rejected")
    assert bad.json()["problems"], bad.json()


def test_idempotency_key(client: TestClient, world: World) -> None:
    body = {"protocol": {**S1, "invalid": 12}, "reason": "recount"}
    h = _h(world, "station", **{"Idempotency-Key": "k-1"})
    first = client.post(URL, json=body, headers=h)
    again = client.post(URL, json=body, headers=h)
    assert first.json() == again.json() and again.headers["Idempotent-Replayed"] == "true"
    other = client.post(URL, json={**body, "reason": "other"}, headers=h)
    assert other.status_code == 409


def test_double_entry_flow(client: TestClient, world: World) -> None:
    cec = _h(world, "cec")
    assert (
        client.put(
            "/api/v1/contests/kz/settings", json={"double_entry": True}, headers=cec
        ).status_code
        == 200
    )
    p = {**S1, "invalid": 20}
    first = client.post(
        URL, json={"protocol": p, "reason": "r"}, headers=_h(world, "station")
    ).json()
    assert first["status"] == "pending-second-entry"
    twice = client.post(URL, json={"protocol": p, "reason": "r"}, headers=_h(world, "station"))
    assert twice.status_code == 409 and "different account" in twice.json()["error"]
    differ = client.post(
        URL,
        json={"protocol": {**p, "invalid": 21}, "reason": "r"},
        headers=_h(world, "territorial"),
    )
    assert differ.json()["status"] == "entries-differ"
    assert differ.json()["differences"] == [{"field": "invalid", "first": 20, "second": 21}]
    resolved = client.post(
        "/api/v1/contests/kz/entries/S1/resolve", json={"keep": first["entry"], "reason": "paper says 20"},
        headers=_h(world, "territorial"),
    ).json()  # fmt: skip
    assert resolved["status"] == "accepted" and resolved["version"] == 2
    assert world.store.station("kz", "S1").protocol["invalid"] == 20


def test_certification_freezes(client: TestClient, world: World) -> None:
    cec = _h(world, "cec")
    assert client.post("/api/v1/contests/kz/certification", headers=cec).status_code == 200
    body = {"protocol": {**S1, "invalid": 9}, "reason": "late"}
    frozen = client.post(URL, json=body, headers=cec)
    assert frozen.status_code == 409 and "needs a recorded CEC decision" in frozen.json()["error"]
    d = client.post(
        "/api/v1/contests/kz/decisions",
        json={"station": "S1", "reason": "decision 41/2"},
        headers=cec,
    )
    assert d.status_code == 200
    assert client.post(URL, json=body, headers=cec).json()["status"] == "accepted"
    assert (
        client.post(URL, json={**body, "protocol": {**S1, "invalid": 8}}, headers=cec).status_code
        == 409
    )


def test_limits(client: TestClient, world: World, monkeypatch: Any) -> None:
    big = client.post(
        URL, content=b"{" + b" " * (door.LIMITS.json_bytes + 1) + b"}", headers=_h(world, "station")
    )
    assert big.status_code == 413
    form = client.post(URL, data={"a": "b"}, headers=_h(world, "station"))
    assert form.status_code == 415
    monkeypatch.setattr(door, "LIMITS", door.Limits(rate_per_second=0.001, burst=2))
    codes = [
        client.get("/api/v1/audit", headers=_h(world, "observer")).status_code for _ in range(3)
    ]
    assert codes == [200, 200, 429]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=15,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(protocol=json_values | st.fixed_dictionaries({"station": st.text(max_size=5)}, optional={
    "registered": st.integers(), "valid": st.integers(), "invalid": st.integers(),
    "party:X": st.integers() | st.text(max_size=3), "zzz": json_values}))  # fmt: skip
def test_fuzzed_json_gets_clean_answers(client: TestClient, world: World, protocol: Any) -> None:
    resp = client.post(URL, json={"protocol": protocol, "reason": "fuzz"}, headers=_h(world, "cec"))
    assert resp.status_code in (200, 409, 422), resp.text
    assert resp.json()["ok"] is (resp.status_code == 200)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_fuzzed_csv_gets_clean_answers(client: TestClient, world: World, data: bytes) -> None:
    resp = client.post(URL + "/bulk?reason=fuzz", content=b"station,registered,valid,invalid\n" + data,
                       headers=_h(world, "cec", **{"Content-Type": "text/csv"}))  # fmt: skip
    assert resp.status_code in (200, 409, 422), resp.text


def test_control_characters_are_refused_cleanly(client: TestClient, world: World) -> None:
    # found by the fuzzer: a NUL in a station id made PostgreSQL fail with a 500
    for station in ("\x00", "a\x00", "S\n1"):
        body = {"protocol": {**S1, "station": station}, "reason": "x"}
        resp = client.post(URL, json=body, headers=_h(world, "cec"))
        assert resp.status_code == 422 and "control characters" in resp.json()["error"]
