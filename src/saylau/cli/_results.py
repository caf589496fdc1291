"""The result model (:mod:`saylau.results`) as terminal tables, in the one table style
of :mod:`saylau.cli._table`; ``saylau results``, ``saylau demo`` and ``saylau tabulate``
draw with these."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.table import Table

from saylau.cli._table import Column, facts, number, of, percent, plural, tables
from saylau.law import LawResult, TierResult
from saylau.results import (
    ContestInfo,
    ContestResult,
    Totals,
    reserved_tiers,
    seats_total,
    share,
)

if TYPE_CHECKING:  # the type only: `saylau seats` draws with this module, without polars
    from saylau.tabulate.controls import Problem

#: The heading of a level's divisions in the tables.
LEVEL_HEADINGS = {"region": "Region", "district": "District", "station": "Station"}


def ballot_lines(t: Totals, *, issued_derived: bool = False) -> list[tuple[str, str]]:
    """The ballot figures of ``t``, labelled, turnout last."""
    issued = "Ballots issued" + (" (= cast)" if issued_derived else "")
    lines = [
        ("Registered voters", number(t.registered)),
        (issued, number(t.ballots_issued)),
        ("Ballots cast (valid + invalid)", number(t.ballots_cast)),
        ("Valid", number(t.valid)),
        ("Invalid", number(t.invalid)),
    ]
    if t.against_all:
        lines.append(("Against all", number(t.against_all)))
    lines.append(("Turnout (issued / registered), %", percent(t.turnout_percent)))
    return lines


def reserved_label(tier: TierResult) -> str:
    """The row of seats filled outside the popular vote, named alike in every table:
    ``Deputies elected by the Assembly of People of Kazakhstan, not by list vote``."""
    by = f" ({tier.elected_by})" if tier.elected_by and tier.elected_by not in tier.title else ""
    return f"{tier.title or tier.name}{by}, not by list vote"


def seat_tables(title: str, t: Totals, result: LawResult | None, width: int) -> list[Table]:
    """Votes and seats: every party, then the seats filled outside the popular vote,
    then the whole chamber.  The seat share is of every seat, as on the site."""
    pct = t.percent()
    columns = [Column("Party"), Column("Votes", True), Column("% of valid", True)]
    rows = [[party, number(votes), percent(pct[party])] for party, votes in t.votes.items()]
    if result is None:
        return tables(title, columns, rows, width=width)
    reserved = reserved_tiers(result)
    whole = seats_total(result)
    seats = result.seats
    columns += [Column("Seats", True), Column(f"% of {whole:,} seats", True)]
    for row, party in zip(rows, t.votes, strict=True):
        row += [number(seats.get(party, 0)), percent(share(seats.get(party, 0), whole))]
    for tier in reserved:
        label = reserved_label(tier)
        rows.append([label, "", "", number(tier.seats), percent(share(tier.seats, whole))])
    rows.append(["Total", number(t.valid), "", number(whole), percent(100.0 if whole else 0)])
    return tables(title, columns, rows, width=width, bold_last=True)


def national_tables(info: ContestInfo, res: ContestResult, width: int) -> list[Table]:
    """A contest's votes and seats, titled with the contest and its status."""
    title = f"{info.title}: {res.status} results, whole contest"
    return seat_tables(title, res.totals, res.law_result, width)


def totals_table(res: ContestResult) -> Table:
    """Stations counted and the ballot figures of a result."""
    t = res.totals
    reporting = of(t.stations_reporting, t.stations_expected)
    if t.stations_flagged:
        reporting += f" (flagged {t.stations_flagged:,})"
    lines = [("Stations reporting", reporting)]
    if t.stations_rejected:
        lines.append(("Stations with a rejected protocol", number(t.stations_rejected)))
    return facts("Turnout", lines + ballot_lines(t))


def level_tables(
    info: ContestInfo, rows: list[ContestResult], level: str, width: int
) -> list[Table]:
    """One row per division of ``level``: stations, registered, turnout and each
    party's share of the valid votes (the votes themselves: ``--csv``/``--json``)."""
    parties = list(rows[0].totals.votes) if rows else []
    columns = [
        Column(LEVEL_HEADINGS.get(level, level.capitalize())),
        Column("Reporting", True),
        Column("Registered", True),
        Column("Turnout %", True),
        *[Column(f"{p} %", True) for p in parties],
    ]
    body = []
    for r in rows:
        t = r.totals
        pct = t.percent()
        body.append(
            [
                r.division.name,
                of(t.stations_reporting, t.stations_expected),
                number(t.registered),
                percent(t.turnout_percent),
                *[percent(pct[p]) for p in parties],
            ]
        )
    title = f"{info.title}: {info.status} results by {level} (% of valid votes)"
    return tables(title, columns, body, width=width)


def problem_tables(source: str, problems: Sequence[Problem], width: int, limit: int) -> list[Table]:
    """The failed control relations of a file, the first ``limit`` of them: row,
    station, relation and what failed (the row and station are not repeated in it)."""
    shown = problems[:limit]
    more = f", the first {len(shown):,}" if len(problems) > len(shown) else ""
    title = f"{source}: {plural(len(problems), 'problem')}{more}"
    columns = [Column("Row", True), Column("Station"), Column("Relation"), Column("Problem")]
    rows = []
    for p in shown:
        prefix = f"row {p.row} (station {p.station!r}): {p.relation}: "
        detail = p.message.removeprefix(prefix)
        rows.append([number(p.row), p.station, p.relation, detail])
    return tables(title, columns, rows, width=width)
