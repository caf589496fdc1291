"""Candidate lists, decisions, vacancies and maslikhats kept in the results store."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from saylau.cli import main
from saylau.errors import InputError
from saylau.institutions import stored_lists, stored_maslikhats
from saylau.institutions.candidates import read_lists
from saylau.institutions.maslikhats import read_contests, resolve_law
from saylau.store import Store
from saylau.tabulate import read_protocols

CONTESTS = """
[[contests]]
id = "town"
name = "Town maslikhat"
level = "city"
seats = 5
law = "kz-maslikhat-2021"

[[contests]]
id = "rayon"
name = "Rayon maslikhat"
level = "district"
seats = 3
law = "kz-maslikhat-2021"
"""
# C: 60 of 960 valid = 6.25% < 7%.  Hare over the 900 votes of A and B with 5 seats:
# A 3.33, B 1.67 -> 3 + 1 whole, the last seat to B's larger remainder: A 3, B 2.
TOWN = "station,registered,invalid,valid,party:A,party:B,party:C\n1,2000,40,960,600,300,60\n"
# Quota 2021: 30% women + youth (under 29 on 10 January 2021); list max 5 + 30% = 6.
LISTS = (
    "party,position,name,birth_date,gender\n"
    "A,1,a1,1970-01-01,M\nA,2,a2,1995-01-01,M\nA,3,a3,1980-01-01,F\n"
    "A,4,a4,1975-01-01,M\nA,5,a5,1985-05-05,M\n"
    "B,1,b1,1960-01-01,M\nB,2,b2,1990-01-01,F\nB,3,b3,1999-01-01,M\n"
)


@pytest.fixture
def town(db_url: str, tmp_path: Path) -> Store:
    contests = tmp_path / "contests.toml"
    contests.write_text(CONTESTS, encoding="utf-8")
    store = Store.open(db_url)
    stored_maslikhats.init_maslikhats(store, read_contests(contests), election="mas-2021")
    protocols = tmp_path / "town.csv"
    protocols.write_text(TOWN, encoding="utf-8")
    store.ingest("town", read_protocols(protocols))
    return store


def _lists(tmp_path: Path, text: str = LISTS) -> Path:
    f = tmp_path / "lists.csv"
    f.write_text(text, encoding="utf-8")
    return f


def test_maslikhats_in_the_store(town: Store) -> None:
    assert [c.id for c in town.contests()] == ["town", "rayon"]
    assert town.law("town").list_tier.seats == 5 and town.law("rayon").list_tier.seats == 3
    assert town.contest("rayon").date == "2021-01-10"  # the law's election day
    res = stored_maslikhats.stored_results(town)
    assert dict(res.results["town"].seats) == {"A": 3, "B": 2, "C": 0}
    assert res.missing == ("rayon",)
    combined = res.combined()
    assert combined["A"]["seats"] == 3 and combined["B"]["by_level"]["city"] == 2
    with pytest.raises(InputError) as err:
        stored_maslikhats.init_maslikhats(
            town, stored_maslikhats.stored_contests(town), election="mas-2021"
        )
    assert err.value.problems == [
        "contest 'town' already exists in the database",
        "contest 'rayon' already exists in the database",
    ]
    town.close()


def test_resizing_drops_reserved_tiers() -> None:
    law = resolve_law("kz-majilis-2021").resized(39)
    assert [(t.kind, t.seats) for t in law.tiers] == [("party-list", 39)]
    assert law.list_tier.threshold == resolve_law("kz-majilis-2021").list_tier.threshold
    assert "lists" in law.sections


def test_resizing_to_the_laws_own_seats() -> None:
    # Shymkent's maslikhat has 30 seats, as the bundled maslikhat law: nothing to replace,
    # and no second ``seats`` key may be added.
    law = resolve_law("kz-maslikhat-2021").resized(30)
    assert [(t.kind, t.seats) for t in law.tiers] == [("party-list", 30)]


def test_lists_decisions_vacancies(town: Store, tmp_path: Path) -> None:
    check = stored_lists.register_lists(town, "town", read_lists(_lists(tmp_path)))
    assert check.ok and check.quota["A"] == (2, 2)  # a2 (25) and a3 (woman) of 5
    dep = stored_lists.stored_deputies(town, "town")
    assert [(d.candidate.name, d.how) for d in dep.deputies] == [
        ("a1", "list order"),
        ("a2", "list order"),
        ("a3", "list order"),
        ("b1", "list order"),
        ("b2", "list order"),
    ]
    stored_lists.record_decision(town, "town", "A", ["a5", "3", "a1"])
    with pytest.raises(InputError) as err:
        stored_lists.record_decision(town, "town", "B", ["b9", "b1", "1"])
    assert err.value.problems == [
        "decision of 'B': 'b9' is not on the party's list",
        "decision of 'B': '1' is chosen twice",
    ]
    dep = stored_lists.record_vacancy(town, "town", "a5")
    dep = stored_lists.record_vacancy(town, "town", "b1", "b3")
    again = stored_lists.stored_deputies(town, "town")
    assert again.to_dict() == dep.to_dict()
    assert [(d.candidate.name, d.how, d.replaces) for d in again.deputies] == [
        ("a3", "party decision", None),
        ("a1", "party decision", None),
        ("b2", "list order", None),
        ("a2", "vacancy (list order)", "a5"),
        ("b3", "vacancy (party decision)", "b1"),
    ]
    with pytest.raises(InputError, match="'b1' is not a sitting deputy"):
        stored_lists.record_vacancy(town, "town", "b1")
    town.close()


def test_register_reports_everything_and_writes_nothing(town: Store, tmp_path: Path) -> None:
    bad = (
        LISTS.replace(
            "A,5,a5,1985-05-05,M\n", "A,5,a5,1985-05-05,M\nA,6,a6,1970-01-01,M\n"
        ).replace("A,3,a3,1980-01-01,F", "A,3,a3,1980-01-01,M")
        + "D,1,d1,1970-01-01,M\n"
        + "".join(f"B,{i},x{i},1970-01-01,M\n" for i in range(4, 8))
    )
    with pytest.raises(InputError) as err:
        stored_lists.register_lists(town, "town", read_lists(_lists(tmp_path, bad)))
    assert err.value.problems == [
        "list of 'D': party 'D' is not on the ballot of 'town'",
        "list of 'A': 1 of 6 candidates are women + youth, fewer than the 2 required (30%)",
        "list of 'B': 7 candidates, more than the 6 allowed (seats + 30% with 5 seats)",
        "list of 'B': 2 of 7 candidates are women + youth, fewer than the 3 required (30%)",
        "list of 'D': 0 of 1 candidates are women + youth, fewer than the 1 required (30%)",
    ]
    assert stored_lists.load_lists(town, "town") == {}
    town.close()


def test_cli_end_to_end(tmp_path: Path) -> None:
    db = str(tmp_path / "m.db")
    contests = tmp_path / "contests.toml"
    contests.write_text(CONTESTS, encoding="utf-8")
    protocols = tmp_path / "town.csv"
    protocols.write_text(TOWN, encoding="utf-8")
    runner = CliRunner()

    def run(*args: str) -> str:
        res = runner.invoke(main, list(args))
        assert res.exit_code == 0, res.output
        return res.output

    assert "2 maslikhat contests created" in run("maslikhats", "init", db, str(contests))
    run("ingest", db, str(protocols), "--contest", "town")
    out = run("maslikhats", "results", db)
    assert out.startswith("Maslikhats: the seats of 1 of 2 maslikhats (1 without results)\n")
    assert re.search(r"│ Town maslikhat +│ city +│ +5 │ A 3, B 2 +│", out), out
    assert re.search(r"│ rayon +│ +│ +│ no results +│", out), out
    data = json.loads(run("maslikhats", "results", db, "--json"))
    assert data["combined"]["B"]["seats"] == 2 and data["missing"] == ["rayon"]
    run("candidates", "register", db, str(_lists(tmp_path)), "--contest", "town")
    run("candidates", "decide", db, "--contest", "town", "--party", "B", "b3", "b1")
    assert "successor a4" in run("candidates", "vacate", db, "a3", "--contest", "town")
    data = json.loads(run("deputies", db, "--contest", "town", "--json"))
    assert [d["name"] for d in data["deputies"]] == ["a1", "a2", "b3", "b1", "a4"]
    bad = runner.invoke(main, ["deputies", db])
    assert bad.exit_code == 2
    assert "error: several contests (town, rayon): name one with --contest" in bad.output


def test_maslikhats_files_form_still_works(tmp_path: Path) -> None:
    contests = tmp_path / "c.csv"
    contests.write_text("id,level,seats,law\nt,city,5,kz-maslikhat-2021\n", encoding="utf-8")
    results = tmp_path / "r.csv"
    results.write_text("contest,party,votes\nt,A,600\nt,B,300\nt,C,60\n", encoding="utf-8")
    for args in (["maslikhats"], ["maslikhats", "decide"]):
        res = CliRunner().invoke(main, [*args, str(contests), str(results)])
        assert res.exit_code == 0 and res.output.startswith("Maslikhats: the seats of 1 maslikhat")
        assert re.search(r"│ t +│ city +│ +5 │ A 3, B 2 +│", res.output), res.output
