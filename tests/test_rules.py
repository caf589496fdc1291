"""The rules real laws use, each tested on the law that has it.

Rule-only law files (no official data file yet) live in tests/data/laws/, each
citing its statute.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import saylau
import saylau.errors
import saylau.law
import saylau.methods
from saylau import allocate, load_law

LAWS = Path(__file__).parent / "data" / "laws"

# Kazakhstan 2023 official votes (CEC, 27 March 2023), OSDP's replaced below.
KZ2023 = {
    "Amanat": 3431510,
    "Auyl": 693938,
    "Respublica": 547154,
    "People's Party of Kazakhstan": 432920,
    "Baytaq": 146431,
    "Ak Zhol": 535139,
}


@pytest.mark.parametrize(
    ("osdp", "against_all", "passes"),
    [
        # Base = parties + against all: 100x >= 5 (5,787,092 + 248,291 + x) <=> x >= 317,651.74
        (317651, 248291, False),
        (317652, 248291, True),
        # 310,000 passes on party votes alone (x >= 304,583) but not once "against all" counts.
        (310000, 0, True),
        (310000, 248291, False),
    ],
)
def test_threshold_base_includes_against_all_kazakhstan_2023(
    osdp: int, against_all: int, passes: bool
) -> None:
    result = load_law("kz-majilis-2023").allocate({**KZ2023, "OSDP": osdp}, against_all=against_all)
    assert result.allocation.threshold.passed["OSDP"] is passes
    assert result.allocation.threshold.base == sum(KZ2023.values()) + osdp + against_all
    assert (result.seats["OSDP"] > 0) is passes


def test_cast_base_counts_invalid_ballots_russia() -> None:
    # 20-FZ art. 88: the 5% is of the ballots found in the boxes (valid + invalid).
    votes = {"A": 800, "Z": 100, "B": 51, "C": 49}
    law = load_law("ru-duma-2021")
    assert law.allocate(votes).allocation.threshold.passed["B"] is True  # 51/1000 = 5.1%
    assert law.allocate(votes, invalid=21).allocation.threshold.passed["B"] is False  # 51/1021 < 5%


def test_runner_up_admitted_kazakhstan() -> None:
    # Constitutional Law of 9 February 2009: if only one party passes 7%, the runner-up is admitted.
    votes = {"Nur Otan": 5247720, "NSDP": 269310, "Ak Zhol": 183346}
    later = load_law("kz-majilis-2021").allocate(votes)
    assert later.allocation.threshold.passed == {"Nur Otan": True, "NSDP": True, "Ak Zhol": False}
    assert "admitted" in later.allocation.threshold.reasons["NSDP"]
    assert later.seats == {"Nur Otan": 93, "NSDP": 5, "Ak Zhol": 0}
    assert load_law("kz-majilis-2007").allocate(votes).seats == {
        "Nur Otan": 98,
        "NSDP": 0,
        "Ak Zhol": 0,
    }


def test_minimum_combined_share_russia_2007() -> None:
    # 51-FZ art. 82: lists over 7% must hold together more than 60%, else lists below are
    # admitted in descending order of votes until they do.
    votes = {
        "A": 3500,
        "B": 1500,
        "C": 690,
        "D": 680,
        "E": 650,
        "G": 600,
        "H": 600,
        "I": 600,
        "J": 590,
        "K": 590,
    }
    a = load_law("ru-duma-2007").allocate(votes).allocation
    assert [p for p, ok in a.threshold.passed.items() if ok] == ["A", "B", "C", "D"]
    assert a.seats["A"] + a.seats["B"] + a.seats["C"] + a.seats["D"] == 450
    assert (a.seats["A"], a.seats["B"], a.seats["C"], a.seats["D"]) == (247, 106, 49, 48)


def test_consolation_seats_russia_2011() -> None:
    # 51-FZ art. 82.1 (added by 94-FZ of 12 May 2009, in force for the 2011 election): a list
    # with at least 5% and less than 6% gets one seat, at least 6% and less than 7% two; the
    # other 447 are shared by the Hare quota among the lists over 7%.
    votes = {"A": 6000, "B": 2500, "C": 550, "D": 650, "E": 300}
    a = load_law("ru-duma-2011").allocate(votes).allocation
    # Quota 8,500 / 447: A 315.53, B 131.47; the last seat to A's larger remainder.
    assert a.seats == {"A": 316, "B": 131, "C": 1, "D": 2, "E": 0}
    assert a.quota == Fraction(8500, 447)
    assert a.house_size == 450
    assert "1 consolation seat" in a.threshold.reasons["C"]
    assert "2 consolation seats" in a.threshold.reasons["D"]
    assert [s.party for s in a.steps if s.kind == "consolation"] == ["C", "D"]
    # The bands are on the ballots cast: 500 of 10,000 is 5%, but not with 1 invalid ballot.
    edge = {"A": 6000, "B": 3500, "C": 500}
    assert load_law("ru-duma-2011").allocate(edge).seats["C"] == 1
    assert load_law("ru-duma-2011").allocate(edge, invalid=1).seats["C"] == 0
    # 2007 had no such rule: the same votes give C and D nothing.
    assert load_law("ru-duma-2007").allocate(votes).seats == {
        "A": 318,
        "B": 132,
        "C": 0,
        "D": 0,
        "E": 0,
    }


def test_consolation_band_must_lie_below_threshold(tmp_path: Path) -> None:
    law = tmp_path / "bad.toml"
    law.write_text(
        '[[tiers]]\nseats = 10\nmethod = "hare"\nthreshold = 5\n'
        'consolation_seats = { "4" = 1, "5" = 2 }\n',
        encoding="utf-8",
    )
    with pytest.raises(saylau.LawError, match=r"consolation_seats' has a band from 5%"):
        load_law(law)


def test_minimum_combined_share_is_strict() -> None:
    # Exactly 60% is not "more than 60%": one more list is admitted.
    votes = {"A": 5000, "B": 1000, "C": 690, "D": 680, "E": 660, "F": 650, "G": 660, "H": 660}
    a = load_law("ru-duma-2007").allocate(votes).allocation
    assert [p for p, ok in a.threshold.passed.items() if ok] == ["A", "B", "C"]


def test_regional_threshold_kyrgyzstan() -> None:
    # Constitutional Law No. 68 (2011): 7% nationally and 0.7% in every region.
    regions = {
        "A": {"Bishkek": 5000, "Osh": 3000, "Chui": 2000},
        "B": {"Bishkek": 1500, "Osh": 1000, "Chui": 1000},
        "C": {"Bishkek": 1000, "Osh": 5, "Chui": 600},  # 5 of 4,105 in Osh < 0.7%
        "D": {"Bishkek": 100, "Osh": 100, "Chui": 100},
    }
    votes = {p: sum(r.values()) for p, r in regions.items()}
    a = load_law("kg-parliament-2015").allocate(votes, regions=regions).allocation
    assert a.threshold.passed == {"A": True, "B": True, "C": False, "D": False}
    assert a.threshold.reasons["C"] == "below 0.7% in region(s): Osh"
    assert a.seats == {"A": 65, "B": 55, "C": 0, "D": 0}


def test_regional_threshold_needs_regions() -> None:
    with pytest.raises(saylau.InputError, match="votes per region are needed"):
        load_law("kg-parliament-2015").allocate({"A": 10, "B": 5})


def test_seat_cap_redistributes_kyrgyzstan() -> None:
    # At most 65 of 120 seats per party; the excess goes to the others.
    regions = {"A": {"R": 8000}, "B": {"R": 1200}, "C": {"R": 800}}
    a = (
        load_law("kg-parliament-2015")
        .allocate({"A": 8000, "B": 1200, "C": 800}, regions=regions)
        .allocation
    )
    assert a.seats == {"A": 65, "B": 33, "C": 22}
    assert [s.party for s in a.steps if s.kind == "cap"] == ["A"]


def test_minority_list_exempt_and_bonus_serbia() -> None:
    law = load_law(LAWS / "rs-narodna-skupstina.toml")
    votes = {"SNS": 1800000, "SPN": 900000, "SPS": 250000, "SVM": 60000, "X": 100000}
    # SVM has 60,000 of 3,160,000 ballots = 1.9% < 3%.
    assert law.allocate(votes, invalid=50000).seats["SVM"] == 0
    exempt = law.allocate(votes, invalid=50000, exempt={"SVM"}, minority={"SVM"})
    assert exempt.allocation.threshold.reasons["SVM"] == "exempt from the threshold"
    # The 35% bonus is the same as D'Hondt on 60,000 × 1.35 = 81,000 votes.
    scaled = allocate({**votes, "SVM": 81000}, 250, "dhondt", threshold=0)
    assert exempt.seats == scaled.seats
    assert exempt.seats["SVM"] == 6


def test_coalition_threshold_slovakia() -> None:
    law = load_law(LAWS / "sk-narodna-rada.toml")
    votes = {"Smer": 2300, "PS": 1800, "Coal": 600, "Solo": 550, "Y": 4750}
    # A 2-party coalition with 6% fails the 7% coalition threshold; a party with 5.5% passes.
    a = law.allocate(votes, members={"Coal": 2}).allocation
    assert a.threshold.passed["Coal"] is False and a.threshold.passed["Solo"] is True
    assert law.allocate(votes, members={"Coal": 1}).allocation.threshold.passed["Coal"] is True


def test_surplus_agreement_israel() -> None:
    votes = {"A": 41000, "B": 29000, "C": 16000, "D": 14000}
    # D'Hondt alone: A 5, B 3, C 1, D 1. With C and D in a surplus agreement the pair
    # (30,000 votes) wins 3 seats, split 2 / 1 inside it.
    assert allocate(votes, 10, "dhondt").seats == {"A": 5, "B": 3, "C": 1, "D": 1}
    allied = allocate(votes, 10, "dhondt", alliances={"C": "CD", "D": "CD"})
    assert allied.seats == {"A": 4, "B": 3, "C": 2, "D": 1}
    law = load_law(LAWS / "il-knesset.toml")
    assert law.allocate(votes, alliances={"C": "CD", "D": "CD"}).seats["C"] > 0


def test_list_exhaustion_netherlands() -> None:
    law = load_law(LAWS / "nl-exhaustion.toml")
    votes = {"A": 6000, "B": 3000, "C": 1000}
    assert law.allocate(votes).seats == {"A": 10, "B": 4, "C": 1}
    # Kieswet art. P 15: a list with 5 candidates keeps 5 seats; the other 10 are shared again.
    assert law.allocate(votes, list_sizes={"A": 5}).seats == {"A": 5, "B": 8, "C": 2}


def test_list_exhaustion_vacant(tmp_path: Path) -> None:
    text = (LAWS / "nl-exhaustion.toml").read_text().replace('"redistribute"', '"vacant"')
    path = tmp_path / "vacant.toml"
    path.write_text(text)
    a = load_law(path).allocate({"A": 6000, "B": 3000, "C": 1000}, list_sizes={"A": 5}).allocation
    assert a.seats == {"A": 5, "B": 4, "C": 1}
    assert a.vacant == 5


def test_tie_on_remainders_goes_to_earlier_list_kazakhstan() -> None:
    # Equal remainders: the list registered earlier wins (Constitutional Law, art. 97-1).
    # 98 seats, quota 10000/98: Big 78.89, Late 9.555, Early 9.555 -> 96 whole seats; seat 97
    # to Big (.89), seat 98 to one of two equal remainders (.555).
    law = load_law("kz-majilis-2021")
    a = law.allocate({"Big": 8050, "Late": 975, "Early": 975}).allocation
    assert a.seats == {"Big": 79, "Late": 10, "Early": 9}
    (tie,) = a.ties
    assert (tie.kind, tie.seats, tie.parties, tie.winners, tie.resolved_by) == (
        "remainder",
        (98,),
        ("Late", "Early"),
        ("Late",),
        "order",
    )
    assert tie.value == Fraction(975 * 98 % 10000, 98)  # the remainder in votes
    b = law.allocate({"Big": 8050, "Early": 975, "Late": 975}).allocation
    assert b.seats == {"Big": 79, "Early": 10, "Late": 9}


def test_tie_by_votes_then_lot_is_seeded_and_reported() -> None:
    # D'Hondt 1 seat between two equal lists: votes do not settle it, the lot does.
    votes = {"A": 100, "B": 100}
    one = allocate(votes, 1, "dhondt", tie_break=("votes", "lot"), seed=7)
    again = allocate(votes, 1, "dhondt", tie_break=("votes", "lot"), seed=7)
    assert one.seats == again.seats and one.seed == 7
    assert one.ties[0].resolved_by == "lot" and one.ties[0].seats == (1,)
    outcomes = {
        tuple(allocate(votes, 1, "dhondt", tie_break=("lot",), seed=s).seats.values())
        for s in range(20)
    }
    assert outcomes == {(1, 0), (0, 1)}


def test_tie_by_votes_in_divisor_method() -> None:
    # 200/2 == 100/1: equal quotients, the list with more votes wins the last seat.
    a = allocate({"Small": 100, "Big": 200}, 2, "dhondt")
    assert a.seats == {"Small": 0, "Big": 2}
    assert a.ties[0].resolved_by == "votes" and a.ties[0].winners == ("Big",)


# --------------------------------------------------------------------------- min_seats


US1910 = Path(__file__).parent / "data" / "official" / "us-house-1910.toml"


def test_us_1910_needs_the_minimum_of_one_seat() -> None:
    # Apportionment Act of 1911 (tests/data/official/us-house-1910.toml): plain Webster leaves
    # Nevada (81,875 people, quotient under one half) with no seat and gives Ohio 23.
    import tomllib

    data = tomllib.loads(US1910.read_text(encoding="utf-8"))
    plain = allocate(data["votes"], 433, "webster")
    assert plain.seats["Nevada"] == 0 and plain.seats["Ohio"] == 23
    law = load_law("us-house-1910")
    assert law.list_tier.min_seats == 1
    assert law.allocate(data["votes"]).seats == data["seats"]
    assert law.allocate(data["votes"]).seats["Nevada"] == 1


def _bounded_reference(
    votes: dict[str, int], seats: int, method: str, lo: int, hi: int | None, *, base: bool = False
) -> dict[str, int]:
    """The bounded divisor method read literally: start every list at its minimum, then
    seat by seat to the highest quotient among the lists below their maximum.  With
    ``base`` the ``lo`` seats are base seats: the quotients count only the seats won
    beyond them (votes / d(seats − lo))."""
    spec = saylau.methods.get_method(method)
    assert spec.divisor is not None
    live = [p for p, v in votes.items() if v > 0]
    got = dict.fromkeys(votes, 0)
    for p in live:
        got[p] = lo
    order = {p: i for i, p in enumerate(votes)}
    for _ in range(seats - lo * len(live)):
        open_ = [p for p in live if hi is None or got[p] < hi]
        if not open_:
            break

        def key(p: str) -> tuple[Fraction, int, int]:
            d = spec.divisor(got[p] - lo if base else got[p])  # type: ignore[misc]
            w = Fraction(votes[p]) ** 2 if spec.squared else Fraction(votes[p])
            q = Fraction(10**30) if d == 0 else w / d
            return q, votes[p], -order[p]

        got[max(open_, key=key)] += 1
    return got


bounded = st.tuples(
    st.lists(st.integers(1, 10**6), min_size=1, max_size=7),
    st.integers(0, 3),
    st.integers(1, 12),
    st.integers(0, 40),
)


@pytest.mark.parametrize("method", ["webster", "dhondt", "huntington-hill", "adams"])
@settings(max_examples=50, deadline=None)
@given(case=bounded)
def test_min_and_max_seats_are_the_bounded_divisor_method(
    method: str, case: tuple[list[int], int, int, int]
) -> None:
    values, lo, span, extra = case
    hi = lo + span
    n = len(values)
    seats = min(lo * n + extra, hi * n)
    assume(seats >= 1)
    votes = {f"p{i}": v for i, v in enumerate(values)}
    caps = dict.fromkeys(votes, hi)
    got = allocate(votes, seats, method, min_seats=lo, caps=caps).seats
    assert got == _bounded_reference(votes, seats, method, lo, hi)
    assert all(lo <= s <= hi for s in got.values())


BOUNDED = [m for m, s in saylau.methods.REGISTRY.items() if s.kind in ("divisor", "quota-divisor")]


@pytest.mark.parametrize("method", BOUNDED)
@settings(max_examples=25, deadline=None)
@given(case=bounded)
def test_every_method_keeps_within_the_bounds(
    method: str, case: tuple[list[int], int, int, int]
) -> None:
    values, lo, span, extra = case
    hi = lo + span
    seats = min(lo * len(values) + extra, hi * len(values))
    assume(seats >= 1)
    votes = {f"p{i}": v for i, v in enumerate(values)}
    a = allocate(votes, seats, method, min_seats=lo, caps=dict.fromkeys(votes, hi))
    assert all(lo <= s <= hi for s in a.seats.values())
    assert sum(a.seats.values()) == seats
    got = saylau.allocate_batch(np.array([values]), seats, method, min_seats=lo, max_seats=hi)
    assert got[0].tolist() == list(a.seats.values())


def test_degressive_limits_6_to_96() -> None:
    # The European Parliament's bounds (TEU art. 14(2): at least 6, at most 96 per member
    # state) on four made-up populations, 150 seats, Sainte-Laguë: the largest is capped at
    # 96, the smallest raised to 6, and the rest shared by the method.  Worked by hand:
    # without bounds 100 / 40 / 8 / 2 (quotients 1e6 / 2·10^4 …); with them the giant keeps
    # 96, the two smallest hold 6 each from the start, and the other takes what is left.
    votes = {"Giant": 84_000_000, "Mid": 33_000_000, "Small": 6_500_000, "Tiny": 500_000}
    free = allocate(votes, 150, "sainte-lague").seats
    assert free["Giant"] > 96 and free["Tiny"] < 6
    a = allocate(votes, 150, "sainte-lague", min_seats=6, caps=dict.fromkeys(votes, 96))
    assert a.seats["Giant"] == 96 and a.seats["Tiny"] == 6
    assert sum(a.seats.values()) == 150
    assert a.seats == _bounded_reference(votes, 150, "sainte-lague", 6, 96)


CAMCOM = Path(__file__).parent / "data" / "ep-cambridge-compromise" / "eu-2012.toml"
CAMCOM_LAW = """
[law]
name = "ep-cambridge-compromise"
title = "European Parliament, Cambridge Compromise"
[[tiers]]
seats = 751
method = "adams"
base_seats = 5
max_seats_per_party = 96
"""


@pytest.mark.parametrize("column", ["seats_eu28", "seats_eu27"])
def test_cambridge_compromise_reproduces_the_published_table(column: str) -> None:
    # A published 6–96 allocation computed by a formula: 5 base seats per member state, the
    # rest by Adams (rounding upwards), at most 96 in all.  Populations and seats are Table 1
    # of "The European Parliament after Brexit" (epSBS 2016), columns E (28 states) and F
    # (27, without the UK); sources in tests/data/ep-cambridge-compromise/README.md.
    import tomllib

    data = tomllib.loads(CAMCOM.read_text(encoding="utf-8"))
    want: dict[str, int] = data[column]
    votes = {p: data["population"][p] for p in want}
    law = saylau.law.parse_law(CAMCOM_LAW)
    assert saylau.law.parse_law(law.to_toml()).tiers == law.tiers
    assert law.allocate(votes).seats == want
    a = allocate(votes, 751, "adams", base_seats=5, caps=dict.fromkeys(votes, 96))
    assert a.seats == want and a.house_size == 751
    assert [s.seats for s in a.steps if s.kind == "base"] == [5] * len(votes)
    # Base seats are not a minimum: Adams clamped to [6, 96] is another allocation.
    assert allocate(votes, 751, "adams", min_seats=6, caps=dict.fromkeys(votes, 96)).seats != want


@pytest.mark.parametrize("method", ["adams", "dhondt", "sainte-lague", "huntington-hill"])
@settings(max_examples=40, deadline=None)
@given(
    pop=st.lists(st.integers(1, 10**6), min_size=1, max_size=7),
    base=st.integers(1, 3),
    extra=st.integers(1, 12),
    room=st.integers(0, 6),
)
def test_base_seats_are_the_method_on_the_rest(
    method: str, pop: list[int], base: int, extra: int, room: int
) -> None:
    votes = {f"P{i}": v for i, v in enumerate(pop)}
    seats = base * len(votes) + extra
    hi = base + room
    assume(hi * len(votes) >= seats)
    got = allocate(
        votes,
        seats,
        method,
        base_seats=base,
        caps=dict.fromkeys(votes, hi),
        tie_break=("votes", "order"),
    ).seats
    assert got == _bounded_reference(votes, seats, method, base, hi, base=True)
    assert sum(got.values()) == seats and all(base <= s <= hi for s in got.values())
    # Without a cap, base seats plus the method's share of the rest.
    share = allocate(votes, extra, method, tie_break=("votes", "order")).seats
    free = allocate(votes, seats, method, base_seats=base, tie_break=("votes", "order")).seats
    assert free == {p: base + share[p] for p in votes}


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(st.lists(st.integers(1, 10**6), min_size=4, max_size=4), min_size=1, max_size=4),
    method=st.sampled_from(["adams", "dhondt", "sainte-lague", "balinski-young-quota", "hare"]),
)
def test_batch_base_seats_agree_with_allocate(rows: list[list[int]], method: str) -> None:
    got = saylau.allocate_batch(np.array(rows), 20, method, base_seats=2, max_seats=8)
    for row, out in zip(rows, got.tolist(), strict=True):
        votes = {str(j): v for j, v in enumerate(row)}
        want = allocate(votes, 20, method, base_seats=2, caps=dict.fromkeys(votes, 8)).seats
        assert out == [want[str(j)] for j in range(len(row))]


def test_base_seat_problems_are_named() -> None:
    with pytest.raises(saylau.errors.InputError, match="cannot be combined with min_seats"):
        allocate({"A": 5, "B": 3}, 10, "adams", base_seats=1, min_seats=2)
    with pytest.raises(
        saylau.errors.InputError, match=re.escape("holds 3 base seat(s) but may hold at most 2")
    ):
        allocate({"A": 5, "B": 3}, 10, "adams", base_seats=3, caps={"A": 2})
    with pytest.raises(saylau.errors.InputError, match="leave none of the 10 seats"):
        allocate({"A": 5, "B": 3}, 10, "adams", base_seats=5)
    with pytest.raises(saylau.errors.InputError, match="base_seats: 3 is more than max_seats 2"):
        saylau.allocate_batch(np.array([[5, 3]]), 10, "adams", base_seats=3, max_seats=2)
    with pytest.raises(saylau.errors.InputError, match="caps, alliances, consolation"):
        allocate({"A": 5}, 0, "fixed-quota", votes_per_seat=2, base_seats=1)
    with pytest.raises(
        saylau.errors.LawError, match="base_seats' is 5, more than max_seats_per_party 3"
    ):
        saylau.law.parse_law(
            '[law]\nname = "x"\n[[tiers]]\nseats = 10\nmethod = "adams"\n'
            "base_seats = 5\nmax_seats_per_party = 3\n"
        )


def test_minimum_problems_are_named() -> None:
    with pytest.raises(saylau.errors.InputError, match="minimums add up to 12 seats"):
        allocate({"A": 5, "B": 3, "C": 1}, 10, "dhondt", min_seats=4)
    with pytest.raises(
        saylau.errors.InputError, match=re.escape("at least 4 seat(s) but at most 2")
    ):
        allocate({"A": 5, "B": 3}, 10, "dhondt", min_seats=4, caps={"A": 2})
    with pytest.raises(
        saylau.errors.LawError, match="min_seats' is 5, more than max_seats_per_party 3"
    ):
        saylau.law.parse_law(
            '[law]\nname = "x"\n[[tiers]]\nseats = 10\nmethod = "dhondt"\n'
            "min_seats = 5\nmax_seats_per_party = 3\n"
        )


def test_largest_remainder_methods_refuse_a_minimum() -> None:
    with pytest.raises(saylau.errors.InputError, match="'hare' is a largest-remainder method"):
        allocate({"A": 5, "B": 3}, 10, "hare", min_seats=1)


def test_minimum_per_list_from_a_mapping() -> None:
    a = allocate({"A": 1000, "B": 10, "C": 5}, 10, "dhondt", min_seats={"C": 2})
    assert a.seats == {"A": 8, "B": 0, "C": 2}
    assert [s.kind for s in a.steps][:2] == ["threshold", "minimum"]


# --------------------------------------------------------------------------- Georgia


GE2024 = {
    "Georgian Dream": 1_120_140,
    "Coalition for Change": 229_161,
    "Unity – National Movement": 211_120,
    "Strong Georgia": 182_949,
    "For Georgia": 161_336,
}


def test_georgia_leftover_seats_go_to_the_largest_lists() -> None:
    # tests/data/official/ge-parliament-2024.toml: whole parts 88/18/16/14/12 = 148; the two
    # seats left go to the two lists with the most votes, not to the largest remainders.
    a = allocate(GE2024, 150, "hare-largest-lists")
    assert list(a.seats.values()) == [89, 19, 16, 14, 12]
    left = [s for s in a.steps if s.kind == "remainder"]
    assert [(s.party, s.value) for s in left] == [
        ("Georgian Dream", 1_120_140),
        ("Coalition for Change", 229_161),
    ]
    assert list(allocate(GE2024, 150, "hare").seats.values()) == [88, 18, 17, 14, 13]


def test_largest_lists_tie_is_reported() -> None:
    a = allocate({"A": 10, "B": 10, "C": 4}, 2, "largest-lists")
    # Quota 12: no whole quota; both seats go to A and B by votes (C has fewer).
    assert a.seats == {"A": 1, "B": 1, "C": 0}
    b = allocate({"A": 10, "B": 10, "C": 4}, 1, "largest-lists")
    assert b.seats == {"A": 1, "B": 0, "C": 0}
    assert b.ties[0].parties == ("A", "B") and b.ties[0].value == 10
