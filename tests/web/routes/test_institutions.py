"""The institutions' pages and JSON API (``saylau.web.routes.institutions``) read from
the store, through the ASGI client."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient

from saylau.cli import main
from saylau.institutions import stored_lists, stored_maslikhats
from saylau.institutions.candidates import read_lists
from saylau.institutions.maslikhats import read_contests, resolve_law
from saylau.store import Store
from saylau.tabulate import read_protocols
from saylau.web.app import create_app

# Majilis 2021 in one synthetic protocol whose votes reproduce the seat split the CEC
# published (Nur Otan 76, Ak Zhol 12, People's Party 10 of the 98 list seats; Auyl and
# Adal under 7%) plus the Assembly's 9: the test asserts the seats, not the votes.
MAJILIS = (
    "station,registered,invalid,valid,party:Nur Otan,party:Ak Zhol,party:People's Party,"
    "party:Auyl,party:Adal\n1,11919041,0,7242095,5148073,793452,659126,390823,250621\n"
)
# Quota 2021: women + youth (under 29 on 10 January 2021) >= 30% of each list.
LISTS = "party,position,name,birth_date,gender\n" + "".join(
    f"{p},{i},{p[:2]}{i},{'1995-01-01' if i % 3 == 0 else '1970-01-01'},"
    f"{'F' if i % 3 == 1 else 'M'}\n"
    for p, n in (("Nur Otan", 80), ("Ak Zhol", 14), ("People's Party", 12))
    for i in range(1, n + 1)
)


def _majilis(db: str, tmp_path: Path) -> str:
    protocols = tmp_path / "p.csv"
    protocols.write_text(MAJILIS, encoding="utf-8")
    lists = tmp_path / "lists.csv"
    lists.write_text(LISTS, encoding="utf-8")
    with Store.open(db) as store:
        store.init_election("kz-2021", "2021-01-10", "majilis", "kz-majilis-2021")
        store.ingest("majilis", read_protocols(protocols))
        assert stored_lists.register_lists(store, "majilis", read_lists(lists)).ok
    return db


def test_chamber_of_the_7th_convocation(db_url: str, tmp_path: Path) -> None:
    client = TestClient(create_app(_majilis(db_url, tmp_path)))
    data = client.get("/api/v1/contests/majilis/chamber").json()
    assert (data["convocation"], data["convocation_roman"], data["total_seats"]) == (7, "VII", 107)
    assert data["majority"] == "Nur Otan" and data["opposition"] == ["Ak Zhol", "People's Party"]
    posts = {
        f["faction"]: (f["deputies"], f["committee_chairs"], f["committee_secretaries"])
        for f in data["factions"]
    }
    # D'Hondt over 7 committees gives the opposition 1 chair; the guarantee of 2
    # secretary posts moves one from the majority (chairs 6/1/0, secretaries 5/1/1).
    assert posts == {"Nur Otan": (76, 6, 5), "Ak Zhol": (12, 1, 1), "People's Party": (10, 0, 1)}
    assert data["non_faction"] == {"assembly": 9}
    page = client.get("/contests/majilis/chamber?lang=ru")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert 'data-field="convocation">VII<' in page.text and ">107<" in page.text
    etag = page.headers["etag"]
    again = client.get("/contests/majilis/chamber?lang=ru", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_deputies_follow_decisions_and_vacancies(db_url: str, tmp_path: Path) -> None:
    db = _majilis(db_url, tmp_path)
    client = TestClient(create_app(db, counter_ttl=0))
    data = client.get("/api/v1/contests/majilis/deputies").json()
    assert data["total_deputies"] == 98 and data["vacant_seats"] == 0
    seats = {p["party"]: (p["seats"], len(p["deputies"]), p["reserve"]) for p in data["parties"]}
    assert seats == {"Nur Otan": (76, 76, 4), "Ak Zhol": (12, 12, 2), "People's Party": (10, 10, 2)}
    ak = next(p for p in data["parties"] if p["party"] == "Ak Zhol")["deputies"]
    assert [d["name"] for d in ak][:2] == ["Ak1", "Ak2"] and ak[0]["how"] == "list order"
    # The bureau's decision and a vacancy change the answer though no protocol changed.
    etag = client.get("/contests/majilis/deputies").headers["etag"]
    res = CliRunner().invoke(
        main, ["candidates", "vacate", db, "Ak1", "--contest", "majilis", "--successor", "Ak14"]
    )
    assert res.exit_code == 0, res.output
    page = client.get("/contests/majilis/deputies", headers={"If-None-Match": etag})
    assert page.status_code == 200 and "Ak14" in page.text
    data = client.get("/api/v1/contests/majilis/deputies").json()
    assert data["vacancies_filled"] == [
        {**data["vacancies_filled"][0], "name": "Ak14", "replaces": "Ak1"}
    ]
    assert data["vacancies_filled"][0]["how"] == "vacancy (party decision)"
    assert client.get("/api/v1/contests/nope/deputies").status_code == 404


def test_lists_with_the_rule_check(db_url: str, tmp_path: Path) -> None:
    client = TestClient(create_app(_majilis(db_url, tmp_path)))
    data = client.get("/api/v1/contests/majilis/lists").json()
    assert data["check"]["ok"] is True and data["check"]["max_length"] == 127  # 98 + 30%
    rows = {
        row["party"]: (row["length"], row["in_quota"], row["quota_required"])
        for row in data["lists"]
    }
    # every 1st of 3 a woman, every 3rd under 29: 27 + 26 = 53 of Nur Otan's 80 (24 required)
    assert rows == {"Nur Otan": (80, 53, 24), "Ak Zhol": (14, 9, 5), "People's Party": (12, 8, 4)}
    assert data["lists"][0]["candidates"][0] == {
        "name": "Nu1",
        "party": "Nur Otan",
        "position": 1,
        "contest": "majilis",
        "id": "",
        "birth_date": "1970-01-01",
        "gender": "female",
        "categories": [],
    }
    page = client.get("/contests/majilis/lists?lang=kk")
    assert page.status_code == 200 and "Nu80" in page.text


def test_maslikhats_page_and_api(tmp_path: Path) -> None:
    contests = tmp_path / "c.toml"
    contests.write_text(
        '[[contests]]\nid = "town"\nname = "Town maslikhat"\nlevel = "city"\nseats = 5\n'
        'law = "kz-maslikhat-2021"\n\n[[contests]]\nid = "rayon"\nlevel = "district"\n'
        'seats = 3\nlaw = "kz-maslikhat-2021"\n',
        encoding="utf-8",
    )
    protocols = tmp_path / "town.csv"
    # C 6.25% < 7%; Hare over A and B's 900 votes: A 3, B 2.
    protocols.write_text(
        "station,registered,invalid,valid,party:A,party:B,party:C\n1,2000,40,960,600,300,60\n",
        encoding="utf-8",
    )
    db = str(tmp_path / "m.db")
    with Store.open(db) as store:
        stored_maslikhats.init_maslikhats(store, read_contests(contests), election="mas")
        store.ingest("town", read_protocols(protocols))
    client = TestClient(create_app(db))
    data = client.get("/api/v1/maslikhats").json()
    assert data["missing"] == ["rayon"] and data["total_seats"] == 5
    assert {p: r["seats"] for p, r in data["combined"].items()} == {"A": 3, "B": 2, "C": 0}
    assert data["contests"][0]["seats_won"] == {"A": 3, "B": 2, "C": 0}
    page = client.get("/maslikhats")
    assert page.status_code == 200 and "Town maslikhat" in page.text
    assert 'data-field="total_seats">5<' in page.text and "60.00%" in page.text


def test_kyrgyz_2021_president_elected_in_round_one(tmp_path: Path) -> None:
    # CEC of the Kyrgyz Republic, protocol of 20 January 2021 (mfa.gov.kg/en/dm/abu-dabi-en/
    # news/10523): 3,563,574 on the lists, 1,395,513 took part, Sadyr Japarov 1,105,248 =
    # 79.20% "of all voters who took part".  The other 16 candidates and against all are
    # one synthetic column (the remaining 290,265 ballots).
    protocols = tmp_path / "kg.csv"
    protocols.write_text(
        "station,registered,invalid,valid,party:Sadyr Japarov,party:Others\n"
        "1,3563574,0,1395513,1105248,290265\n",
        encoding="utf-8",
    )
    db = str(tmp_path / "kg.db")
    with Store.open(db) as store:
        store.init_election("kg-2021", None, "kg-president", resolve_law("kg-president-2021"))
        store.ingest("kg-president", read_protocols(protocols))
    client = TestClient(create_app(db))
    data = client.get("/api/v1/contests/kg-president/president").json()
    assert (data["status"], data["winner"], data["round"]) == ("elected", "Sadyr Japarov", 1)
    assert (data["base"], data["base_total"]) == ("participated", 1395513)
    share = data["candidates"][0]["share"]
    assert (
        Fraction(share["exact"]) == Fraction(100 * 1105248, 1395513)
        and round(share["approx"], 2) == 79.20
    )
    assert data["runoff_contest"] is None and data["linked"] is None
    page = client.get("/contests/kg-president/president?lang=ru")
    assert page.status_code == 200 and "79,20" in page.text and "Sadyr Japarov" in page.text


def test_runoff_is_a_linked_contest(tmp_path: Path) -> None:
    law = resolve_law("kg-president-2021")
    first = tmp_path / "r1.csv"
    first.write_text(
        "station,registered,invalid,valid,party:A,party:B,party:C\n1,20000,100,9900,4900,3000,2000\n",
        encoding="utf-8",
    )
    second = tmp_path / "r2.csv"
    second.write_text(
        "station,registered,invalid,valid,party:A,party:B\n1,20000,0,10100,5000,5100\n",
        encoding="utf-8",
    )
    db = str(tmp_path / "p.db")
    with Store.open(db) as store:
        store.init_election("p", "2021-01-10", "pres", law)
        store.ingest("pres", read_protocols(first))
    client = TestClient(create_app(db, counter_ttl=0))
    data = client.get("/api/v1/contests/pres/president").json()
    # 4,900 of the 10,000 who took part is not more than half: A and B go to the runoff.
    assert (data["status"], data["runoff"], data["runoff_contest"]) == (
        "runoff required",
        ["A", "B"],
        "pres-runoff",
    )
    assert data["linked"] is None
    with Store.open(db) as store:
        store.add_contest("p-runoff", "pres-runoff", law, date="2021-01-24")
        store.ingest("pres-runoff", read_protocols(second))
    data = client.get("/api/v1/contests/pres/president").json()
    assert data["linked"] == {"contest": "pres-runoff", "status": "elected", "winner": "B"}
    data = client.get("/api/v1/contests/pres-runoff/president").json()
    assert (data["round"], data["winner"], data["first_round"]) == (2, "B", "pres")
    assert client.get("/api/v1/contests/majilis/president").status_code == 404


def test_assembly_session_recorded_by_the_cli_and_shown(db_url: str, tmp_path: Path) -> None:
    db = _majilis(db_url, tmp_path)
    # 2021 session: 351 of the Assembly's 504 members took part; all 9 elected with 270 to
    # 298 votes (figures of the issue; the candidates and the votes between are synthetic).
    votes = tmp_path / "votes.csv"
    votes.write_text(
        "candidate,votes\n"
        + "".join(
            f"K{i},{v}\n" for i, v in enumerate((298, 290, 285, 281, 279, 276, 274, 272, 270), 1)
        )
        + "X,120\n",
        encoding="utf-8",
    )
    client = TestClient(create_app(db, counter_ttl=0))
    assert client.get("/api/v1/contests/majilis/assembly").status_code == 404
    args = ["assembly", str(votes), "--members", "504", "--took-part", "351", "--db", db]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "valid, 9 of 9 elected (needed 176 of the 351 who took part)" in res.output
    data = client.get("/api/v1/contests/majilis/assembly").json()
    assert (data["body"], data["seats"], data["needed"], data["vacant"]) == (
        "Assembly of People of Kazakhstan",
        9,
        176,
        0,
    )
    assert [c["candidate"] for c in data["candidates"] if c["elected"]] == [
        f"K{i}" for i in range(1, 10)
    ]
    page = client.get("/contests/majilis/assembly")
    assert page.status_code == 200 and 'data-field="took_part">351<' in page.text
    # recording again replaces the session: a majority of 352 of 504 needs 177
    res = CliRunner().invoke(main, [*args[:5], "352", *args[6:]])
    assert (
        res.exit_code == 0
        and client.get("/api/v1/contests/majilis/assembly").json()["needed"] == 177
    )


def test_president_cli_reads_the_stored_round(tmp_path: Path) -> None:
    protocols = tmp_path / "kg.csv"
    protocols.write_text(
        "station,registered,invalid,valid,party:Sadyr Japarov,party:Others\n"
        "1,3563574,0,1395513,1105248,290265\n",
        encoding="utf-8",
    )
    db = str(tmp_path / "kg.db")
    with Store.open(db) as store:
        store.init_election("kg-2021", None, "kg", resolve_law("kg-president-2021"))
        store.ingest("kg", read_protocols(protocols))
    res = CliRunner().invoke(main, ["president", "--db", db])
    assert res.exit_code == 0, res.output
    assert re.search(r"Sadyr Japarov\s*│\s*1,105,248\s*│\s*79.20", res.output), res.output
    assert "round 1: elected: Sadyr Japarov" in res.output
    bad = CliRunner().invoke(main, ["president"])
    assert bad.exit_code == 2 and "error: give RESULTS.csv or --db DB" in bad.output


def test_every_template_string_is_in_the_translation_table() -> None:
    import re

    root = Path(__file__).resolve().parents[3]
    table = (root / "docs" / "institutions.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| ([^|]+?) \| [^|]+ \| [^|]+ \|$", table, re.M))
    from saylau.web.i18n import translations

    used: set[str] = set()
    pages = sorted((root / "src/saylau/web/templates").glob("inst_*.html"))
    for tpl in pages:
        used |= set(re.findall(r'_\("([^"]+)"\)', tpl.read_text(encoding="utf-8")))
    # A moved folder or a changed quoting would find nothing, and nothing is missing.
    assert len(pages) == 7 and len(used) > 50
    missing = {m for m in used - listed if translations("ru").gettext(m) == m}
    assert not missing


def test_chamber_needs_the_laws_chamber_section(tmp_path: Path) -> None:
    protocols = tmp_path / "nl.csv"
    protocols.write_text("station,registered,invalid,valid,party:A,party:B\n1,100,0,50,30,20\n")
    db = str(tmp_path / "nl.db")
    with Store.open(db) as store:
        store.init_election("nl", None, "nl", "nl-tweede-kamer-2023")
        store.ingest("nl", read_protocols(protocols))
    res = TestClient(create_app(db)).get("/api/v1/contests/nl/chamber")
    assert res.status_code == 422
    assert (
        res.json()["error"] == "contest 'nl': law 'nl-tweede-kamer-2023' has no [chamber] section"
    )
