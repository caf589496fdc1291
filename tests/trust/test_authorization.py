"""The authorisation matrix: every role (and no token) × every write/read endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from trust_world import ROLES, S1, S9, World


def _csv(p: dict[str, Any]) -> str:
    return ",".join(p) + "\n" + ",".join(str(v) for v in p.values()) + "\n"


S1_AMENDED = {**S1, "party:Amanat": 399, "valid": 599}

# name: (method, path, json body | csv text, roles allowed, status when allowed)
ENDPOINTS: dict[str, tuple[str, str, Any, set[str], int]] = {
    "sign-in": ("POST", "/api/v1/auth/sign-in", None, set(ROLES), 200),
    "submit own station": ("POST", "/api/v1/contests/kz/protocols",
                           {"protocol": S1_AMENDED, "reason": "recount"}, {"station", "territorial", "cec"}, 200),
    "submit other region": ("POST", "/api/v1/contests/kz/protocols",
                            {"protocol": {**S9, "invalid": 11}, "reason": "recount"}, {"cec"}, 200),
    "bulk own station": ("POST", "/api/v1/contests/kz/protocols/bulk?reason=recount", _csv(S1_AMENDED),
                         {"station", "territorial", "cec"}, 200),
    "bulk other region": ("POST", "/api/v1/contests/kz/protocols/bulk?reason=recount", _csv({**S9, "invalid": 11}),
                          {"cec"}, 200),
    "list entries": ("GET", "/api/v1/contests/kz/entries", None, {"territorial", "cec", "observer"}, 200),
    "resolve entries": ("POST", "/api/v1/contests/kz/entries/S1/resolve", {"keep": None, "reason": "x"},
                        {"territorial", "cec"}, 404),
    "approve own subtree": ("POST", "/api/v1/contests/kz/approvals", {"division": "region:Almaty"},
                            {"territorial", "cec"}, 200),
    "approve other subtree": ("POST", "/api/v1/contests/kz/approvals", {"division": "region:Astana"}, {"cec"}, 200),
    "certify": ("POST", "/api/v1/contests/kz/certification", None, {"cec"}, 200),
    "decide": ("POST", "/api/v1/contests/kz/decisions", {"station": "S1", "reason": "CEC decision 7"}, {"cec"}, 200),
    # After the certification above: double entry stays as it was certified.
    "settings": ("PUT", "/api/v1/contests/kz/settings", {"double_entry": True}, {"cec"}, 409),
    "read audit": ("GET", "/api/v1/audit", None, {"territorial", "cec", "observer"}, 200),
    "list accounts": ("GET", "/api/v1/accounts", None, {"cec", "observer"}, 200),
    "add account": ("POST", "/api/v1/accounts", {"name": "new", "role": "observer"}, {"cec"}, 201),
    "revoke account": ("DELETE", "/api/v1/accounts/observer", None, {"cec"}, 200),
}  # fmt: skip


def _call(client: TestClient, endpoint: str, token: str | None) -> Any:
    method, path, body, _, _ = ENDPOINTS[endpoint]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if isinstance(body, str):
        headers["Content-Type"] = "text/csv"
        return client.request(method, path, content=body, headers=headers)
    return client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize("role", [*ROLES, "anonymous"])
def test_matrix(client: TestClient, world: World, role: str) -> None:
    """One world per role; the endpoints run in table order (certification and
    revocation last-ish, so earlier rows are not affected by them)."""
    wrong = []
    for endpoint, (_, _, _, allowed, status) in ENDPOINTS.items():
        resp = _call(client, endpoint, world.tokens.get(role))
        body = resp.json()
        if role == "anonymous":
            expected = 401
        elif role in allowed:
            expected = status
        else:
            expected = 403
        if resp.status_code != expected:
            wrong.append(f"{endpoint}: {resp.status_code} (expected {expected}) {body}")
        if expected == 403 and "cannot" not in body.get("error", ""):
            wrong.append(f"{endpoint}: refusal does not say why: {body}")
        if expected == 401 and resp.headers.get("WWW-Authenticate") != "Bearer":
            wrong.append(f"{endpoint}: 401 without WWW-Authenticate")
        if resp.headers.get("X-Content-Type-Options") != "nosniff":
            wrong.append(f"{endpoint}: no security headers")
    assert wrong == []


def test_bad_and_revoked_tokens_are_refused(client: TestClient, world: World) -> None:
    token = world.tokens["observer"]
    assert (
        client.get("/api/v1/audit", headers={"Authorization": f"Bearer {token}x"}).status_code
        == 401
    )
    assert (
        client.get("/api/v1/audit", headers={"Authorization": "Bearer sl_00.zz"}).status_code == 401
    )
    cec = {"Authorization": f"Bearer {world.tokens['cec']}"}
    assert client.delete("/api/v1/accounts/observer", headers=cec).status_code == 200
    assert (
        client.get("/api/v1/audit", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )
