"""The institutions' results (:mod:`saylau.institutions`) as terminal tables, in the
one table style of :mod:`saylau.cli._table`; :mod:`saylau.cli.institutions` parses,
calls the library and hands the result here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from saylau.cli._table import Column, facts, number, percent, plural, tables

if TYPE_CHECKING:
    from rich.table import Table

    from saylau.institutions.candidates import ListCheck
    from saylau.institutions.chamber import Chamber
    from saylau.institutions.deputies import DeputyAssignment
    from saylau.institutions.districts import DistrictsResult, MixedResult
    from saylau.institutions.indirect import IndirectResult
    from saylau.institutions.maslikhats import MaslikhatsResult
    from saylau.institutions.observers import IrregularityReport, ObserverSummary
    from saylau.institutions.presidential import PresidentialResult


def maslikhat_tables(res: MaslikhatsResult, width: int) -> list[Table]:
    """Each maslikhat's seats, then each party's seats in all of them together."""
    rows = [
        [
            c.name or c.id,
            c.level,
            number(c.seats),
            ", ".join(f"{p} {n:,}" for p, n in res.results[c.id].seats.items() if n),
        ]
        for c in res.contests
        if c.id in res.results
    ]
    rows += [[c, "", "", "no results"] for c in res.missing]
    columns = [Column("Maslikhat"), Column("Level"), Column("Seats", True), Column("Seats won")]
    total = sum(c.seats for c in res.contests if c.id in res.results)
    n = len(res.contests) - len(res.missing)
    title = f"Maslikhats: the seats of {plural(n, 'maslikhat')}"
    if res.missing:
        title = (
            f"Maslikhats: the seats of {n:,} of {plural(len(res.contests), 'maslikhat')}"
            f" ({len(res.missing):,} without results)"
        )
    out = tables(title, columns, rows, width=width)
    combined = [
        [p, number(row["seats"]), percent(row["share"]["approx"]), number(row["represented"])]
        for p, row in res.combined().items()
    ]
    combined.append(["Total", number(total), percent(100.0 if total else 0), ""])
    columns = [
        Column("Party"),
        Column("Seats", True),
        Column(f"% of {total:,} seats", True),
        Column("Maslikhats with seats", True),
    ]
    title = "Maslikhats combined: each party's seats in all of them"
    return out + tables(title, columns, combined, width=width, bold_last=True)


def observer_tables(source: str, s: ObserverSummary, width: int) -> list[Table]:
    """The CEC-style summary of an accreditation registry, then its organisations."""
    lines = [
        ("International observers", number(s.international)),
        ("  from organisations", number(s.from_organisations)),
        ("  individual", number(s.individual)),
        ("  organisations", number(len(s.organisations))),
        ("  countries", number(s.countries)),
        ("Domestic observers", number(s.domestic)),
        ("Total", number(s.total)),
    ]
    out = [facts(f"Observers accredited ({source})", lines)]
    if s.organisations:
        rows = [[o, number(n)] for o, n in s.organisations.items()]
        columns = [Column("Organisation"), Column("Observers", True)]
        out += tables("International observers by organisation", columns, rows, width=width)
    return out


def list_tables(res: ListCheck, width: int) -> list[Table]:
    """Each candidate list checked: its length and its candidates in the quota."""
    rows = [
        [
            lst.party,
            number(len(lst)),
            number(res.quota[lst.party][0]),
            number(res.quota[lst.party][1]),
        ]
        for lst in res.lists
    ]
    columns = [
        Column("Party"),
        Column("Candidates", True),
        Column("In quota", True),
        Column("Quota required", True),
    ]
    verdict = "all conform" if res.ok else plural(len(res.problems), "problem")
    title = f"Candidate lists checked: {plural(len(rows), 'list')}, {verdict}"
    return tables(title, columns, rows, width=width)


def report_tables(
    by_station: Mapping[str, Sequence[IrregularityReport]], width: int
) -> list[Table]:
    """Irregularity reports, station by station, in the order they were made."""
    rows = [
        [st, r.reported_at.isoformat(), r.observer, r.category, r.description]
        for st, reps in by_station.items()
        for r in reps
    ]
    columns = [
        Column("Station"),
        Column("Reported at", True),  # a timestamp: never folded
        Column("Observer"),
        Column("Category"),
        Column("Description"),
    ]
    n = len(rows)
    title = f"Irregularity reports: {plural(n, 'report')} at {plural(len(by_station), 'station')}"
    return tables(title, columns, rows, width=width)


def deputy_tables(res: DeputyAssignment, width: int) -> list[Table]:
    """Every seated deputy, with how the seat came to them."""
    rows = [
        [
            d.party,
            number(d.candidate.position),
            d.candidate.name,
            d.how + (f" (replaces {d.replaces})" if d.replaces else ""),
        ]
        for d in res.deputies
    ]
    rows += [
        [p, "", f"{plural(n, 'seat')} vacant", "the list is exhausted"]
        for p, n in res.vacant.items()
    ]
    columns = [Column("Party"), Column("List no.", True), Column("Deputy"), Column("Seated by")]
    title = f"Deputies seated: {plural(len(res.deputies), 'deputy', 'deputies')}"
    return tables(title, columns, rows, width=width)


def district_tables(res: DistrictsResult, width: int) -> list[Table]:
    """Each district's outcome, then the seats per party."""
    rows = [[d.district, d.status, d.winner or "-", d.party or ""] for d in res.districts]
    columns = [Column("District"), Column("Outcome"), Column("Winner"), Column("Party")]
    title = f"Single-member districts: {plural(len(res.districts), 'district')}"
    out = tables(title, columns, rows, width=width)
    seats = [[p, number(n)] for p, n in res.seats.items()]
    seats.append(["Total", number(sum(res.seats.values()))])
    out += tables(
        "District seats by party",
        [Column("Party"), Column("Seats", True)],
        seats,
        width=width,
        bold_last=True,
    )
    return out


def mixed_tables(res: MixedResult, width: int) -> list[Table]:
    """Seats of a two-tier body: list and district seats, overhang, total."""
    rows = [
        [
            p,
            number(res.district_seats.get(p, 0)),
            number(res.list_seats.get(p, 0)),
            number(res.overhang.get(p, 0)),
            number(n),
        ]
        for p, n in res.seats.items()
        if n
    ]
    rows.append(
        [
            "Total",
            number(sum(res.district_seats.values())),
            number(sum(res.list_seats.values())),
            number(sum(res.overhang.values())),
            number(res.total_seats),
        ]
    )
    columns = [
        Column("Party"),
        Column("District seats", True),
        Column("List seats", True),
        Column("Overhang", True),
        Column("Seats", True),
    ]
    title = f"{'MMP' if res.system == 'mmp' else 'Parallel'} seats: {res.total_seats:,} in all"
    return tables(title, columns, rows, width=width, bold_last=True)


def assembly_tables(res: IndirectResult, width: int) -> list[Table]:
    """The votes of an indirect election's session and who was elected."""
    rows = [
        [c, number(v), "elected" if c in res.elected else "not elected"]
        for c, v in res.votes.items()
    ]
    columns = [Column("Candidate"), Column("Votes", True), Column("Outcome")]
    title = (
        f"{res.body}: {res.status}, {len(res.elected):,} of {res.seats:,} elected"
        f" (needed {res.needed:,} of the {res.took_part:,} who took part)"
    )
    return tables(title, columns, rows, width=width)


def president_tables(res: PresidentialResult, width: int) -> list[Table]:
    """A presidential round: each candidate's votes and share of the majority's base."""
    rows = [[c, number(v), percent(float(res.share(c)))] for c, v in res.votes.items()]
    columns = [
        Column("Candidate"),
        Column("Votes", True),
        Column(f"% of {res.base_total:,} {res.base}", True),
    ]
    outcome = res.status + (f": {res.winner}" if res.winner else "")
    outcome += f" ({' v '.join(res.runoff)})" if res.runoff else ""
    title = f"{res.contest or 'President'}, round {res.round}: {outcome}"
    return tables(title, columns, rows, width=width)


def chamber_tables(res: Chamber, convocation: str, width: int) -> list[Table]:
    """The factions of a chamber, majority or opposition, and their committee posts."""
    rows = [
        [
            f,
            number(n),
            "majority" if f == res.majority else "opposition",
            number(res.chairs[f]),
            number(res.secretaries[f]),
        ]
        for f, n in res.factions.items()
    ]
    rows += [[g, number(n), "no faction", "", ""] for g, n in res.non_faction.items()]
    columns = [
        Column("Faction"),
        Column("Deputies", True),
        Column("Side"),
        Column("Chairs", True),
        Column("Secretaries", True),
    ]
    title = f"Chamber of the {convocation} convocation: {plural(res.total, 'deputy', 'deputies')}"
    return tables(title, columns, rows, width=width)
