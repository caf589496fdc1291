"""The forensics page: the same figures as `saylau forensics`, per contest and region.

The page calls the library the CLI calls (saylau.analysis.forensics.analyse) for each
contest's leader, or the party the reader picks, with the default draws and seed; its
JSON twin's ``report`` must equal what ``saylau forensics DB --contest ID --leader
LEADER --json`` prints, a region's figures what ``--region REGION`` prints, and the
HTML must show those figures.  Method: Kobak, Shpilkin & Pshenichnikov 2016
(Ann. Appl. Stat. 10:54-73).
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from served import chromium, serving
from webdata import STATIONS, build_store, write_protocols

from saylau.cli import main
from saylau.store import Store
from saylau.tabulate import read_protocols
from saylau.web.app import create_app
from saylau.web.i18n import Formatter
from saylau.web.routes import forensics


def cli_report(db: str, leader: str) -> dict[str, object]:
    r = CliRunner().invoke(
        main, ["forensics", db, "--contest", "majilis", "--leader", leader, "--json"]
    )
    assert r.exit_code == 0, r.output
    out: dict[str, object] = json.loads(r.output)
    return out


def cell(html: str, field: str) -> str:
    m = re.search(rf'data-field="{field}">([^<]*(?:<[^/][^<]*)?)<', html)
    assert m, field
    return m.group(1).replace("&lt;", "<")


def test_the_page_and_its_twin_show_the_clis_figures(store: Store, db_url: str) -> None:
    with TestClient(create_app(db_url, counter_ttl=0)) as c:
        doc = c.get("/api/v1/contests/majilis/forensics").json()
        html = c.get("/contests/majilis/forensics?lang=ru").text
    assert doc["leader"] == "Nur Otan"  # 2,670 of the 3,323 valid votes
    cli = cli_report(db_url, "Nur Otan")
    assert doc["report"] == cli
    assert doc["integer"]["integer_observed"] == cli["integer_observed"]
    fmt = Formatter("ru")
    assert cell(html, "stations") == fmt.number(cli["stations"])  # type: ignore[arg-type]
    assert cell(html, "integer_observed") == fmt.number(cli["integer_observed"])  # type: ignore[arg-type]
    assert cell(html, "integer_excess") == fmt.decimal(cli["integer_excess"], 1)  # type: ignore[arg-type]
    digits = cli["last_digit"]
    assert isinstance(digits, dict)
    assert cell(html, "chi2").startswith(fmt.decimal(digits["chi2"], 2))
    assert "Kobak" in html and "Annals of Applied Statistics" in html
    assert "Синтетические данные" not in html  # a real (test) contest: no caveat


def test_region_pages_and_the_histogram(client: TestClient) -> None:
    doc = client.get("/api/v1/contests/majilis/forensics").json()
    almaty = client.get("/api/v1/contests/majilis/forensics?region=Almaty").json()
    assert almaty["integer"]["stations"] == doc["report"]["regions"]["Almaty"]["stations"] == 3
    assert almaty["last_digit"] == doc["report"]["regions"]["Almaty"]["last_digit"]
    # One cell per station here (no two share a 1-point bin): turnout and share bins.
    assert sum(n for _, _, n in doc["cells"]) == len(STATIONS)
    first = next(r for r in STATIONS if r[0] == "001")  # Almaty, 1000 registered
    valid = sum(first[6])
    turnout_bin = (valid + first[5]) * 100 // first[4]
    share_bin = first[6][0] * 100 // (valid + first[5])
    assert [turnout_bin, share_bin, 1] in almaty["cells"]
    assert len(almaty["cells"]) == 3
    html = client.get("/contests/majilis/forensics?region=Almaty&lang=kk").text
    assert html.count('class="bin"') == 3
    # Stations abroad have no region in the protocols (the report's ""): "Abroad".
    abroad = client.get("/api/v1/contests/majilis/forensics?region=Abroad").json()
    assert abroad["integer"] == {
        k: v for k, v in doc["report"]["regions"][""].items() if k != "last_digit"
    }
    assert "Abroad" in [r["name"] for r in doc["regions"]]
    assert client.get("/contests/majilis/forensics?region=Nowhere").status_code == 404
    assert client.get("/api/v1/contests/nowhere/forensics").status_code == 404


def test_computed_once_per_data_version(db_url: str, tmp_path: Path) -> None:
    store = build_store(db_url, tmp_path)
    with TestClient(create_app(db_url, counter_ttl=0)) as c:
        first = c.get("/api/v1/contests/majilis/forensics").json()
        key = (store.url, "majilis", None)  # the contest's leader
        version, cached = forensics._FORENSICS[key]
        assert cached is not None and cached["report"] == first["report"]
        c.get("/contests/majilis/forensics?lang=kk")
        assert forensics._FORENSICS[key][1] is cached  # not recomputed for another page
        # Station 001 amended: turnout 660 -> 760 of 1,000, Nur Otan 500 -> 600 of them.
        amended = [("001", "Almaty", "Medeu", "", 1000, 10, (600, 120, 30))]
        store.ingest("majilis", read_protocols(write_protocols(tmp_path / "m.csv", amended)))
        after = c.get("/api/v1/contests/majilis/forensics").json()
        assert forensics._FORENSICS[key][0] > version
        assert [66, 75, 1] in first["cells"] and [66, 75, 1] not in after["cells"]
        assert [76, 78, 1] in after["cells"]
    store.close()


def test_synthetic_contests_carry_the_caveat(db_url: str, tmp_path: Path) -> None:
    store = Store.open(db_url)
    store.init_election("E", "2021-01-10", "majilis", "kz-majilis-2021", title="Majilis")
    table = read_protocols(write_protocols(tmp_path / "p.csv", STATIONS))
    store.ingest("majilis", dataclasses.replace(table, source="synthetic", synthetic=True))
    with TestClient(create_app(db_url, counter_ttl=0)) as c:
        assert c.get("/api/v1/contests/majilis/forensics").json()["report"]["synthetic"] is True
        for lang, text in (
            ("en", "what these tests find says nothing about a real election"),
            ("ru", "ничего не говорит о настоящих выборах"),
            ("kk", "нақты сайлау туралы ештеңе айтпайды"),
        ):
            assert text in c.get(f"/contests/majilis/forensics?lang={lang}").text, lang
    store.close()


#: Two contests on one day: in the second Ak Zhol leads; in the first Nur Otan leads
#: the contest while Ak Zhol leads in Astana.
SPLIT = [
    ("001", "Almaty", "Medeu", "", 1000, 10, (500, 120, 30)),
    ("002", "Almaty", "Medeu", "", 1200, 12, (600, 100, 40)),
    ("003", "Almaty", "Bostandyk", "", 900, 8, (400, 90, 20)),
    ("004", "Astana", "Yesil", "", 1100, 5, (150, 480, 35)),
    ("005", "Astana", "Saryarka", "", 800, 4, (100, 340, 10)),
    ("A01", "", "", "Turkey", 300, 1, (150, 20, 5)),
]
CITY = [(s, r, d, c, n, i, (v[1], v[0], v[2])) for s, r, d, c, n, i, v in SPLIT]


def cli_json(db: str, *args: str) -> dict[str, Any]:
    r = CliRunner().invoke(main, ["forensics", db, *args, "--json"])
    assert r.exit_code == 0, r.output
    out: dict[str, Any] = json.loads(r.output)
    return out


def test_any_party_of_each_contest_per_region_as_the_cli_gives_it(
    db_url: str, tmp_path: Path
) -> None:
    store = Store.open(db_url)
    store.init_election("E", "2021-01-10", "majilis", "kz-majilis-2021", title="Majilis")
    store.ingest("majilis", read_protocols(write_protocols(tmp_path / "a.csv", SPLIT)))
    store.init_election("E", "2021-01-10", "city", "kz-majilis-2021", title="City")
    store.ingest("city", read_protocols(write_protocols(tmp_path / "b.csv", CITY)))
    store.close()
    with TestClient(create_app(db_url, counter_ttl=0)) as c:
        # Each contest tests its own leader by default.
        majilis = c.get("/api/v1/contests/majilis/forensics").json()
        city = c.get("/api/v1/contests/city/forensics").json()
        assert majilis["leader"] == "Nur Otan" and city["leader"] == "Ak Zhol"
        assert city["report"] == cli_json(db_url, "--contest", "city", "--leader", "Ak Zhol")
        # Each region names its own leader: Ak Zhol in Astana (820 of 1,115 votes).
        leaders = {r["name"]: r["leader"] for r in majilis["regions"]}
        assert leaders == {"Almaty": "Nur Otan", "Astana": "Ak Zhol", "Abroad": "Nur Otan"}
        # Another party, one region: the figures of `--leader ... --region ...`.
        doc = c.get("/api/v1/contests/majilis/forensics?region=Astana&leader=Ak%20Zhol").json()
        args = ("--contest", "majilis", "--leader", "Ak Zhol")
        assert doc["report"] == cli_json(db_url, *args)
        region = cli_json(db_url, *args, "--region", "Astana")
        assert region["region"] == "Astana" and region["stations"] == 2
        assert doc["integer"] == {k: region[k] for k in forensics.INTEGER_KEYS}
        assert doc["last_digit"] == region["last_digit"]
        assert doc["local_leader"] == "Ak Zhol" and doc["contest_leader"] == "Nur Otan"
        html = c.get("/contests/majilis/forensics?region=Astana&leader=Ak%20Zhol&lang=ru").text
        # The page offers every party; the one tested is marked; the labels say so.
        picked = re.findall(r'<a href="([^"]*)" aria-current="true"><bdi[^>]*>([^<]*)<', html)
        assert picked == [
            ("/contests/majilis/forensics?region=Astana&amp;leader=Ak%20Zhol", "Ак жол")
        ]
        assert "лидирует в этом регионе" in html and "лидирует на выборах" in html
        assert '--leader "Ak Zhol" --region "Astana"' in html
        # Ak Zhol leads in Astana: its share is the leading party's there.
        assert "Доля лидирующей партии, %" in html
        national = c.get("/contests/majilis/forensics?leader=Ak%20Zhol&lang=ru").text
        assert "Доля проверяемой партии, %" in national
        # The regions table keeps the party tested in its links.
        assert "?region=Astana&amp;leader=Ak%20Zhol" in national
        # A party not on the ballot: one line naming the field and the value.
        bad = c.get("/api/v1/contests/majilis/forensics?leader=Nobody")
        assert bad.status_code == 422
        assert "leader 'Nobody' is not a party of contest 'majilis'" in bad.text


def test_the_cli_refuses_an_unknown_region(store: Store, db_url: str) -> None:
    r = CliRunner().invoke(main, ["forensics", db_url, "--leader", "Nur Otan", "--region", "Mars"])
    assert r.exit_code == 2
    assert "--region 'Mars' is not a region of the file" in r.output


DRAWN = """() => {
  const svg = document.querySelector('svg.forensics-hist');
  const plot = svg.querySelector('rect.plot').getBoundingClientRect();
  const bins = [...svg.querySelectorAll('rect.bin')].map(r => r.getBoundingClientRect());
  const inside = bins.every(b => b.left >= plot.left - .5 && b.right <= plot.right + .5
                                 && b.top >= plot.top - .5 && b.bottom <= plot.bottom + .5);
  const ticks = [...svg.querySelectorAll('text')].map(t => t.getBoundingClientRect().height);
  const box = svg.getBoundingClientRect();
  const clipped = [...svg.querySelectorAll('text')].filter(t => {
    const r = t.getBoundingClientRect();
    return r.left < box.left - .5 || r.right > box.right + .5
           || r.top < box.top - .5 || r.bottom > box.bottom + .5;
  }).map(t => t.textContent);
  return {bins: bins.length, inside, square: plot.width / plot.height,
          width: plot.width, smallest_text: Math.min(...ticks), clipped};
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 390])
def test_the_histogram_is_drawn_inside_its_axes(tmp_path: Path, width: int) -> None:
    db = str(tmp_path / "saylau.db")
    build_store(db, tmp_path).close()
    with serving(db) as url, chromium() as browser:
        page: Any = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        page.goto(f"{url}/contests/majilis/forensics?lang=kk")
        drawn = page.evaluate(DRAWN)
        # The party tested stands out from the others one may pick.
        # At 390 px the regions table shows the tests' figures beside the region.
        excess = page.locator("table.forensics-regions tbody td[data-field=excess]").first
        excess_box = excess.bounding_box()
        weights = page.evaluate(
            "() => [...document.querySelectorAll('ul.party-pick a')].map(a =>"
            " [a.hasAttribute('aria-current'), getComputedStyle(a).fontWeight])"
        )
    assert drawn["bins"] == len(STATIONS) and drawn["inside"], drawn
    assert abs(drawn["square"] - 1) < 0.01 and drawn["width"] >= 250, drawn
    # Axis text at least 9 px high even on a phone (the chart scales with the page),
    # every label drawn whole inside the chart (the "100" of the turnout axis was cut).
    assert drawn["smallest_text"] >= 9, drawn
    assert drawn["clipped"] == [], drawn
    assert weights == [[True, "700"], [False, "400"], [False, "400"]], weights
    assert excess_box["x"] >= 0 and excess_box["x"] + excess_box["width"] <= width
