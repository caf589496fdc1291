"""An area page's sorted bars as drawn in Debian's Chromium: one bar per part, highest
turnout on top, each bar's length its turnout on a 0-100% track, in the leading
party's colour, inside the page at 1366 and 390 px (the test store of ``webdata``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from served import axe_violations, chromium, screenshot
from test_browser import site as site  # the module's own server over the test store

pytestmark = pytest.mark.browser

ALMATY = "/contests/majilis/divisions/region%3AAlmaty"


@pytest.fixture(scope="module")
def pg(site: str) -> Iterator[Any]:
    with chromium() as browser:
        yield browser.new_context(viewport={"width": 1366, "height": 900}).new_page()


@pytest.mark.parametrize("width", [1366, 390])
def test_districts_as_bars_sorted_by_turnout(pg: Any, site: str, width: int) -> None:
    pg.set_viewport_size({"width": width, "height": 900})
    pg.goto(f"{site}{ALMATY}?lang=kk")
    figure = pg.locator("figure.area-bars")
    assert figure.is_visible()
    items = figure.locator("ol.area-bars li")
    assert items.count() == 2
    tracks = [items.nth(i).locator(".track").bounding_box() for i in range(2)]
    bars = [items.nth(i).locator(".bar").bounding_box() for i in range(2)]
    # Medeu 64.18% above Bostandyk 57.56%: stacked, each the share of its full track.
    assert bars[0]["y"] + bars[0]["height"] <= bars[1]["y"]
    for bar, track, turnout in zip(bars, tracks, (64.18, 57.56), strict=True):
        assert abs(bar["width"] / track["width"] - turnout / 100) < 0.005
        assert bar["height"] >= 8 and abs(bar["x"] - track["x"]) < 1
    box = figure.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert pg.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    # Coloured by the leader (Nur Otan leads both): the votes table's swatch colour.
    swatch = pg.locator("table.votes tbody tr").first.locator(".swatch")
    colour = swatch.evaluate("e => getComputedStyle(e).backgroundColor")
    for i in range(2):
        bar = items.nth(i).locator(".bar")
        assert bar.evaluate("e => getComputedStyle(e).backgroundColor") == colour
    # The figures are text in the link (read by a screen reader), in Kazakh.
    link = items.first.locator("a")
    assert "Medeu" in link.inner_text() or "Медеу" in link.inner_text()
    assert "64,18%" in link.inner_text() and "Алда келе жатқан партия" in link.inner_text()
    # Only the name is drawn as a link; each figure's words stay on one line (at 390 px
    # the whole row ran on underlined, "Алда келе" on one line, "жатқан…" on the next).
    drawn = link.evaluate(
        """a => ({link: getComputedStyle(a).textDecorationLine,
                  name: getComputedStyle(a.querySelector('.area')).textDecorationLine,
                  lines: [...a.querySelectorAll('.leader, .counted')]
                           .map(e => e.getClientRects().length)})"""
    )
    assert drawn == {"link": "none", "name": "underline", "lines": [1, 1]}, drawn
    screenshot(pg, f"region-bars-kk-{width}")
    link.focus()
    pg.keyboard.press("Enter")
    pg.wait_for_url("**/divisions/district%3AAlmaty%2FMedeu**")
    pg.go_back()
    pg.set_viewport_size({"width": 1366, "height": 900})


def test_the_bars_pass_axe_core(pg: Any, site: str) -> None:
    url = f"{site}{ALMATY}?lang=kk"
    assert axe_violations(pg.context.browser, url, "'section.area-view'") == []
