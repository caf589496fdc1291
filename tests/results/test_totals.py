"""The one ``Totals``: turnout exact, the same JSON in every document."""

from __future__ import annotations

from fractions import Fraction

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from saylau.results import Totals
from saylau.tabulate import totals

# State Duma 2021 (CEC of Russia, ../shared/data/README.md): 56,484,685 ballots issued
# to 109,204,662 registered voters; 55,158,109 valid and 1,171,581 invalid in the boxes.
DUMA = Totals(
    registered=109_204_662,
    ballots_issued=56_484_685,
    ballots_cast=55_158_109 + 1_171_581,
    valid=55_158_109,
    invalid=1_171_581,
)


def test_turnout_is_issued_over_registered_exactly() -> None:
    assert DUMA.turnout == Fraction(56_484_685, 109_204_662)
    # 51.72 % as the CEC publishes it, not the 51.58 % of the ballots in the boxes.
    assert DUMA.turnout_percent == 51.72
    doc = DUMA.to_dict()
    assert doc["turnout"] == 51.72
    assert Fraction(doc["turnout_exact"]) == DUMA.turnout
    assert list(doc) == [
        "registered",
        "ballots_issued",
        "ballots_cast",
        "valid",
        "invalid",
        "against_all",
        "turnout",
        "turnout_exact",
    ]


def test_nobody_registered_is_zero_turnout() -> None:
    assert Totals().turnout == 0 and Totals().to_dict()["turnout_exact"] == "0"


def test_frame_totals_follow_the_one_issued_rule_per_protocol() -> None:
    # Station 2 has no issued lines: its ballots issued are the ballots in its boxes
    # (5 + 95), not 0 (tabulate.fields.ballots_issued).
    frame = pl.DataFrame(
        {
            "station": ["1", "2"],
            "registered": [200, 150],
            "issued_at_station": [120, None],
            "invalid": [2, 5],
            "valid": [118, 95],
            "party:A": [100, 60],
            "party:B": [18, 35],
        }
    )
    t = totals(frame)
    assert (t.ballots_issued, t.ballots_cast, t.stations, t.stations_expected) == (220, 220, 2, 2)
    assert t.turnout == Fraction(220, 350) and t.votes == {"A": 160, "B": 53}


@given(
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=0, max_value=10**9),
)
def test_turnout_percent_is_the_rounded_exact_turnout(issued: int, registered: int) -> None:
    t = Totals(registered=registered, ballots_issued=issued)
    exact = Fraction(issued, registered) if registered else Fraction(0)
    assert t.turnout == exact
    assert Fraction(t.to_dict()["turnout_exact"]) == exact
    assert abs(Fraction(t.turnout_percent) - exact * 100) <= Fraction(1, 200) + Fraction(1, 10**9)
