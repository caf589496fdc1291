"""One rule per kind of fractional figure on the pages (issue #16): a column never
shows "203,7" beside "219,25".  Quotas, quotients and remainders have three decimals,
counts expected by chance one, chi-squared two, p-values three."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from fastapi.testclient import TestClient

from saylau.web.i18n import ALLOCATION_DIGITS, CHANCE_DIGITS, Formatter


@pytest.mark.parametrize(
    ("lang", "values", "shown"),
    [
        ("en", (203.7, 219.25, 32), ("203.700", "219.250", "32.000")),
        ("ru", (203.7, 219.25, 12345.5), ("203,700", "219,250", "12\u00a0345,500")),
        ("kk", (Fraction(1590, 49), "1140/49", 0.0005), ("32,449", "23,265", "0,000")),
    ],
)
def test_allocation_figures_have_three_decimals(
    lang: str, values: tuple[object, ...], shown: tuple[str, ...]
) -> None:
    fmt = Formatter(lang)
    assert tuple(fmt.allocation(v) for v in values) == shown  # type: ignore[arg-type]
    assert fmt.decimal(None, 1) == "–"
    assert Formatter("en").decimal(203.74, CHANCE_DIGITS) == "203.7"


def _decimals(cells: list[str]) -> set[int]:
    """The numbers of decimals of the fractional figures among ``cells``."""
    out = set()
    for c in cells:
        m = re.fullmatch(r"[−-]?[\d\u00a0\u202f ,.]*?[.,](\d+)", c.strip())
        if m:
            out.add(len(m.group(1)))
    return out


def test_the_ranked_allocation_table_and_the_quota_share_one_rule(client: TestClient) -> None:
    page = client.get("/contests/majilis?lang=ru").text
    values = re.findall(r'<td class="num" title="[^"]+">([^<]+)</td>', page)
    assert values, "no ranked allocation value on the page"
    quota = re.findall(r'<span class="num" title="[^"]+">([^<]+)</span>', page)
    # Hare quota (2670 + 510) / 98 = 1590/49 = 32.449 (tests/web/test_steps.py).
    assert quota == ["32,449"]
    assert _decimals(values + quota) == {ALLOCATION_DIGITS}


def test_the_forensics_figures_of_one_kind_share_one_rule(client: TestClient) -> None:
    page = client.get("/contests/majilis/forensics?lang=en").text
    digits = page[page.index('<table class="forensics-digits">') :].split("</table>")[0]
    # The last-digit table: observed counts (whole) and expected counts (one decimal).
    expected = re.findall(
        r'<tr><th scope="row">\d</th><td class="num">[^<]*</td><td class="num">([^<]+)</td>', digits
    )
    assert len(expected) == 10 and _decimals(expected) == {CHANCE_DIGITS}, expected
    mean = re.search(r'data-field="integer_null_mean">([^<]+)<', page)
    assert mean is not None and _decimals([mean.group(1)]) == {CHANCE_DIGITS}
    chi2 = re.search(r'data-field="chi2">([\d.,]+) ', page)
    assert chi2 is not None and _decimals([chi2.group(1)]) == {2}
    # The excess over chance, for the contest and per region: one decimal.
    excess = re.findall(r'data-field="(?:integer_)?excess">([^<]+)<', page)
    assert len(excess) >= 3 and _decimals(excess) == {CHANCE_DIGITS}, excess
