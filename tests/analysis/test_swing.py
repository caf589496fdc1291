"""The comparison with the previous election (saylau.analysis.swing, .previous).

Real values: the Majilis elections of 2016 and 2021, official national figures (CEC of
Kazakhstan: 2016 in saylau/data/kz-2016/official.toml, 2021 in
saylau/data/kz-2021/official.toml, with their sources).  The CEC's published
percentages: 2016 Nur Otan 82.20, Ak Zhol 7.18, Auyl 2.01, CPPK 7.14, OSDP 1.18,
Birlik 0.29; 2021 Nur Otan 71.09, Ak Zhol 10.95, People's Party 9.10, Auyl 5.29,
Adal 3.57; seats 2016 84/7/7, 2021 76/12/10; turnout 77.12% and 63.25%.
"""

from __future__ import annotations

import tomllib
from fractions import Fraction
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saylau.analysis.previous import declarations, official, party_ids
from saylau.analysis.swing import Outcome, PartyIds, compare, points
from saylau.errors import InputError


def outcome_2021() -> Outcome:
    text = (resources.files("saylau") / "data" / "kz-2021" / "official.toml").read_text("utf-8")
    d = tomllib.loads(text)
    votes = {k: int(v) for k, v in d["votes"].items()}
    seats = {"Nur Otan": 76, "Ak Zhol": 12, "People's Party of Kazakhstan": 10}
    return Outcome(
        "2021",
        votes,
        seats,
        valid=sum(votes.values()),
        registered=d["registered"],
        voted=d["voted"],
    )


def test_2016_official_figures_match_the_cec_percentages() -> None:
    prev = official("kz-2016/official.toml")
    published = {
        "Nur Otan": 82.20,
        "Ak Zhol": 7.18,
        "Auyl": 2.01,
        "Communist People's Party of Kazakhstan": 7.14,
        "OSDP": 1.18,
        "Birlik": 0.29,
    }
    assert prev.base() == sum(prev.votes.values()) == 7_522_868
    for party, pct in published.items():
        assert points(Fraction(100 * prev.votes[party], prev.base())) == pct, party
    turnout = prev.turnout()
    assert turnout is not None and points(100 * turnout) == 77.12
    assert prev.seats == {
        "Nur Otan": 84,
        "Ak Zhol": 7,
        "Auyl": 0,
        "Communist People's Party of Kazakhstan": 7,
        "OSDP": 0,
        "Birlik": 0,
    }


def test_majilis_2021_against_2016() -> None:
    decl = declarations()["kz-majilis-2021"]
    assert decl.law == "kz-majilis-2016"
    assert decl.official is not None
    result = compare(outcome_2021(), official(decl.official), party_ids(decl.parties))
    rows = {r.id: r for r in result.parties}
    assert list(rows) == ["nur-otan", "ak-zhol", "peoples-party", "auyl", "adal", "osdp"]
    nur = rows["nur-otan"]
    assert nur.swing == 100 * (Fraction(5_148_074, 7_241_562) - Fraction(6_183_757, 7_522_868))
    assert nur.to_dict()["swing_pp"] == -11.11  # 71.09 - 82.20
    assert (nur.vote_change, nur.seat_change) == (5_148_074 - 6_183_757, -8)
    # 10.9483% - 7.1835% = 3.7648 pp: 3.76, not 10.95 - 7.18 (rounded before subtracting).
    assert rows["ak-zhol"].to_dict()["swing_pp"] == 3.76
    assert rows["ak-zhol"].seat_change == 5
    # The renamed parties are compared with their former selves, and say so.
    ppk = rows["peoples-party"]
    assert ppk.renamed and ppk.previous_name == "Communist People's Party of Kazakhstan"
    assert ppk.to_dict()["swing_pp"] == 1.96  # 9.1005% - 7.1399%
    assert ppk.seat_change == 3
    assert rows["adal"].previous_name == "Birlik"
    assert rows["adal"].to_dict()["swing_pp"] == 3.29  # 3.5713% - 0.2856%
    assert rows["auyl"].to_dict()["swing_pp"] == 3.28  # 5.2892% - 2.0110%
    # OSDP did not stand in 2021: its figures then, none now, no swing.
    osdp = rows["osdp"]
    assert (osdp.name, osdp.votes, osdp.swing, osdp.previous_votes) == (None, None, None, 88_813)
    assert result.to_dict()["turnout_change_pp"] == -13.87  # 63.25 - 77.12
    assert result.regions == ()


def test_unknown_names_are_their_own_party_and_a_name_twice_is_refused() -> None:
    ids = PartyIds({"a": ("A", "A2")})
    assert ids.id_of("B") == "B"
    with pytest.raises(InputError, match="'A2' is given to both"):
        PartyIds({"a": ("A", "A2"), "b": ("A2",)})
    with pytest.raises(InputError, match="both party 'a'"):
        compare(Outcome("now", {"A": 1, "A2": 2}), Outcome("then", {"A": 1}), ids)


def test_regions_compare_by_division_id() -> None:
    ids = PartyIds({})
    now = Outcome("now", {"X": 3, "Y": 1}, regions={"r1": ("R1", {"X": 3, "Y": 1})})
    then = Outcome(
        "then",
        {"X": 1, "Y": 1},
        regions={"r1": ("R1", {"X": 1, "Y": 1}), "r2": ("R2", {"X": 1})},
    )
    result = compare(now, then, ids)
    assert [r.id for r in result.regions] == ["r1"]
    assert result.regions[0].swing == {"X": Fraction(25), "Y": Fraction(-25)}
    assert result.parties[0].seats is None  # no seats given: none shown


votes = st.dictionaries(st.sampled_from("ABCDE"), st.integers(1, 10**7), min_size=1)


@given(votes, votes)
def test_swings_sum_to_zero_when_the_same_parties_stand(
    now: dict[str, int], then: dict[str, int]
) -> None:
    then = {p: then.get(p, 1) for p in now}
    result = compare(Outcome("now", now), Outcome("then", then), PartyIds({}))
    assert sum(r.swing for r in result.parties if r.swing is not None) == 0
    back = compare(Outcome("then", then), Outcome("now", now), PartyIds({}))
    assert {r.id: -r.swing for r in result.parties if r.swing is not None} == {  # type: ignore[operator]
        r.id: r.swing for r in back.parties
    }
