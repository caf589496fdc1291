"""Names in the reader's language: contests, elections, regions, parties, councils
(``saylau/data/names``), and the data keys the pages used to show raw."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webdata import write_protocols

from saylau.store import Store
from saylau.tabulate import read_protocols
from saylau.tabulate.controls import RELATION_NAMES
from saylau.web.app import create_app
from saylau.web.i18n import translations
from saylau.web.names import local_name

TITLE = "Majilis of the Parliament of Kazakhstan, 2021"
ELECTION = "Elections to the Majilis of Kazakhstan, 10 January 2021"
#: Stations in real regions of the bundled data, one abroad.
ROWS = [
    ("001", "Akmola Region", "Akmola Region TEC 01", "", 1000, 10, (500, 120, 30)),
    ("002", "North Kazakhstan Region", "North Kazakhstan Region TEC 02", "", 900, 8, (400, 90, 20)),
    ("A01", "", "", "Russia", 300, 1, (150, 20, 5)),
]
PARTIES = ("Nur Otan", "Ak Zhol", "People's Party of Kazakhstan")


def _names() -> dict[str, dict[str, str]]:
    text = (resources.files("saylau") / "data" / "names" / "kz.toml").read_text("utf-8")
    names: dict[str, dict[str, str]] = tomllib.loads(text)["names"]
    return names


@pytest.fixture
def kz_client(db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    store = Store.open(db_url)
    store.init_election(ELECTION, "2021-01-10", "majilis", "kz-majilis-2021")
    store.ingest("majilis", read_protocols(write_protocols(tmp_path / "p.csv", ROWS, PARTIES)))
    store.close()
    with TestClient(create_app(db_url, counter_ttl=0)) as c:
        yield c


@pytest.mark.parametrize("stored", sorted(_names()))
def test_every_name_has_a_russian_and_a_kazakh_form(stored: str) -> None:
    forms = _names()[stored]
    assert forms["ru"] and forms["kk"]
    # Cyrillic: a Russian or Kazakh page never shows the Latin-script name.
    assert re.search("[а-яәіңғүұқөһ]", forms["ru"].lower() + forms["kk"].lower())


@pytest.mark.parametrize(
    ("stored", "lang", "shown"),
    [
        (TITLE, "kk", "Қазақстан Республикасы Парламентінің Мәжілісі, 2021"),
        (TITLE, "en", TITLE),
        ("Akmola Region", "kk", "Ақмола облысы"),
        ("Akmola Region", "ru", "Акмолинская область"),
        # Generated names: the region is looked up, the commission translated.
        ("Akmola Region TEC 01", "ru", "Акмолинская область ТИК 01"),
        ("North Kazakhstan Region TEC 02", "kk", "Солтүстік Қазақстан облысы АСК 02"),
        # Countries abroad from CLDR, including the bundled data's older spellings.
        ("Russia", "kk", "Ресей"),
        ("Turkey", "ru", "Турция"),
        # The election's English name drops its date: the page shows it, localised.
        (ELECTION, "en", "Elections to the Majilis of Kazakhstan"),
        ("Unknown Party", "kk", "Unknown Party"),
    ],
)
def test_local_name(stored: str, lang: str, shown: str) -> None:
    assert local_name(stored, lang) == shown


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_pages_show_no_english_names_in_russian_or_kazakh(kz_client: TestClient, lang: str) -> None:
    pages = [
        "/",
        "/contests/majilis",
        "/contests/majilis/divisions/" + _region_id(kz_client, "Akmola Region"),
    ]
    for path in pages:
        html = kz_client.get(f"{path}?lang={lang}").text
        for english in (TITLE, "Akmola Region", "Nur Otan", "Elections to the Majilis"):
            assert english not in html, (path, english)
        assert local_name("Akmola Region", lang) in html or path == "/"


def test_the_date_is_shown_once_in_the_page_language(kz_client: TestClient) -> None:
    html = kz_client.get("/?lang=ru").text
    assert html.count("10 января 2021") == 1
    assert "January" not in html
    html = kz_client.get("/?lang=en").text
    assert html.count("January 10, 2021") == 1 and "10 January 2021" not in html


def _region_id(client: TestClient, name: str) -> str:
    children = client.get("/api/v1/contests/majilis").json()["children"]
    return str(next(c["id"] for c in children if c["name"] == name))


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
@pytest.mark.parametrize("relation", RELATION_NAMES)
def test_every_control_relation_has_a_name_in_every_language(lang: str, relation: str) -> None:
    assert translations(lang).gettext(relation) != relation


def test_station_page_names_its_relations(kz_client: TestClient) -> None:
    html = kz_client.get("/contests/majilis/stations/001?lang=kk").text
    assert "registered_ge_issued" not in re.sub(r'data-relation="[^"]*"', "", html)
    assert "Тізімдегі сайлаушылар ≥ берілген бюллетеньдер" in html


@pytest.mark.parametrize(
    ("lang", "heading"), [("en", "Not found"), ("ru", "Не найдено"), ("kk", "Табылмады")]
)
def test_error_pages_honour_the_language_asked_for(
    kz_client: TestClient, lang: str, heading: str
) -> None:
    r = kz_client.get(f"/contests/majilis/divisions/nowhere?lang={lang}")
    assert r.status_code == 404
    assert f'<html lang="{lang}">' in r.text
    assert f"<h1>{heading}</h1>" in r.text


def test_proportionality_and_whatif_speak_kazakh(kz_client: TestClient) -> None:
    html = kz_client.get("/contests/majilis/proportionality?lang=kk").text
    assert "Галлахер индексі" in html and "Gallagher" not in html
    html = kz_client.get("/contests/majilis/whatif?threshold=5&lang=kk").text
    assert "as in force" not in html and "Қолданыстағы заң" in html
    assert ">hare<" not in html and "Хэйр квотасы" in html


def test_chamber_names_the_assembly_group(kz_client: TestClient) -> None:
    html = kz_client.get("/contests/majilis/chamber?lang=ru").text
    assert "Избраны Ассамблеей народа Казахстана" in html
    assert ">assembly<" not in html


@pytest.mark.parametrize(
    ("lang", "shown", "absent"),
    [
        (
            "kk",
            [
                "Қазақстан Республикасы Парламентінің Мәжілісі, 2021",
                "Нұр Отан",
                "Қазақстан халық партиясы",
            ],
            "Nur Otan",
        ),
        (
            "ru",
            [
                "Мажилис Парламента Республики Казахстан, 2021",
                "Нур Отан",
                "Народная партия Казахстана",
            ],
            "Nur Otan",
        ),
        ("en", ["Majilis of the Parliament of Kazakhstan, 2021", "Nur Otan"], "Нур Отан"),
    ],
)
def test_the_statement_pdf_names_everything_in_its_language(
    kz_client: TestClient, lang: str, shown: list[str], absent: str
) -> None:
    import io

    pypdf = pytest.importorskip("pypdf")
    pdf = kz_client.get(f"/contests/majilis/statement.pdf?lang={lang}")
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    text = " ".join(text.split())  # lines wrap where the PDF breaks them
    for name in shown:
        assert name in text, (lang, name)
    assert absent not in text


def test_home_cards_count_seats_with_the_languages_plurals(client: TestClient) -> None:
    # Nur Otan wins 82 seats and Ak Zhol 16 in the web tests' store (webdata.py):
    # Russian says "82 мандата" (numbers ending in 2-4) but "16 мандатов".
    doc = client.get("/api/v1/contests/majilis").json()
    seats = {p["name"]: p["seats"] for p in doc["parties"]}
    assert (seats["Nur Otan"], seats["Ak Zhol"]) == (82, 16)
    units = re.findall(
        r'data-field="seats">([^<]+)</strong> <span class="unit">([^<]+)</span>',
        client.get("/?lang=ru").text,
    )
    assert ("82", "мандата") in units and ("16", "мандатов") in units
    units_en = re.findall(
        r'data-field="seats">([^<]+)</strong> <span class="unit">([^<]+)</span>',
        client.get("/?lang=en").text,
    )
    assert ("82", "seats") in units_en
