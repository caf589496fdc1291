"""`saylau seats` and `saylau laws`: the seat-allocation core on the command line."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import click

from saylau.cli._options import F, json_option, law_option, threshold_base_option
from saylau.cli._results import reserved_label
from saylau.cli._table import Column, console, keyed, number, percent, plural, show, tables
from saylau.core import check_threshold
from saylau.errors import InputError, MethodError
from saylau.law import Law, LawResult, list_presets, load_law, parse_law
from saylau.methods import REGISTRY, get_method
from saylau.results import reserved_tiers, seats_total, share
from saylau.votes import VotesFile, read_votes_csv

if TYPE_CHECKING:
    from rich.table import Table

    from saylau.allocation import Allocation

#: Most seats an ad-hoc --seats may ask for.  The largest chamber in the world has
#: under 3,000 members; a bigger number is a typo, and 10**11 seats would fill
#: the memory with the allocation's step log instead of failing.
MAX_SEATS = 100_000


def _whole_option(name: str, help: str) -> Callable[[F], F]:
    """An optional whole number of the ad-hoc method (None: not given)."""
    return click.option(name, type=int, default=None, help=help)


def check_seats(seats: int) -> None:
    """Refuse a ``--seats`` below 1 or above :data:`MAX_SEATS`, naming the value."""
    if seats < 1:
        raise InputError(f"--seats: {seats} must be ≥ 1")
    if seats > MAX_SEATS:
        raise InputError(f"--seats: {seats} is more than {MAX_SEATS:,}")


def _read_votes(path: str) -> VotesFile:
    if path == "-":
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig")
        return read_votes_csv(stream, label="<stdin>")
    return read_votes_csv(path)


def _proportionality(seats: dict[str, int], votes: dict[str, int]) -> dict[str, Any] | None:
    try:
        from saylau.analysis.proportionality import indices
    except ImportError:  # the analysis package is optional for the core
        return None
    result: dict[str, Any] = indices(votes, seats)
    return result


@click.command(short_help="Allocate seats from a votes file.")
@click.argument("votes_file", metavar="VOTES")
@law_option()
@click.option("--method", help=f"Allocation method: {', '.join(REGISTRY)}.")
@click.option("--seats", type=int, help="Seats to allocate (with --method).")
@click.option(
    "--threshold", default="0", show_default=True, help="Threshold in percent (with --method)."
)
@threshold_base_option("valid: votes for parties (+ against all); cast: valid + invalid ballots.")
@_whole_option(
    "--min-seats", "Least seats of every list that passes (with --method; e.g. 1 per US state)."
)
@_whole_option(
    "--max-seats", "Most seats of any list (with --method; with --min-seats: degressive limits)."
)
@_whole_option(
    "--base-seats",
    "Seats every list that passes holds before the method shares the rest (with --method;"
    " the --max-seats cap counts them).",
)
@_whole_option(
    "--votes-per-seat",
    "A fixed quota: votes per seat (with --method fixed-quota, instead of --seats).",
)
@_whole_option(
    "--remainder-over",
    "With --votes-per-seat: a remainder above this many votes wins one more seat.",
)
@click.option(
    "--invalid",
    type=click.IntRange(min=0),
    default=0,
    help="Invalid ballots (threshold base 'cast').",
)
@click.option("--against-all", type=click.IntRange(min=0), default=0, help="Votes 'against all'.")
@click.option(
    "--seed", type=int, default=None, help="Seed of the lot for ties the law leaves to chance."
)
@json_option()
def seats(
    votes_file: str,
    law_name: str | None,
    method: str | None,
    seats: int | None,
    threshold: str,
    threshold_base: str,
    min_seats: int | None,
    max_seats: int | None,
    base_seats: int | None,
    votes_per_seat: int | None,
    remainder_over: int | None,
    invalid: int,
    against_all: int,
    seed: int | None,
    as_json: bool,
) -> None:
    """Allocate seats from a votes file (CSV `party,votes`, or - for stdin).

    Either under a law (--law) or with an explicit method (--method and --seats).
    """
    adhoc = AdHoc(
        method,
        seats,
        threshold,
        threshold_base,
        min_seats,
        max_seats,
        votes_per_seat,
        remainder_over,
        base_seats,
    )
    problems = adhoc.problems(law_name)
    law: Law | None = None
    if law_name is not None and not problems:
        law = load_law(law_name)
    # The file is read even when the options are wrong, so one run reports everything.
    try:
        data = _read_votes(votes_file)
    except InputError as err:
        problems.extend(err.problems)
    if problems:
        raise InputError(problems)
    result = (law or adhoc.law()).allocate(
        data.votes,
        against_all=against_all,
        invalid=invalid,
        regions=data.regions or None,
        alliances=data.alliances or None,
        members=data.members or None,
        exempt=data.exempt,
        minority=data.minority,
        list_sizes=data.list_sizes or None,
        seed=seed,
    )
    if as_json:
        out = result.to_dict()
        prop = _proportionality(result.seats, data.votes)
        if prop is not None:
            out["proportionality"] = prop
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    _print_result(result)


@dataclass(frozen=True)
class AdHoc:
    """The options that make an ad-hoc law (``--method`` and the rest)."""

    method: str | None
    seats: int | None
    threshold: str
    threshold_base: str
    min_seats: int | None
    max_seats: int | None
    votes_per_seat: int | None
    remainder_over: int | None
    base_seats: int | None = None

    def problems(self, law_name: str | None) -> list[str]:
        """Every problem of the options, each naming the option as typed."""
        given = {
            "--min-seats": self.min_seats,
            "--max-seats": self.max_seats,
            "--base-seats": self.base_seats,
            "--votes-per-seat": self.votes_per_seat,
            "--remainder-over": self.remainder_over,
        }
        if law_name is not None:
            if self.method is not None:
                return ["give either --law NAME|FILE or --method NAME, not both"]
            extra = [k for k, v in given.items() if v is not None]
            if self.seats is not None:
                extra.insert(0, "--seats")
            return [f"{k}: only with --method (the law sets it)" for k in extra]
        problems: list[str] = []
        spec = None
        if self.method is None:
            problems.append("give either --law NAME|FILE or --method NAME with --seats N")
        else:
            try:
                spec = get_method(self.method)
            except MethodError as err:
                problems.append(f"--method: {err}")
        fixed = spec is not None and not spec.house_size
        if fixed:
            if self.seats is not None:
                problems.append("--seats: the fixed quota decides the seats; give --votes-per-seat")
            if self.votes_per_seat is None:
                problems.append(f"--votes-per-seat is required with --method {self.method}")
        elif self.seats is not None:
            problems.extend(_seats_problems(self.seats))
        elif self.method is not None:
            problems.append("--seats is required with --method")
        if not fixed and spec is not None:
            for k in ("--votes-per-seat", "--remainder-over"):
                if given[k] is not None:
                    problems.append(f"{k}: only with --method fixed-quota")
        try:
            check_threshold(self.threshold, "--threshold")
        except InputError as err:
            problems.extend(err.problems)
        for k, lo in (
            ("--min-seats", 0),
            ("--max-seats", 1),
            ("--base-seats", 0),
            ("--votes-per-seat", 1),
        ):
            v = given[k]
            if v is not None and v < lo:
                problems.append(f"{k}: {v} must be ≥ {lo}")
        if self.min_seats and self.max_seats and self.min_seats > self.max_seats:
            problems.append(
                f"--min-seats: {self.min_seats} is more than --max-seats {self.max_seats}"
            )
        if self.base_seats and self.min_seats:
            problems.append(
                "--base-seats: not with --min-seats (base seats come before the method;"
                " a minimum bounds what the method gives)"
            )
        if self.base_seats and self.max_seats and self.base_seats > self.max_seats:
            problems.append(
                f"--base-seats: {self.base_seats} is more than --max-seats {self.max_seats}"
            )
        if (
            self.remainder_over is not None
            and self.votes_per_seat
            and not 0 <= self.remainder_over < self.votes_per_seat
        ):
            problems.append(
                f"--remainder-over: {self.remainder_over} must be from 0 to below --votes-per-seat"
            )
        if spec is not None and spec.kind == "quota" and self.min_seats:
            problems.append(
                f"--min-seats: method '{spec.name}' is a largest-remainder method;"
                " a minimum per list is defined for divisor methods and the quota method"
            )
        return problems

    def law(self) -> Law:
        """The ad-hoc law (the options were checked by :meth:`problems`)."""
        assert self.method is not None
        tier: dict[str, Any] = {
            "name": "party-list",
            "method": self.method,
            "threshold": self.threshold,
            "threshold_base": self.threshold_base,
        }
        optional = {
            "seats": self.seats,
            "min_seats": self.min_seats,
            "max_seats_per_party": self.max_seats,
            "base_seats": self.base_seats,
            "votes_per_seat": self.votes_per_seat,
            "remainder_over": self.remainder_over,
        }
        tier.update({k: v for k, v in optional.items() if v is not None})
        lines = [f"{k} = {json.dumps(v)}" for k, v in tier.items()]
        text = '[law]\nname = "ad-hoc"\ntitle = "Ad-hoc allocation"\n\n[[tiers]]\n' + "\n".join(
            lines
        )
        return parse_law(text + "\n", label="options", default_name="ad-hoc")


def _seats_problems(seats: int) -> list[str]:
    try:
        check_seats(seats)
    except InputError as err:
        return err.problems
    return []


def seat_rows(result: LawResult) -> tuple[list[Column], list[list[str]]]:
    """The columns and rows of an allocation: every party, the tiers filled outside
    the list vote, the total.  Each seat share names its base: the list seats, and
    the whole chamber when other tiers fill seats too (as on the site)."""
    a = result.allocation
    rows = a.rows()
    listed = a.house_size
    whole = seats_total(result)
    reserved = reserved_tiers(result)
    vote_base = "% of party votes" if a.threshold.base != a.total_votes else "% of votes"
    columns = [
        Column("Party"),
        Column("Votes", True),
        Column(vote_base, True),
        Column("Seats", True),
        Column(f"% of {listed:,} list seats" if reserved else f"% of {listed:,} seats", True),
    ]
    if reserved:
        columns.append(Column(f"% of {whole:,} seats", True))
    body: list[list[str]] = []
    for row in rows:
        mark = "" if row["passed"] else " (below threshold)"
        cells = [
            f"{row['party']}{mark}",
            number(row["votes"]),
            percent(row["votes_pct"]),
            number(row["seats"]),
            percent(share(row["seats"], listed)),
        ]
        if reserved:
            cells.append(percent(share(row["seats"], whole)))
        body.append(cells)
    for tier in reserved:
        label = reserved_label(tier)
        body.append([label, "", "", number(tier.seats), "", percent(share(tier.seats, whole))])
    total = [
        "Total",
        number(a.total_votes),
        percent(100.0 if a.total_votes else 0),
        number(a.allocated + sum(t.seats for t in reserved)),
        percent(share(a.allocated, listed)),
    ]
    if reserved:
        total.append(percent(share(whole, whole)))
    body.append(total)
    return columns, body


def _scheme_tables(a: Allocation, width: int) -> list[Table]:
    """The seats per party and region of a tier that spans regions (none otherwise)."""
    held: set[tuple[str, str]] = set()  # cells marked *: a seat the guarantee alone gave
    if "biproportional" in a.extra:
        bp = a.extra["biproportional"]
        matrix = bp["lower"]["seats"]
        title = "Seats per list and district (lower apportionment)"
        if bp["voter_numbers"]:
            title += "; the upper apportionment's votes are voter numbers (votes / district seats)"
        divisors = {p: d["decimal"] for p, d in bp["lower"]["party_divisors"].items()}
        where = "District"
        held = {
            (c["party"], c["district"])
            for c in bp["lower"].get("strongest_lists", [])
            if c["guaranteed"]
        }
        if held:
            title += "; * held only as the district's strongest list"
    elif "two_level" in a.extra:
        regional = a.extra["two_level"]["regional_seats"]
        matrix = {p: r for p, r in regional.items() if a.seats.get(p)}
        title = "Seats per party and region (first and second scrutiny)"
        divisors = {}
        where = "Region"
    elif "three_tier" in a.extra:
        per = a.extra["three_tier"]["tiers"]
        names = {"constituency": "Constituencies", "union": "Unions", "national": "National list"}
        matrix = {p: {names[k]: n for k, n in t.items()} for p, t in per.items() if a.seats.get(p)}
        title = "Seats per party and tier (fixed quota in three tiers)"
        divisors = {}
        where = "Tier"
    else:
        return []
    parties = list(matrix)
    regions = list(next(iter(matrix.values()), {}))
    columns = [Column(where), *[Column(p, True) for p in parties], Column("Total", True)]
    rows = [
        [
            r,
            *[number(matrix[p][r]) + ("*" if (p, r) in held else "") for p in parties],
            number(sum(matrix[p][r] for p in parties)),
        ]
        for r in regions
    ]
    if divisors:
        rows.append(["Party divisor", *[f"{divisors[p]:,g}" for p in parties], ""])
    sums = [sum(matrix[p].values()) for p in parties]
    rows.append(["Total", *map(number, sums), number(sum(sums))])
    return tables(title, columns, rows, width=width, bold_last=True)


def _print_result(result: LawResult) -> None:
    out = console()
    width = out.width
    a = result.allocation
    columns, body = seat_rows(result)
    title = f"{result.title}: {a.method}, {a.house_size:,} list seats"
    if len(result.tiers) > 1:
        title += f" of {result.total_seats:,}"
    show(out, tables(title, columns, body, width=width, bold_last=True))
    if a.threshold.base != a.total_votes:
        # The threshold counts on another base: say which base each figure uses.
        out.print(
            f"% of party votes = share of the {a.total_votes:,} votes for parties; the"
            f" threshold is {float(a.threshold.percent):g}% of the {a.threshold.base:,}"
            f" {a.threshold.base_name}",
            markup=False,
        )
    show(out, _scheme_tables(a, width))  # per region or tier: biproportional, two/three-tier
    if a.quota is not None:
        out.print(f"Quota: {float(a.quota):,.4f} (exactly {a.quota})", markup=False)
    if a.divisor is not None:
        out.print(f"Final divisor: {float(a.divisor):,.4f}", markup=False)
    for p, reason in a.threshold.reasons.items():
        if not a.threshold.passed[p]:
            out.print(f"{p}: {reason}", style="dim", markup=False)
    for tie in a.ties:
        out.print(tie.text, style="yellow", markup=False)
    if a.vacant:
        out.print(f"{plural(a.vacant, 'seat')} left vacant", style="yellow", markup=False)


def _threshold(value: Fraction, base: str) -> str:
    """A threshold as the law states it, exactly: ``5% of cast``, ``2/3% of valid``
    (the Dutch full quota of 150 seats, not 0.666667), ``no threshold``."""
    if value == 0:
        return "no threshold"
    rest = value.denominator
    for p in (2, 5):
        while rest % p == 0:
            rest //= p
    if rest == 1:  # a terminating decimal: written out whole
        text = f"{Decimal(value.numerator) / Decimal(value.denominator):f}"
    else:
        text = f"{value.numerator}/{value.denominator}"
    return f"{text}% of {base}"


@click.command()
@json_option("Print the laws as JSON.")
def laws(as_json: bool) -> None:
    """List the electoral laws bundled with saylau."""
    items = list_presets()
    if as_json:
        click.echo(json.dumps([law.describe() for law in items], ensure_ascii=False, indent=2))
        return
    rows = []
    for law in items:
        t = law.list_tier
        seats = (
            f"{t.votes_per_seat:,} votes per seat" if t.votes_per_seat else plural(t.seats, "seat")
        )
        extra = f", at least {t.min_seats}" if t.min_seats else ""
        extra += f", {t.base_seats} base" if t.base_seats else ""
        rows.append(
            [
                law.name,
                "by votes" if t.votes_per_seat else f"{law.total_seats:,}",
                # The body and its list tier share a column, so the method (typed too)
                # has the room the name leaves at 80 columns.
                f"{law.title}\n{t.method}: {seats}{extra}, {_threshold(t.threshold, t.threshold_base)}",
            ]
        )
    columns = [Column("Name"), Column("Seats", True), Column("Body · list tier")]
    console().print(keyed("Bundled laws (use with --law NAME)", columns, rows))


COMMANDS: list[click.Command] = [seats, laws]
