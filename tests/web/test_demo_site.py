"""The demo site (``saylau demo``): every page has content, and no link answers an error."""

from __future__ import annotations

import html
import re
from collections import Counter, deque
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from saylau.cli import main
from saylau.web.app import create_app

#: Links followed per page shape (a station, a division): enough to reach every kind
#: of page without opening all 10,060 stations.
PER_SHAPE = 12
#: The Server-Sent Events stream the API reference links to: not a page to fetch whole.
EVENTS = "/api/v1/events"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    result = CliRunner().invoke(main, ["demo", "--db", str(db)])
    assert result.exit_code == 0, result.output
    with TestClient(create_app(str(db), counter_ttl=0)) as client:
        yield client


def _shape(path: str) -> str:
    return re.sub(r"/(stations|divisions)/.*", r"/\1", path.split("?")[0])


def test_no_page_the_demo_links_to_answers_an_error(demo: TestClient) -> None:
    seen: set[str] = set()
    queue = deque(["/", "/?lang=ru", "/?lang=kk"])
    per_shape: Counter[str] = Counter()
    errors = []
    while queue:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        r = demo.get(path)
        if r.status_code >= 400:
            errors.append((r.status_code, path))
            continue
        if "text/html" not in r.headers.get("content-type", ""):
            continue
        for href in re.findall(r'href="([^"#]+)"', r.text):
            link = html.unescape(href)
            if not link.startswith("/") or link.startswith(("//", "/static")):
                continue
            if link.startswith(EVENTS):
                continue  # a stream that stays open (minutes), tested in test_live.py
            if link not in seen and per_shape[_shape(link)] < PER_SHAPE:
                per_shape[_shape(link)] += 1
                queue.append(link)
    assert errors == []
    kinds = {_shape(p) for p in seen}
    for page in ("deputies", "lists", "chamber", "assembly", "statement", "proportionality"):
        assert f"/contests/majilis/{page}" in kinds, page
    assert "/observers" in kinds and "/maslikhats" in kinds


def test_institution_pages_have_content_and_agree(demo: TestClient) -> None:
    deputies = demo.get("/api/v1/contests/majilis/deputies").json()
    # 76 + 12 + 10 list seats, every one filled from the synthetic lists.
    assert deputies["total_deputies"] == 98 and deputies["vacant_seats"] == 0
    assert deputies["registered_lists"] == 3
    lists = demo.get("/contests/majilis/lists?lang=en").text
    assert 'data-field="ok">met<' in lists and "(synthetic)" in lists
    chamber = demo.get("/api/v1/contests/majilis/chamber").json()
    assert chamber["total_seats"] == 107  # 98 from the lists + 9 from the Assembly
    # The chamber page names the Assembly as the law and the assembly page do.
    chamber_page = demo.get("/contests/majilis/chamber?lang=en").text
    assert "Elected by the Assembly of People of Kazakhstan" in chamber_page
    assembly = demo.get("/contests/majilis/assembly?lang=ru").text
    assert "504" in assembly and "351" in assembly and "Ассамблея народа Казахстана" in assembly
    observers = demo.get("/observers?lang=en").text
    assert 'data-field="international">398<' in observers


def test_pages_without_data_say_so(tmp_path: Path) -> None:
    from webdata import build_store

    db = str(tmp_path / "s.db")
    build_store(db, tmp_path).close()
    with TestClient(create_app(db, counter_ttl=0)) as client:
        lists = client.get("/contests/majilis/lists?lang=kk").text
        assert "Бұл сайлау үшін кандидаттар тізімдері әлі тіркелмеген." in lists
        assert 'data-field="ok">бірде-бір тізім тіркелмеген<' in lists
        deputies = client.get("/contests/majilis/deputies?lang=ru").text
        assert "Списки кандидатов ещё не зарегистрированы" in deputies


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_institution_pages_name_everything_in_the_readers_language(
    demo: TestClient, lang: str
) -> None:
    # Candidates, deputies, Assembly candidates and observers' organisations are data
    # stored in English; a Russian or Kazakh page shows each name in its language
    # (the synthetic people as "<party>: candidate 01", translated piece by piece).
    english = []
    for path in (
        "/contests/majilis/lists",
        "/contests/majilis/deputies",
        "/contests/majilis/assembly",
        "/contests/majilis/chamber",
        "/observers",
    ):
        page = demo.get(f"{path}?lang={lang}").text
        names = [html.unescape(n) for n in re.findall(r'<bdi class="name[^"]*">([^<]*)<', page)]
        assert names, path
        english += [(path, n) for n in names if re.search(r"[A-Za-z]{3,}", n)]
    assert english == []
    lists = demo.get(f"/contests/majilis/lists?lang={lang}").text
    first = {
        "ru": "Нур Отан: кандидат 01 (синтетический)",
        "kk": "Нұр Отан: кандидат 01 (синтетикалық)",
    }
    assert first[lang] in lists


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_candidates_are_people_with_dates_in_the_readers_format(
    demo: TestClient, lang: str
) -> None:
    from saylau.web.i18n import Formatter

    page = demo.get(f"/contests/majilis/lists?lang={lang}").text
    # The first Nur Otan candidate, 37 on election day: born 1 June 1983.
    assert f"<td>{Formatter(lang).date('1983-06-01')}</td>" in page
    assert "1983-06-01" not in page
    # A person has a full name, not a "name" as a thing has ("Название", "Атауы").
    header = {"en": "Full name", "ru": "ФИО", "kk": "Аты-жөні"}[lang]
    assert f'<th scope="col">{header}</th>' in page
    assert (
        f'<th scope="col">{header}</th>' in demo.get(f"/contests/majilis/deputies?lang={lang}").text
    )


def test_forensics_writes_a_shortfall_with_a_minus_sign(demo: TestClient) -> None:
    doc = demo.get("/api/v1/contests/majilis/forensics").json()
    below = doc["integer"]["integer_excess"]
    assert below < 0  # the demo's seeded draws: fewer whole percents than chance gives
    page = demo.get("/contests/majilis/forensics?lang=ru").text
    from saylau.web.i18n import Formatter

    shown = Formatter("ru").decimal(-below, 1)
    assert f'data-field="integer_excess">−{shown}<' in page
    assert not re.search(r'data-field="(integer_)?excess">-', page)
