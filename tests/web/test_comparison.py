"""The comparison with the previous election on the contest and division pages.

Two predecessors: the bundled official national figures of the 2016 Majilis
(saylau/data/kz-2016/official.toml, CEC of Kazakhstan) when the store holds no 2016
contest, else the store's 2016 contest with its regions.  The expected swings are
computed here from the protocols' figures with Fractions; the browser test measures
the drawn swing chart (bars on the side of their sign, lengths in proportion).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from served import chromium, serving
from webdata import STATIONS, write_protocols

from saylau.store import Store
from saylau.tabulate import read_protocols
from saylau.web.app import create_app

PARTIES_2021 = ("Nur Otan", "Ak Zhol", "People's Party of Kazakhstan")
PARTIES_2016 = ("Nur Otan", "Ak Zhol", "Communist People's Party of Kazakhstan", "OSDP")
ROWS_2021 = [
    ("001", "Akmola Region", "Akmola Region TEC 01", "", 1000, 10, (500, 120, 30)),
    ("002", "North Kazakhstan Region", "North Kazakhstan Region TEC 02", "", 900, 8, (400, 90, 20)),
]
ROWS_2016 = [
    ("001", "Akmola Region", "Akmola Region TEC 01", "", 1000, 5, (700, 60, 40, 10)),
    (
        "002",
        "North Kazakhstan Region",
        "North Kazakhstan Region TEC 02",
        "",
        880,
        4,
        (600, 50, 30, 0),
    ),
]
AKMOLA = "region:Akmola Region"


def swing(now: int, now_total: int, then: int, then_total: int) -> Fraction:
    return 100 * (Fraction(now, now_total) - Fraction(then, then_total))


def build_two(url: str, tmp: Path) -> None:
    store = Store.open(url)
    store.init_election(
        "Elections to the Majilis of Kazakhstan, 20 March 2016",
        "2016-03-20",
        "majilis-2016",
        "kz-majilis-2016",
        title="Majilis of the Parliament of Kazakhstan, 2016",
    )
    store.ingest(
        "majilis-2016", read_protocols(write_protocols(tmp / "a.csv", ROWS_2016, PARTIES_2016))
    )
    store.init_election(
        "Elections to the Majilis of Kazakhstan, 10 January 2021",
        "2021-01-10",
        "majilis",
        "kz-majilis-2021",
        title="Majilis of the Parliament of Kazakhstan, 2021",
    )
    store.ingest("majilis", read_protocols(write_protocols(tmp / "b.csv", ROWS_2021, PARTIES_2021)))
    store.close()


CITE = re.compile(r'<p class="meta">[^\n]*?<cite>([^<]*)</cite>')


@pytest.mark.parametrize(
    ("lang", "start"),
    [
        ("en", "Central Election Commission of Kazakhstan, final results of 22 March 2016"),
        ("ru", "Центральная избирательная комиссия Республики Казахстан, окончательные"),
        ("kk", "Қазақстан Республикасы Орталық сайлау комиссиясы, 2016 жылғы 22 наурыздағы"),
    ],
)
def test_the_2016_citation_is_in_the_readers_language(
    client: TestClient, lang: str, start: str
) -> None:
    page = client.get(f"/contests/majilis?lang={lang}").text
    found = CITE.search(page)
    assert found is not None
    cite = html.unescape(found.group(1))
    assert cite.startswith(start), cite
    # The sentence is translated; the sources' own titles stay as published.
    assert "Kazinform" in cite and cite.endswith("IFES ElectionGuide")
    if lang != "en":
        assert "Commission" not in cite and "registered voters" not in cite


def test_without_a_stored_predecessor_the_official_2016_figures_are_used(
    client: TestClient,
) -> None:
    doc = client.get("/api/v1/contests/majilis").json()["comparison"]
    assert doc["previous"]["label"] == "official national figures"
    assert (
        doc["previous"]["valid"] == 7_522_868
        and "Central Election Commission" in doc["previous"]["source"]
    )
    total = sum(sum(r[6]) for r in STATIONS)
    nur = doc["parties"][0]
    assert nur["id"] == "nur-otan" and nur["previous_votes"] == 6_183_757
    exact = swing(sum(r[6][0] for r in STATIONS), total, 6_183_757, 7_522_868)
    assert Fraction(nur["swing"]) == exact and nur["swing_pp"] == float(round(exact, 2))
    assert nur["previous_seats"] == 84
    ids = [p["id"] for p in doc["parties"]]
    # Parties of 2016 absent from this (3-party) store follow, with no swing.
    assert ids == ["nur-otan", "ak-zhol", "auyl", "peoples-party", "osdp", "adal"]
    assert doc["parties"][3]["swing"] is None and doc["parties"][3]["votes"] is None
    assert doc["regions"] == []
    # No division has official 2016 figures: no comparison below the national level.
    assert (
        client.get("/api/v1/contests/majilis/divisions/region:Almaty").json()["comparison"] is None
    )
    html = client.get("/contests/majilis?lang=ru").text
    assert (
        "Сравнение с предыдущими выборами" in html and "официальные общенациональные итоги" in html
    )


def test_a_stored_predecessor_gives_regions_and_division_pages(db_url: str, tmp_path: Path) -> None:
    build_two(db_url, tmp_path)
    with TestClient(create_app(db_url, counter_ttl=0)) as c:
        doc = c.get("/api/v1/contests/majilis").json()["comparison"]
        assert doc["previous"]["title"] == "Majilis of the Parliament of Kazakhstan, 2016"
        assert doc["previous"]["label"] is None
        rows = {p["id"]: p for p in doc["parties"]}
        ppk = rows["peoples-party"]
        assert ppk["renamed"] and ppk["previous_name"] == "Communist People's Party of Kazakhstan"
        assert Fraction(ppk["swing"]) == swing(50, 1160, 70, 1490)
        assert rows["osdp"]["votes"] is None and rows["osdp"]["previous_votes"] == 10
        # Turnout: ballots issued (valid + invalid here) over registered, both times.
        assert Fraction(doc["turnout_change"]) == 100 * (
            Fraction(1160 + 18, 1900) - Fraction(1490 + 9, 1880)
        )
        akmola = next(r for r in doc["regions"] if r["id"] == AKMOLA)
        assert Fraction(akmola["swing"]["nur-otan"]) == swing(500, 650, 700, 810)
        assert Fraction(akmola["swing"]["peoples-party"]) == swing(30, 650, 40, 810)
        div = c.get(f"/api/v1/contests/majilis/divisions/{AKMOLA}").json()["comparison"]
        assert Fraction(div["parties"][0]["swing"]) == swing(500, 650, 700, 810)
        assert div["parties"][0]["seats"] is None  # no seats are won in a region
        html = c.get(f"/contests/majilis/divisions/{AKMOLA}?lang=kk").text
        assert "Алдыңғы сайлаумен салыстыру" in html and "Seats then" not in html
        # The predecessor itself has none declared (kz-majilis-2016 is in no entry).
        assert c.get("/api/v1/contests/majilis-2016").json()["comparison"] is None


@pytest.fixture(scope="module")
def two_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("comparison")
    db = str(tmp / "saylau.db")
    build_two(db, tmp)
    with serving(db) as url:
        yield url


DRAWN = """() => [...document.querySelectorAll('.swing-chart .swing-row')].map(li => {
  const track = li.querySelector('.swing-track').getBoundingClientRect();
  const bar = li.querySelector('.swing-bar').getBoundingClientRect();
  return {party: li.dataset.party, swing: parseFloat(li.dataset.swing),
          centre: track.left + track.width / 2, left: bar.left, right: bar.right,
          width: bar.width, label: li.querySelector('.bar-label').textContent.trim()};
})"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 390])
def test_the_swing_chart_draws_each_party_on_the_side_of_its_sign(
    two_site: str, width: int
) -> None:
    with chromium() as browser:
        page: Any = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        page.goto(f"{two_site}/contests/majilis?lang=ru")
        bars = page.evaluate(DRAWN)
        assert [b["party"] for b in bars] == ["nur-otan", "ak-zhol", "peoples-party"]
        for b in bars:
            if b["swing"] > 0:
                assert abs(b["left"] - b["centre"]) <= 1 and b["right"] > b["centre"], b
            else:
                assert abs(b["right"] - b["centre"]) <= 1 and b["left"] < b["centre"], b
        # Lengths in proportion to the swing (1 px of rounding).
        unit = bars[0]["width"] / abs(bars[0]["swing"])
        for b in bars[1:]:
            assert abs(b["width"] - unit * abs(b["swing"])) <= 1.5, b
        # The label carries the figure and its sign in the page's language.
        assert bars[0]["label"].startswith("Нур Отан −")
        assert bars[1]["label"].startswith("Ак жол +")
        table = page.locator("table.comparison-table")
        assert table.is_visible()
        assert "ранее" in table.locator("tr[data-party='peoples-party'] th").inner_text()
        regions = page.locator("table.comparison-regions tbody tr")
        assert regions.count() == 2
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        browser.close()


#: For each cell of the comparison table's first row that is drawn: its column's
#: header, found by position (the header whose drawn span covers the cell's centre).
HEADED = """() => {
  const table = document.querySelector('table.comparison-table');
  const heads = [...table.querySelectorAll('thead th')].filter(h => h.getClientRects().length);
  const row = table.querySelector('tbody tr');
  return [...row.querySelectorAll('td')].filter(c => c.getClientRects().length).map(c => {
    const box = c.getBoundingClientRect();
    const mid = box.left + box.width / 2;
    const head = heads.find(h => {
      const r = h.getBoundingClientRect();
      return r.left <= mid && mid <= r.right;
    });
    if (!head) return {cell: c.innerText, head: null};
    const r = head.getBoundingClientRect();
    return {cell: c.innerText, head: head.innerText.replace(/\\s+/g, ' ').trim(),
            width: r.width, height: r.height, tall: r.height > 4 * box.height};
  });
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1366, 390])
def test_every_drawn_column_of_the_comparison_names_its_group(two_site: str, width: int) -> None:
    with chromium() as browser:
        page: Any = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        page.goto(f"{two_site}/contests/majilis?lang=ru")
        cells = page.evaluate(HEADED)
    heads = [c["head"] for c in cells]
    # On a phone the vote counts give way; the change in votes, the shares and the
    # seats stay, each under a header that says which figure it is.
    expected = [
        "Голоса, % тогда",
        "Голоса, % сейчас",
        "Голоса, % п. п.",
        "Мандаты тогда",
        "Мандаты сейчас",
        "Мандаты ±",
    ]
    if width == 390:
        assert heads == ["Голоса ±", *expected]
    else:
        assert heads == ["Голоса тогда", "Голоса сейчас", "Голоса ±", *expected]
    for c in cells:  # drawn, not squeezed to a sliver
        assert c["width"] >= 30 and not c["tall"], c
