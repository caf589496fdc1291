"""``/embed/contests/{id}``: hemicycle, bars and progress, frameable by any site."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from saylau.web.i18n import Formatter


@pytest.mark.parametrize("lang", ["en", "ru", "kk"])
def test_embed_shows_the_seats_bars_and_progress(client: TestClient, lang: str) -> None:
    answer = client.get(f"/embed/contests/majilis?lang={lang}")
    assert answer.status_code == 200
    html = answer.text
    csp = answer.headers["content-security-policy"]
    assert "frame-ancestors *" in csp and "script-src 'self'" in csp
    assert f'<html lang="{lang}">' in html
    # 98 list seats + 9 Assembly seats (hatched), as on the contest page.
    assert len(re.findall(r'<circle class="seat[ "]', html)) == 107
    assert len(re.findall(r'<circle class="seat reserved"', html)) == 9
    # No station list was registered: 7 stations reported, no bar towards an unknown end.
    assert "<progress" not in html and Formatter(lang).stations(7, None) in html
    seats = re.findall(r'<td class="num" data-field="seats">([^<]*)</td>', html)
    assert seats == ["82", "16", "0"]
    assert len(re.findall(r'class="bar"', html)) == 3
    assert Formatter(lang).gettext("Stations counted") in html
    assert "site-header" not in html  # no navigation inside a news article


def test_embed_of_an_unknown_contest_is_404(client: TestClient) -> None:
    assert client.get("/embed/contests/nope").status_code == 404


def test_other_pages_still_refuse_frames(client: TestClient) -> None:
    csp = client.get("/contests/majilis").headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
