"""The real Russian 2021 file through profile ru-cik, and the store's CLI commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from store_helpers import GOOD, write_csv

from saylau.cli import main
from saylau.store import Store
from saylau.tabulate import read_protocols


@pytest.mark.slow
def test_real_russian_file_aggregates_equal_official_totals(
    ru_duma_2021: Path, tmp_path: Path
) -> None:
    with Store.open(tmp_path / "ru.db") as store:
        store.init_election("Duma 2021", "2021-09-19", "duma", "ru-duma-2021")
        s = store.ingest("duma", read_protocols(ru_duma_2021, profile="ru-cik"))
        assert (s.accepted, s.rejected, s.flagged) == (96_325, 0, 0)
        r = store.results("duma")
        # ../shared/data/README.md: the CEC's national figures.
        assert (r.totals.registered, r.totals.valid, r.totals.invalid) == (
            109_204_662,
            55_158_109,
            1_171_581,
        )
        # No station list was registered: 96,325 reported, of an unknown number.
        assert (r.stations_reporting, r.stations_expected) == (96_325, None)
        # Official list tier: United Russia 126, CPRF 48, LDPR 19, A Just Russia 19, New People 13.
        assert sorted((r.seats or {}).values(), reverse=True)[:6] == [225, 126, 48, 19, 19, 13]


def test_cli_init_ingest_results(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    out = runner.invoke(
        main, ["init", db, "--election", "E", "--contest", "majilis", "--law", "kz-majilis-2021"]
    )
    assert out.exit_code == 0, out.output
    src = write_csv(tmp_path / "p.csv", [*GOOD[:4], "5,,,50,10,10,0,10,6,3"])
    out = runner.invoke(main, ["ingest", db, str(src)])
    assert out.exit_code == 0, out.output
    assert "accepted 4, flagged 0, rejected 1, unchanged 0" in out.output
    assert "valid_eq_votes" in out.output
    out = runner.invoke(main, ["results", db, "--json", "--level", "region"])
    data = json.loads(out.output)
    assert data["totals"]["registered"] == 570 and data["votes"] == {"A": 130, "B": 182}
    assert [d["id"] for d in data["divisions"]] == ["region:North", "region:South"]


def test_cli_ingest_bad_file_writes_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    runner.invoke(
        main, ["init", db, "--election", "E", "--contest", "majilis", "--law", "kz-majilis-2021"]
    )
    src = write_csv(tmp_path / "dup.csv", [GOOD[0], GOOD[0]])
    out = runner.invoke(main, ["ingest", db, str(src)])
    assert out.exit_code == 2
    assert "error:" in out.output
    with Store.open(db) as s:
        assert s.contest("majilis").stations_reporting == 0 and s.change_counter("majilis") == 0


@pytest.mark.slow
def test_demo_builds_kazakhstan_2021(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    out = CliRunner().invoke(main, ["demo", "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert "saylau serve" in out.output and "Synthetic data" in out.output
    with Store.open(db) as s:
        r = s.results("majilis")
        # CEC of Kazakhstan, 2021: Nur Otan 76, Ak Zhol 12, People's Party 10 (+ 9 Assembly seats).
        assert r.seats == {
            "Nur Otan": 76,
            "Ak Zhol": 12,
            "People's Party of Kazakhstan": 10,
            "Auyl": 0,
            "Adal": 0,
            "assembly": 9,
        }
        assert (r.totals.registered, r.stations_reporting) == (11_919_241, 10_060)
