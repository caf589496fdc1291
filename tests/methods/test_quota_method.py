"""The quota method of Balinski and Young (saylau.methods.quota_method)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import saylau
from saylau import allocate_batch
from saylau.methods.quota_method import by_votes_then_order, quota_method

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Balinski and Young's example of divisor methods leaving quota (Fair Representation, 2nd ed.
# 2001; as quoted in "Figure 14: Divisor methods violate quota (example from [9])" of a thesis on
# apportionment): 10,000 votes, 100 seats, so the quotas are 51.17, 44, 1.62, 1.61, 1.60.
# Jefferson gives B 45 (over its exact quota 44), Hill gives B 43 (under it).
BY_VOTES = {"A": 5117, "B": 4400, "C": 162, "D": 161, "E": 160}


def test_divisor_methods_leave_quota_on_the_textbook_example() -> None:
    assert list(saylau.allocate(BY_VOTES, 100, "jefferson").seats.values()) == [52, 45, 1, 1, 1]
    assert list(saylau.allocate(BY_VOTES, 100, "huntington-hill").seats.values()) == [
        51,
        43,
        2,
        2,
        2,
    ]


def test_the_quota_method_stays_within_quota_on_the_textbook_example() -> None:
    # The source quotes only Jefferson's and Hill's seats; this result is checked against
    # the quotas themselves: B gets exactly its 44, every list is within quota, and the
    # small lists take their turns while A and B stand at the upper quota of the growing
    # house (C's second seat is seat 84, at quotient 81).
    a = saylau.allocate(BY_VOTES, 100, "balinski-young-quota")
    assert a.seats == {"A": 52, "B": 44, "C": 2, "D": 1, "E": 1}
    for p, v in BY_VOTES.items():
        q = Fraction(v * 100, 10_000)
        assert math.floor(q) <= a.seats[p] <= math.ceil(q)
    assert [s.seat_number for s in a.steps if s.party == "C"] == [25, 84]
    assert a.ties == ()


def test_names_and_aliases() -> None:
    for name in ("quota", "quota-method", "balinski-young"):
        assert saylau.allocate(BY_VOTES, 100, name).method == "balinski-young-quota"


def test_no_alabama_paradox_where_hamilton_has_one() -> None:
    # The three-state Alabama paradox (tests/test_properties.py): Hamilton gives C 2 of 10
    # seats and 1 of 11.  The quota method is house-monotone.
    votes = {"A": 6, "B": 6, "C": 2}
    ten = saylau.allocate(votes, 10, "quota").seats
    eleven = saylau.allocate(votes, 11, "quota").seats
    assert all(eleven[p] >= ten[p] for p in votes)


def test_every_seat_is_logged_with_its_exact_quotient() -> None:
    a = saylau.allocate(BY_VOTES, 100, "quota")
    held = dict.fromkeys(BY_VOTES, 0)
    for step in a.steps:
        if step.kind == "divisor":
            assert step.party is not None
            assert step.value == Fraction(BY_VOTES[step.party], held[step.party] + 1)
            held[step.party] += 1
    assert held == a.seats


def test_an_exact_tie_is_reported() -> None:
    a = saylau.allocate({"A": 10, "B": 10}, 1, "quota")
    assert a.seats == {"A": 1, "B": 0}
    assert [(t.parties, t.winners, t.resolved_by) for t in a.ties] == [
        (("A", "B"), ("A",), "order")
    ]


@st.composite
def contests(draw: st.DrawFn) -> tuple[list[int], int]:
    n = draw(st.integers(1, 7))
    big = draw(st.sampled_from([10, 1_000, 10**6]))
    votes = draw(st.lists(st.integers(0, big), min_size=n, max_size=n))
    assume(any(votes))
    return votes, draw(st.integers(1, 40))


@SETTINGS
@given(case=contests())
def test_always_within_quota(case: tuple[list[int], int]) -> None:
    votes, seats = case
    got, _ = quota_method(votes, seats, by_votes_then_order(votes))
    total = sum(votes)
    assert sum(got) == seats
    for v, s in zip(votes, got, strict=True):
        q = Fraction(v * seats, total)
        assert math.floor(q) <= s <= math.ceil(q), (votes, seats, got)


@SETTINGS
@given(case=contests())
def test_house_monotone(case: tuple[list[int], int]) -> None:
    votes, seats = case
    small, _ = quota_method(votes, seats, by_votes_then_order(votes))
    large, _ = quota_method(votes, seats + 1, by_votes_then_order(votes))
    assert all(b >= a for a, b in zip(small, large, strict=True))
    # The house of S + 1 seats is the house of S seats and one seat more.
    assert sum(large) - sum(small) == 1


@SETTINGS
@given(case=contests())
def test_batch_equals_allocate(case: tuple[list[int], int]) -> None:
    votes, seats = case
    names = [f"p{i}" for i in range(len(votes))]
    exact = saylau.allocate(dict(zip(names, votes, strict=True)), seats, "quota").seats
    got = allocate_batch(np.array([votes]), seats, "quota")
    assert got[0].tolist() == list(exact.values())


@pytest.mark.parametrize("seats", [1, 5, 26, 100])
def test_agrees_with_dhondt_when_dhondt_is_within_quota(seats: int) -> None:
    votes = {"A": 5000, "B": 3000, "C": 2000}  # D'Hondt gives exact quotas here
    dh = saylau.allocate(votes, seats, "dhondt").seats
    total = sum(votes.values())
    if all(
        math.floor(Fraction(v * seats, total)) <= dh[p] <= math.ceil(Fraction(v * seats, total))
        for p, v in votes.items()
    ):
        assert saylau.allocate(votes, seats, "quota").seats == dh
