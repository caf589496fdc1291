"""Versioning, policies, aggregates and progress of the store, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from store_helpers import GOOD, HEADER, table, write_csv

from saylau.errors import InputError, NotFoundError
from saylau.store import Store, content_hash
from saylau.store.registry import Registration


def _count(store: Store, sql: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


def test_ingest_then_identical_reingest_is_unchanged(store: Store, tmp_path: Path) -> None:
    t = table(tmp_path / "p.csv", GOOD)
    first = store.ingest("majilis", t)
    assert (first.accepted, first.flagged, first.rejected, first.unchanged) == (5, 0, 0, 0)
    counter = store.change_counter("majilis")
    again = store.ingest("majilis", t)
    assert (again.accepted, again.unchanged) == (0, 5)
    assert _count(store, "SELECT count(*) FROM protocol_versions") == 5
    assert store.change_counter("majilis") == counter  # nothing written, ETag unchanged
    r = store.results("majilis")
    assert (r.totals.registered, r.totals.valid, r.totals.invalid) == (620, 322, 8)
    assert r.votes == {"A": 136, "B": 186}
    assert r.totals.ballots_cast == 330 and r.totals.turnout == pytest.approx(330 / 620)


def test_amendment_supersedes_and_keeps_history(store: Store, tmp_path: Path) -> None:
    store.ingest("majilis", table(tmp_path / "p.csv", GOOD))
    fixed = [*GOOD[:1], "2,North,N1,200,100,100,5,95,60,35", *GOOD[2:]]
    s = store.ingest(
        "majilis", table(tmp_path / "q.csv", fixed), actor="tec-7", reason="recount ordered"
    )
    assert (s.accepted, s.unchanged) == (1, 4)
    versions = store.protocol_versions("majilis", "2")
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].protocol["party:A"] == 50 and versions[1].protocol["party:A"] == 60
    assert (versions[1].actor, versions[1].reason) == ("tec-7", "recount ordered")
    assert versions[1].hash == content_hash(
        {
            "station": "2",
            "region": "North",
            "district": "N1",
            "registered": 200,
            "issued_at_station": 100,
            "in_stationary_boxes": 100,
            "invalid": 5,
            "valid": 95,
            "party:A": 60,
            "party:B": 35,
        }
    )
    assert store.results("majilis").votes == {"A": 146, "B": 176}
    assert store.results("majilis", "district:North/N1").votes == {"A": 90, "B": 63}
    assert store.aggregates("majilis") == store.recount("majilis")
    rec = store.station("majilis", "2")
    assert rec.version == 2 and rec.path == ("national", "region:North", "district:North/N1")
    assert {r.name: r.result for r in rec.relations}["valid_eq_votes"] == "passed"


def test_reject_policy_keeps_failing_protocol_out(store: Store, tmp_path: Path) -> None:
    bad = [*GOOD[:4], "5,,,50,10,10,0,10,6,3"]  # valid 10 != 6 + 3
    s = store.ingest("majilis", table(tmp_path / "p.csv", bad))
    assert (s.accepted, s.rejected) == (4, 1)
    assert [(p.row, p.station, p.relation, p.value, p.expected) for p in s.problems] == [
        (5, "5", "valid_eq_votes", 10, 9)
    ]
    r = store.results("majilis")
    # No station list registered (the first load registered its stations): unknown.
    assert (r.stations_reporting, r.stations_expected, r.totals.stations_rejected) == (4, None, 1)
    assert r.totals.registered == 570
    rec = store.station("majilis", "5")
    assert rec.status == "rejected"
    failed = [x for x in rec.relations if x.result == "failed"]
    assert [(x.name, x.value, x.expected) for x in failed] == [("valid_eq_votes", 10, 9)]
    # The corrected protocol is accepted and counted.
    res = store.submit(
        "majilis",
        {
            "station": "5",
            "registered": 50,
            "invalid": 0,
            "valid": 10,
            "issued_at_station": 10,
            "in_stationary_boxes": 10,
            "party:A": 6,
            "party:B": 4,
        },
        actor="api",
        reason="corrected",
    )
    assert (res.status, res.version) == ("accepted", 2)
    assert store.results("majilis").stations_reporting == 5
    assert store.aggregates("majilis") == store.recount("majilis")


def test_flag_policy_counts_failing_protocol(db_url: str, tmp_path: Path) -> None:
    law = tmp_path / "flag.toml"
    law.write_text(
        '[law]\nname = "flaglaw"\ntitle = "Flag law"\nprotocol_policy = "flag"\n\n'
        '[[tiers]]\nname = "list"\nseats = 10\nmethod = "hare"\nthreshold = "5"\n',
        encoding="utf-8",
    )
    with Store.open(db_url) as store:
        store.init_election("E", None, "c", law)
        s = store.ingest("c", table(tmp_path / "p.csv", [*GOOD[:4], "5,,,50,10,10,0,10,6,3"]))
        assert (s.accepted, s.flagged, s.rejected) == (4, 1, 0)
        r = store.results("c")
        assert (r.stations_reporting, r.totals.stations_flagged, r.totals.registered) == (5, 1, 620)
        assert r.seats is not None and sum(r.seats.values()) == 10


def test_aggregates_equal_recount_at_every_level(store: Store, tmp_path: Path) -> None:
    store.ingest("majilis", table(tmp_path / "a.csv", GOOD[:3]), batch_size=2)
    store.ingest(
        "majilis",
        table(tmp_path / "b.csv", [GOOD[2].replace(",40,29", ",39,30"), *GOOD[3:]]),
        register=Registration(stations=True),
    )
    stored, fresh = store.aggregates("majilis"), store.recount("majilis")
    assert stored == fresh
    assert set(stored) == {
        "national",
        "region:North",
        "region:South",
        "district:North/N1",
        "district:North/N2",
        "district:South/S1",
    }
    regions = {r.division.id: r.totals for r in store.results_by_level("majilis", "region")}
    assert regions["region:North"].registered == 420 and regions["region:North"].votes["A"] == 119
    stations = {r.division.id: r.totals for r in store.results_by_level("majilis", "station")}
    assert (
        sum(t.registered for t in stations.values()) == store.results("majilis").totals.registered
    )


def test_preliminary_until_complete_and_certified(db_url: str, tmp_path: Path) -> None:
    divisions = tmp_path / "div.csv"
    divisions.write_text(
        "id,name,level,parent,country\nKZ,Kazakhstan,country,,\nN,North,region,KZ,\n"
        "S,South,region,KZ,\nA,Abroad,region,KZ,\nDE,Germany,district,A,DE\n"
        "1,Station 1,station,N,\n2,Station 2,station,N,\n3,Station 3,station,S,\n"
        "9,Berlin,station,DE,DE\n",
        encoding="utf-8",
    )
    with Store.open(db_url) as store:
        store.init_election("E", "2021-01-10", "majilis", "kz-majilis-2021", divisions=divisions)
        assert store.contest("majilis").stations_expected == 4
        rows = [
            "1,,,100,60,60,2,58,30,28",
            "2,,,200,100,100,5,95,50,45",
            "3,,,120,70,70,1,69,40,29",
        ]
        store.ingest("majilis", table(tmp_path / "p.csv", rows))
        store.set_certified("majilis", "cec")
        info = store.contest("majilis")
        assert (info.stations_reporting, info.stations_expected, info.status) == (
            3,
            4,
            "preliminary",
        )
        store.ingest("majilis", table(tmp_path / "q.csv", ["9,,,40,20,20,0,20,10,10"]))
        assert store.contest("majilis").status == "final"
        assert store.results("majilis", "A").totals.registered == 40
        assert [d.id for d in store.children("majilis", "KZ")] == ["A", "N", "S"]
        assert store.aggregates("majilis") == store.recount("majilis")


def test_unknown_station_against_divisions_writes_nothing(db_url: str, tmp_path: Path) -> None:
    divisions = tmp_path / "div.csv"
    divisions.write_text(
        "id,name,level,parent\nKZ,Kazakhstan,country,\n1,S1,station,KZ\n", encoding="utf-8"
    )
    with Store.open(db_url) as store:
        store.init_election("E", None, "majilis", "kz-majilis-2021", divisions=divisions)
        rows = ["1,,,100,60,60,2,58,30,28", "77,,,200,100,100,5,95,50,45"]
        with pytest.raises(InputError) as err:
            store.ingest("majilis", table(tmp_path / "p.csv", rows))
        assert err.value.problems == ["p.csv row 2: station '77' is not registered in 'majilis'"]
        assert _count(store, "SELECT count(*) FROM protocol_versions") == 0


def test_duplicate_station_file_is_refused(store: Store, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "dup.csv", [GOOD[0], GOOD[1], GOOD[0]])
    from saylau.tabulate import read_protocols

    with pytest.raises(InputError, match="'1'"):
        store.ingest("majilis", read_protocols(path))
    assert _count(store, "SELECT count(*) FROM protocol_versions") == 0


def test_unknown_ids_raise_not_found(store: Store) -> None:
    with pytest.raises(NotFoundError, match="'nope'"):
        store.contest("nope")
    with pytest.raises(NotFoundError, match="'zz'"):
        store.station("majilis", "zz")
    with pytest.raises(NotFoundError, match="'zz'"):
        store.results("majilis", "zz")


def test_several_contests_and_iter_protocols(store: Store, tmp_path: Path) -> None:
    store.add_contest("Test election", "maslikhat-north", "kz-majilis-2021", title="Maslikhat")
    store.ingest("maslikhat-north", table(tmp_path / "m.csv", GOOD[:2]))
    store.ingest("majilis", table(tmp_path / "p.csv", GOOD))
    assert [e.contests for e in store.elections()] == [("majilis", "maslikhat-north")]
    assert store.results("maslikhat-north").totals.registered == 300
    frame = store.iter_protocols("majilis")
    assert frame.height == 5 and frame["party:B"].sum() == 186
    assert HEADER.startswith("station")
