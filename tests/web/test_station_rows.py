"""A district page lists its polling stations: each row says whether that station is
counted, not "1 / 1" of itself (issue #16); rows of areas keep "counted / expected"."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webdata import STATIONS, read_protocols, register_stations, write_protocols

from saylau.store import Store
from saylau.web.app import create_app

MEDEU = "/contests/majilis/divisions/district%3AAlmaty%2FMedeu"
ALMATY = "/contests/majilis/divisions/region%3AAlmaty"


@pytest.fixture
def half_counted(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """Every station registered, only 001 counted: Medeu has one station counted of two."""
    store = Store.open(db_url)
    store.init_election("Elections 2021", "2021-01-10", "majilis", "kz-majilis-2021")
    register_stations(store, "majilis", STATIONS)
    store.ingest("majilis", read_protocols(write_protocols(tmp_path / "p.csv", STATIONS[:1])))
    store.close()
    with TestClient(create_app(db_url, counter_ttl=0)) as c:
        yield c


def _counted_cells(page: str) -> dict[str, str]:
    """Row name → its "Stations counted" cell, in the children table."""
    table = page[page.index('<table class="children') :].split("</table>")[0]
    rows = re.findall(
        r'<th scope="row"><a href="[^"]+">(.*?)</a>.*?</th>\s*<td class="num" data-label="[^"]+">([^<]*)</td>',
        table,
        re.S,
    )
    return {re.sub(r"<[^>]+>", "", name).strip(): cell for name, cell in rows}


@pytest.mark.parametrize(
    ("lang", "yes", "no"),
    [
        ("en", "counted", "not counted yet"),
        ("ru", "подсчитано", "ещё не подсчитано"),
        ("kk", "саналды", "әлі саналмаған"),
    ],
)
def test_a_station_row_says_counted_or_not(
    half_counted: TestClient, lang: str, yes: str, no: str
) -> None:
    cells = _counted_cells(half_counted.get(f"{MEDEU}?lang={lang}").text)
    assert len(cells) == 2, cells
    assert sorted(cells.values()) == sorted([yes, no])
    assert not any("/" in c for c in cells.values())


def test_an_area_row_keeps_counted_of_expected(half_counted: TestClient) -> None:
    cells = _counted_cells(half_counted.get(f"{ALMATY}?lang=en").text)
    assert sorted(cells.values()) == ["0 / 1", "1 / 2"], cells
