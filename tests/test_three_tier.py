"""A fixed quota in three tiers (saylau.three_tier): the Weimar Reichstag's rule.

Data and sources: tests/data/weimar/README.md.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import saylau
from saylau.cli import main
from saylau.errors import InputError, LawError
from saylau.law import parse_law
from saylau.three_tier import (
    NATIONAL_CAPS,
    NationalCap,
    ThreeTier,
    allocate_three_tier,
    national_seats,
)

DATA = Path(__file__).parent / "data" / "weimar"
LAW = DATA / "de-reichstag-law.toml"
SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
Q = 60_000

UNIONS = {"U1": ["A1", "A2", "A3"], "U2": ["B1"]}
EXAMPLE = {
    "P": {"A1": 130_000, "A2": 115_000, "A3": 0, "B1": 50_000},
    "S": {"A1": 28_000, "A2": 29_000, "A3": 25_000, "B1": 0},
}


def test_worked_example() -> None:
    t = allocate_three_tier(
        EXAMPLE, UNIONS, votes_per_seat=Q, union_min_votes=30_000, remainder_over=30_000
    )
    # P: A1 130,000 = 2 seats + 10,000; A2 115,000 = 1 + 55,000. Union U1 pools 65,000: one seat,
    # 5,000 left; U2 pools B1's 50,000: no seat. Nationally 55,000 = 0 quotas, and 55,000 is more
    # than 30,000: one seat, within the cap of the 4 won below. 2 + 1 + 1 + 1 = 5.
    assert t.constituency["P"] == {"A1": 2, "A2": 1, "A3": 0, "B1": 0}
    assert t.union_pool["P"] == {"U1": 65_000, "U2": 50_000}
    assert t.union["P"] == {"U1": 1, "U2": 0}
    assert t.national_pool["P"] == 55_000
    assert t.national["P"] == 1
    # S: no list reached 30,000 in U1, so its 82,000 go unpooled to the national list: one quota,
    # but S won nothing below, and the cap allows no national seat.
    assert t.union_took_part["S"] == {"U1": False, "U2": False}
    assert (t.national_pool["S"], t.national_uncapped["S"], t.national["S"]) == (82_000, 1, 0)
    assert t.seats == {"P": 5, "S": 0}
    assert t.allocation.house_size == 5
    assert [s.kind for s in t.allocation.steps if s.party == "S"] == ["remainder", "cap"]


def test_the_union_minimum_and_the_cap_are_what_keep_the_small_list_out() -> None:
    # Without the union minimum, S pools 82,000 in U1: one union seat; 22,000 are left over.
    t = allocate_three_tier(EXAMPLE, UNIONS, votes_per_seat=Q, remainder_over=30_000)
    assert (t.union["S"]["U1"], t.national_pool["S"], t.seats["S"]) == (1, 22_000, 1)
    # Without the cap, its 82,000 pooled nationally are one seat.
    t = allocate_three_tier(
        EXAMPLE,
        UNIONS,
        votes_per_seat=Q,
        union_min_votes=30_000,
        remainder_over=30_000,
        national_cap="none",
    )
    assert t.seats["S"] == 1


def test_national_seats() -> None:
    assert national_seats(572_979, Q, 30_000, None) == 10  # 9 quotas + 32,979 > 30,000
    assert national_seats(90_000, Q, 30_000, None) == 1  # a remainder of exactly 30,000: no seat
    assert national_seats(90_001, Q, 30_000, None) == 2
    assert national_seats(450_127, Q, 30_000, 6) == 6
    assert national_seats(450_127, Q, None, None) == 7


REICHSTAG_1928 = DATA / "de-reichstag-1928.toml"


def test_reichstag_1928_reich_list_tier() -> None:
    """The 75 Reich-list seats of 20 May 1928, list by list, from the votes and the seats below.

    Every vote not used in a Wahlkreis or Wahlkreisverband goes up to the Reich list, and a seat
    below uses exactly 60,000 votes, so a Reich list's pool is its votes less 60,000 per seat won
    below; one seat per 60,000 of it, one more for a remainder over 30,000, at most as many as
    won below. The published Reich-list seats (wahlen-in-deutschland.de) follow for all eleven.
    """
    data = tomllib.loads(REICHSTAG_1928.read_text(encoding="utf-8"))
    lists = data["reich_lists"]
    got, uncapped = {}, {}
    for name, row in lists.items():
        below = row["seats"] - row["reich"]
        pool = row["votes"] - Q * below
        assert pool >= 0, name
        got[name] = national_seats(pool, Q, 30_000, below)
        uncapped[name] = national_seats(pool, Q, 30_000, None)
    assert got == {name: row["reich"] for name, row in lists.items()}
    assert sum(got.values()) == 75
    # The cap bit twice: the NSDAP (6 below) and the Volksrechtpartei (1 below).
    nsdap = "Nationalsozialistische Deutsche Arbeiterpartei (Hitler-Bewegung)"
    vrp = "Volksrechtpartei (Reichspartei für Volksrecht und Aufwertung)"
    assert {n: uncapped[n] for n in got if uncapped[n] != got[n]} == {nsdap: 8, vrp: 7}
    # SPD: 9,152,979 − 143 × 60,000 = 572,979 = 9 quotas + 32,979, over 30,000: 10.
    assert lists["Sozialdemokratische Partei Deutschlands"]["votes"] - 143 * Q == 572_979
    # With the Landbund's 3 and the Sächsisches Landvolk's 2 (all won below): 491 seats.
    assert sum(row["seats"] for row in lists.values()) + 3 + 2 == data["election"]["seats"]
    # The joint Zentrum + BVP list is the sum of the two published lists.
    z = data["not_reproduced"]["Deutsche Zentrumspartei"]
    bvp = data["not_reproduced"]["Bayerische Volkspartei"]
    joint = lists["Deutsche Zentrumspartei + Bayerische Volkspartei"]
    assert (joint["votes"], joint["seats"]) == (z[0] + bvp[0], z[1] + bvp[1])


def reich_tier(row: dict[str, int], cap: bool = True) -> int:
    """A Reich list's seats from its votes and the seats it won below (total − Reich list)."""
    below = row["seats"] - row["reich"]
    return national_seats(row["votes"] - Q * below, Q, 30_000, below if cap else None)


def test_reichstag_1930_reich_list_tier() -> None:
    """14 September 1930: the four largest Reich lists read in full agree, one by 160 votes."""
    data = tomllib.loads((DATA / "de-reichstag-1930.toml").read_text(encoding="utf-8"))
    lists = data["reich_lists"]
    assert {n: reich_tier(row) for n, row in lists.items()} == {
        n: row["reich"] for n, row in lists.items()
    }
    # KPD: 4,590,160 − 69 × 60,000 = 450,160 = 7 quotas + 30,160: over 30,000 by 160 votes.
    assert divmod(lists["Kommunistische Partei Deutschlands"]["votes"] - 69 * Q, Q) == (7, 30_160)
    # Not given: the DVP would get 7 of the published 9, the Zentrum 9 of 8 (README.md).
    rest = data["not_reproduced"]
    assert {n: reich_tier(row) for n, row in rest.items()} == {
        "Deutsche Volkspartei": 7,
        "Deutsche Zentrumspartei": 9,
    }


def test_reichstag_1930_wahlkreis_wuerttemberg() -> None:
    """The two lower tiers in one real Wahlkreis: Württemberg, 14 September 1930.

    A newspaper of the next day gives the votes, seats and deputies of eight lists and marks
    three seats as won with Baden's remainders (Wahlkreisverband XVI). The Wahlkreis tier of the
    law file gives every list's other seats; the three union seats are what the union tier needs
    for them: lists with 30,000 votes here, whose remainder here alone is not a quota.
    """
    data = tomllib.loads((DATA / "de-reichstag-1930-wk31.toml").read_text(encoding="utf-8"))
    election, lists = data["election"], data["lists"]
    wk, union = election["wahlkreis"], election["union"]
    assert election["cast"] - election["invalid"] == election["valid"]
    assert sum(row["votes"] for row in lists.values()) < election["valid"]
    # The OCR'd figures agree with wahlen-in-deutschland.de's shares to one decimal.
    for name, row in lists.items():
        if "percent" in row:
            assert round(100 * row["votes"] / election["valid"], 1) == row["percent"], name
    law = saylau.load_law(LAW)
    tier = law.list_tier
    assert union in dict(tier.unions) and wk in dict(tier.unions)[union]
    t = allocate_three_tier(
        {name: {wk: row["votes"]} for name, row in lists.items()},
        dict(tier.unions),
        votes_per_seat=Q,
        union_min_votes=tier.union_min_votes,
        remainder_over=tier.remainder_over,
    )
    # Tier 1: one seat per full 60,000 of the list's votes here, for all eight lists.
    assert {n: t.constituency[n][wk] for n in lists} == {
        n: row["seats"] - row["union"] for n, row in lists.items()
    }
    # Tier 2: the SPD (283,337 = 4 quotas + 43,337), the DNVP (55,206) and the Wirtschaftspartei
    # (39,188) each had 30,000 votes here, so took part in the union, and each was left with less
    # than a quota here: their union seat needed Baden's remainders, as the report says.
    helped = {n for n, row in lists.items() if row["union"]}
    assert len(helped) == 3
    for n in helped:
        assert t.union_took_part[n][union], n
        assert t.constituency_remainders[n][wk] < Q and t.union[n][union] == 0, n
    assert t.constituency_remainders["Sozialdemokratische Partei Deutschlands"][wk] == 43_337


def test_the_law_file_reads_and_round_trips() -> None:
    law = saylau.load_law(LAW)
    tier = law.list_tier
    assert (tier.scheme, tier.votes_per_seat, tier.remainder_over) == ("three-tier", Q, 30_000)
    assert tier.union_min_votes == 30_000 and tier.national_cap == "seats-below"
    assert len(tier.unions) == 16 and sum(len(r) for _u, r in tier.unions) == 35
    assert parse_law(law.to_toml()).list_tier == tier


def test_the_law_file_allocates_by_region() -> None:
    law = saylau.load_law(LAW)
    regions = {
        "SPD": {"Hamburg": 255_133, "Schleswig-Holstein": 100_000},
        "NSDAP": {"Hamburg": 17_761, "Schleswig-Holstein": 20_000},
    }
    result = law.allocate({p: sum(r.values()) for p, r in regions.items()}, regions=regions)
    # Hamburg 4 + 15,133; Schleswig-Holstein 1 + 40,000; the union pools 55,133: no seat; the
    # Reich list 55,133 > 30,000: one. The NSDAP reached 30,000 nowhere and won nothing below.
    assert result.seats == {"SPD": 6, "NSDAP": 0}
    tiers = result.allocation.extra["three_tier"]["tiers"]
    assert tiers["SPD"] == {"constituency": 5, "union": 0, "national": 1}
    with pytest.raises(InputError, match=re.escape("region 'Danzig' is in no union")):
        law.allocate({"SPD": 1}, regions={"SPD": {"Danzig": 1}})
    with pytest.raises(InputError, match="votes per region are needed"):
        law.allocate({"SPD": 1})


def test_cli_shows_the_seats_per_tier(tmp_path: Path) -> None:
    votes = tmp_path / "v.csv"
    votes.write_text(
        "party,region,votes\nSPD,Hamburg,255133\nSPD,Schleswig-Holstein,100000\n"
        "NSDAP,Hamburg,17761\n",
        encoding="utf-8",
    )
    args = ["seats", str(votes), "--law", str(LAW)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "Seats per party and tier" in result.stdout and "National list" in result.stdout
    result = CliRunner().invoke(main, [*args, "--json"])
    data = json.loads(result.stdout)
    assert data["seats"] == {"SPD": 6, "NSDAP": 0}
    assert data["allocation"]["extra"]["three_tier"]["national_pool"]["SPD"] == 55_133


BASE = """
[law]
title = "T"
[[tiers]]
method = "fixed-quota"
votes_per_seat = 60000
scheme = "three-tier"
unions = { U = ["A", "B"], V = ["C"] }
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            BASE.replace('unions = { U = ["A", "B"], V = ["C"] }\n', ""),
            "key 'tiers[0].unions' is missing",
        ),
        (BASE.replace('V = ["C"]', 'V = ["B"]'), "region 'B' is in both 'U' and 'V'"),
        (BASE.replace('V = ["C"]', "V = []"), "key 'tiers[0].unions' has invalid value"),
        (BASE + "union_min_votes = -1\n", "key 'tiers[0].union_min_votes' has invalid value -1"),
        (BASE + 'national_cap = "always"\n', "valid values: seats-below, none"),
        (
            BASE.replace(
                'method = "fixed-quota"\nvotes_per_seat = 60000', 'method = "hare"\nseats = 5'
            ),
            "'three-tier' needs method = 'fixed-quota'",
        ),
        (
            BASE.replace('scheme = "three-tier"\n', ""),
            "key 'tiers[0].unions' needs scheme = 'three-tier' (scheme is 'single')",
        ),
    ],
)
def test_law_file_problems(text: str, message: str) -> None:
    with pytest.raises(LawError, match=re.escape(message)):
        parse_law(text)


def test_bad_arguments_are_reported_together() -> None:
    with pytest.raises(InputError) as err:
        allocate_three_tier(
            {"P": {"A": -1, "Z": 5}},
            {"U": ["A"]},
            votes_per_seat=0,
            union_min_votes=-2,
            national_cap="always",  # type: ignore[arg-type]
        )
    text = str(err.value)
    for part in (
        "votes_per_seat: 0",
        "union_min_votes: -2",
        "national_cap: unknown value 'always'",
        "'P' in 'A' has -1",
        "region 'Z' is in no union",
    ):
        assert part in text


Election = tuple[dict[str, dict[str, int]], dict[str, list[str]]]
Rule = tuple[int, int | None, NationalCap]


@st.composite
def elections(draw: st.DrawFn) -> Election:
    regions = [f"r{j}" for j in range(draw(st.integers(1, 7)))]
    # A random partition of the regions into unions.
    labels = [draw(st.integers(0, len(regions) - 1)) for _ in regions]
    unions: dict[str, list[str]] = {}
    for r, label in zip(regions, labels, strict=True):
        unions.setdefault(f"u{label}", []).append(r)
    votes = {
        f"p{i}": {r: draw(st.integers(0, 400_000)) for r in regions}
        for i in range(draw(st.integers(1, 5)))
    }
    return votes, unions


rules: st.SearchStrategy[Rule] = st.tuples(
    st.sampled_from([0, 30_000, 59_999]),
    st.none() | st.sampled_from([0, 30_000, 59_999]),
    st.sampled_from(NATIONAL_CAPS),
)


@given(elections(), rules)
@SETTINGS
def test_every_vote_is_used_once(case: Election, rule: Rule) -> None:
    votes, unions = case
    least, over, cap = rule
    t = allocate_three_tier(
        votes,
        unions,
        votes_per_seat=Q,
        union_min_votes=least,
        remainder_over=over,
        national_cap=cap,
    )
    for p, per in votes.items():
        below = t.below(p)
        assert Q * below + t.national_pool[p] == sum(per.values())
        limit = below if cap == "seats-below" else None
        assert t.national[p] == national_seats(t.national_pool[p], Q, over, limit)
        assert t.seats[p] == below + t.national[p]
        for u, regs in unions.items():
            # A union seat only from pooled remainders, and only for a list that took part.
            assert t.union[p][u] == (t.union_pool[p][u] // Q if t.union_took_part[p][u] else 0)
            assert t.union_took_part[p][u] == any(per[r] >= max(least, 1) for r in regs)
    assert t.allocation.house_size == sum(t.seats.values())


@given(elections(), st.none() | st.sampled_from([0, 30_000, 59_999]))
@SETTINGS
def test_without_minimum_or_cap_it_is_the_fixed_quota_of_the_total(
    case: Election, over: int | None
) -> None:
    """Every remainder travels up: the three tiers give floor(V / q), plus one for V mod q > R."""
    votes, unions = case
    t = allocate_three_tier(
        votes, unions, votes_per_seat=Q, remainder_over=over, national_cap="none"
    )
    totals = {p: sum(r.values()) for p, r in votes.items()}
    single = saylau.allocate(totals, 0, "fixed-quota", votes_per_seat=Q, remainder_over=over)
    assert t.seats == single.seats


@given(elections(), rules, st.integers(0, 200_000), st.data())
@SETTINGS
def test_more_votes_never_cost_a_seat(
    case: Election, rule: Rule, extra: int, data: st.DataObject
) -> None:
    votes, unions = case
    least, over, cap = rule
    p = data.draw(st.sampled_from(sorted(votes)))
    r = data.draw(st.sampled_from(sorted(votes[p])))

    def run(v: dict[str, dict[str, int]]) -> ThreeTier:
        return allocate_three_tier(
            v,
            unions,
            votes_per_seat=Q,
            union_min_votes=least,
            remainder_over=over,
            national_cap=cap,
        )

    before = run(votes)
    more = {q: dict(v) for q, v in votes.items()}
    more[p][r] += extra
    after = run(more)
    assert after.seats[p] >= before.seats[p]
    # No fixed house: another list's votes change nothing for the others.
    assert all(after.seats[q] == before.seats[q] for q in votes if q != p)
