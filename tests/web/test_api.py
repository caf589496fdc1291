"""The JSON API through the ASGI test client: figures, seats, ETags, errors."""

from __future__ import annotations

import datetime as dt
from email.utils import format_datetime
from pathlib import Path

from fastapi.testclient import TestClient
from webdata import STATIONS, write_protocols

from saylau.store import Store
from saylau.tabulate import read_protocols


def test_election_day_lists_the_contest_with_its_progress(client: TestClient) -> None:
    body = client.get("/api/v1/contests").json()
    (c,) = body["contests"]
    assert c["id"] == "majilis"
    # No station list was registered (the stations came with their protocols): the
    # number expected is unknown (null), never the 7 that happened to report.
    assert (c["stations_reporting"], c["stations_expected"]) == (7, None)
    assert c["registered"] == 5550  # sum of the registered column of conftest.STATIONS
    assert c["ballots_cast"] == 3365
    assert c["turnout"] == 60.63  # 3365 / 5550
    assert c["status"] == "preliminary"


def test_contest_votes_threshold_and_seats(client: TestClient) -> None:
    body = client.get("/api/v1/contests/majilis").json()
    votes = {p["name"]: p["votes"] for p in body["parties"]}
    assert votes == {"Nur Otan": 2670, "Ak Zhol": 510, "Auyl": 143}
    assert body["threshold"] == 7.0
    passed = {p["name"]: p["passed"] for p in body["parties"]}
    assert passed == {"Nur Otan": True, "Ak Zhol": True, "Auyl": False}  # Auyl 4.30% < 7%
    # Hare quota over the passing parties: (2670 + 510) / 98 = 1590/49; integer seats 82
    # and 15, the one remaining seat to Ak Zhol's larger remainder (0.72 > 0.28).
    assert body["allocation"]["quota"]["exact"] == "1590/49"
    assert {p["name"]: p["seats"] for p in body["parties"]} == {
        "Nur Otan": 82,
        "Ak Zhol": 16,
        "Auyl": 0,
    }
    reserved = [g for g in body["seat_groups"] if g["reserved"]]
    assert [g["seats"] for g in reserved] == [9]  # Assembly of People of Kazakhstan
    assert body["seats_total"] == 107
    kinds = [s["kind"] for s in body["allocation"]["steps"]]
    assert "quota" in kinds and "remainder" in kinds


def test_drill_down_region_district_station_and_abroad(client: TestClient) -> None:
    contest = client.get("/api/v1/contests/majilis").json()
    names = {c["name"]: c for c in contest["children"]}
    assert set(names) == {"Almaty", "Astana", "Abroad"}
    almaty = client.get(names["Almaty"]["api_url"]).json()
    assert almaty["totals"]["registered"] == 3100
    assert [c["name"] for c in almaty["children"]] == ["Bostandyk", "Medeu"]
    medeu = client.get(almaty["children"][1]["api_url"]).json()
    assert [c["id"] for c in medeu["children"]] == ["001", "002"]
    station = client.get(medeu["children"][0]["api_url"]).json()
    assert station["station"]["id"] == "001"
    fields = {f["field"]: f["value"] for f in station["protocol"]["fields"]}
    assert fields == {"registered": 1000, "invalid": 10, "valid": 650}
    assert [b["name"] for b in station["breadcrumbs"]] == ["Majilis", "Almaty", "Medeu", "001"]
    relations = {r["name"]: r["result"] for r in station["relations"]}
    assert relations["valid_eq_votes"] == "passed"
    assert relations["ballots_balance"] == "not_applicable"  # no ballots_received column
    abroad = client.get(names["Abroad"]["api_url"]).json()
    assert sorted(c["name"] for c in abroad["children"]) == ["Germany", "Turkey"]


def test_etag_304_and_a_changed_protocol_shows_at_once(
    client: TestClient, store: Store, tmp_path: Path
) -> None:
    url = "/api/v1/contests/majilis"
    first = client.get(url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"] == "no-cache"
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    page = client.get("/contests/majilis")
    assert (
        client.get("/contests/majilis", headers={"If-None-Match": page.headers["etag"]}).status_code
        == 304
    )

    amended = [("001", "Almaty", "Medeu", "", 1000, 10, (400, 220, 30)), *STATIONS[1:]]
    store.ingest(
        "majilis",
        read_protocols(write_protocols(tmp_path / "amend.csv", amended)),
        reason="recount",
    )
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200
    assert again.headers["etag"] != etag
    votes = {p["name"]: p["votes"] for p in again.json()["parties"]}
    assert votes["Nur Otan"] == 2570 and votes["Ak Zhol"] == 610
    station = client.get("/api/v1/contests/majilis/stations/001").json()
    assert [v["version"] for v in station["versions"]] == [2, 1]
    assert station["versions"][0]["reason"] == "recount"


def test_if_modified_since_in_the_past_gets_the_body(client: TestClient) -> None:
    old = format_datetime(dt.datetime(2000, 1, 1, tzinfo=dt.UTC), usegmt=True)
    assert client.get("/api/v1/contests", headers={"If-Modified-Since": old}).status_code == 200


def test_unknown_ids_give_404_with_a_json_error_body(client: TestClient) -> None:
    for url in (
        "/api/v1/contests/nope",
        "/api/v1/contests/majilis/divisions/nowhere",
        "/api/v1/contests/majilis/stations/999",
        "/api/v1/contests/nope/export.csv",
        "/api/v1/contests/nope/nist.json",
        "/api/v1/nothing-here",
    ):
        r = client.get(url)
        assert r.status_code == 404, url
        body = r.json()
        assert body["ok"] is False and body["error"], url
    # A region is not a station and a station is not a division.
    assert client.get("/api/v1/contests/majilis/stations/region:Almaty").status_code == 404
    assert client.get("/api/v1/contests/majilis/divisions/001").status_code == 404


def test_bad_query_parameters_give_422_with_a_json_error_body(client: TestClient) -> None:
    r = client.get("/api/v1/contests/majilis/export.csv?level=planet")
    assert r.status_code == 422
    assert r.json()["ok"] is False and "level" in r.json()["error"]


def test_pages_answer_errors_with_a_friendly_page(client: TestClient) -> None:
    r = client.get("/contests/nope")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Not found" in r.text and "Traceback" not in r.text
    r = client.get("/contests/majilis?lang=fr")
    assert r.status_code == 422 and "unsupported language" in r.text
    r = client.get("/contests/majilis/stations/999?lang=ru")
    assert r.status_code == 404


def test_openapi_documents_the_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/v1/contests",
        "/api/v1/contests/{contest_id}",
        "/api/v1/contests/{contest_id}/stations/{station_id}",
        "/api/v1/contests/{contest_id}/nist.json",
    ):
        assert path in spec["paths"], path
    assert "ErrorBody" in spec["components"]["schemas"]
