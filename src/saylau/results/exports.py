"""Open-data exports of a contest: CSV per level and NIST SP 1500-100 v2 JSON.

Built from the result model (one :class:`saylau.results.ContestResult` per
division), so they show the figures every other document shows.  CSV cells that
a spreadsheet would run as a formula are neutralised with a leading apostrophe
(OWASP "CSV injection").  The JSON export is the contest's API document with one
record per division (``saylau.web.model.export_json``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from saylau.results.contest import ContestResult

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The CSV text of ``value``; text starting like a formula gets a ``'`` prefix.

    Numbers are written as numbers (a negative count never occurs, and ints are not
    text a spreadsheet would evaluate).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


TOTAL_COLUMNS: Final = (
    "registered",
    "ballots_issued",
    "ballots_cast",
    "valid",
    "invalid",
    "against_all",
    "turnout",
)


def to_csv(units: Iterable[ContestResult], parties: Sequence[str]) -> str:
    """CSV text: one row per division, one column per party's votes (``party:<name>``)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(
        [
            "id",
            "name",
            "level",
            "parent",
            "country",
            "stations_expected",
            "stations_reporting",
            *TOTAL_COLUMNS,
            *(safe_cell("party:" + p) for p in parties),
        ]
    )
    for u in units:
        d, totals = u.division, u.totals.to_dict()
        writer.writerow(
            [
                safe_cell(d.id),
                safe_cell(d.name),
                d.level,
                safe_cell(d.parent_id),
                safe_cell(d.country),
                "" if u.stations_expected is None else u.stations_expected,
                u.stations_reporting,
                *(safe_cell(totals.get(c)) for c in TOTAL_COLUMNS),
                *(u.votes.get(p, 0) for p in parties),
            ]
        )
    return buf.getvalue()


# NIST SP 1500-100 v2 ----------------------------------------------------------------

#: Reporting-unit types of our division levels (NIST ``ReportingUnitType``).
NIST_UNIT_TYPES: Final[dict[str, str]] = {
    "country": "country",
    "region": "state",
    "district": "county",
    "station": "precinct",
}


def nist_status(status: str, reporting: int, expected: int | None) -> str:
    """``certified`` once final, ``unofficial-complete`` when every expected station
    is in, else ``unofficial-partial`` (also when no station list was registered:
    nothing then says the count is complete before it is certified)."""
    if status == "final":
        return "certified"
    if expected and reporting >= expected:
        return "unofficial-complete"
    return "unofficial-partial"


def _text(value: str, lang: str = "en") -> dict[str, Any]:
    return {
        "@type": "ElectionResults.InternationalizedText",
        "Text": [{"@type": "ElectionResults.LanguageString", "Content": value, "Language": lang}],
    }


def _ext_id(value: str) -> list[dict[str, Any]]:
    return [
        {
            "@type": "ElectionResults.ExternalIdentifier",
            "Type": "other",
            "OtherType": "saylau-id",
            "Value": value,
        }
    ]


def nist_report(
    *,
    contest: Mapping[str, Any],
    units: Sequence[ContestResult],
    root_id: str,
    parties: Sequence[str],
    colors: Mapping[str, str],
    generated: str,
    vendor: str,
    issuer: str = "Central Election Commission",
    issuer_abbreviation: str = "CEC",
) -> dict[str, Any]:
    """An ``ElectionReport`` with GpUnits for every division, one ``PartyContest``
    with a ``PartySelection`` per party and ``VoteCounts`` per reporting unit."""
    gp_ids = {u.division.id: f"gpu-{i}" for i, u in enumerate(units)}
    party_ids = {p: f"party-{i}" for i, p in enumerate(parties)}
    kids: dict[str, list[str]] = {}
    for u in units:
        parent = u.division.parent_id
        if parent is not None and parent in gp_ids:
            kids.setdefault(parent, []).append(gp_ids[u.division.id])
    gp_units = []
    for u in units:
        d, t = u.division, u.totals
        unit_type = NIST_UNIT_TYPES.get(d.level)
        gp: dict[str, Any] = {
            "@type": "ElectionResults.ReportingUnit",
            "@id": gp_ids[d.id],
            "Name": d.name,
            "Type": unit_type or "other",
            "ExternalIdentifier": _ext_id(d.id),
            "VotersRegistered": t.registered,
            "VotersParticipated": t.ballots_cast,
            "SummaryCounts": [
                {
                    "@type": "ElectionResults.SummaryCounts",
                    "Type": "total",
                    "BallotsCast": t.ballots_cast,
                    "BallotsRejected": t.invalid,
                }
            ],
        }
        if unit_type is None:
            gp["OtherType"] = d.level
        if d.id in kids:
            gp["ComposingGpUnitIds"] = kids[d.id]
        if d.level != "station":
            # TotalSubUnits is omitted where no station list was registered (unknown).
            if u.stations_expected is not None:
                gp["TotalSubUnits"] = u.stations_expected
            gp["SubUnitsReported"] = u.stations_reporting
        gp_units.append(gp)
    selections = []
    for i, p in enumerate(parties):
        selections.append(
            {
                "@type": "ElectionResults.PartySelection",
                "@id": f"sel-{i}",
                "PartyIds": [party_ids[p]],
                "SequenceOrder": i + 1,
                "VoteCounts": [
                    {
                        "@type": "ElectionResults.VoteCounts",
                        "GpUnitId": gp_ids[u.division.id],
                        "Type": "total",
                        "Count": int(u.votes.get(p, 0)),
                    }
                    for u in units
                ],
            }
        )
    reporting = int(contest.get("stations_reporting") or 0)
    known = contest.get("stations_expected")
    expected = None if known is None else int(known)
    status = nist_status(str(contest.get("status")), reporting, expected)
    done = status == "certified" or (expected is not None and 0 < expected <= reporting)
    count_status = {
        "@type": "ElectionResults.CountStatus",
        "Type": "total",
        "Status": "completed" if done else "in-process",
    }
    totals = {} if expected is None else {"TotalSubUnits": expected}
    date = str(contest.get("date") or generated[:10])
    return {
        "@type": "ElectionResults.ElectionReport",
        "Format": "precinct-level",
        "GeneratedDate": generated,
        "Issuer": issuer,
        "IssuerAbbreviation": issuer_abbreviation,
        "SequenceStart": 1,
        "SequenceEnd": 1,
        "Status": status,
        "VendorApplicationId": vendor,
        "Election": [
            {
                "@type": "ElectionResults.Election",
                "ElectionScopeId": gp_ids[root_id],
                "Name": _text(str(contest.get("election") or contest.get("title"))),
                "StartDate": date,
                "EndDate": date,
                "Type": "general",
                "CountStatus": [count_status],
                "Contest": [
                    {
                        "@type": "ElectionResults.PartyContest",
                        "@id": "contest-0",
                        "Name": str(contest.get("title")),
                        "ExternalIdentifier": _ext_id(str(contest.get("id"))),
                        "ElectoralDistrictId": gp_ids[root_id],
                        "VoteVariation": "proportional",
                        **totals,
                        "SubUnitsReported": reporting,
                        "CountStatus": [count_status],
                        "BallotSelection": selections,
                    }
                ],
            }
        ],
        "GpUnit": gp_units,
        "Party": [
            {
                "@type": "ElectionResults.Party",
                "@id": party_ids[p],
                "Name": _text(p),
                "Color": colors[p].lstrip("#") if p in colors else "4d4d4d",
            }
            for p in parties
        ],
    }
