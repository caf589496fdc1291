"""The API reference as drawn in Debian's Chromium (Playwright): both audiences'
sections on screen in order, an example block per public operation, the page in
Kazakh with Kazakh headings, nothing wider than a phone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from served import axe_violations, chromium, screenshot
from test_browser import site as site  # the module's own server over the test store

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def pg(site: str) -> Iterator[Any]:
    with chromium() as browser:
        yield browser.new_context(viewport={"width": 1366, "height": 900}).new_page()


def test_both_audiences_drawn_with_an_example_per_public_operation(pg: Any, site: str) -> None:
    public_ops = [
        (path, method)
        for path, ops in pg.request.get(f"{site}/openapi.json").json()["paths"].items()
        for method, op in ops.items()
        if "public" in op["tags"]
    ]
    pg.goto(f"{site}/docs?lang=en")
    public, write = pg.locator("section#public"), pg.locator("section#write")
    assert public.is_visible() and write.is_visible()
    top, bottom = public.bounding_box(), write.bounding_box()
    assert top["height"] > 500 and bottom["height"] > 500
    assert top["y"] + top["height"] <= bottom["y"] + 1  # the public part comes first
    main = pg.locator("main").bounding_box()
    blocks = public.locator("figure.example pre.answer")
    assert blocks.count() == len(public_ops) == public.locator("section.endpoint").count()
    for i in range(blocks.count()):
        block = blocks.nth(i)
        block.scroll_into_view_if_needed()
        box = block.bounding_box()
        # Drawn, inside the page's column, and a long answer scrolls in its own box.
        assert box["height"] > 20 and box["x"] >= main["x"] - 1
        assert box["x"] + box["width"] <= main["x"] + main["width"] + 1
        font = float(block.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
        assert box["height"] <= 24 * font + 40
        assert block.inner_text().startswith("HTTP/1.1 ")
    assert write.locator("figure.example").count() == 0
    assert write.locator("table.refusals tbody tr").count() == 9
    # The example of the contests list is the real list, in a block reached by Tab.
    first = blocks.first
    first.focus()
    assert pg.evaluate("document.activeElement.className") == "answer"
    assert '"contests": [' in first.inner_text()
    screenshot(pg, "api-docs-en-1366")


def test_the_reference_in_kazakh_on_a_phone(pg: Any, site: str) -> None:
    pg.set_viewport_size({"width": 390, "height": 800})
    pg.goto(f"{site}/docs?lang=kk")
    assert pg.locator("html").get_attribute("lang") == "kk"
    assert pg.locator("h2#public-h").inner_text() == "Оқуға арналған ашық API"
    assert pg.locator("h2#write-h").inner_text() == "Комиссияларға арналған жазу API"
    assert pg.locator("section#write h3#write-refusals").inner_text() == "Бас тартулар"
    captions = pg.locator("figure.example figcaption").all_inner_texts()
    assert captions and set(captions) == {"Жауап үлгісі"}
    # Nothing widens the page: the answers scroll inside their boxes.
    assert pg.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    screenshot(pg, "api-docs-kk-390")
    pg.set_viewport_size({"width": 1366, "height": 900})


def test_the_reference_passes_axe_core(pg: Any, site: str) -> None:
    assert axe_violations(pg.context.browser, f"{site}/docs?lang=kk") == []
