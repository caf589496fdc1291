"""End to end in a real headless Chromium (Debian's package, driven by Playwright).

Opens the election-day page, switches to Russian and Kazakh, opens the contest,
counts the hemicycle's seats, drills down to a station.  Screenshots go to
``artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from served import chromium, screenshot, serving
from webdata import build_store

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("browser")
    db = str(tmp / "saylau.db")
    build_store(db, tmp, registered=True).close()
    with serving(db) as url:
        yield url


@pytest.fixture(scope="module")
def page(site: str) -> Iterator[object]:
    with chromium() as browser:
        yield browser.new_context(viewport={"width": 1200, "height": 900}).new_page()


def test_election_day_languages_contest_and_drill_down(page: object, site: str) -> None:
    pg: object = page
    pg.goto(site + "/")  # type: ignore[attr-defined]
    card = pg.locator("li.card[data-contest=majilis]")  # type: ignore[attr-defined]
    assert card.locator("[data-field=stations]").inner_text().strip() == "7 / 7 (100.0%)"
    screenshot(pg, "election-day-en")

    pg.get_by_role("link", name="Русский").click()  # type: ignore[attr-defined]
    assert pg.locator("h1").first.inner_text() == "День выборов"  # type: ignore[attr-defined]
    screenshot(pg, "election-day-ru")
    pg.get_by_role("link", name="Қазақша").click()  # type: ignore[attr-defined]
    assert pg.locator("h1").first.inner_text() == "Сайлау күні"  # type: ignore[attr-defined]
    screenshot(pg, "election-day-kk")

    pg.locator("li.card h2 a").first.click()  # type: ignore[attr-defined]
    assert pg.locator("html").get_attribute("lang") == "kk"  # type: ignore[attr-defined]
    assert pg.locator("circle.seat").count() == 107  # type: ignore[attr-defined]
    assert pg.locator("circle.seat.reserved").count() == 9  # type: ignore[attr-defined]
    seats = pg.locator("table.results td[data-field=seats]").all_inner_texts()  # type: ignore[attr-defined]
    assert seats == ["82", "16", "0"]
    votes = pg.locator("table.results td[data-field=votes]").all_inner_texts()  # type: ignore[attr-defined]
    assert votes == ["2\u00a0670", "510", "143"]
    screenshot(pg, "contest-kk")

    pg.get_by_role("link", name="English").click()  # type: ignore[attr-defined]
    pg.get_by_role("link", name="Almaty").click()  # type: ignore[attr-defined]
    assert "Almaty" in pg.locator("h1").inner_text()  # type: ignore[attr-defined]
    pg.get_by_role("link", name="Medeu", exact=True).click()  # type: ignore[attr-defined]
    pg.get_by_role("link", name="001", exact=True).click()  # type: ignore[attr-defined]
    assert pg.locator("td[data-field=registered]").inner_text() == "1,000"  # type: ignore[attr-defined]
    assert pg.locator("table.checks tbody tr").count() == 4  # type: ignore[attr-defined]
    screenshot(pg, "station-en")

    # Keyboard: the first Tab reaches the skip link, which moves focus to the content.
    pg.keyboard.press("Tab")  # type: ignore[attr-defined]
    assert pg.evaluate("document.activeElement.className") == "skip-link"  # type: ignore[attr-defined]
    pg.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert pg.evaluate("document.activeElement.id") == "content"  # type: ignore[attr-defined]


def test_contest_page_fits_a_phone(page: object, site: str) -> None:
    pg: object = page
    pg.set_viewport_size({"width": 375, "height": 740})  # type: ignore[attr-defined]
    pg.goto(site + "/contests/majilis?lang=ru")  # type: ignore[attr-defined]
    overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")  # type: ignore[attr-defined]
    assert overflow <= 0
    screenshot(pg, "contest-ru-phone")


def test_statement_station_and_api_reference_fit_a_phone(page: object, site: str) -> None:
    """At 375 px nothing widens the page, and a party name wraps between words (the
    audit found names broken a few letters per line and a statement 434 px wide)."""
    pg: object = page
    pg.set_viewport_size({"width": 375, "height": 740})  # type: ignore[attr-defined]
    for path, shot in (
        ("/contests/majilis/statement?lang=ru", "statement-ru-phone"),
        ("/contests/majilis/stations/A01?lang=kk", "station-kk-phone"),
        ("/contests/majilis/divisions/abroad?lang=en", "abroad-en-phone"),
        ("/docs", "api-reference-phone"),
    ):
        pg.goto(site + path)  # type: ignore[attr-defined]
        overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")  # type: ignore[attr-defined]
        assert overflow <= 0, path
        screenshot(pg, shot)
    pg.goto(site + "/contests/majilis?lang=ru")  # type: ignore[attr-defined]
    width = pg.evaluate(  # type: ignore[attr-defined]
        "document.querySelector('table.results tbody th').getBoundingClientRect().width"
    )
    assert width >= 100  # 8em: "Nur Otan" on one line, not "Nur / Otan" split mid-word


def test_keyboard_focus_is_visible_on_links(page: object, site: str) -> None:
    """Every link a keyboard reaches shows the focus ring (3 px outline, #ffbf47) with
    the dark ring around it, so it shows on the blue header and on white alike."""
    pg: object = page
    pg.set_viewport_size({"width": 1200, "height": 900})  # type: ignore[attr-defined]
    pg.goto(site + "/contests/majilis?lang=en")  # type: ignore[attr-defined]
    seen = 0
    for _ in range(8):
        pg.keyboard.press("Tab")  # type: ignore[attr-defined]
        style = pg.evaluate(  # type: ignore[attr-defined]
            "(() => { const e = document.activeElement, s = getComputedStyle(e);"
            " return [e.tagName, s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow]; })()"
        )
        if style[0] != "A":
            continue
        seen += 1
        assert style[1] == "solid" and style[2] == "3px", style
        assert style[3] == "rgb(255, 191, 71)", style
        assert style[4] != "none", style
    assert seen >= 5
    screenshot(pg, "focus-ring")
