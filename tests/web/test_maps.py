"""An area page's parts (issue #16 point 8): tile maps where a layout names them, else
bars sorted by turnout with the figures in text; none for a page of stations.

The test store (``webdata``): Almaty has Medeu (stations 001, 002: 1,412 ballots of
2,200 registered, 64.18%) and Bostandyk (003: 518 of 900, 57.56%); Nur Otan leads both.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from saylau.web import maps
from saylau.web.i18n import Formatter

ALMATY = "/contests/majilis/divisions/region%3AAlmaty"


def _bars(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<li data-turnout="([\d.]*)"><a href="([^"]+)"', page)


def test_region_without_a_layout_shows_its_districts_as_sorted_bars(client: TestClient) -> None:
    page = client.get(f"{ALMATY}?lang=en").text
    assert 'data-view="bars"' in page and 'class="tile-map"' not in page
    assert _bars(page) == [
        ("64.18", "/contests/majilis/divisions/district%3AAlmaty%2FMedeu"),
        ("57.56", "/contests/majilis/divisions/district%3AAlmaty%2FBostandyk"),
    ]
    # The figures are text in each link (what a screen reader reads), the bar is 0-100%.
    assert '<span class="figure">64.18%</span>' in page
    assert '<span class="leader">Leading party: Nur Otan</span>' in page
    assert '<span class="counted">Stations counted: 2 stations reported</span>' in page
    assert 'style="width:57.56%;background:' in page
    kk = client.get(f"{ALMATY}?lang=kk").text
    assert "Аумақтар бойынша келу және алда келе жатқан партия" in kk
    assert "Алда келе жатқан партия: Нұр Отан" in kk


def test_abroad_lists_its_countries_and_a_district_page_none(client: TestClient) -> None:
    abroad = client.get("/contests/majilis/divisions/abroad?lang=en").text
    # Turkey 176 of 300 (58.67%), Germany 135 of 250 (54.00%).
    assert [t for t, _ in _bars(abroad)] == ["58.67", "54.00"]
    medeu = client.get("/contests/majilis/divisions/district%3AAlmaty%2FMedeu?lang=en").text
    assert 'class="area-view"' not in medeu  # its parts are stations: the table shows them


def test_a_layout_naming_the_districts_draws_them_as_tiles(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    almaty = {
        "columns": 2,
        "rows": 2,
        "tiles": [
            {"name": "Medeu", "code": "MED", "col": 1, "row": 1},
            {"name": "Bostandyk", "code": "BOS", "col": 0, "row": 1},
        ],
    }
    real = maps.layout
    monkeypatch.setattr(maps, "layouts", lambda: ("kz", "kz-almaty"))
    monkeypatch.setattr(maps, "layout", lambda name: almaty if name == "kz-almaty" else real(name))
    page = client.get(f"{ALMATY}?lang=en").text
    assert 'data-view="bars"' not in page
    tiles = re.findall(r'<a class="tile" href="([^"]+)" aria-label="([^"]+)">', page)
    assert len(tiles) == 4  # two views, two districts
    labels = dict(tiles)
    assert labels["/contests/majilis/divisions/district%3AAlmaty%2FMedeu"] == (
        "MED · Medeu: Leading party Nur Otan; Turnout 64.18%; Stations counted 2 stations reported"
    )


def _child(name: str, reporting: int, turnout: float | None, leader: str | None) -> dict[str, Any]:
    return {
        "id": f"district:{name}",
        "name": name,
        "level": "district",
        "url": f"/d/{name}",
        "stations_expected": 2,
        "stations_reporting": reporting,
        "totals": {"turnout": turnout},
        "leader": leader,
    }


def test_uncounted_parts_come_last_hatched() -> None:
    children = [
        _child("A", 0, None, None),
        _child("B", 1, 40.5, "X"),
        _child("C", 2, 71.25, "Y"),
    ]
    html = str(maps.area_bars(children, {"X": "#111111", "Y": "#222222"}, Formatter("en")))
    order = re.findall(r'href="/d/(\w)"', html)
    assert order == ["C", "B", "A"]
    assert html.count('class="bar none"') == 1 and "not counted yet" in html
    assert 'style="width:71.25%;background:#222222"' in html
    parties = [{"name": "X", "color": "#111111"}]
    stations = [{**_child("S", 1, 50.0, "X"), "level": "station"}]
    assert maps.area_view(stations, parties, Formatter("en")) is None
    assert maps.area_view([], parties, Formatter("en")) is None
