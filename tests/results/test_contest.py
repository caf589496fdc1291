"""``ContestResult``: the real law result with every tier, and the shared parts."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from saylau import load_law
from saylau.results import ContestResult, DivisionInfo, Totals, outcome

# Majilis 2021, CEC of Kazakhstan final results (tests/data/official/kz-majilis-2021.toml):
# Nur Otan 76, Ak Zhol 12, People's Party 10 of the 98 list seats; 9 more deputies are
# elected by the Assembly of People of Kazakhstan: 107 in all.
KZ = {
    "Nur Otan": 5_148_074,
    "Ak Zhol": 792_828,
    "People's Party of Kazakhstan": 659_019,
    "Auyl": 383_023,
    "Adal": 258_618,
}
ROOT = DivisionInfo("majilis", "KZ", "Kazakhstan", "country", None)


def kz_result(votes: dict[str, int] = KZ) -> ContestResult:
    law = load_law("kz-majilis-2021")
    totals = Totals(valid=sum(votes.values()), votes=dict(votes))
    return ContestResult(
        "majilis", ROOT, totals, "final", "2021-01-12", 1, law.allocate(votes, invalid=297_718)
    )


def test_every_tier_is_in_the_result() -> None:
    r = kz_result()
    assert r.party_seats == {
        "Nur Otan": 76,
        "Ak Zhol": 12,
        "People's Party of Kazakhstan": 10,
        "Auyl": 0,
        "Adal": 0,
    }
    assert r.seats == {**r.party_seats, "assembly": 9}
    assert r.seats_total == 107
    (assembly,) = r.reserved
    assert (assembly.name, assembly.seats) == ("assembly", 9)
    assert "Assembly of People of Kazakhstan" in assembly.title
    assert r.allocation is not None and r.allocation.method == "hare"
    # Hare quota over the three lists that passed 7 %: 6,599,921 votes / 98 seats.
    assert str(r.allocation.quota) == "6599921/98"


def test_outcome_is_the_shape_every_document_shares() -> None:
    r = kz_result()
    doc = outcome(r.totals, r.law_result)
    assert list(doc) == ["totals", "votes", "seats", "tiers", "allocation"]
    assert doc["seats"] == r.party_seats and doc["votes"] == KZ
    assert [(t["name"], t["seats"]) for t in doc["tiers"]] == [("party-list", 98), ("assembly", 9)]
    assert doc["allocation"]["quota"]["exact"] == "6599921/98"
    assert r.to_dict()["seats"] == doc["seats"]


def test_below_the_root_and_before_any_vote_there_are_no_seats() -> None:
    empty = ContestResult("majilis", ROOT, Totals(votes=dict.fromkeys(KZ, 0)), "preliminary", "", 0)
    assert empty.seats is None and empty.seats_total == 0 and empty.reserved == ()
    doc = outcome(empty.totals, None)
    assert (doc["seats"], doc["tiers"], doc["allocation"]) == ({}, [], None)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**7), min_size=5, max_size=5))
def test_seats_add_up_to_the_chamber(counts: list[int]) -> None:
    assume(any(counts))
    r = kz_result(dict(zip(KZ, counts, strict=True)))
    doc = outcome(r.totals, r.law_result)
    assert r.seats_total == sum(doc["seats"].values()) + 9
    assert sum(t["seats"] for t in doc["tiers"]) == 107
    assert doc["seats"] == r.party_seats and set(doc["seats"]) == set(KZ)
