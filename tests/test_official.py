"""Official results reproduced by the bundled law presets.

Each file in tests/data/official/ holds one election's official votes and seats,
with its source in the file's header comment (see docs/official-results.md).
"""

from __future__ import annotations

import dataclasses
import tomllib
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import saylau
from saylau.core import allocate

OFFICIAL_DIR = Path(__file__).parent / "data" / "official"
OFFICIAL = sorted(OFFICIAL_DIR.glob("*.toml"))


def test_the_glob_finds_every_official_election() -> None:
    # A moved folder or a renamed suffix would otherwise leave the parametrized test empty.
    assert len(OFFICIAL) == 20


def _load(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", OFFICIAL, ids=[p.stem for p in OFFICIAL])
def test_preset_reproduces_official_seats(path: Path) -> None:
    data = _load(path)
    election, totals = data["election"], data.get("totals", {})
    law = saylau.load_law(election["law"])
    if law.list_tier.regional_threshold is not None and "regions" not in data:
        # The file has no votes per region: check the national rules only.
        tier = dataclasses.replace(law.list_tier, regional_threshold=None)
        law = dataclasses.replace(
            law, tiers=(tier, *[t for t in law.tiers if t is not law.list_tier])
        )
    votes = data["votes"]
    itemised = sum(votes.values())
    # Where small lists are not itemised, the base is the published valid total.
    base = totals.get("valid") if totals.get("valid", itemised) > itemised else None
    if base is not None and law.list_tier.threshold_base == "cast":
        base += totals.get("invalid", 0)
    result = law.allocate(
        votes,
        against_all=totals.get("against_all", 0),
        invalid=totals.get("invalid", 0),
        base_total=base,
        # Optional tables: surplus-vote agreements (list -> pair), coalition sizes,
        # lists exempt from the threshold and national-minority lists.
        alliances=data.get("alliances"),
        members=data.get("members"),
        exempt=data.get("exempt", ()),
        minority=data.get("minority", ()),
    )
    assert result.seats == data["seats"]
    assert sum(result.seats.values()) == election["seats"] == law.list_tier.seats


@pytest.mark.parametrize("path", OFFICIAL, ids=[p.stem for p in OFFICIAL])
def test_file_rule_matches_preset(path: Path) -> None:
    """The method, seats and threshold stated in each file are the preset's."""
    election = _load(path)["election"]
    tier = saylau.load_law(election["law"]).list_tier
    assert saylau.get_method(election["method"]).name == tier.method
    assert election["seats"] == tier.seats
    assert saylau.core.to_fraction(election["threshold"]) == tier.threshold


def test_kazakhstan_2021_with_assembly_seats() -> None:
    # CEC of Kazakhstan, final results of 15 January 2021: Nur Otan 76, Ak Zhol 12,
    # People's Party of Kazakhstan 10 list seats, plus 9 deputies elected by the
    # Assembly of People of Kazakhstan: 107.
    law = saylau.load_law("kz-majilis-2021")
    votes = {
        "Nur Otan": 5148074,
        "Ak Zhol": 792828,
        "People's Party of Kazakhstan": 659019,
        "Auyl": 383023,
        "Adal": 258618,
    }
    result = law.allocate(votes)
    assert result.seats == {
        "Nur Otan": 76,
        "Ak Zhol": 12,
        "People's Party of Kazakhstan": 10,
        "Auyl": 0,
        "Adal": 0,
    }
    assert result.total_seats == 107
    assembly = [t for t in result.tiers if t.kind == "indirect"]
    assert [(t.seats, t.elected_by) for t in assembly] == [(9, "Assembly of People of Kazakhstan")]
    a = result.allocation
    assert a.quota == Fraction(5148074 + 792828 + 659019, 98)
    assert a.threshold.passed == {
        "Nur Otan": True,
        "Ak Zhol": True,
        "People's Party of Kazakhstan": True,
        "Auyl": False,
        "Adal": False,
    }
    # Seats 97 and 98 go to the largest remainders: People's Party, then Ak Zhol.
    remainder_steps = [(s.seat_number, s.party) for s in a.steps if s.kind == "remainder"]
    assert remainder_steps == [(97, "People's Party of Kazakhstan"), (98, "Ak Zhol")]


def test_kazakhstan_2007_single_party_takes_all() -> None:
    # 2007: only Nur Otan passed 7% and took all 98 list seats (the runner-up rule came in 2009).
    data = _load(Path(__file__).parent / "data" / "official" / "kz-majilis-2007.toml")
    result = saylau.load_law("kz-majilis-2007").allocate(data["votes"])
    assert sorted(result.seats.values())[-1] == 98
    # Under the 2009 rule the runner-up would have been admitted.
    later = saylau.load_law("kz-majilis-2012").allocate(data["votes"])
    assert sum(1 for s in later.seats.values() if s) == 2


def test_russia_2021_minimum_combined_share_not_triggered() -> None:
    data = _load(Path(__file__).parent / "data" / "official" / "ru-duma-2021.toml")
    totals = data["totals"]
    result = saylau.load_law("ru-duma-2021").allocate(data["votes"], invalid=totals["invalid"])
    a = result.allocation
    assert a.threshold.base == totals["valid"] + totals["invalid"] == 56329690
    assert not any(s.kind == "admit" for s in a.steps)


def test_alliance_allocate_equals_direct_for_single_lists() -> None:
    votes = {"A": 1000, "B": 600, "C": 300}
    assert allocate(votes, 10, "dhondt", alliances={}).seats == allocate(votes, 10, "dhondt").seats


def test_sweden_2022_first_divisor_and_last_seat() -> None:
    data = _load(OFFICIAL_DIR / "se-riksdag-2022.toml")
    result = saylau.load_law("se-riksdag-2022").allocate(data["votes"])
    # Vallag 14 kap. 3 §: first divisor 1.2 (0.6 on the half scale), then 3, 5, ...
    spec = saylau.get_method(result.allocation.method)
    assert spec.divisor is not None
    assert [spec.divisor(s) * 2 for s in range(3)] == [Fraction(6, 5), 3, 5]
    # The 349th and last seat goes to the Liberals (their 16th).
    last = [s for s in result.allocation.steps if s.seat_number == 349]
    assert [s.party for s in last] == ["Liberalerna"]


def test_israel_2022_surplus_agreements_decide_two_seats() -> None:
    data = _load(OFFICIAL_DIR / "il-knesset-2022.toml")
    law = saylau.load_law("il-knesset-2022")
    base = data["totals"]["valid"]
    plain = law.allocate(data["votes"], base_total=base)
    # Without agreements D'Hondt gives the 120th seat to Labor, not Likud.
    assert (plain.seats["Likud"], plain.seats["Labor"]) == (31, 5)
    with_pairs = law.allocate(data["votes"], base_total=base, alliances=data["alliances"])
    assert (with_pairs.seats["Likud"], with_pairs.seats["Labor"]) == (32, 4)
    # The Likud + Religious Zionism pair alone is enough for the official result.
    likud_rz = {p: a for p, a in data["alliances"].items() if a == "Likud + Religious Zionism"}
    assert law.allocate(data["votes"], base_total=base, alliances=likud_rz).seats == data["seats"]
    # 3.25% of 4,764,742 valid votes = 154,854.1: the smallest seated list, Labor, passes.
    a = with_pairs.allocation
    assert a.threshold.base == 4764742
    assert all(a.threshold.passed.values())


def test_slovakia_2023_republic_electoral_number() -> None:
    data = _load(OFFICIAL_DIR / "sk-narodna-rada-2023.toml")
    law = saylau.load_law("sk-narodna-rada-2023")
    result = law.allocate(
        data["votes"], base_total=data["totals"]["valid"], members=data["members"]
    )
    a = result.allocation
    # 2,471,860 valid votes of the passing subjects / 151 = 16,369.93 -> 16,370.
    assert sum(data["votes"].values()) == 2471860
    assert a.quota == 16370
    remainder_steps = [(s.seat_number, s.party) for s in a.steps if s.kind == "remainder"]
    assert remainder_steps == [(149, "HLAS-SD"), (150, "SMER-SD")]
    # The three-party coalition needed 7%, not 5%: 7% of 2,967,896 = 207,752.72 votes.
    lower = dict(data["votes"], **{"OĽANO A PRIATELIA": 207752})
    failed = law.allocate(lower, base_total=data["totals"]["valid"], members=data["members"])
    assert failed.seats["OĽANO A PRIATELIA"] == 0
    alone = law.allocate(lower, base_total=data["totals"]["valid"])
    assert alone.seats["OĽANO A PRIATELIA"] > 0


def test_serbia_2023_minority_quotients_times_1_35() -> None:
    data = _load(OFFICIAL_DIR / "rs-narodna-skupstina-2023.toml")
    law = saylau.load_law("rs-narodna-skupstina-2023")
    totals = data["totals"]
    base = totals["valid"] + totals["invalid"]
    minority = data["minority"]
    with_bonus = law.allocate(
        data["votes"],
        invalid=totals["invalid"],
        base_total=base,
        exempt=minority,
        minority=minority,
    )
    assert with_bonus.seats == data["seats"]
    # Exempt but without the 35%: the minority lists would hold 7 seats instead of 12.
    plain = law.allocate(data["votes"], invalid=totals["invalid"], base_total=base, exempt=minority)
    assert sum(plain.seats[p] for p in minority) == 7
    assert sum(with_bonus.seats[p] for p in minority) == 12
    assert plain.seats["Aleksandar Vučić – Srbija ne sme da stane"] == 132
    # Neither exempt nor boosted: all five minority lists are under 3% and get nothing.
    none = law.allocate(data["votes"], invalid=totals["invalid"], base_total=base)
    assert all(none.seats[p] == 0 for p in minority)


US_HOUSE_WEBSTER = ["us-house-1910", "us-house-1930"]


@pytest.mark.parametrize("name", US_HOUSE_WEBSTER)
def test_us_populations_match_the_census_average_per_representative(name: str) -> None:
    """The apportionment populations are the Census Bureau's: population / seats rounds to its
    published average apportionment population per representative, state by state."""
    data = _load(OFFICIAL_DIR / f"{name}.toml")
    votes, seats, average = data["votes"], data["seats"], data["average_per_seat"]
    assert list(votes) == list(seats) == list(average)
    for state, population in votes.items():
        assert abs(Fraction(population, seats[state]) - average[state]) <= Fraction(1, 2), state
    # A one-seat state's average is its population itself.
    assert all(votes[s] == average[s] for s in votes if seats[s] == 1)


def test_us_1910_totals() -> None:
    data = _load(OFFICIAL_DIR / "us-house-1910.toml")
    # Census Bureau, apportionment table, Nation 1910: 433 seats, 210,328 per representative.
    assert (len(data["votes"]), sum(data["seats"].values())) == (46, 433)
    assert sum(data["votes"].values()) == 91072117
    assert round(Fraction(91072117, 433)) == 210328


def test_us_1930_webster_with_one_seat_per_state() -> None:
    data = _load(OFFICIAL_DIR / "us-house-1930.toml")
    votes = data["votes"]
    assert (len(votes), sum(data["seats"].values())) == (48, 435)
    # 1930 apportionment population 122,093,455 (Census Bureau: 280,675 per representative).
    assert sum(votes.values()) == 122093455
    assert round(Fraction(122093455, 435)) == 280675
    law = saylau.load_law("us-house-1930")
    assert law.list_tier.min_seats == 1
    seats = law.allocate(votes).seats
    assert seats == data["seats"]
    assert (seats["New York"], seats["California"], seats["Nevada"]) == (45, 20, 1)
    # Plain Webster: Nevada (86,390, a quotient under one half) gets nothing, Wisconsin 11.
    plain = allocate(votes, 435, "sainte-lague").seats
    assert {s: n for s, n in plain.items() if n != data["seats"][s]} == {
        "Nevada": 0,
        "Wisconsin": 11,
    }


def test_us_1930_needs_indians_not_taxed_excluded() -> None:
    # The same rule on the resident populations (Indians not taxed counted) moves four seats:
    # Arizona and New Mexico would have two each, Indiana and Louisiana one fewer.
    data = _load(OFFICIAL_DIR / "us-house-1930.toml")
    resident = data["resident"]
    # The 48 states; with the District of Columbia (486,869) the 1930 total of 122,775,046.
    assert sum(resident.values()) == 122775046 - 486869
    assert all(resident[s] >= data["votes"][s] for s in resident)
    seats = saylau.load_law("us-house-1930").allocate(resident).seats
    assert {s: n for s, n in seats.items() if n != data["seats"][s]} == {
        "Arizona": 2,
        "Indiana": 11,
        "Louisiana": 7,
        "New Mexico": 2,
    }
