"""Find a station: by id, commission number or place name, from a box on every page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from saylau.store import Store
from saylau.store.search import find_divisions


def test_exact_id_comes_first_then_larger_areas(store: Store) -> None:
    found = find_divisions(store, "majilis", "001")
    assert found[0].id == "001"
    assert all("001" in d.id or "001" in d.name for d in found)


def test_a_place_name_finds_the_region_before_its_districts(store: Store) -> None:
    found = find_divisions(store, "majilis", "alma")  # case-insensitive
    assert found and found[0].level == "region" and found[0].name == "Almaty"


@pytest.mark.parametrize("query", ["%", "_", "\\", "   "])
def test_wildcards_are_text(store: Store, query: str) -> None:
    assert find_divisions(store, "majilis", query) == []


def test_search_page_links_to_the_station(client: TestClient) -> None:
    html = client.get("/search?q=A01&lang=en").text
    assert 'href="/contests/majilis/stations/A01"' in html
    assert client.get("/api/v1/search?q=Medeu").json()["groups"][0]["results"][0]["name"] == (
        "Medeu"
    )


def test_nothing_found_is_said_in_the_readers_language(client: TestClient) -> None:
    html = client.get("/search?q=zzz&lang=kk").text
    assert "«zzz» бойынша ештеңе табылмады." in html


@pytest.mark.parametrize("path", ["/", "/contests/majilis", "/contests/majilis/stations/001"])
def test_every_page_has_the_search_box(client: TestClient, path: str) -> None:
    html = client.get(f"{path}?lang=ru").text
    assert '<form class="find" role="search" action="/search"' in html
    assert 'placeholder="Номер участка или населённый пункт"' in html


def test_a_name_typed_in_russian_or_kazakh_finds_the_area(client: TestClient) -> None:
    # The store keeps names as ingested (English); a reader types them in Cyrillic.
    def found(q: str) -> list[str]:
        groups = client.get("/api/v1/search", params={"q": q}).json()["groups"]
        return [r["id"] for g in groups for r in g["results"]]

    assert found("Алматы")[0] == "region:Almaty"  # ru and kk alike
    assert "region:Almaty" in found("алмат")  # part of it, any case
    assert found("Almaty") == found("Алматы")
    assert found("Ақмола облысы") == []  # a real name, absent from this store: nothing


def test_switching_language_keeps_what_was_asked(client: TestClient) -> None:
    search = client.get("/search?q=Алматы&lang=ru").text
    assert 'href="/search?q=%D0%90%D0%BB%D0%BC%D0%B0%D1%82%D1%8B&amp;lang=kk"' in search
    forensics = client.get("/contests/majilis/forensics?region=Almaty&lang=ru").text
    assert 'href="/contests/majilis/forensics?region=Almaty&amp;lang=kk"' in forensics
    whatif = client.get("/contests/majilis/whatif?threshold=5;3&lang=ru").text
    assert 'href="/contests/majilis/whatif?threshold=5%3B3&amp;lang=en"' in whatif
    # A page that depends on nothing asked keeps its plain link.
    assert 'href="/contests/majilis?lang=kk"' in client.get("/contests/majilis?lang=ru").text
