"""What-if on Kazakhstan's Majilis election of 10 January 2021."""

from __future__ import annotations

import pytest

from saylau.analysis.whatif import compare_laws, parse_vary, vary
from saylau.errors import InputError
from saylau.law import Law, parse_law

# CEC of Kazakhstan, final results of 12 January 2021 (tests/data/official/kz-majilis-2021.toml):
# 7,241,562 votes for parties; seats 76 / 12 / 10 at the 7 % threshold.
VOTES = {
    "People's Party of Kazakhstan": 659019,
    "Nur Otan": 5148074,
    "Auyl": 383023,
    "Ak Zhol": 792828,
    "Adal": 258618,
}

LAW = """
[law]
name = "kz-majilis-test"
title = "Majilis (98 list seats, Hare, 7 %) + 9 Assembly seats"
[[tiers]]
kind = "party-list"
seats = 98
method = "hare"
threshold = "7"
threshold_base = "valid"
[[tiers]]
name = "assembly"
kind = "indirect"
seats = 9
"""


@pytest.fixture
def law() -> Law:
    return parse_law(LAW)


def test_auyl_enters_at_five_percent(law: Law) -> None:
    assert sum(VOTES.values()) == 7_241_562
    w = vary(VOTES, law, {"threshold": ["7", "5"]})
    at7, at5 = w.scenarios
    assert at7.seats == {
        "People's Party of Kazakhstan": 10,
        "Nur Otan": 76,
        "Auyl": 0,
        "Ak Zhol": 12,
        "Adal": 0,
    }
    # 383,023 / 7,241,562 = 5.29 % >= 5 %: Hare among four lists, quota 6,982,944 / 98.
    assert at5.seats == {
        "People's Party of Kazakhstan": 9,
        "Nur Otan": 72,
        "Auyl": 6,
        "Ak Zhol": 11,
        "Adal": 0,
    }
    assert w.entered() == [[], ["Auyl"]]
    assert w.changes()[1] == {
        "People's Party of Kazakhstan": -1,
        "Nur Otan": -4,
        "Auyl": 6,
        "Ak Zhol": -1,
    }
    # Fewer wasted votes at 5 %: only Adal's 3.57 % is left without a seat.
    assert at5.indices["wasted_vote_share"] == pytest.approx(100 * 258618 / 7241562)
    assert (at7.indices["gallagher"] or 0) > (at5.indices["gallagher"] or 0)


def test_published_what_if_figures(law: Law) -> None:
    # Published the day after the count: "Сколько мандатов получат прошедшие в Мажилис
    # партии", https://qazaq-stan.press/skolko-mandatov-polychat-proshedshie-v-majilis-partii.html
    # (January 2021): at 5 % Nur Otan 72, Ak Zhol 11, NPK 9, Auyl 6; at 3 % 70 / 11 / 9 / 5
    # and Adal 3.
    w = vary(VOTES, law, {"threshold": ["5", "3"]})
    at5, at3 = (s.seats for s in w.scenarios)
    order = ["Nur Otan", "Ak Zhol", "People's Party of Kazakhstan", "Auyl", "Adal"]
    assert [at5[p] for p in order] == [72, 11, 9, 6, 0]
    assert [at3[p] for p in order] == [70, 11, 9, 5, 3]


def test_vary_is_a_cartesian_product(law: Law) -> None:
    w = vary(VOTES, law, parse_vary(["threshold=5,7", "method=hare,dhondt"]))
    assert [s.label for s in w.scenarios] == [
        "threshold=5, method=hare",
        "threshold=5, method=dhondt",
        "threshold=7, method=hare",
        "threshold=7, method=dhondt",
    ]
    dhondt7 = w.scenarios[3].seats
    assert sum(dhondt7.values()) == 98 and dhondt7["Nur Otan"] > 76
    assert w.to_dict()["scenarios"][0]["house_size"] == 98


def test_compare_whole_laws(law: Law) -> None:
    five = parse_law(
        LAW.replace('threshold = "7"', 'threshold = "5"').replace("kz-majilis-test", "five")
    )
    w = compare_laws(VOTES, [law, five])
    assert [s.law for s in w.scenarios] == ["kz-majilis-test", "five"]
    assert w.scenarios[1].seats["Auyl"] == 6


def test_bad_variations_are_reported_at_once(law: Law) -> None:
    with pytest.raises(InputError) as err:
        parse_vary(["treshold=5", "method", "seats=1,2", "seats=3"])
    assert len(err.value.problems) == 3
    with pytest.raises(InputError, match="method"):
        vary(VOTES, law, {"method": ["nonsense"]})
    with pytest.raises(InputError):
        vary(VOTES, law, {"threshold": ["-1"]})
