"""Pages, languages, charts, exports and hostile names."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Annotated

import jsonschema
import pytest
from click.testing import CliRunner
from fastapi import APIRouter, Query
from fastapi.testclient import TestClient
from webdata import STATIONS, build_store

from saylau.cli import main
from saylau.results.exports import safe_cell
from saylau.store import Store
from saylau.web.app import HERE, create_app
from saylau.web.colors import PALETTE, RESERVED_COLOR, contrast, party_colors
from saylau.web.i18n import LANGUAGES, translations
from saylau.web.pages import View, page

HOSTILE = (
    "<script>alert(1)</script>",
    '=HYPERLINK("http://evil.example","x")',
    "\u05e8evil-rtl",  # right-to-left text (a bidi override itself is refused on input)
    "Long" + "x" * 10_240,
)


def test_contest_page_shows_the_hemicycle_with_the_assembly_seats(client: TestClient) -> None:
    html = client.get("/contests/majilis").text
    assert len(re.findall(r'<circle class="seat[ "]', html)) == 107
    assert len(re.findall(r'<circle class="seat reserved"', html)) == 9
    assert 'class="threshold"' in html  # the threshold line of the votes-vs-seats chart
    assert html.count("<table") >= 3  # a real table behind each chart, and the steps
    assert "How the seats were allocated" in html
    assert 'class="skip-link" href="#content"' in html


@pytest.mark.parametrize(
    ("lang", "turnout", "registered"),
    [
        ("en", "Turnout", "5,550"),
        ("ru", "Явка", "5\u00a0550"),
        ("kk", "Сайлаушылардың келуі", "5\u00a0550"),
    ],
)
def test_language_switch_translates_and_formats(
    client: TestClient, lang: str, turnout: str, registered: str
) -> None:
    r = client.get(f"/contests/majilis?lang={lang}")
    assert r.status_code == 200
    assert f'<html lang="{lang}">' in r.text
    assert turnout in r.text and registered in r.text
    assert r.cookies.get("lang") == lang
    # The cookie keeps the language on the next page.
    assert f'<html lang="{lang}">' in client.get("/").text


def test_every_ui_string_has_russian_and_kazakh_translations() -> None:
    pattern = re.compile(r"""_\((?:"([^"]+)"|'([^']+)')\)""")
    used: set[str] = set()
    for path in [*(HERE / "templates").glob("*.html"), HERE / "statement.py"]:
        for m in pattern.finditer(path.read_text(encoding="utf-8")):
            used.add(m.group(1) or m.group(2))
    assert len(used) > 60
    for lang in LANGUAGES[1:]:
        missing = [
            m for m in sorted(used) if translations(lang).gettext(m) == m and m != "JSON API"
        ]
        assert missing == [], (lang, missing)


def test_palette_is_aa_and_deterministic() -> None:
    for color in (*PALETTE, RESERVED_COLOR):
        assert contrast(color, "#ffffff") >= 4.5, color
    parties = [f"Party {i}" for i in range(12)]
    assert party_colors(parties) == party_colors(parties)
    assert len(set(party_colors(parties).values())) == 12


def test_safe_cell_neutralises_formulas() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Nur Otan") == "Nur Otan"
    assert safe_cell(-5) == "-5" and safe_cell(None) == ""


def test_nist_export_validates_and_reports_the_count_status(
    client: TestClient, store: Store, nist_schema: Path
) -> None:
    schema = json.loads(nist_schema.read_text(encoding="utf-8"))
    report = client.get("/api/v1/contests/majilis/nist.json").json()
    jsonschema.validate(report, schema)
    # No station list was registered: nothing says the count is complete before it is
    # certified, and the number of sub-units is omitted, not made up.
    assert report["Status"] == "unofficial-partial"
    contest = report["Election"][0]["Contest"][0]
    assert "TotalSubUnits" not in contest and contest["SubUnitsReported"] == len(STATIONS)
    assert report["Election"][0]["CountStatus"][0]["Status"] == "in-process"
    assert contest["@type"] == "ElectionResults.PartyContest"
    units = {u["@id"]: u for u in report["GpUnit"]}
    root = units[report["Election"][0]["ElectionScopeId"]]
    assert root["Type"] == "country" and root["VotersRegistered"] == 5550
    assert "TotalSubUnits" not in root and root["SubUnitsReported"] == len(STATIONS)
    assert sum(u["Type"] == "precinct" for u in units.values()) == len(STATIONS)
    nur_otan = contest["BallotSelection"][0]["VoteCounts"]
    assert next(v["Count"] for v in nur_otan if v["GpUnitId"] == root["@id"]) == 2670
    store.set_certified("majilis", "CEC")
    assert client.get("/api/v1/contests/majilis/nist.json").json()["Status"] == "certified"


def test_nist_partial_while_stations_are_missing(
    db_url: str, tmp_path: Path, nist_schema: Path
) -> None:
    divisions = tmp_path / "divisions.csv"
    divisions.write_text(
        "id,name,level,parent,country\nkz,Kazakhstan,country,,\nr1,Almaty,region,kz,\n"
        "001,001,station,r1,\n002,002,station,r1,\n",
        encoding="utf-8",
    )
    from webdata import write_protocols

    from saylau.tabulate import read_protocols

    with Store.open(db_url) as s:
        s.init_election("E", "2021-01-10", "majilis", "kz-majilis-2021", divisions=divisions)
        rows = [("001", "", "", "", 1000, 10, (500, 120, 30))]
        s.ingest("majilis", read_protocols(write_protocols(tmp_path / "p.csv", rows)))
    with TestClient(create_app(db_url)) as c:
        report = c.get("/api/v1/contests/majilis/nist.json").json()
        jsonschema.validate(report, json.loads(nist_schema.read_text(encoding="utf-8")))
        assert report["Status"] == "unofficial-partial"
        assert report["Election"][0]["Contest"][0]["TotalSubUnits"] == 2
        day = c.get("/api/v1/contests").json()["contests"][0]
        assert (day["stations_reporting"], day["stations_expected"]) == (1, 2)


def test_csv_export_per_level(client: TestClient) -> None:
    r = client.get("/api/v1/contests/majilis/export.csv?level=district")
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    # Abroad is its own branch: countries sit at district level under "abroad".
    assert sorted(row["name"] for row in rows) == [
        "Bostandyk",
        "Germany",
        "Medeu",
        "Saryarka",
        "Turkey",
        "Yesil",
    ]
    medeu = next(row for row in rows if row["name"] == "Medeu")
    assert (medeu["registered"], medeu["party:Nur Otan"]) == ("2200", "1100")


def test_hostile_names_render_harmlessly(db_url: str, tmp_path: Path, nist_schema: Path) -> None:
    parties = ("Nur Otan", *HOSTILE)
    rows = [
        (
            "<script>x</script>",
            "=cmd|' /C calc'!A0",
            "\u05d3District",
            "",
            1000,
            10,
            (500, 90, 80, 70, 60),
        ),
        ("S2", "Region", "D", "", 900, 5, (400, 100, 90, 80, 70)),
    ]
    build_store(db_url, tmp_path, rows, parties).close()
    with TestClient(create_app(db_url)) as c:
        html = c.get("/contests/majilis").text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<bdi" in html  # names are isolated from the page's text direction
        region = next(
            ch
            for ch in c.get("/api/v1/contests/majilis").json()["children"]
            if ch["name"].startswith("=")
        )
        page = c.get(region["url"])
        assert page.status_code == 200 and "<script>x</script>" not in page.text
        station = c.get("/contests/majilis/stations/" + "%3Cscript%3Ex%3C%2Fscript%3E")
        assert station.status_code == 200 and "&lt;script&gt;x&lt;/script&gt;" in station.text
        text = c.get("/api/v1/contests/majilis/export.csv?level=all").text
        cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
        assert "'=cmd|' /C calc'!A0" in cells
        jsonschema.validate(
            c.get("/api/v1/contests/majilis/nist.json").json(),
            json.loads(nist_schema.read_text(encoding="utf-8")),
        )
        pdf = c.get("/contests/majilis/statement.pdf?lang=kk")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_statement_page_and_pdf_in_every_language(client: TestClient) -> None:
    html = client.get("/contests/majilis/statement?lang=ru").text
    assert "Официальный протокол об итогах голосования" in html and "2\u00a0670" in html
    for lang in LANGUAGES:
        pdf = client.get(f"/contests/majilis/statement.pdf?lang={lang}")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert b"DejaVu" in pdf.content  # the Unicode font is embedded


def test_cli_export_and_statement(store: Store, db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "x.csv"
    r = runner.invoke(
        main, ["export", db_url, "--format", "csv", "--level", "region", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    assert "Almaty" in out.read_text(encoding="utf-8")
    pdf = tmp_path / "s.pdf"
    r = runner.invoke(main, ["statement", db_url, "--lang", "kk", "--out", str(pdf)])
    assert r.exit_code == 0 and pdf.read_bytes().startswith(b"%PDF")
    r = runner.invoke(main, ["export", db_url, "--contest", "nope"])
    assert r.exit_code == 2 and "contest 'nope' not found" in r.output


def test_one_view_answers_a_page_and_its_api_twin(store: Store, db_url: str) -> None:
    router = APIRouter()
    built: list[str] = []

    @page(router, "/probe/{contest_id}", template="error.html", tags=["probe"])
    def probe(
        contest_id: str, n: Annotated[int, Query(description="repeats of the message")] = 1
    ) -> View:
        """What the probe answers."""

        def build(s: Store) -> dict[str, object]:
            built.append(contest_id)
            return {"heading": s.contest(contest_id).title, "message": "m" * n, "status": 200}

        return View(build, contest_id=contest_id, query=f"n={n}")

    app = create_app(db_url, counter_ttl=0)
    app.include_router(router)
    title = store.contest("majilis").title
    with TestClient(app) as c:
        api = c.get("/api/v1/probe/majilis?n=2")
        assert api.status_code == 200
        assert api.json() == {"heading": title, "message": "mm", "status": 200}
        html = c.get("/probe/majilis?n=2&lang=kk")
        assert html.status_code == 200 and '<html lang="kk">' in html.text
        assert f"<h1>{title}</h1>" in html.text and ">mm</span></p>" in html.text
        assert html.cookies.get("lang") == "kk"
        # One version for both: 304 without building again, on the page and the API.
        before = len(built)
        for path, answer in (("/api/v1/probe/majilis?n=2", api), ("/probe/majilis?n=2", html)):
            again = c.get(path, headers={"If-None-Match": answer.headers["etag"]})
            assert again.status_code == 304
        assert len(built) == before and api.headers["etag"] != html.headers["etag"]
        assert c.get("/api/v1/probe/nope").status_code == 404
        assert c.get("/probe/majilis?lang=xx").status_code == 422
        assert c.get("/api/v1/probe/majilis?lang=xx").status_code == 422
        paths = c.get("/openapi.json").json()["paths"]
    assert "/probe/{contest_id}" not in paths  # the page is not part of the API
    op = paths["/api/v1/probe/{contest_id}"]["get"]
    assert (op["operationId"], op["summary"], op["tags"]) == (
        "probe_api_api_v1_probe__contest_id__get",
        "Probe Api",
        ["probe"],
    )
    assert op["description"] == "What the probe answers."
    assert [(p["name"], p.get("description")) for p in op["parameters"]] == [
        ("contest_id", None),
        ("n", "repeats of the message"),
    ]
