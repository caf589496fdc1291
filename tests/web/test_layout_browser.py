"""What the reader sees, measured in Chromium: names in the page language and never
split inside a word, phone tables showing their key columns or saying they scroll,
the home cards' headline, the division charts, sortable tables.

Real Kazakhstan names (the bundled data's regions, parties and the 2021 title) in a
small store; screenshots at 1366 and 390 px in en/ru/kk go to
``artifacts/screenshots/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from served import axe_violations, chromium, screenshot, serving
from test_names import ELECTION, PARTIES, ROWS
from webdata import register_stations, write_protocols

from saylau.store import Store
from saylau.tabulate import read_protocols

pytestmark = pytest.mark.browser

AKMOLA = "/contests/majilis/divisions/region%3AAkmola%20Region"


@pytest.fixture(scope="module")
def kz_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("kz-browser")
    db = str(tmp / "saylau.db")
    store = Store.open(db)
    store.init_election(ELECTION, "2021-01-10", "majilis", "kz-majilis-2021")
    register_stations(store, "majilis", ROWS)  # "3 / 3" and the progress bars
    store.ingest("majilis", read_protocols(write_protocols(tmp / "p.csv", ROWS, PARTIES)))
    store.close()
    with serving(db) as url:
        yield url


@pytest.fixture(scope="module")
def pg(kz_site: str) -> Iterator[Any]:
    with chromium() as browser:
        yield browser.new_context(viewport={"width": 1366, "height": 900}).new_page()


#: For every text of a name that is not one over-long word, a heading or a table
#: header: its widest drawn line and its longest word's width set on one line, each in
#: the font the text is drawn in (a header may set part of itself smaller).  A text
#: narrower than its longest word was split inside a word ("Kazakhst-an").
SPLIT_WORDS = """() => {
  const out = [];
  const seen = new Set();
  for (const el of document.querySelectorAll('.name:not(.long), h1, th')) {
    if (!el.getClientRects().length) continue;
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (seen.has(node) || node.parentElement.closest('.long')) continue;
      seen.add(node);
      const words = node.textContent.trim().split(/[\\s-]+/).filter(Boolean);  // a line may end after a hyphen
      if (!words.length) continue;
      const longest = words.reduce((a, b) => (a.length >= b.length ? a : b));
      const probe = document.createElement('span');
      probe.style.whiteSpace = 'nowrap';
      // Longhands: the "font" shorthand reads empty when, e.g., tabular figures are on.
      const style = getComputedStyle(node.parentElement);
      for (const k of ['fontStyle', 'fontWeight', 'fontSize', 'fontFamily', 'fontStretch',
                       'fontVariantNumeric', 'letterSpacing']) probe.style[k] = style[k];
      probe.textContent = longest;
      document.body.appendChild(probe);
      const need = probe.getBoundingClientRect().width;
      probe.remove();
      const range = document.createRange();
      range.selectNodeContents(node);
      const lines = Array.from(range.getClientRects());
      if (!lines.length) continue;
      const widest = Math.max(...lines.map(r => r.width));
      if (widest + 1 < need) out.push([node.textContent.trim(), widest, need]);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
@pytest.mark.parametrize("width", [1366, 390])
def test_pages_fit_and_never_split_a_word(pg: Any, kz_site: str, lang: str, width: int) -> None:
    pg.set_viewport_size({"width": width, "height": 900})
    for path, shot in (
        ("/", "home"),
        ("/contests/majilis", "contest"),
        (AKMOLA, "region"),
        ("/contests/majilis/stations/001", "station"),
    ):
        pg.goto(f"{kz_site}{path}?lang={lang}")
        assert pg.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        assert pg.evaluate(SPLIT_WORDS) == [], (path, lang, width)
        screenshot(pg, f"kz-{shot}-{lang}-{width}")


def test_phone_tables_show_key_columns_or_say_they_scroll(pg: Any, kz_site: str) -> None:
    pg.set_viewport_size({"width": 390, "height": 800})
    pg.goto(f"{kz_site}/contests/majilis?lang=kk")
    # The regions table stacks: each row shows its name, then the stations counted,
    # the turnout and the leader, labelled, on screen; the registered voters give way.
    row = pg.locator("table.children tbody tr").first
    shown = [c for c in row.locator("th, td").all() if c.is_visible()]
    assert len(shown) == 4
    for cell in shown:
        box = cell.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, cell.inner_text()
    labels = [c.get_attribute("data-label") for c in shown[1:]]
    assert labels == ["Өңделген учаскелер", "Сайлаушылардың келуі", "Алда келе жатқан партия"]
    # Every table wider than the screen says so in its caption and by a border.
    states = pg.evaluate(
        """() => Array.from(document.querySelectorAll('main table')).map(t => [
             t.scrollWidth > t.clientWidth + 1, t.classList.contains('scrolls'),
             !!(t.caption && t.caption.querySelector('.scroll-hint'))])"""
    )
    for wide, marked, hinted in states:
        assert wide == marked
        assert hinted or not wide or not marked
    # ... and that caption, hint included, stays on screen: it does not scroll away.
    captions = pg.locator("main table.scrolls > caption").all()
    assert captions, "no table scrolls at 390 px: the check above checked nothing"
    for caption in captions:
        box = caption.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, caption.inner_text()


def test_home_card_headline(pg: Any, kz_site: str) -> None:
    pg.set_viewport_size({"width": 1366, "height": 900})
    pg.goto(f"{kz_site}/?lang=ru")
    card = pg.locator("li.card[data-contest=majilis]")
    main = pg.locator("main").bounding_box()
    assert card.bounding_box()["width"] >= 0.9 * (main["width"] - 32)  # the full width
    # The leaders with their seats (ROWS: Nur Otan 1050 of 1235 valid votes).
    leaders = card.locator(".leaders li")
    assert leaders.first.locator(".name").inner_text() == "Нур Отан"
    seats = [int(s) for s in card.locator("[data-field=seats]").all_inner_texts()]
    assert seats == sorted(seats, reverse=True) and sum(seats) <= 98
    # The seat bar: each segment's width is its share of the 107 seats.
    bar = card.locator(".seat-bar").bounding_box()
    first = card.locator(".seat-bar span.party").first.bounding_box()
    assert abs(first["width"] / bar["width"] - seats[0] / 107) < 0.02
    assert "3 / 3" in card.locator("[data-field=stations]").inner_text()
    # The date once, in Russian.
    assert card.inner_text().count("10 января 2021") == 1 and "January" not in card.inner_text()


def test_division_page_has_the_votes_chart_and_progress(pg: Any, kz_site: str) -> None:
    pg.set_viewport_size({"width": 1366, "height": 900})
    pg.goto(f"{kz_site}{AKMOLA}?lang=kk")
    bars = pg.locator(".votes-only .track .votes")
    assert bars.count() == 3
    widths = [bars.nth(i).bounding_box()["width"] for i in range(3)]
    # Station 001: 500, 120, 30 votes, largest first, widths in proportion.
    assert widths == sorted(widths, reverse=True)
    assert abs(widths[1] / widths[0] - 120 / 500) < 0.02
    label = pg.locator(".votes-only").get_attribute("aria-label")
    assert "Нұр Отан" in label
    progress = pg.locator(".counted progress")
    assert progress.is_visible() and progress.get_attribute("value") == "1"


def test_tables_sort_from_the_keyboard(pg: Any, kz_site: str) -> None:
    pg.set_viewport_size({"width": 1366, "height": 900})
    pg.goto(f"{kz_site}/contests/majilis?lang=en")
    button = pg.locator("table.children thead th button.sort").nth(3)  # turnout
    button.focus()
    pg.keyboard.press("Enter")
    head = pg.locator("table.children thead th").nth(3)
    assert head.get_attribute("aria-sort") == "ascending"
    cells = pg.locator("table.children tbody tr td:nth-child(4)").all_inner_texts()
    values = [float(c.rstrip("%")) for c in cells]
    assert values == sorted(values)
    pg.keyboard.press("Enter")
    assert head.get_attribute("aria-sort") == "descending"
    cells = pg.locator("table.children tbody tr td:nth-child(4)").all_inner_texts()
    assert [float(c.rstrip("%")) for c in cells] == sorted(values, reverse=True)


def test_tile_map_links_each_area_with_its_figures(pg: Any, kz_site: str) -> None:
    pg.set_viewport_size({"width": 1366, "height": 900})
    pg.goto(f"{kz_site}/contests/majilis?lang=kk")
    leader = pg.locator("figure.map[data-view=leader] svg")
    tiles = leader.locator("a.tile")
    assert tiles.count() == 3  # Akmola, North Kazakhstan, Abroad
    boxes = [tiles.nth(i).locator("rect").bounding_box() for i in range(3)]
    svg = leader.bounding_box()
    for box in boxes:  # inside the drawing, square, none overlapping
        assert svg["x"] <= box["x"] and box["x"] + box["width"] <= svg["x"] + svg["width"] + 1
        assert abs(box["width"] - box["height"]) < 1
    for a, b in [(0, 1), (0, 2), (1, 2)]:
        ba, bb = boxes[a], boxes[b]
        assert (
            ba["x"] + ba["width"] <= bb["x"]
            or bb["x"] + bb["width"] <= ba["x"]
            or (ba["y"] + ba["height"] <= bb["y"] or bb["y"] + bb["height"] <= ba["y"])
        )
    akmola = leader.locator('a.tile[href$="region%3AAkmola%20Region"]')
    label = akmola.get_attribute("aria-label")
    assert label.startswith("АҚМ · Ақмола облысы: ") and "Нұр Отан" in label
    # The letters on the tiles are Kazakh on a Kazakh page (they were the Latin codes).
    letters = leader.locator("a.tile text").all_text_contents()
    assert sorted(letters) == ["АҚМ", "СҚО", "ШЕТ"]
    # Coloured by the leader: the party's colour from the votes table.
    swatch = pg.locator("table.results tbody tr").first.locator(".swatch")
    colour = swatch.evaluate("e => getComputedStyle(e).backgroundColor")
    fill = akmola.locator("rect").evaluate("e => getComputedStyle(e).fill")
    assert fill == colour
    # Reached by the keyboard: focus it, Enter opens the region.
    akmola.focus()
    assert pg.evaluate("document.activeElement.getAttribute('aria-label')") == label
    pg.keyboard.press("Enter")
    pg.wait_for_url("**/divisions/region%3AAkmola%20Region**")
    # The turnout view: the same tiles shaded blue.
    pg.go_back()
    turnout = pg.locator("figure.map[data-view=turnout] a.tile rect").first
    assert turnout.evaluate("e => getComputedStyle(e).fill").startswith("rgb(")
    screenshot(pg, "kz-contest-map-kk-1366")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/contests/majilis",
        AKMOLA,
        "/contests/majilis/stations/001",
        "/search?q=AKM",
        "/contests/majilis/forensics",
        "/contests/majilis/whatif",
        "/contests/majilis/forensics?region=Akmola%20Region&leader=Ak%20Zhol",
        "/projections",
        "/docs",
        "/contests/majilis/statement",
    ],
)
@pytest.mark.parametrize("width", [1366, 390])
def test_pages_pass_axe_core(pg: Any, kz_site: str, path: str, width: int) -> None:
    url = f"{kz_site}{path}{'&' if '?' in path else '?'}lang=kk"
    assert axe_violations(pg.context.browser, url, width=width) == [], path


@pytest.mark.parametrize("width", [1366, 390])
def test_projection_page_opens_on_the_example_and_fits_a_phone(
    pg: Any, kz_site: str, width: int
) -> None:
    pg.set_viewport_size({"width": width, "height": 900})
    pg.goto(f"{kz_site}/projections?lang=kk")
    # Nothing wider than the screen: the form, the polls box, the JSON example.
    assert pg.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    for sel in ("form.projection fieldset", "form.projection textarea", "main pre"):
        box = pg.locator(sel).first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, sel
    # Not an empty form: the example polls' projection, said to be one, drawn.
    assert "ойдан шығарылған сауалнамалар" in pg.locator("p.notice").inner_text()
    rows = pg.locator(".interval-chart .interval-row")
    assert rows.count() == 5
    first = rows.first.locator(".interval").bounding_box()
    assert first["width"] > 0 and first["x"] + first["width"] <= width
    # The seats are the key columns: on screen beside the party, even at 390 px.
    for sel in ("td[data-field=seats]", "td[data-field=seats-interval]"):
        box = pg.locator(f"table.projection tbody tr {sel}").first.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, sel
    # The method by its title, in Kazakh, never its identifier.
    meta = pg.locator("#h-projection + p.notice + p.meta").inner_text()
    assert "Ең үлкен қалдық, Хэйр квотасы" in meta and "hare" not in meta
    screenshot(pg, f"kz-projection-kk-{width}")
