"""Observers and irregularity reports in the store, and the institutions web routes."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from saylau.cli import main
from saylau.errors import InputError
from saylau.institutions import persist
from saylau.institutions.observers import read_registry, read_reports
from saylau.store import Store

REGISTRY = (
    "id,name,kind,affiliation,organisation,country,contests,stations,"
    "accredited_from,accredited_to\n"
    "O1,Ann,international,organisation,OSCE/ODIHR,Germany,,101;102,2021-01-01,2021-01-12\n"
    "O2,Bek,domestic,individual,,KZ,,,2021-01-01,\n"
)
REPORTS = (
    "id,observer,station,contest,reported_at,category,description\n"
    "R1,O1,101,c1,2021-01-10T11:00,ballot stuffing,two ballots seen\n"
    "R2,O2,101,c1,2021-01-10T09:30,obstruction,denied entry for 20 minutes\n"
)


def test_reports_round_trip_and_all_or_nothing(db_url: str, tmp_path: Path) -> None:
    reg_file = tmp_path / "reg.csv"
    reg_file.write_text(REGISTRY, encoding="utf-8")
    rep_file = tmp_path / "rep.csv"
    rep_file.write_text(REPORTS, encoding="utf-8")
    with Store.open(db_url) as store:
        assert persist.save_registry(store, read_registry(reg_file)) == 2
        assert persist.add_reports(store, read_reports(rep_file)) == 2
        got = persist.station_reports(store, "101", "c1")
        assert [r.id for r in got] == ["R2", "R1"]  # in time order
        assert persist.station_reports(store, "102") == []
        with pytest.raises(InputError) as err:
            persist.add_reports(store, read_reports(rep_file))
        assert "report 'R1' is already stored" in err.value.problems
        assert persist.load_registry(store).summary().domestic == 1
        # The rows the observers page digests for its cache version (Store.observers).
        rows = store.observers()
        assert [(r["id"], r["organisation"], r["stations"]) for r in rows] == [
            ("O1", "OSCE/ODIHR", "101;102"),
            ("O2", "", ""),
        ]


def test_cli_and_web(tmp_path: Path) -> None:
    db = str(tmp_path / "s.db")
    rep_file = tmp_path / "rep.csv"
    rep_file.write_text(
        REPORTS.replace("O1,101", "KZ21-INT-001,101").replace("O2,", "KZ21-INT-399,"),
        encoding="utf-8",
    )
    runner = CliRunner()
    res = runner.invoke(main, ["observers", "load", db, "kz-2021"])
    assert res.exit_code == 0 and "398 observers stored" in res.output
    res = runner.invoke(main, ["observers", "report", db, str(rep_file)])
    assert res.exit_code == 2
    assert "error: report 'R2': observer 'KZ21-INT-399' is not accredited" in res.output
    rep_file.write_text(
        REPORTS.replace("O1,101", "KZ21-INT-001,101").replace(
            "R2,O2,101,c1,2021-01-10T09:30,obstruction,denied entry for 20 minutes\n", ""
        ),
        encoding="utf-8",
    )
    res = runner.invoke(main, ["observers", "report", db, str(rep_file)])
    assert res.exit_code == 0, res.output

    from saylau.tabulate import read_protocols
    from saylau.web.app import create_app

    protocols = tmp_path / "p.csv"
    protocols.write_text(
        "station,registered,invalid,valid,party:A\n101,100,0,50,50\n102,90,0,40,40\n",
        encoding="utf-8",
    )
    with Store.open(db) as store:
        store.init_election("e", None, "c1", "kz-majilis-2021")
        store.ingest("c1", read_protocols(protocols))
    client = TestClient(create_app(db))
    data = client.get("/api/v1/observers/summary").json()
    assert data["international"] == 398 and data["organisation_count"] == 10
    data = client.get("/api/v1/contests/c1/irregularities/101").json()
    assert [r["category"] for r in data["reports"]] == ["ballot stuffing"]
    assert data["count"] == 1 and data["reports"][0]["observer"] == "KZ21-INT-001"
    assert client.get("/api/v1/contests/c1/irregularities/102").json()["reports"] == []
    missing = client.get("/api/v1/contests/c1/irregularities/999")
    assert missing.status_code == 404 and "999" in missing.json()["error"]
    missing = client.get("/api/v1/contests/nope/irregularities/101")
    assert missing.status_code == 404 and "nope" in missing.json()["error"]
    # The station page shows the observers' reports.
    page = client.get("/contests/c1/stations/101").text
    assert 'id="h-irregularities"' in page and "ballot stuffing" in page
    assert 'id="h-irregularities"' not in client.get("/contests/c1/stations/102").text
    page = client.get("/observers")
    assert page.status_code == 200 and "322 from 10 organisations" in page.text
    assert 'data-field="international">398<' in page.text  # in the site's layout
