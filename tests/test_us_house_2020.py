"""The 2020 US House apportionment: who got seat 435 and who was next."""

from __future__ import annotations

import tomllib
from fractions import Fraction
from pathlib import Path

import saylau
from saylau.core import allocate

DATA = Path(__file__).parent / "data" / "official" / "us-house-2020.toml"


def _populations() -> dict[str, int]:
    votes: dict[str, int] = tomllib.loads(DATA.read_text(encoding="utf-8"))["votes"]
    return votes


def test_seat_435_minnesota_seat_436_new_york() -> None:
    # U.S. Census Bureau, 2020 apportionment (26 April 2021): New York (26 seats) missed
    # the last seat, which went to Minnesota's 8th; New York is next in priority.
    pops = _populations()
    law = saylau.load_law("us-house-2020")
    last = law.allocate(pops).allocation.steps[-1]
    assert (last.seat_number, last.party) == (435, "Minnesota")
    nxt = allocate(pops, 436, "huntington-hill").steps[-1]
    assert (nxt.seat_number, nxt.party) == (436, "New York")
    # Squared priority values P^2 / (n(n+1)): Minnesota's 8th seat, New York's 27th.
    assert last.value == Fraction(pops["Minnesota"] ** 2, 7 * 8)
    assert nxt.value == Fraction(pops["New York"] ** 2, 26 * 27)


def test_new_york_short_by_89_people() -> None:
    # The widely reported margin: with 89 more residents New York, not Minnesota,
    # would have received seat 435.
    pops = _populations()
    for extra, new_york in ((88, 26), (89, 27)):
        seats = allocate(
            {**pops, "New York": pops["New York"] + extra}, 435, "huntington-hill"
        ).seats
        assert (seats["New York"], seats["Minnesota"]) == (new_york, 8 - (new_york - 26))
