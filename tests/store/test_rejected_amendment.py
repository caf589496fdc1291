"""A rejected amendment keeps the station's last counted version (issue: rejected
amendments erased accepted protocols), and contests remember synthetic files.

Figures are the tiny hand-made protocols of ``store_helpers.GOOD``; every expected
total below is their sum by hand.  Runs on SQLite and PostgreSQL (``db_url``).
"""

from __future__ import annotations

from pathlib import Path

from store_helpers import GOOD, HEADER, table, write_csv

from saylau.store import Store, Totals
from saylau.store.registry import Registration
from saylau.tabulate import read_protocols

# Station 2 amended: valid 95 but A + B = 60 + 30 = 90, fails valid_eq_votes.
BAD_2 = "2,North,N1,200,100,100,5,95,60,30"
# Another failing amendment of station 2 (valid 95, 61 + 30 = 91).
BAD_2B = "2,North,N1,200,100,100,5,95,61,30"
# A correct amendment of station 2 (60 + 35 = 95).
FIXED_2 = "2,North,N1,200,100,100,5,95,60,35"


def _rows(good: list[str], station2: str) -> list[str]:
    return [good[0], station2, *good[2:]]


def _assert_consistent(store: Store, contest: str = "majilis") -> None:
    """Stored aggregates equal a recount, and every division's totals equal the sum
    over its stations of their counted version (station-level results)."""
    assert store.aggregates(contest) == store.recount(contest)
    stations = {r.division.id: r for r in store.results_by_level(contest, "station")}
    for level in ("country", "region", "district"):
        for r in store.results_by_level(contest, level):
            below = [
                s.totals
                for s in stations.values()
                if r.division.id
                in (
                    *store.station(contest, s.division.id).path,
                    s.division.parent_id,
                )
            ]
            summed = Totals(
                registered=sum(t.registered for t in below),
                valid=sum(t.valid for t in below),
                invalid=sum(t.invalid for t in below),
                stations_reporting=sum(t.stations_reporting for t in below),
                stations_rejected=sum(t.stations_rejected for t in below),
                votes={p: sum(t.votes[p] for t in below) for p in r.votes},
            )
            got = r.totals
            assert (
                got.registered,
                got.valid,
                got.invalid,
                got.stations_reporting,
                got.stations_rejected,
                got.votes,
            ) == (
                summed.registered,
                summed.valid,
                summed.invalid,
                summed.stations_reporting,
                summed.stations_rejected,
                summed.votes,
            ), r.division.id


def test_rejected_amendment_keeps_the_accepted_version_counted(
    store: Store, tmp_path: Path
) -> None:
    store.ingest("majilis", table(tmp_path / "p.csv", GOOD))
    s = store.ingest("majilis", table(tmp_path / "q.csv", _rows(GOOD, BAD_2)), actor="tec-7")
    assert (s.accepted, s.rejected, s.unchanged) == (0, 1, 4)
    assert [(p.station, p.relation, p.value, p.expected) for p in s.problems] == [
        ("2", "valid_eq_votes", 95, 90)
    ]
    # Still counted as before the amendment: GOOD's sums (A 136, B 186, registered 620).
    r = store.results("majilis")
    assert r.votes == {"A": 136, "B": 186}
    assert (r.totals.registered, r.totals.valid, r.totals.invalid) == (620, 322, 8)
    assert (r.stations_reporting, r.stations_expected, r.totals.stations_rejected) == (5, None, 1)
    assert store.results("majilis", "district:North/N1").votes == {"A": 80, "B": 73}
    # The station counts version 1 and shows the rejected version 2 on top of it.
    rec = store.station("majilis", "2")
    assert (rec.version, rec.status, rec.rejected_amendment) == (1, "accepted", 2)
    assert rec.protocol is not None and rec.protocol["party:A"] == 50
    assert [(v.version, v.status, v.actor) for v in rec.versions] == [
        (1, "accepted", "cli"),
        (2, "rejected", "tec-7"),
    ]
    assert [(p["relation"], p["value"], p["expected"]) for p in rec.versions[1].problems] == [
        ("valid_eq_votes", 95, 90)
    ]
    assert rec.to_dict()["rejected_amendment"] == 2
    st = store.results("majilis", "2").totals
    assert (st.valid, st.votes, st.stations_reporting, st.stations_rejected) == (
        95,
        {"A": 50, "B": 45},
        1,
        1,
    )
    frame = store.iter_protocols("majilis")
    row = frame.filter(frame["station"] == "2").row(0, named=True)
    assert (row["version"], row["status"], row["latest_version"], row["latest_status"]) == (
        1,
        "accepted",
        2,
        "rejected",
    )
    assert frame["party:A"].sum() == 136
    _assert_consistent(store)

    # The same rejected amendment again writes nothing; another one is version 3.
    again = store.ingest("majilis", table(tmp_path / "r.csv", _rows(GOOD, BAD_2)))
    assert (again.rejected, again.unchanged) == (0, 5)
    third = store.ingest("majilis", table(tmp_path / "s.csv", _rows(GOOD, BAD_2B)))
    assert third.rejected == 1
    rec = store.station("majilis", "2")
    assert (rec.version, rec.rejected_amendment) == (1, 3)
    assert store.results("majilis").votes == {"A": 136, "B": 186}
    assert store.results("majilis").totals.stations_rejected == 1
    _assert_consistent(store)

    # A correct amendment is counted in place of version 1: A 136 + 10, B 186 - 10.
    res = store.submit(
        "majilis",
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
        },
        actor="tec-7",
        reason="corrected",
    )
    assert (res.status, res.version) == ("accepted", 4)
    r = store.results("majilis")
    assert r.votes == {"A": 146, "B": 176}
    assert (r.stations_reporting, r.totals.stations_rejected) == (5, 0)
    rec = store.station("majilis", "2")
    assert (rec.version, rec.status, rec.rejected_amendment) == (4, "accepted", None)
    _assert_consistent(store)


def test_rejected_amendment_then_rejected_resubmission_of_a_new_station(
    store: Store, tmp_path: Path
) -> None:
    """A station whose only versions are rejected is not counted, as before."""
    bad_5 = "5,,,50,10,10,0,10,6,3"
    s = store.ingest("majilis", table(tmp_path / "p.csv", [bad_5]))
    assert s.rejected == 1
    r = store.results("majilis")
    assert (r.stations_reporting, r.stations_expected, r.totals.stations_rejected) == (0, None, 1)
    assert r.totals.registered == 0
    rec = store.station("majilis", "5")
    assert (rec.version, rec.status, rec.rejected_amendment) == (1, "rejected", None)
    store.ingest("majilis", table(tmp_path / "q.csv", ["5,,,50,10,10,0,10,5,3"]))
    rec = store.station("majilis", "5")
    assert (rec.version, rec.status, rec.rejected_amendment) == (2, "rejected", None)
    assert store.results("majilis").totals.registered == 0
    _assert_consistent(store)


def test_mixed_batches_agree_with_recount(store: Store, tmp_path: Path) -> None:
    """Several batches mixing new, amended, rejected and corrected stations."""
    first = [GOOD[0], BAD_2, *GOOD[2:4]]  # station 2 starts rejected, 5 is absent
    store.ingest("majilis", table(tmp_path / "a.csv", first), batch_size=2)
    second = [
        "1,North,N1,100,60,60,2,58,30,20",  # rejected amendment of an accepted station
        FIXED_2,  # correction of a rejected new station
        GOOD[2],  # unchanged
        "4,South,S1,150,90,90,0,90,11,79",  # accepted amendment
        "5,,,50,10,10,0,10,6,3",  # rejected new station
    ]
    new = Registration(stations=True)  # station 5 is new: the CEC registers it
    s = store.ingest("majilis", table(tmp_path / "b.csv", second), batch_size=2, register=new)
    assert (s.accepted, s.rejected, s.unchanged) == (2, 2, 1)
    r = store.results("majilis")
    # Counted: 1 (v1: 30/28), 2 (v2: 60/35), 3 (40/29), 4 (v2: 11/79); 5 not counted.
    assert r.votes == {"A": 141, "B": 171}
    assert r.totals.registered == 100 + 200 + 120 + 150
    assert (r.stations_reporting, r.stations_expected, r.totals.stations_rejected) == (4, None, 2)
    assert store.station("majilis", "1").rejected_amendment == 2
    _assert_consistent(store)


def test_flag_policy_counts_a_failing_amendment(db_url: str, tmp_path: Path) -> None:
    law = tmp_path / "flag.toml"
    law.write_text(
        '[law]\nname = "flaglaw"\ntitle = "Flag law"\nprotocol_policy = "flag"\n\n'
        '[[tiers]]\nname = "list"\nseats = 10\nmethod = "hare"\nthreshold = "5"\n',
        encoding="utf-8",
    )
    with Store.open(db_url) as store:
        store.init_election("E", None, "c", law)
        store.ingest("c", table(tmp_path / "p.csv", GOOD))
        s = store.ingest("c", table(tmp_path / "q.csv", _rows(GOOD, BAD_2)))
        assert (s.flagged, s.unchanged) == (1, 4)
        r = store.results("c")
        # The flagged version 2 is counted: A 136 - 50 + 60, B 186 - 45 + 30.
        assert r.votes == {"A": 146, "B": 171}
        assert (r.stations_reporting, r.totals.stations_flagged) == (5, 1)
        rec = store.station("c", "2")
        assert (rec.version, rec.status, rec.rejected_amendment) == (2, "flagged", None)
        _assert_consistent(store, "c")


def test_contest_remembers_a_synthetic_file(store: Store, tmp_path: Path) -> None:
    real = store.ingest("majilis", table(tmp_path / "p.csv", GOOD[:2]))
    assert real.synthetic is False and store.contest("majilis").synthetic is False
    path = write_csv(tmp_path / "s.csv", GOOD[2:], "# synthetic: test data\n" + HEADER)
    counter = store.change_counter("majilis")
    s = store.ingest("majilis", read_protocols(path), register=Registration(stations=True))
    assert s.synthetic is True
    info = store.contest("majilis")
    assert info.synthetic is True and info.to_dict()["synthetic"] is True
    assert info.change_counter > counter
    # A later real file does not clear the label; the other contest is not labelled.
    store.ingest("majilis", table(tmp_path / "q.csv", _rows(GOOD, FIXED_2)))
    assert store.contest("majilis").synthetic is True
    store.add_contest("Test election", "other", "kz-majilis-2021")
    assert store.contest("other").synthetic is False


def test_synthetic_unchanged_file_still_labels_and_moves_the_counter(
    store: Store, tmp_path: Path
) -> None:
    rows = GOOD
    store.ingest("majilis", table(tmp_path / "p.csv", rows))
    counter = store.change_counter("majilis")
    path = write_csv(tmp_path / "s.csv", rows, "# synthetic\n" + HEADER)
    s = store.ingest("majilis", read_protocols(path))
    assert s.unchanged == len(rows)
    assert store.contest("majilis").synthetic is True
    assert store.change_counter("majilis") == counter + 1
