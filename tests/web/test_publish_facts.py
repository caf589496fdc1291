"""Every published fact moves its contest's change counter, so that ``saylau publish
--watch``, the mirror's ``version.json`` and the live pages follow it: an observer's
report rewrites its station's page (and not the other stations')."""

from __future__ import annotations

import json
from pathlib import Path

from webdata import build_store

from saylau.institutions import persist
from saylau.institutions.observers import read_registry, read_reports
from saylau.store import Store
from saylau.web.publish import VERSION, publish, store_state

REGISTRY = (
    "id,name,kind,affiliation,organisation,country,contests,stations,"
    "accredited_from,accredited_to\n"
    "O1,Ann,international,organisation,OSCE/ODIHR,Germany,,,2021-01-01,2021-01-12\n"
)
REPORT = (
    "id,observer,station,contest,reported_at,category,description\n"
    "R1,O1,001,majilis,2021-01-10T11:00,ballot stuffing,two ballots seen in the box\n"
)


def _counter(out: Path) -> int:
    version = json.loads((out / VERSION).read_bytes())
    return int(version["contests"]["majilis"]["change_counter"])


def test_an_observers_report_moves_the_counter_and_rewrites_its_station(tmp_path: Path) -> None:
    db = str(tmp_path / "facts.db")
    build_store(db, tmp_path).close()
    (tmp_path / "reg.csv").write_text(REGISTRY, encoding="utf-8")
    (tmp_path / "rep.csv").write_text(REPORT, encoding="utf-8")
    out = tmp_path / "site"
    publish(db, out)
    watched, counter = store_state(db), _counter(out)

    with Store.open(db) as store:
        persist.save_registry(store, read_registry(tmp_path / "reg.csv"))
    accredited = store_state(db)
    assert accredited != watched  # what --watch polls: it republishes
    with Store.open(db) as store:
        persist.add_reports(store, read_reports(tmp_path / "rep.csv"))
        assert store.change_counter("majilis") > counter
    assert store_state(db) != accredited

    report = publish(db, out)
    assert _counter(out) > counter  # version.json says the contest changed
    page = (out / "en/contests/majilis/stations/001/index.html").read_text(encoding="utf-8")
    assert "two ballots seen in the box" in page
    twin = json.loads((out / "api/v1/contests/majilis/stations/001.json").read_bytes())
    assert [r["id"] for r in twin["irregularities"]] == ["R1"]
    assert "en/contests/majilis/stations/001/index.html" in report.written
    assert "api/v1/contests/majilis/stations/001.json" in report.written
    # Only the reported station among the places: the others are kept as they were.
    stations = {n for n in report.written if "/stations/" in n}
    assert stations and all("/stations/001" in n for n in stations)
    assert not report.full
