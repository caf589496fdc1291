"""The statement of results per territory (issue #13 §6) in the commission workspace:
made from approved results only, for the coordinators whose scope holds the
territory, in en/ru/kk, linked from the work page.  SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from commission_world import CONTEST, GOOD, PASSWORD, World, build, csrf_of
from fastapi.testclient import TestClient

from saylau.trust import audit, coordination, workflow
from saylau.trust.desk import Desk
from saylau.web.app import create_app

MEDEU = "district:Almaty/Medeu"
URL = f"/commission/{CONTEST}/statement.pdf?division={quote(MEDEU)}"


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    w = build(db_url, tmp_path, double_entry=False)
    for station in ("001", "002", "003"):
        protocol = {"station": station, "region": "Almaty", "district": "Medeu", **GOOD}
        workflow.submit(w.store, w.accounts["cec"], CONTEST, protocol)
    yield w
    w.store.close()


def sign_in(c: TestClient, name: str) -> str:
    c.cookies.clear()
    page = c.get("/commission/")
    r = c.post(
        "/commission/sign-in",
        data={"csrf": csrf_of(page.text), "name": name, "password": PASSWORD},
    )
    assert r.status_code == 200, r.text
    return r.text


def refused(world: World) -> list[audit.Entry]:
    with world.store.engine.connect() as conn:
        return [e for e in audit.entries(conn) if e.action == "refused"]


def test_statement_of_an_approved_territory_in_three_languages(world: World) -> None:
    desk = Desk(world.store)
    with TestClient(create_app(world.url), raise_server_exceptions=False) as c:
        work = sign_in(c, "coord")
        assert "data-statement=" not in work
        r = c.get(URL)
        assert r.status_code == 409 and "no approved results yet" in r.text
        coordination.approve(desk, world.accounts["coord"], CONTEST, MEDEU)
        work = c.get("/commission/work").text
        assert f'data-statement="{MEDEU}"' in work
        for lang in ("en", "ru", "kk"):
            r = c.get(f"{URL}&lang={lang}")
            assert r.status_code == 200 and r.content.startswith(b"%PDF"), (lang, r.text[:200])
            assert (
                f"statement-{CONTEST}-district_Almaty_Medeu-{lang}.pdf"
                in (r.headers["content-disposition"])
            )
        # The district's approval covers none of Astana: no statement there.
        r = c.get(f"/commission/{CONTEST}/statement.pdf?division=region:Astana")
        assert r.status_code == 403
        # A protocol changed after the approval: the approval no longer holds.
        amended = {"station": "002", "region": "Almaty", "district": "Medeu",
                   **GOOD, "invalid": 11, "valid": 649, "party:Auyl": 29}  # fmt: skip
        workflow.submit(world.store, world.accounts["cec"], CONTEST, amended, reason="recount")
        assert c.get(URL).status_code == 409
        assert "data-statement=" not in c.get("/commission/work").text


def test_an_operator_gets_no_territory_statement_and_is_audited(world: World) -> None:
    coordination.approve(Desk(world.store), world.accounts["coord"], CONTEST, MEDEU)
    with TestClient(create_app(world.url), raise_server_exceptions=False) as c:
        sign_in(c, "op1")
        r = c.get(URL)
        assert r.status_code == 403 and "cannot read division" in r.text
        assert c.get(f"/commission/{CONTEST}/statement.pdf?division=nowhere").status_code == 404
    assert [e.actor for e in refused(world)] == ["op1"]


def test_the_cec_prints_the_statement_of_the_whole_contest_once_approved(world: World) -> None:
    desk = Desk(world.store)
    protocol = {"station": "003", "region": "Almaty", "district": "Medeu", **GOOD}
    assert workflow.submit(world.store, world.accounts["cec"], CONTEST, protocol).status == (
        "unchanged"
    )
    coordination.approve(desk, world.accounts["cec"], CONTEST, "KZ")
    with TestClient(create_app(world.url), raise_server_exceptions=False) as c:
        sign_in(c, "cec")
        # The root's approval covers every territory below it, Medeu included.
        for division in ("KZ", MEDEU, "region:Astana"):
            r = c.get(f"/commission/{CONTEST}/statement.pdf?division={quote(division)}&lang=kk")
            assert r.status_code == 200 and r.content.startswith(b"%PDF"), division
