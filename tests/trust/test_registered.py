"""The registered ballot and division tree, and the workflow's invariants (issue #19
§1 and §5), through the write API and the CLI on SQLite and PostgreSQL.

The world (conftest) registers stations S1 (Almaty) and S9 (Astana) and the parties
Amanat and Auyl before any protocol comes in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import text
from trust_world import CONTEST, S1, World

from saylau.cli import main


def _h(world: World, role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[role]}"}


def _submit(client: TestClient, world: World, role: str, protocol: dict[str, Any]) -> Any:
    return client.post(
        f"/api/v1/contests/{CONTEST}/protocols",
        json={"protocol": protocol, "reason": "recount"},
        headers=_h(world, role),
    )


def _scalar(world: World, sql: str) -> Any:
    with world.store.engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_a_station_token_cannot_add_a_party(client: TestClient, world: World) -> None:
    before = _scalar(world, "SELECT count(*) FROM protocol_versions")
    evil = {**S1, "party:Evil": 5, "valid": 605}
    resp = _submit(client, world, "station", evil)
    assert resp.status_code == 422
    assert resp.json()["problems"] == ["party 'Evil' is not on the ballot of 'kz'"]
    assert _scalar(world, "SELECT count(*) FROM protocol_versions") == before
    assert _scalar(world, "SELECT count(*) FROM contest_parties") == 2
    page = client.get(f"/api/v1/contests/{CONTEST}").text
    assert "Evil" not in page


def test_a_token_cannot_create_a_station(client: TestClient, world: World) -> None:
    for role in ("territorial", "cec"):
        resp = _submit(client, world, role, {**S1, "station": "NEW1"})
        assert resp.status_code == 422, resp.text
        assert resp.json()["problems"] == ["station 'NEW1' is not registered in 'kz'"]
    assert _scalar(world, "SELECT count(*) FROM divisions WHERE id = 'NEW1'") == 0


def test_a_protocol_cannot_move_its_station(client: TestClient, world: World) -> None:
    resp = _submit(client, world, "cec", {**S1, "region": "Astana"})
    assert resp.status_code == 422
    assert resp.json()["problems"] == [
        "station 'S1' is registered in 'region:Almaty'; the protocol places it in 'region:Astana'"
    ]
    assert _scalar(world, "SELECT parent_id FROM divisions WHERE id = 'S1'") == "region:Almaty"


def test_a_scope_must_name_a_registered_division(client: TestClient, world: World) -> None:
    typo = {"name": "tec-atlantis", "role": "territorial", "scope": "region:Atlantis"}
    resp = client.post("/api/v1/accounts", json=typo, headers=_h(world, "cec"))
    assert resp.status_code == 422
    assert "scope 'region:Atlantis' is not a registered division" in resp.json()["error"]
    good = {**typo, "name": "tec-astana", "scope": "region:Astana"}
    assert client.post("/api/v1/accounts", json=good, headers=_h(world, "cec")).status_code == 201

    out = CliRunner().invoke(
        main, ["users", "add", world.url, "x", "--role", "station", "--scope", "NOPE"]
    )
    assert out.exit_code != 0
    assert out.output.strip().splitlines() == [
        "error: scope 'NOPE' is not a registered division of any contest"
    ]
    assert _scalar(world, "SELECT count(*) FROM trust_accounts WHERE name = 'x'") == 0


def test_cli_ingest_refuses_unregistered_stations_unless_asked(
    world: World, tmp_path: Path
) -> None:
    path = tmp_path / "late.csv"
    path.write_text(
        "station,region,registered,valid,invalid,party:Amanat,party:Auyl\n"
        "S1,Almaty,1000,600,10,400,200\n"
        "S2,Almaty,500,300,5,200,100\n",
        encoding="utf-8",
    )
    out = CliRunner().invoke(main, ["ingest", world.url, str(path), "--contest", CONTEST])
    assert out.exit_code == 2  # bad input
    assert out.output.strip().splitlines() == [
        "error: late.csv row 2: station 'S2' is not registered in 'kz'"
    ]
    assert _scalar(world, "SELECT count(*) FROM divisions WHERE id = 'S2'") == 0

    args = ["ingest", world.url, str(path), "--contest", CONTEST, "--register", "--json"]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    assert _scalar(world, "SELECT parent_id FROM divisions WHERE id = 'S2'") == "region:Almaty"
    detail = json.loads(
        _scalar(world, "SELECT detail FROM trust_audit WHERE action = 'ingest' ORDER BY seq DESC")
    )
    assert detail["registered"] == {"stations": {"S2": "region:Almaty"}, "parties": []}


# -- workflow invariants (§5) ---------------------------------------------------------


def test_a_decision_about_a_missing_station_is_404(client: TestClient, world: World) -> None:
    body = {"station": "NOPE", "reason": "CEC decision 7"}
    resp = client.post(f"/api/v1/contests/{CONTEST}/decisions", json=body, headers=_h(world, "cec"))
    assert resp.status_code == 404
    assert resp.json()["error"] == "contest 'kz' has no station 'NOPE'"
    body = {"station": "region:Almaty", "reason": "CEC decision 7"}  # a division, no station
    resp = client.post(f"/api/v1/contests/{CONTEST}/decisions", json=body, headers=_h(world, "cec"))
    assert resp.status_code == 404


def test_certifying_twice_is_409_and_freezes_double_entry(client: TestClient, world: World) -> None:
    url = f"/api/v1/contests/{CONTEST}"
    cec = _h(world, "cec")
    assert (
        client.put(f"{url}/settings", json={"double_entry": True}, headers=cec).status_code == 200
    )
    first = client.post(f"{url}/certification", headers=cec)
    assert first.status_code == 200
    again = client.post(f"{url}/certification", headers=cec)
    assert again.status_code == 409
    assert again.json()["error"].startswith("contest 'kz' was certified at ")
    assert _scalar(world, "SELECT count(*) FROM trust_certifications") == 1
    for on in (False, True):
        resp = client.put(f"{url}/settings", json={"double_entry": on}, headers=cec)
        assert resp.status_code == 409
        assert "double entry stays as it was" in resp.json()["error"]
    assert _scalar(world, "SELECT double_entry FROM trust_settings") in (True, 1)


def test_the_last_cec_account_cannot_be_revoked(client: TestClient, world: World) -> None:
    cec = _h(world, "cec")
    resp = client.delete("/api/v1/accounts/cec", headers=cec)
    assert resp.status_code == 409
    assert resp.json()["error"] == "account 'cec' is the last active CEC account"
    add = {"name": "cec2", "role": "cec"}
    assert client.post("/api/v1/accounts", json=add, headers=cec).status_code == 201
    assert client.delete("/api/v1/accounts/cec", headers=cec).status_code == 200
    out = CliRunner().invoke(main, ["users", "revoke", world.url, "cec2"])
    assert out.exit_code != 0
    assert out.output.strip() == "error: account 'cec2' is the last active CEC account"


def test_approvals_only_for_divisions_that_exist(client: TestClient, world: World) -> None:
    url = f"/api/v1/contests/{CONTEST}/approvals"
    resp = client.post(url, json={"division": "region:Atlantis"}, headers=_h(world, "cec"))
    assert resp.status_code == 404
    assert resp.json()["error"] == "contest 'kz' has no division 'region:Atlantis'"
    assert _scalar(world, "SELECT count(*) FROM trust_approvals") == 0


def test_init_registers_the_ballot(db_url: str, tmp_path: Path) -> None:
    div = tmp_path / "div.csv"
    div.write_text("id,name,level,parent\nKZ,Kazakhstan,country,\n1,One,station,KZ\n", "utf-8")
    args = ["init", db_url, "--election", "E", "--contest", "c", "--law", "kz-majilis-2021"]
    args += ["--divisions", str(div), "--party", "B", "--party", "A"]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    row = "station,registered,valid,invalid,party:A,party:B,party:C\n1,100,60,2,30,20,10\n"
    (tmp_path / "p.csv").write_text(row, "utf-8")
    out = CliRunner().invoke(main, ["ingest", db_url, str(tmp_path / "p.csv")])
    assert out.exit_code == 2
    assert out.output.strip() == "error: p.csv: party 'C' is not on the ballot of 'c'"
    out = CliRunner().invoke(main, ["results", db_url, "--json"])
    assert [p["name"] for p in json.loads(out.output)["parties"]] == ["B", "A"]
