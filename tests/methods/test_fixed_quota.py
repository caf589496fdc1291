"""A fixed quota of votes per seat (saylau.methods.fixed_quota): the Weimar rule."""

from __future__ import annotations

import re
import tomllib
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import saylau
from saylau import allocate_batch
from saylau.errors import InputError, LawError
from saylau.law import parse_law

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WEIMAR = """
[law]
name = "weimar-reich-list"
title = "Reichstag, Reich list pass (one seat per 60,000 votes)"
source = "Reichswahlgesetz of 27 April 1920: one seat per 60,000 votes; at the Reich list a remainder of more than 30,000 votes counts as a full 60,000"

[[tiers]]
name = "reich"
method = "fixed-quota"
votes_per_seat = 60000
remainder_over = 30000
"""


def test_worked_example() -> None:
    # 125,000 = 2 × 60,000 + 5,000: two seats; 95,000 = 60,000 + 35,000: the remainder is
    # more than 30,000, so two seats; 30,000 exactly is not more than 30,000: none.
    votes = {"A": 125_000, "B": 95_000, "C": 30_000, "D": 30_001}
    a = saylau.allocate(votes, 0, "fixed-quota", votes_per_seat=60_000, remainder_over=30_000)
    assert a.seats == {"A": 2, "B": 2, "C": 0, "D": 1}
    assert a.house_size == 5
    assert a.quota == 60_000
    remainders = [s for s in a.steps if s.kind == "remainder"]
    assert [(s.party, s.value) for s in remainders] == [
        ("B", Fraction(35_000)),
        ("D", Fraction(30_001)),
    ]


def test_without_a_remainder_rule_only_full_quotas_count() -> None:
    a = saylau.allocate({"A": 119_999, "B": 60_000}, 0, "fixed-quota", votes_per_seat=60_000)
    assert a.seats == {"A": 1, "B": 1}


def test_the_house_grows_with_turnout() -> None:
    law = parse_law(WEIMAR)
    assert law.list_tier.seats == 0 and law.list_tier.votes_per_seat == 60_000
    low = law.allocate({"A": 600_000, "B": 300_000})
    high = law.allocate({"A": 1_200_000, "B": 600_000})
    assert low.total_seats == 15 and high.total_seats == 30
    assert parse_law(law.to_toml()).list_tier == law.list_tier


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("votes_per_seat = 60000", "", "key 'tiers[0].votes_per_seat' is missing"),
        ('method = "fixed-quota"', 'method = "fixed-quota"\nseats = 400', "decides the number"),
        ("remainder_over = 30000", "remainder_over = 60000", "60,000, not below votes_per_seat"),
    ],
)
def test_law_file_problems(old: str, new: str, message: str) -> None:
    with pytest.raises(LawError, match=re.escape(message)):
        parse_law(WEIMAR.replace(old, new))


def test_other_methods_refuse_a_quota_of_votes() -> None:
    with pytest.raises(LawError, match="only the method 'fixed-quota'"):
        parse_law(WEIMAR.replace('method = "fixed-quota"', 'method = "hare"\nseats = 10'))
    with pytest.raises(InputError, match="votes_per_seat"):
        saylau.allocate({"A": 1}, 1, "hare", votes_per_seat=10)


def test_bad_arguments_are_reported_together() -> None:
    with pytest.raises(InputError) as err:
        saylau.allocate({"A": 1}, 5, "fixed-quota", votes_per_seat=0, remainder_over=-1)
    text = str(err.value)
    assert "seats: 5" in text and "votes_per_seat: 0" in text and "remainder_over: -1" in text


votes_lists = st.lists(st.integers(0, 10**7), min_size=1, max_size=8)


@SETTINGS
@given(votes=votes_lists, q=st.integers(1, 10**6), data=st.data())
def test_seats_are_whole_quotas_plus_large_remainders(
    votes: list[int], q: int, data: st.DataObject
) -> None:
    over = data.draw(st.none() | st.integers(0, q - 1))
    names = [f"p{i}" for i in range(len(votes))]
    a = saylau.allocate(
        dict(zip(names, votes, strict=True)),
        0,
        "fixed-quota",
        votes_per_seat=q,
        remainder_over=over,
    )
    for p, v in zip(names, votes, strict=True):
        s = a.seats[p]
        # Full quotas, and one seat more only for a remainder above the bar.
        assert v // q <= s <= v // q + 1
        assert (s > v // q) == (over is not None and v % q > over)
    assert a.house_size == sum(a.seats.values())
    got = allocate_batch(np.array([votes]), 0, "fixed-quota", votes_per_seat=q, remainder_over=over)
    assert got[0].tolist() == [a.seats[p] for p in names]


@SETTINGS
@given(votes=votes_lists, extra=st.integers(0, 10**6))
def test_more_votes_never_cost_a_seat(votes: list[int], extra: int) -> None:
    names = [f"p{i}" for i in range(len(votes))]
    before = saylau.allocate(
        dict(zip(names, votes, strict=True)),
        0,
        "fixed-quota",
        votes_per_seat=60_000,
        remainder_over=30_000,
    )
    more = [votes[0] + extra, *votes[1:]]
    after = saylau.allocate(
        dict(zip(names, more, strict=True)),
        0,
        "fixed-quota",
        votes_per_seat=60_000,
        remainder_over=30_000,
    )
    assert after.seats["p0"] >= before.seats["p0"]
    # Another list's votes do not change this one's seats: no fixed house to share.
    assert all(after.seats[p] == before.seats[p] for p in names[1:])


REICHSTAG_1928 = Path(__file__).parent.parent / "data" / "weimar" / "de-reichstag-1928.toml"


def test_reichstag_1928_national_totals_of_the_uncapped_reich_lists() -> None:
    # Reichstag of 20 May 1928 (tests/data/weimar/README.md): every remainder travels up from the
    # Wahlkreis and the union to the Reich list, so where the Reich list's cap does not bite the
    # three passes give the fixed quota of the Reich list's total: SPD 153, DNVP 73, KPD 54, ...
    data = tomllib.loads(REICHSTAG_1928.read_text(encoding="utf-8"))
    election = data["election"]
    law = parse_law(WEIMAR)
    result = law.allocate(data["votes"])
    assert result.seats == data["seats"]
    assert sum(result.seats.values()) == 394
    # A Reich list's total is the sum of the constituency lists attached to it.
    for reich, parts in data["components"].items():
        assert sum(v for v, _ in parts.values()) == data["votes"][reich]
        assert sum(s for _, s in parts.values()) == data["seats"][reich]
    # SPD: 9,152,979 = 152 x 60,000 + 32,979; the remainder is over 30,000: 153.
    assert divmod(9_152_979, election["votes_per_seat"]) == (152, 32_979)
    published = sum(s for _, s in data["not_reproduced"].values())
    assert sum(data["seats"].values()) + published + 3 + 2 == election["seats"] == 491


def test_reichstag_1928_what_the_reich_level_count_does_not_give() -> None:
    data = tomllib.loads(REICHSTAG_1928.read_text(encoding="utf-8"))
    rest = data["not_reproduced"]
    votes = {name: v for name, (v, _) in rest.items()}
    got = parse_law(WEIMAR).allocate(votes).seats
    z, bvp = "Deutsche Zentrumspartei", "Bayerische Volkspartei"
    nsdap = "Nationalsozialistische Deutsche Arbeiterpartei (Hitler-Bewegung)"
    vrp = "Volksrechtpartei (Reichspartei für Volksrecht und Aufwertung)"
    # Zentrum and BVP alone: 62 and 16; counted together: 78 = the official 61 + 17.
    assert (got[z], got[bvp]) == (62, 16)
    pair = parse_law(WEIMAR).allocate({"Z+BVP": votes[z] + votes[bvp]}).seats["Z+BVP"]
    assert pair == rest[z][1] + rest[bvp][1] == 78
    # The cap on the Reich list (no more seats than won below) cut the NSDAP and the VRP; the
    # three-tier rule reproduces it (tests/test_three_tier.py).
    assert (got[nsdap], rest[nsdap][1]) == (14, 12)
    assert (got[vrp], rest[vrp][1]) == (8, 2)
