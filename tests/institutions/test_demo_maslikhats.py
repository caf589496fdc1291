"""`saylau demo` also builds the day's maslikhats (synthetic, on the Majilis demo's stations)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from saylau.cli import main
from saylau.institutions import demo_maslikhats, stored_maslikhats
from saylau.store import Store
from saylau.tabulate.synth import synth_like_kz_2021
from saylau.web.app import create_app

# Demo stations (kz-2021/regions.csv): Nur-Sultan 330, Almaty 530, Shymkent 280; North Kazakhstan
# Region 620 in 620 // 60 = 10 invented TECs, station k in TEC (k % 10) + 1, so TEC 01
# (Petropavlovsk in the demo) has the 62 stations k = 0, 10, ..., 610.
STATIONS = {
    "nur-sultan-city": 330,
    "almaty-city": 530,
    "shymkent-city": 280,
    "petropavlovsk-city": 62,
}
# Official 2021 seats: Nur-Sultan 31 (Elorda Info, TEC report to the CEC), Almaty 39
# and Shymkent 30 (kt.kz, 14 January 2021); Petropavlovsk 18 is the 2023 figure
# (Kazinform), demo only.  Shymkent has the bundled law's own 30 seats.
SEATS = {"nur-sultan-city": 31, "almaty-city": 39, "shymkent-city": 30, "petropavlovsk-city": 18}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    result = CliRunner().invoke(main, ["demo", "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db, result.output


def test_demo_stores_majilis_and_maslikhats(demo_db: tuple[Path, str]) -> None:
    db, output = demo_db
    with Store.open(str(db)) as store:
        infos = {c.id: c for c in store.contests()}
        assert list(infos) == ["majilis", *STATIONS]
        # The Majilis is untouched: official 2021 seats 76/12/10 + 9 (CEC of Kazakhstan).
        majilis = store.results("majilis").seats
        assert majilis is not None
        assert sum(majilis.values()) == 107
        assert (majilis["Nur Otan"], majilis["Ak Zhol"]) == (76, 12)
        for cid, n in STATIONS.items():
            info = infos[cid]
            assert info.election == demo_maslikhats.ELECTION
            assert info.date == "2021-01-10"
            assert "(synthetic)" in info.title
            # The demo registers no station list: n stations reported, of an unknown number.
            assert (info.stations_expected, info.stations_reporting) == (None, n)
            assert store.law(cid).list_tier.seats == SEATS[cid]
            seats = store.results(cid).seats
            assert seats is not None and sum(seats.values()) == SEATS[cid]
            assert seats["Nur Otan"] > SEATS[cid] // 2  # ~71% of the vote nationally
        res = stored_maslikhats.stored_results(store)
        assert res.missing == ()
        assert res.to_dict()["total_seats"] == 31 + 39 + 30 + 18
        # Same voters, same ballots issued: the maslikhat ballots of Almaty's stations
        # add up to the Majilis ballots issued there.
        assert (
            store.results("almaty-city").totals.ballots_cast
            == sum(
                r.totals.ballots_cast
                for r in store.results_by_level("majilis", "region")
                if r.division.name == "Almaty"
            )
            > 0
        )
    text = " ".join(output.split())  # the console wraps long lines
    assert "4 local councils, 1,202 protocols on the same stations (accepted 1,202)" in text
    # The README quotes the demo's output: it still ends with the Majilis result, and
    # the maslikhats line comes before it.
    assert text.endswith(f"Open the results page: saylau serve {db}")
    assert text.index("local councils") < text.index("│ Total") < text.index("Registered voters")
    assert "│ Total │ 7,241,562 │ │ 107 │ 100.00 │" in text


def test_web_lists_the_maslikhats(demo_db: tuple[Path, str]) -> None:
    db, _ = demo_db
    with TestClient(create_app(str(db))) as client:
        data = client.get("/api/v1/contests").json()
        cards = {c["id"]: c for c in data["contests"]}
        assert data["has_maslikhats"] is True
        assert cards["majilis"]["maslikhat"] is False
        for cid, n in STATIONS.items():
            assert cards[cid]["maslikhat"] is True
            assert cards[cid]["synthetic"] is True
            assert cards[cid]["stations_reporting"] == n
        page = client.get("/").text
        assert "Almaty city maslikhat (synthetic)" in page
        assert 'data-contest="petropavlovsk-city"' in page
        local = client.get("/api/v1/maslikhats").json()
        assert local["total_seats"] == 31 + 39 + 30 + 18 and local["missing"] == []


def test_protocols_balance_and_are_reproducible() -> None:
    frame = synth_like_kz_2021(seed=2021)
    one = demo_maslikhats.protocols(frame, seed=7)
    two = demo_maslikhats.protocols(frame, seed=7)
    for cid, table in one.items():
        f = table.frame
        assert table.synthetic and "synthetic" in table.source
        assert f.equals(two[cid].frame)
        assert f.height == STATIONS[cid]
        party = f.select(pl.sum_horizontal(pl.col("^party:.*$"))).to_series()
        assert (party == f["valid"]).all()
        majilis = frame.filter(pl.col("station").is_in(f["station"].to_list()))
        # The accounting is the Majilis protocol's: same registered, same ballots issued.
        assert f["registered"].to_list() == majilis["registered"].to_list()
        assert (f["valid"] + f["invalid"]).to_list() == (
            majilis["valid"] + majilis["invalid"]
        ).to_list()
        assert np.all(f["invalid"].to_numpy() >= 0)
    assert not one["almaty-city"].frame.equals(
        demo_maslikhats.protocols(frame, seed=8)["almaty-city"].frame
    )


def test_the_demo_database_verifies_intact(demo_db: tuple[Path, str]) -> None:
    """Issue #18 item 1: every protocol the demo writes (Majilis and maslikhats) is
    vouched for by the audit chain, so ``saylau audit verify`` finds nothing."""
    db, _ = demo_db
    result = CliRunner().invoke(main, ["audit", "verify", str(db)])
    assert result.exit_code == 0, result.output[:2000]
    with Store.open(str(db)) as store:
        versions = sum(c.stations_reporting for c in store.contests())
    assert result.output.startswith("INTACT: ")
    assert f"{versions:,} protocol versions" in result.output or (
        f"{versions} protocol versions" in result.output
    )
