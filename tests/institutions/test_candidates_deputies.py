"""Candidate lists, quota checks, deputies and vacancies (saylau.institutions)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saylau.errors import InputError, LawError
from saylau.institutions.candidates import (
    Candidate,
    CandidateList,
    ListRules,
    check_lists,
    read_lists,
)
from saylau.institutions.deputies import assign_deputies, fill_vacancy, read_decisions
from saylau.institutions.maslikhats import resolve_law

DAY = date(2021, 1, 10)
# Kazakhstan 2021: "When approving party lists, a political party includes women and persons
# under the age of twenty-nine, in at least thirty percent" (CEC deputy chair K. Petrov,
# kt.kz 2020-10-22); lists may exceed the 98 seats by at most 30% (Nur Otan's 2016 list:
# 126 candidates "with the 30% reserve", diapazon.kz).
KZ2021 = ListRules.from_mapping(
    {
        "max_length": "seats + 30%",
        "min_age": 25,
        "quota": {"share": 30, "categories": ["women", "youth"], "youth_under": 29},
    }
)


def person(
    i: int,
    party: str = "A",
    *,
    gender: str = "male",
    born: date | None = date(1970, 1, 1),
    cats: frozenset[str] = frozenset(),
) -> Candidate:
    return Candidate(f"{party}-{i}", party, i, birth_date=born, gender=gender, categories=cats)


def make_list(party: str, n: int, women: int = 0, young: int = 0) -> CandidateList:
    people = []
    for i in range(1, n + 1):
        if i <= women:
            people.append(person(i, party, gender="female"))
        elif i <= women + young:
            people.append(person(i, party, born=date(1995, 6, 1)))
        else:
            people.append(person(i, party))
    return CandidateList(party, tuple(people))


def test_max_length_is_seats_plus_30_percent_rounded_down() -> None:
    assert KZ2021.max_for(98) == 127  # 98 * 1.3 = 127.4
    assert KZ2021.max_for(69) == 89  # 2023 list tier: 69 * 1.3 = 89.7
    assert ListRules(max_length="seats + 5").max_for(10) == 15
    assert ListRules(max_length=40).max_for(98) == 40


def test_quota_counts_women_and_young_once_each() -> None:
    ok = make_list("A", 10, women=2, young=1)  # 3 of 10 = 30%
    short = make_list("B", 10, women=1, young=1)  # 2 of 10
    res = check_lists([ok, short], KZ2021, seats=98, election_date=DAY)
    assert [p.code for p in res.problems] == ["quota"]
    assert res.problems[0].party == "B"
    assert "2 of 10" in res.problems[0].message and "3 required" in res.problems[0].message
    assert res.quota == {"A": (3, 3), "B": (2, 3)}
    # 30% of 11 is 3.3: four people are needed.
    res = check_lists([make_list("C", 11, women=3)], KZ2021, seats=98, election_date=DAY)
    assert res.quota["C"] == (3, 4) and not res.ok


def test_a_young_woman_counts_once() -> None:
    both = [person(1, gender="female", born=date(2000, 1, 1))] + [person(i) for i in range(2, 5)]
    rules = ListRules(
        quota_share=ListRules.from_mapping(
            {"quota": {"share": 50, "categories": ["women", "youth"]}}
        ).quota_share,
        quota_categories=("women", "youth"),
    )
    assert rules.quota_met(both, DAY) == (False, 1, 2)


def test_youth_is_under_29_on_election_day() -> None:
    turns_29_on_the_day = person(1, born=date(1992, 1, 10))
    day_before = person(2, born=date(1992, 1, 11))
    assert not KZ2021.counts_for_quota(turns_29_on_the_day, DAY)
    assert KZ2021.counts_for_quota(day_before, DAY)


def test_disability_counts_from_2023() -> None:
    law = resolve_law("kz-maslikhat-2023")
    rules = ListRules.from_law(law)
    assert rules.quota_categories == ("women", "youth", "disability")
    assert rules.quota_at_distribution
    c = person(1, cats=frozenset({"disability"}))
    assert rules.counts_for_quota(c, date(2023, 3, 19))
    assert not KZ2021.counts_for_quota(c, DAY)


def test_every_problem_of_every_candidate_is_reported() -> None:
    too_long = make_list("Long", 128, women=40)
    dup = CandidateList(
        "Dup",
        (
            person(1, "Dup", gender="female"),
            person(2, "Dup", gender="female"),
            Candidate("Dup-1", "Dup", 3, birth_date=date(1970, 1, 1), gender="male"),
        ),
    )
    missing = CandidateList(
        "Miss",
        (
            Candidate("x", "Miss", 1, gender="female"),
            Candidate("y", "Miss", 2, birth_date=date(2000, 1, 1)),
            Candidate("z", "Miss", 4, birth_date=date(1970, 1, 1), gender="female"),
        ),
    )
    res = check_lists([too_long, dup, missing], KZ2021, seats=98, election_date=DAY)
    codes = sorted((p.party, p.code, p.position or 0) for p in res.problems)
    assert codes == [
        ("Dup", "duplicate", 3),
        ("Long", "too-long", 0),
        ("Miss", "missing-birth-date", 1),
        ("Miss", "missing-gender", 2),
        ("Miss", "position", 0),
        ("Miss", "too-young", 2),
    ]
    assert "128 candidates, more than the 127 allowed" in next(
        p.message for p in res.problems if p.code == "too-long"
    )
    assert res.to_dict()["ok"] is False


def test_list_rules_from_law_data_report_every_bad_key() -> None:
    with pytest.raises(LawError) as err:
        ListRules.from_mapping(
            {
                "max_length": "seats * 2",
                "colour": 1,
                "quota": {"share": 130, "categories": ["elders"]},
            }
        )
    text = str(err.value)
    assert "max_length" in text and "'colour'" in text and "130" in text and "'elders'" in text


def test_read_lists_csv(tmp_path: Path) -> None:
    f = tmp_path / "lists.csv"
    f.write_text(
        "party,position,name,birth_date,gender,categories\n"
        "A,2,Bek,1970-01-01,M,\nA,1,Aigul,1990-05-05,F,disability\n"
        "B,1,Nur,1980-13-01,x,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        read_lists(f)
    assert err.value.problems == [
        "lists.csv row 4: birth_date '1980-13-01' is not YYYY-MM-DD",
        "lists.csv row 4: gender 'x' is not female/male",
    ]
    f.write_text("party,position,name,gender\nA,2,Bek,M\nA,1,Aigul,F\n", encoding="utf-8")
    (lst,) = read_lists(f)
    assert [c.name for c in lst.candidates] == ["Aigul", "Bek"]
    assert lst.candidates[0].gender == "female"


def test_deputies_in_list_order_and_by_party_decision() -> None:
    lists = {"A": make_list("A", 6, women=2), "B": make_list("B", 3)}
    res = assign_deputies(
        {"A": 3, "B": 2, "C": 0}, lists, election_date=DAY, decisions={"A": ["A-5", "A-1", "6"]}
    )
    assert [(d.candidate.name, d.how) for d in res.deputies] == [
        ("A-5", "party decision"),
        ("A-1", "party decision"),
        ("A-6", "party decision"),
        ("B-1", "list order"),
        ("B-2", "list order"),
    ]
    assert res.ok


def test_decision_must_name_list_candidates_and_the_right_number() -> None:
    lists = {"A": make_list("A", 4)}
    with pytest.raises(InputError) as err:
        assign_deputies(
            {"A": 2},
            lists,
            election_date=DAY,
            decisions={"A": ["A-1", "Stranger", "A-1"], "Z": ["x"]},
        )
    assert err.value.problems == [
        "decision of 'Z': the party won no seats",
        "decision of 'A': 'Stranger' is not on the party's list",
        "decision of 'A': 'A-1' is chosen twice",
        "decision of 'A': seats 3 people, the party won 2",
    ]


def test_quota_at_distribution_is_checked_where_the_law_requires_it() -> None:
    rules = ListRules.from_law(resolve_law("kz-maslikhat-2023"))
    lst = make_list("A", 10, women=3)  # women at positions 1-3, men after
    res = assign_deputies(
        {"A": 5},
        {"A": lst},
        election_date=DAY,
        rules=rules,
        decisions={"A": ["A-1", "A-4", "A-5", "A-6", "A-7"]},
    )
    assert res.problems == (
        "deputies of 'A': 1 of 5 are women + youth + disability, fewer "
        "than the 2 required at distribution",
    )
    ok = assign_deputies({"A": 5}, {"A": lst}, election_date=DAY, rules=rules)
    assert ok.ok  # list order seats women 1-3


def test_short_list_leaves_seats_vacant() -> None:
    res = assign_deputies({"A": 4}, {"A": make_list("A", 3)}, election_date=DAY)
    assert res.vacant == {"A": 1} and len(res.deputies) == 3 and not res.ok


def test_vacancy_filled_from_the_same_list() -> None:
    lists = {"A": make_list("A", 5), "B": make_list("B", 2)}
    res = assign_deputies({"A": 2, "B": 2}, lists, election_date=DAY)
    v = fill_vacancy(res, "A-1")
    assert v.successor is not None and v.successor.candidate.name == "A-3"
    assert v.successor.how == "vacancy (list order)" and v.successor.replaces == "A-1"
    v2 = fill_vacancy(v.assignment, "A-3", choice="A-5")
    assert v2.successor is not None and v2.successor.candidate.name == "A-5"
    # The one who left does not come back: the next in order is A-4.
    v3 = fill_vacancy(v2.assignment, "A-2")
    assert v3.successor is not None and v3.successor.candidate.name == "A-4"
    # B's list is exhausted: the seat stays vacant.
    v4 = fill_vacancy(v3.assignment, "B-1")
    assert v4.successor is None and v4.assignment.vacant == {"B": 1}
    with pytest.raises(InputError):
        fill_vacancy(v4.assignment, "A-1")  # no longer sitting
    with pytest.raises(InputError):
        fill_vacancy(v4.assignment, "B-2", choice="B-1")  # left, not in reserve


def test_read_decisions(tmp_path: Path) -> None:
    f = tmp_path / "d.csv"
    f.write_text("party,candidate\nA,A-2\nA,A-1\n", encoding="utf-8")
    assert read_decisions(str(f)) == {"A": ["A-2", "A-1"]}


@given(st.integers(1, 300), st.integers(0, 100), st.integers(1, 200))
def test_quota_requirement_is_the_exact_ceiling(n: int, share: int, seats: int) -> None:
    rules = ListRules.from_mapping({"quota": {"share": share, "categories": ["women"]}})
    people = [person(i) for i in range(n)]
    _, _, required = rules.quota_met(people, DAY)
    assert required * 100 >= share * n > (required - 1) * 100
    assert KZ2021.max_for(seats) == (seats * 13) // 10
