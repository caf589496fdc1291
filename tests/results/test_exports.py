"""Exports built from the result model: CSV rows and NIST reporting units."""

from __future__ import annotations

import csv
import io

from saylau.results import ContestResult, DivisionInfo, Totals
from saylau.results.exports import nist_report, to_csv


def _result(did: str, name: str, level: str, parent: str | None, a: int, b: int) -> ContestResult:
    totals = Totals(
        registered=1000,
        ballots_issued=a + b + 10,
        ballots_cast=a + b + 10,
        valid=a + b,
        invalid=10,
        stations_expected=2,
        stations_reporting=1,
        votes={"A": a, "=B": b},
    )
    return ContestResult("c", DivisionInfo("c", did, name, level, parent), totals, "final", "", 1)


ROWS = [
    _result("KZ", "Kazakhstan", "country", None, 700, 200),
    _result("r1", "=HYPERLINK(1)", "region", "KZ", 700, 200),
]


def test_csv_rows_are_the_result_totals_with_formulas_neutralised() -> None:
    table = list(csv.reader(io.StringIO(to_csv(ROWS, ["A", "=B"]))))
    assert table[0][-2:] == ["party:A", "party:=B"]
    head = dict(zip(table[0], table[2], strict=True))
    assert head["name"] == "'=HYPERLINK(1)" and head["parent"] == "KZ"
    # 910 issued of 1,000 registered: 91.0 %, as in the API's totals.
    assert (head["ballots_cast"], head["turnout"], head["party:A"]) == ("910", "91.0", "700")


def test_nist_units_carry_the_result_figures() -> None:
    contest = {"id": "c", "title": "C", "status": "final", "stations_reporting": 1}
    report = nist_report(
        contest={**contest, "stations_expected": 2},
        units=ROWS,
        root_id="KZ",
        parties=["A", "=B"],
        colors={},
        generated="2021-01-12T00:00:00+00:00",
        vendor="saylau test",
    )
    root, region = report["GpUnit"]
    assert root["ComposingGpUnitIds"] == [region["@id"]]
    assert (region["VotersRegistered"], region["VotersParticipated"]) == (1000, 910)
    assert region["SummaryCounts"][0]["BallotsRejected"] == 10
    (contest_,) = report["Election"][0]["Contest"]
    counts = [v["Count"] for v in contest_["BallotSelection"][0]["VoteCounts"]]
    assert counts == [700, 700] and report["Status"] == "certified"
