"""Forensics on the real 96,325 protocols of the Russian Duma election of 2021."""

from __future__ import annotations

from pathlib import Path

import pytest

from saylau.analysis import forensics as F

LEADER = 'Всероссийская политическая партия "ЕДИНАЯ РОССИЯ"'

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(ru_duma_2021: Path) -> F.ForensicsReport:
    from saylau.tabulate import read_protocols

    table = read_protocols(ru_duma_2021, profile="ru-cik")
    return F.analyse(table.frame, LEADER, draws=1000, seed=0)


def test_inclusion_matches_the_authors_criteria(report: F.ForensicsReport) -> None:
    # 96,325 protocols; 17 with no registered voters and 4,173 with fewer than 100
    # are left out, as is one station with no ballot in the boxes.
    assert report.excluded == {
        "zero_registered": 17,
        "under_100_registered": 4173,
        "no_ballots": 1,
        "inconsistent": 0,
    }
    assert report.integer.stations == 96325 - 17 - 4173 - 1 == 92134


def test_integer_excess_is_well_above_the_null(report: F.ForensicsReport) -> None:
    # Kobak, Shpilkin & Pshenichnikov's analysis of this election
    # (github.com/dkobak/elections, analysis/duma2021/duma2021.ipynb, summarised by
    # S. Shpilkin, russian-election-monitor.org, 27.09.2021: the integer-percentage
    # peaks "have decreased; yet, they are still well above the significance
    # threshold, as calculated by Kobak").  Our figure: ~1,280 excess stations
    # against a null sd of ~115, i.e. about 11 sd, far beyond the null's 99.9th
    # percentile.
    i = report.integer
    assert i.observed == 19889  # deterministic: the file and the definitions
    assert 18_550 < i.expected < 18_670  # exact expectation of the binomial null
    assert 1_200 < i.excess < 1_340
    assert 100 < i.sd < 135  # ~ sqrt(sum q(1-q)) = 122
    assert i.excess > i.p999 > 0
    assert i.excess / i.sd > 8
    assert i.p_value == pytest.approx(1 / 1001)


def test_regions_concentrate_the_excess(report: F.ForensicsReport) -> None:
    regions = report.integer_regions
    top = sorted(regions, key=lambda r: regions[r].excess, reverse=True)[:3]
    assert top[0] == "Республика Башкортостан"
    assert set(top[1:]) == {"Краснодарский край", "Республика Татарстан (Татарстан)"}
    assert sum(r.observed for r in regions.values()) == report.integer.observed
    assert sum(r.stations for r in regions.values()) == report.integer.stations
