"""Stations counted: "N of M" only where a station list was registered (issue #19).

Without a divisions file or stations registered ahead of their results, the results
know only the stations that reported: every page (en/ru/kk), the JSON, the CSV, the
NIST export and the CLI say "N stations reported" and show no progress bar; with a
registered list they say "N / M".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from webdata import STATIONS, build_store

from saylau.cli import main
from saylau.store import Store
from saylau.web.app import create_app

#: What a page says of the 7 stations of webdata.STATIONS, by language.
REPORTED = {
    "en": "7 stations reported",
    "ru": "сообщили 7 участков",
    "kk": "7 учаске хабарлады",
}
PAGES = (
    "/",
    "/contests/majilis",
    "/contests/majilis/statement",
    "/embed/contests/majilis",
)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("\u00a0", " ")


@pytest.fixture
def unlisted(db_url: str, tmp_path: Path) -> Iterator[tuple[Store, TestClient]]:
    """The web tests' election: its stations came with their protocols."""
    store = build_store(db_url, tmp_path)
    with TestClient(create_app(db_url, counter_ttl=0)) as client:
        yield store, client
    store.close()


@pytest.fixture
def listed(db_url: str, tmp_path: Path) -> Iterator[tuple[Store, TestClient]]:
    """The same election after the CEC registered an eighth station ahead of results."""
    store = build_store(db_url, tmp_path)
    store.register(
        "majilis",
        stations=[{"station": "006", "region": "Astana", "district": "Yesil"}],
        actor="cec",
    )
    with TestClient(create_app(db_url, counter_ttl=0)) as client:
        yield store, client
    store.close()


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_pages_say_stations_reported_without_a_list(
    unlisted: tuple[Store, TestClient], lang: str
) -> None:
    _store, client = unlisted
    for path in PAGES:
        r = client.get(f"{path}?lang={lang}")
        assert r.status_code == 200, path
        text = _text(r.text)
        assert REPORTED[lang] in text, (path, lang)
        assert "7 / 7" not in text, (path, lang)
        assert "<progress" not in r.text, path  # no bar towards an unknown end
    # Region Almaty: 3 of the 7 stations.
    almaty = client.get(f"/contests/majilis/divisions/region%3AAlmaty?lang={lang}")
    assert {"en": "3 stations reported", "ru": "сообщили 3 участка", "kk": "3 учаске хабарлады"}[
        lang
    ] in _text(almaty.text)


def test_pages_say_n_of_m_with_a_registered_list(listed: tuple[Store, TestClient]) -> None:
    _store, client = listed
    for path in PAGES:
        text = _text(client.get(path).text)
        assert "7 / 8" in text and "stations reported" not in text, path
    assert "<progress" in client.get("/").text
    astana = _text(client.get("/contests/majilis/divisions/region%3AAstana").text)
    assert "2 / 3" in astana


def test_json_csv_and_nist_without_a_list(unlisted: tuple[Store, TestClient]) -> None:
    _store, client = unlisted
    (card,) = client.get("/api/v1/contests").json()["contests"]
    assert (card["stations_reporting"], card["stations_expected"], card["counted_percent"]) == (
        7,
        None,
        None,
    )
    contest = client.get("/api/v1/contests/majilis").json()
    assert contest["contest"]["stations_expected"] is None
    almaty = client.get("/api/v1/contests/majilis/divisions/region%3AAlmaty").json()
    assert (almaty["division"]["stations_reporting"], almaty["division"]["stations_expected"]) == (
        3,
        None,
    )
    assert {c["stations_expected"] for c in contest["children"]} == {None}
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/api/v1/contests/majilis/export.csv?level=region").text)
        )
    )
    assert {(r["name"], r["stations_expected"], r["stations_reporting"]) for r in rows} == {
        ("Almaty", "", "3"),
        ("Astana", "", "2"),
        ("Abroad", "", "2"),
    }
    nist = client.get("/api/v1/contests/majilis/nist.json").json()
    assert all("TotalSubUnits" not in u for u in nist["GpUnit"])
    assert "TotalSubUnits" not in nist["Election"][0]["Contest"][0]


def test_json_csv_and_nist_with_a_registered_list(listed: tuple[Store, TestClient]) -> None:
    store, client = listed
    (card,) = client.get("/api/v1/contests").json()["contests"]
    assert (card["stations_reporting"], card["stations_expected"], card["counted_percent"]) == (
        7,
        8,
        87.5,
    )
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/api/v1/contests/majilis/export.csv?level=region").text)
        )
    )
    assert {(r["name"], r["stations_expected"], r["stations_reporting"]) for r in rows} == {
        ("Almaty", "3", "3"),
        ("Astana", "3", "2"),
        ("Abroad", "2", "2"),
    }
    nist = client.get("/api/v1/contests/majilis/nist.json").json()
    assert nist["Election"][0]["Contest"][0]["TotalSubUnits"] == 8
    assert nist["Status"] == "unofficial-partial"  # station 006 has not reported
    assert store.contest("majilis").stations_expected == 8


def test_cli_results_without_and_with_a_list(
    unlisted: tuple[Store, TestClient], db_url: str
) -> None:
    store, _client = unlisted
    runner = CliRunner()
    r = runner.invoke(main, ["results", db_url, "--level", "region"])
    assert r.exit_code == 0, r.output
    assert "7 reported" in r.output and "3 reported" in r.output and "7 of 7" not in r.output
    store.register("majilis", stations=[{"station": "A03", "country": "Turkey"}], actor="cec")
    r = runner.invoke(main, ["results", db_url, "--level", "region"])
    assert r.exit_code == 0, r.output
    assert "7 of 8" in r.output and "3 of 3" in r.output and "reported" not in r.output
    assert len(STATIONS) == 7
