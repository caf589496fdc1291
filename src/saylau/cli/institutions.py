"""CLI for the institutions around the party-list vote (issue #7).

``saylau candidates check``, ``saylau deputies``, ``saylau districts``, ``saylau mmp``,
``saylau assembly``, ``saylau president``, ``saylau maslikhats``, ``saylau observers``
and ``saylau chamber``: each parses files, calls :mod:`saylau.institutions`, renders.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

import click

from saylau.cli import _institution_tables as T
from saylau.cli._db import open_store, pick_contest
from saylau.cli._files import expect_csv
from saylau.cli._options import contest_option, json_option, law_option
from saylau.cli._table import console, plural, show
from saylau.errors import InputError
from saylau.institutions import candidates as cand_mod
from saylau.institutions import chamber as chamber_mod
from saylau.institutions import deputies as dep_mod
from saylau.institutions import districts as dist_mod
from saylau.institutions import indirect, maslikhats, observers, presidential
from saylau.institutions._util import read_pairs
from saylau.institutions.maslikhats import resolve_law

if TYPE_CHECKING:
    from rich.table import Table

    from saylau.store import Store

_JSON = json_option()


class _Documented(Protocol):
    """A result the CLI prints as JSON: every institution's result has ``to_dict``."""

    def to_dict(self) -> dict[str, Any]: ...


def _emit(obj: _Documented, as_json: bool, lines: list[str]) -> None:
    if as_json:
        click.echo(json.dumps(obj.to_dict(), ensure_ascii=False, indent=2))
    else:
        for line in lines:
            click.echo(line)


def _render(obj: _Documented, as_json: bool, draw: Callable[[int], list[Table]]) -> None:
    """``obj`` as one JSON object, or as the tables ``draw`` makes at the console's width."""
    if as_json:
        click.echo(json.dumps(obj.to_dict(), ensure_ascii=False, indent=2))
        return
    out = console()
    show(out, draw(out.width))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--date '{text}' is not YYYY-MM-DD") from None


def _against_all(votes: dict[str, int]) -> int:
    return votes.pop("against all", 0)


@click.group()
def candidates() -> None:
    """Candidate lists: check them against the law's list rules."""


@candidates.command("check", short_help="Check candidate lists against the law.")
@click.argument("lists_file", metavar="LISTS.csv")
@law_option("Law whose [lists] rules apply.", required=True)
@click.option(
    "--seats",
    type=click.IntRange(min=1),
    help="Seats of the contest (default: the law's party-list tier).",
)
@click.option("--date", "day", help="Election day, YYYY-MM-DD (default: the law's date).")
@_JSON
def candidates_check(
    lists_file: str, law_name: str, seats: int | None, day: str | None, as_json: bool
) -> None:
    """Check every list in LISTS.csv and report every problem of every candidate."""
    law = resolve_law(law_name)
    rules = cand_mod.ListRules.from_law(law)
    lists = cand_mod.read_lists(expect_csv(lists_file, "LISTS.csv"))
    when = _day(day or law.date)
    res = cand_mod.check_lists(lists, rules, seats=seats or law.list_tier.seats, election_date=when)
    _render(res, as_json, lambda w: T.list_tables(res, w))
    if not as_json:
        for p in res.problems:
            click.echo(f"problem: {p.message}")
        click.echo("all lists conform" if res.ok else plural(len(res.problems), "problem"))
    if not res.ok:
        click.get_current_context().exit(1)


_CONTEST = contest_option()


def _contest(store: Store, contest_id: str | None) -> str:
    return pick_contest(store, contest_id)


@candidates.command("register", short_help="Register parties' lists in DB.")
@click.argument("db", metavar="DB")
@click.argument("lists_file", metavar="LISTS.csv")
@_CONTEST
@_JSON
def candidates_register(db: str, lists_file: str, contest_id: str | None, as_json: bool) -> None:
    """Register parties' lists in DB after checking them against the contest's law."""
    from saylau.institutions import stored_lists

    lists = cand_mod.read_lists(expect_csv(lists_file, "LISTS.csv"))
    with open_store(db) as store:
        cid = _contest(store, contest_id)
        res = stored_lists.register_lists(store, cid, lists)
    lines = [f"{lst.party}: {plural(len(lst), 'candidate')} registered in {cid}" for lst in lists]
    _emit(res, as_json, lines)


@candidates.command("decide", short_help="Record who takes a party's seats.")
@click.argument("db", metavar="DB")
@click.argument("chosen", nargs=-1, required=True, metavar="CANDIDATE...")
@click.option("--party", required=True, help="The party whose decision this is.")
@_CONTEST
def candidates_decide(db: str, chosen: tuple[str, ...], party: str, contest_id: str | None) -> None:
    """Record a party's decision: who takes its seats (id, name or list position)."""
    from saylau.institutions import stored_lists

    with open_store(db) as store:
        cid = _contest(store, contest_id)
        stored_lists.record_decision(store, cid, party, list(chosen))
    click.echo(f"decision of '{party}' recorded in {cid}: {plural(len(chosen), 'candidate')}")


@candidates.command("vacate", short_help="End a deputy's mandate; fill the seat.")
@click.argument("db", metavar="DB")
@click.argument("deputy", metavar="DEPUTY")
@click.option("--successor", help="The party's choice (default: the next on the list).")
@_CONTEST
def candidates_vacate(db: str, deputy: str, successor: str | None, contest_id: str | None) -> None:
    """End a deputy's mandate in DB; the seat is filled from the same list."""
    from saylau.institutions import stored_lists

    with open_store(db) as store:
        cid = _contest(store, contest_id)
        res = stored_lists.record_vacancy(store, cid, deputy, successor)
    new = res.deputies[-1] if res.deputies and res.deputies[-1].replaces else None
    click.echo(
        f"{deputy}: mandate ended; "
        + (f"successor {new.candidate.name}" if new else "no one left on the list, seat vacant")
    )


def _render_deputies(res: dep_mod.DeputyAssignment, as_json: bool) -> None:
    _render(res, as_json, lambda w: T.deputy_tables(res, w))
    if not as_json:
        for problem in res.problems:
            click.echo(f"problem: {problem}")


@click.command(short_help="Seat each party's deputies from its list.")
@click.argument("source", metavar="DB|LISTS.csv")
@click.option(
    "--seats",
    "seats_file",
    metavar="SEATS.csv",
    help="party,seats won: SOURCE is then a lists CSV (else a results database).",
)
@_CONTEST
@click.option(
    "--decisions",
    metavar="DECISIONS.csv",
    help="party,candidate rows: the parties' recorded decisions.",
)
@law_option("Law with [lists] rules.")
@click.option("--date", "day", help="Election day, YYYY-MM-DD (default: the law's date).")
@click.option(
    "--vacate",
    multiple=True,
    metavar="NAME",
    help="End a deputy's mandate and fill the vacancy from the same list (repeatable, in order).",
)
@_JSON
def deputies(
    source: str,
    seats_file: str | None,
    contest_id: str | None,
    decisions: str | None,
    law_name: str | None,
    day: str | None,
    vacate: tuple[str, ...],
    as_json: bool,
) -> None:
    """Seat each party's deputies from its list (in order or by the party's decision).

    With a database (no --seats) the seats are the contest's stored result and the
    lists, decisions and vacancies are those registered with `saylau candidates`.
    """
    if seats_file is None:
        from saylau.institutions import stored_lists

        with open_store(source) as store:
            res = stored_lists.stored_deputies(store, _contest(store, contest_id))
        _render_deputies(res, as_json)
        return
    law = resolve_law(law_name) if law_name else None
    rules = cand_mod.ListRules.from_law(law) if law else None
    when = _day(day or (law.date if law else "")) if (day or law) else date.today()
    lists = {lst.party: lst for lst in cand_mod.read_lists(expect_csv(source, "LISTS.csv"))}
    seats = read_pairs(expect_csv(seats_file, "SEATS.csv"), "party", "seats")
    res = dep_mod.assign_deputies(
        seats,
        lists,
        election_date=when,
        rules=rules,
        decisions=dep_mod.read_decisions(expect_csv(decisions, "--decisions"))
        if decisions
        else None,
    )
    for name in vacate:
        res = dep_mod.fill_vacancy(res, name).assignment
    _render_deputies(res, as_json)


@click.command(short_help="Decide single-member districts.")
@click.argument("results_file", metavar="RESULTS.csv")
@click.option(
    "--list-seats",
    metavar="SEATS.csv",
    help="party,seats of the list tier: print the parallel (mixed) total as well.",
)
@_JSON
def districts(results_file: str, list_seats: str | None, as_json: bool) -> None:
    """Decide single-member districts (district,candidate,party,votes; 'against all' rows)."""
    res = dist_mod.read_district_results(expect_csv(results_file, "RESULTS.csv"))
    if list_seats:
        mixed = dist_mod.parallel(
            read_pairs(expect_csv(list_seats, "--list-seats"), "party", "seats"), res
        )
        _render(mixed, as_json, lambda w: T.district_tables(res, w) + T.mixed_tables(mixed, w))
        return
    _render(res, as_json, lambda w: T.district_tables(res, w))


@click.command(short_help="Compensatory MMP seats with overhang.")
@click.argument("votes_file", metavar="PARTY_VOTES.csv")
@click.argument("electorates_file", metavar="ELECTORATES.csv")
@click.option(
    "--seats", type=click.IntRange(min=1), default=120, show_default=True, help="House size."
)
@click.option("--threshold", default="5", show_default=True, help="Percent of party votes.")
@click.option(
    "--method", default="sainte-lague", show_default=True, help="Method sharing the seats."
)
@_JSON
def mmp(
    votes_file: str, electorates_file: str, seats: int, threshold: str, method: str, as_json: bool
) -> None:
    """Compensatory MMP with overhang (party,votes and party,electorates files)."""
    res = dist_mod.mmp(
        read_pairs(expect_csv(votes_file, "PARTY_VOTES.csv"), "party", "votes"),
        read_pairs(expect_csv(electorates_file, "ELECTORATES.csv"), "party", "electorates"),
        seats=seats,
        threshold=threshold,
        method=method,
    )
    _render(res, as_json, lambda w: T.mixed_tables(res, w))


@click.command(short_help="Seats elected by the Assembly of People.")
@click.argument("votes_file", metavar="VOTES.csv")
@click.option(
    "--members", type=click.IntRange(min=1), required=True, help="Members of the Assembly."
)
@click.option(
    "--took-part", type=click.IntRange(min=0), required=True, help="Members who took part."
)
@click.option(
    "--seats", type=click.IntRange(min=1), help="Seats to fill [default: 9, or the tier's]."
)
@click.option(
    "--quorum",
    default="1/2",
    show_default=True,
    help="Share of members that must take part (more than).",
)
@click.option("--db", metavar="DB", help="Record the session in this results database.")
@click.option("--contest", "contest_id", metavar="ID", help="Contest whose indirect tier it fills.")
@_JSON
def assembly(
    votes_file: str,
    members: int,
    took_part: int,
    seats: int | None,
    quorum: str,
    db: str | None,
    contest_id: str | None,
    as_json: bool,
) -> None:
    """An Assembly of People session electing deputies (candidate,votes).

    With --db the session is stored for the contest (default seats: its indirect tier)
    and shown at /contests/{id}/assembly on the site."""
    from fractions import Fraction

    from saylau.institutions import stored_sessions

    try:
        q = Fraction(quorum)
    except (ValueError, ZeroDivisionError):  # "abc", "1/0"
        raise InputError(f"--quorum '{quorum}' is not a fraction") from None
    votes = read_pairs(expect_csv(votes_file, "VOTES.csv"), "candidate", "votes")
    if db:
        with open_store(db) as store:
            res = stored_sessions.record_session(
                store,
                _contest(store, contest_id),
                votes,
                members=members,
                took_part=took_part,
                seats=seats,
                quorum=q,
            )
    else:
        res = indirect.assembly_session(
            votes, seats=seats or 9, members=members, took_part=took_part, quorum=q
        )
    _render(res, as_json, lambda w: T.assembly_tables(res, w))


@click.command(short_help="A presidential contest: round one, runoff.")
@click.argument("results_file", metavar="RESULTS.csv", required=False)
@click.option("--db", metavar="DB", help="Decide the stored round of --contest instead of a file.")
@_CONTEST
@click.option(
    "--base",
    type=click.Choice(presidential.BASES),
    default="valid",
    show_default=True,
    help="What the absolute majority is counted on.",
)
@click.option("--participated", type=click.IntRange(min=0), help="Voters who took part.")
@click.option(
    "--runoff", "runoff_file", metavar="RUNOFF.csv", help="candidate,votes of the runoff."
)
@_JSON
def president(
    results_file: str | None,
    db: str | None,
    contest_id: str | None,
    base: str,
    participated: int | None,
    runoff_file: str | None,
    as_json: bool,
) -> None:
    """A presidential contest: elected in round one, or runoff of the top two.

    With --db the round is the stored contest (its law's [presidential] base;
    a contest <id>-runoff is the runoff of <id>)."""
    if db:
        from saylau.institutions import stored_presidential

        with open_store(db) as store:
            res = stored_presidential.stored_presidential(store, _contest(store, contest_id))
    elif results_file is None:
        raise InputError("give RESULTS.csv or --db DB")
    else:
        votes = read_pairs(expect_csv(results_file, "RESULTS.csv"), "candidate", "votes")
        res = presidential.first_round(
            votes, base=base, participated=participated, against_all=_against_all(votes)
        )
    if runoff_file and not db:
        votes2 = read_pairs(expect_csv(runoff_file, "--runoff"), "candidate", "votes")
        res = presidential.runoff(res, votes2, against_all=_against_all(votes2))
    _render(res, as_json, lambda w: T.president_tables(res, w))


class _MaslikhatsGroup(click.Group):
    """`saylau maslikhats CONTESTS RESULTS` (files) still works: it means `decide`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["decide", *args]
        return super().parse_args(ctx, args)


@click.group("maslikhats", cls=_MaslikhatsGroup, short_help="Local councils elected on one day.")
def maslikhats_cmd() -> None:
    """Maslikhats: many local contests on one day, and each party's combined view."""


@maslikhats_cmd.command("decide", short_help="Seats of every maslikhat from files.")
@click.argument("contests_file", metavar="CONTESTS.csv|.toml")
@click.argument("results_file", metavar="RESULTS.csv")
@_JSON
def maslikhats_decide(contests_file: str, results_file: str, as_json: bool) -> None:
    """Every maslikhat's seats from files (contest,party,votes) and the combined view."""
    res = maslikhats.decide(
        maslikhats.read_contests(expect_csv(contests_file, "CONTESTS")),
        maslikhats.read_results(expect_csv(results_file, "RESULTS.csv")),
    )
    _render(res, as_json, lambda w: T.maslikhat_tables(res, w))


@maslikhats_cmd.command("init")
@click.argument("db", metavar="DB")
@click.argument("contests_file", metavar="CONTESTS.csv|.toml")
@click.option("--election", default="maslikhats", show_default=True, help="Election name.")
@click.option("--date", "day", help="Election day, YYYY-MM-DD (default: the laws' date).")
def maslikhats_init(db: str, contests_file: str, election: str, day: str | None) -> None:
    """Create one contest per maslikhat in DB (its own seats and law)."""
    from pathlib import Path

    from saylau.institutions import stored_maslikhats

    contests = maslikhats.read_contests(expect_csv(contests_file, "CONTESTS"))
    if day is not None:
        _day(day)
    with open_store(db, create=True) as store:
        ids = stored_maslikhats.init_maslikhats(
            store, contests, election=election, date=day, base=Path(contests_file).parent
        )
    click.echo(f"{plural(len(ids), 'maslikhat contest')} created in election '{election}'")


@maslikhats_cmd.command("results", short_help="Seats of every stored maslikhat.")
@click.argument("db", metavar="DB")
@_JSON
def maslikhats_results(db: str, as_json: bool) -> None:
    """Every stored maslikhat's seats and each party's combined representation."""
    from saylau.institutions import stored_maslikhats

    with open_store(db) as store:
        res = stored_maslikhats.stored_results(store)
    _render(res, as_json, lambda w: T.maslikhat_tables(res, w))


@click.group("observers", short_help="Observers: registry summary, irregularity reports.")
def observers_cmd() -> None:
    """Observers: accreditation registry summary, irregularity reports."""


@observers_cmd.command("summary", short_help="Summary of an accreditation registry.")
@click.argument("registry", metavar="REGISTRY.csv|kz-2021", default="kz-2021")
@_JSON
def observers_summary(registry: str, as_json: bool) -> None:
    """The CEC-style summary of a registry (default: the bundled Kazakhstan 2021)."""
    s = observers.read_registry(expect_csv(registry, "REGISTRY")).summary()
    if as_json:
        click.echo(json.dumps(s.to_dict(), ensure_ascii=False, indent=2))
        return
    _render(s, False, lambda w: T.observer_tables(registry, s, w))
    if s.synthetic:
        verb = "is a synthetic placeholder" if s.synthetic == 1 else "are synthetic placeholders"
        click.echo(f"(of these, {plural(s.synthetic, 'record')} {verb})")


@observers_cmd.command("reports", short_help="Check irregularity reports, by station.")
@click.argument("registry", metavar="REGISTRY.csv")
@click.argument("reports_file", metavar="REPORTS.csv")
@click.option("--station", help="Only the reports attached to this station.")
def observers_reports(registry: str, reports_file: str, station: str | None) -> None:
    """Check irregularity reports against the registry and list them by station."""
    reg = observers.read_registry(expect_csv(registry, "REGISTRY"))
    reports = observers.read_reports(expect_csv(reports_file, "REPORTS"))
    problems = observers.check_reports(reg, reports)
    if problems:
        raise InputError(problems)
    found = {
        st: reps
        for st, reps in observers.by_station(reports).items()
        if not station or st == station
    }
    out = console()
    show(out, T.report_tables(found, out.width))


@observers_cmd.command("load")
@click.argument("db", metavar="DB")
@click.argument("registry", metavar="REGISTRY.csv|kz-2021")
def observers_load(db: str, registry: str) -> None:
    """Store an accreditation registry in the results database DB."""
    from saylau.institutions import persist

    reg = observers.read_registry(expect_csv(registry, "REGISTRY"))
    with open_store(db, create=True) as store:
        n = persist.save_registry(store, reg)
    click.echo(f"{plural(n, 'observer')} stored")


@observers_cmd.command("report", short_help="Attach irregularity reports to stations.")
@click.argument("db", metavar="DB")
@click.argument("reports_file", metavar="REPORTS.csv")
def observers_report(db: str, reports_file: str) -> None:
    """Attach irregularity reports to their stations in DB (checked; all or nothing)."""
    from saylau.institutions import persist

    reports = observers.read_reports(expect_csv(reports_file, "REPORTS"))
    with open_store(db) as store:
        n = persist.add_reports(store, reports)
    click.echo(f"{plural(n, 'report')} stored")


@click.command(short_help="Form the chamber: factions and committees.")
@click.argument("seats_file", metavar="SEATS.csv")
@click.option("--year", type=int, required=True, help="Election year (for the convocation).")
@law_option("Law with [chamber] rules.")
@click.option("--non-party", multiple=True, help="Groups that form no faction (repeatable).")
@click.option("--majority", help="The majority faction, when the law names it.")
@_JSON
def chamber(
    seats_file: str,
    year: int,
    law_name: str | None,
    non_party: tuple[str, ...],
    majority: str | None,
    as_json: bool,
) -> None:
    """Form the chamber: factions, majority/opposition, committee chairs and secretaries."""
    rules = chamber_mod.chamber_rules(resolve_law(law_name)) if law_name else None
    res = chamber_mod.form_chamber(
        read_pairs(expect_csv(seats_file, "SEATS.csv"), "party", "seats"),
        year=year,
        rules=rules,
        majority=majority,
        non_party=non_party,
    )
    conv = chamber_mod.roman(res.convocation)
    _render(res, as_json, lambda w: T.chamber_tables(res, conv, w))


COMMANDS: list[click.Command] = [
    candidates,
    deputies,
    districts,
    mmp,
    assembly,
    president,
    maslikhats_cmd,
    observers_cmd,
    chamber,
]
