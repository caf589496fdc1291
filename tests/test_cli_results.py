"""`saylau results`: the API's document as JSON, the CSV export, and tables that fit.

`results --json` prints exactly what `GET /api/v1/contests/C` returns, and
`tabulate --json` shares its `totals`, `votes`, `seats`, `tiers` and `allocation`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from fastapi.testclient import TestClient

from saylau.cli import main
from saylau.store.canonical import canonical_json
from saylau.web.app import create_app

CSV = """station,region,registered,invalid,valid,party:A,party:B,party:C
1,North,1000,10,790,500,200,90
2,South,800,5,595,300,250,45
"""
SHARED = ("totals", "votes", "seats", "tiers", "allocation")


def run(*args: str, columns: int = 80) -> Result:
    out = CliRunner().invoke(main, list(args), env={"COLUMNS": str(columns)})
    assert out.exit_code == 0, out.output
    return out


@pytest.fixture
def db(db_url: str, tmp_path: Path) -> str:
    csv = tmp_path / "p.csv"
    csv.write_text(CSV, encoding="utf-8")
    run("init", db_url, "--election", "Test", "--contest", "c", "--law", "kz-majilis-2021")
    run("ingest", db_url, str(csv), "--contest", "c")
    return db_url


@pytest.fixture
def client(db: str) -> Iterator[TestClient]:
    with TestClient(create_app(db, counter_ttl=0)) as c:
        yield c


def test_results_json_is_the_api_document(db: str, client: TestClient) -> None:
    cli = json.loads(run("results", db, "--contest", "c", "--json").stdout)
    api = client.get("/api/v1/contests/c")
    assert api.status_code == 200
    assert canonical_json(cli) == canonical_json(api.json())
    # A 800, B 450, C 135 of 1,385 (C 9.7% passes 7%). Hare, 98 seats: quotas 56.61 / 31.84 /
    # 9.55 -> 56 + 31 + 9, the two remainder seats to B (.84) and A (.61); + 9 Assembly seats.
    assert cli["seats"] == {"A": 57, "B": 32, "C": 9}
    assert [(t["name"], t["seats"]) for t in cli["tiers"]] == [("party-list", 98), ("assembly", 9)]
    assert cli["seats_total"] == 107 and cli["reserved_seats"] == 9
    assert cli["allocation"]["quota"]["exact"] == "1385/98"
    # Turnout = 1,400 issued (no issued lines: = cast) of 1,800 registered = 7/9.
    assert (cli["totals"]["turnout"], cli["totals"]["turnout_exact"]) == (77.78, "7/9")
    prop = cli["proportionality"]
    # Gallagher: vote % 57.76/32.49/9.75 vs seat % 58.16/32.65/9.18 -> sqrt(0.504/2) = 0.5026
    assert round(prop["gallagher"], 4) == 0.5026
    assert prop["wasted_vote_share"] == 0


def test_results_json_by_level_is_the_json_export(db: str, client: TestClient) -> None:
    cli = json.loads(run("results", db, "--contest", "c", "--json", "--level", "region").stdout)
    api = client.get("/api/v1/contests/c/export.json?level=region").json()
    assert canonical_json(cli) == canonical_json(api)
    assert [(d["id"], d["votes"]["A"]) for d in cli["divisions"]] == [
        ("region:North", 500),
        ("region:South", 300),
    ]


def test_results_csv_is_the_csv_export(db: str, client: TestClient) -> None:
    cli = run("results", db, "--contest", "c", "--csv", "--level", "region").stdout_bytes
    api = client.get("/api/v1/contests/c/export.csv?level=region").content
    assert cli == api
    assert cli.splitlines()[1].startswith(b"region:North,North,region,")


def test_tabulate_and_export_share_the_parts(db: str, tmp_path: Path) -> None:
    doc = json.loads(run("results", db, "--contest", "c", "--json").stdout)
    csv = tmp_path / "p.csv"
    tab = json.loads(run("tabulate", str(csv), "--law", "kz-majilis-2021", "--json").stdout)
    assert {k: tab[k] for k in SHARED} == {k: doc[k] for k in SHARED}
    assert tab["seats_total"] == doc["seats_total"] == 107
    out = tmp_path / "e.json"
    run("export", db, "--contest", "c", "--format", "json", "--out", str(out))
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert {k: exported[k] for k in SHARED} == {k: doc[k] for k in SHARED}


NUMBER_CUT = re.compile(r"\d…|…\d|\d,…")


def headers(lines: list[str]) -> list[str]:
    """Every column header of every table, its lines joined (a long figure header
    takes two lines rather than split the table)."""
    found: list[str] = []
    rows: list[list[str]] = []
    for line in lines:
        if line.startswith("┃"):
            rows.append([c.strip() for c in line.split("┃")[1:-1]])
        elif rows:
            found += [" ".join(filter(None, column)) for column in zip(*rows, strict=True)]
            rows = []
    return found


@pytest.mark.parametrize("columns", [80, 60])
def test_tables_fit_and_say_what_they_show(db: str, columns: int) -> None:
    out = run("results", db, "--contest", "c", "--level", "region", columns=columns).stdout
    lines = out.splitlines()
    drawn = [line for line in lines if line[:1] in "┏┃┡│└┌"]
    assert len(drawn) > 10 and max(len(line) for line in drawn) <= columns
    assert not NUMBER_CUT.search(out) and "…" not in out
    # Into a pipe titles are not wrapped: each is one line naming the contest and level.
    title = "Majilis of the Parliament of Kazakhstan, 2021: preliminary results"
    assert any(line.startswith(f"{title} by region (% of valid votes)") for line in lines)
    assert any(line.startswith(f"{title}, whole contest") for line in lines)
    # The seat share is of the whole chamber, as on the site: A 57 of 107 = 53.27%.
    assert "% of 107 seats" in headers(lines)
    cells = [re.findall(r"[\d.,]+", line) for line in lines if line.startswith("│ A ")]
    # One table at 60 columns too: the long seat-share header takes two lines instead
    # of moving to a second table.
    assert cells[-1] == ["800", "57.76", "57", "53.27"]
    assert "not by list vote" in out
    assert "1,800" in out and "77.78" in out


def test_a_maslikhat_is_titled_by_its_contest(tmp_path: Path) -> None:
    db, csv = tmp_path / "m.db", tmp_path / "p.csv"
    csv.write_text(CSV, encoding="utf-8")
    run(
        "init",
        str(db),
        "--election",
        "Local",
        "--contest",
        "almaty-city",
        "--law",
        "kz-majilis-2021",
        "--title",
        "Almaty city maslikhat",
    )
    run("ingest", str(db), str(csv))
    out = run("results", str(db)).stdout
    assert out.startswith("Almaty city maslikhat: preliminary results, whole contest")
