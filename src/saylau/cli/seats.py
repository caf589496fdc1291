"""`saylau seats` and `saylau laws`: the seat-allocation core on the command line."""

from __future__ import annotations

import io
import json
import sys
from typing import Any

import click
from rich.console import Console

from saylau.errors import InputError
from saylau.law import Law, LawResult, list_presets, load_law
from saylau.law.schemes import scheme_tables
from saylau.methods import REGISTRY
from saylau.votes import VotesFile, read_votes_csv

#: Most seats an ad-hoc --seats may ask for.  The largest chamber in the world has
#: under 3,000 members; a bigger number is a typo, and 10**11 seats would fill
#: the memory with the allocation's step log instead of failing.
MAX_SEATS = 100_000


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
@click.option(
    "--law",
    "law_name",
    metavar="NAME|FILE.toml",
    help="A law preset (see `saylau laws`) or a law file.",
)
@click.option("--method", help=f"Allocation method: {', '.join(REGISTRY)}.")
@click.option("--seats", type=int, help="Seats to allocate (with --method).")
@click.option(
    "--threshold", default="0", show_default=True, help="Threshold in percent (with --method)."
)
@click.option(
    "--threshold-base",
    type=click.Choice(["valid", "cast"]),
    default="valid",
    show_default=True,
    help="valid: votes for parties (+ against all); cast: valid + invalid ballots.",
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
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def seats(
    votes_file: str,
    law_name: str | None,
    method: str | None,
    seats: int | None,
    threshold: str,
    threshold_base: str,
    invalid: int,
    against_all: int,
    seed: int | None,
    as_json: bool,
) -> None:
    """Allocate seats from a votes file (CSV `party,votes`, or - for stdin).

    Either under a law (--law) or with an explicit method (--method and --seats).
    """
    if (law_name is None) == (method is None):
        raise InputError("give either --law NAME|FILE or --method NAME with --seats N")
    data = _read_votes(votes_file)
    if law_name is not None:
        law = load_law(law_name)
    else:
        if seats is None:
            raise InputError("--seats is required with --method")
        law = _adhoc_law(method or "", seats, threshold, threshold_base)
    result = law.allocate(
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


def _adhoc_law(method: str, seats: int, threshold: str, base: str) -> Law:
    from saylau.law import parse_law

    check_seats(seats)
    text = (
        '[law]\nname = "ad-hoc"\ntitle = "Ad-hoc allocation"\n\n[[tiers]]\nname = "party-list"\n'
        f"seats = {seats}\nmethod = {json.dumps(method)}\nthreshold = {json.dumps(threshold)}\n"
        f'threshold_base = "{base}"\n'
    )
    return parse_law(text, label="options", default_name="ad-hoc")


def _print_result(result: LawResult) -> None:
    console = Console()
    a = result.allocation
    console.print(a.table(title=f"{result.title}: {a.method}, {a.house_size} seats"))
    for table in scheme_tables(a):  # seats per region: biproportional and two-level tiers
        console.print(table)
    if a.quota is not None:
        console.print(f"Quota: {float(a.quota):,.4f} (exactly {a.quota})")
    if a.divisor is not None:
        console.print(f"Final divisor: {float(a.divisor):,.4f}")
    for p, reason in a.threshold.reasons.items():
        if not a.threshold.passed[p]:
            console.print(f"[dim]{p}: {reason}[/dim]")
    for tie in a.ties:
        console.print(f"[yellow]{tie.text}[/yellow]")
    if a.vacant:
        console.print(f"[yellow]{a.vacant} seat(s) left vacant[/yellow]")
    for tier in result.tiers:
        if tier.allocation is None:
            by = f" ({tier.elected_by})" if tier.elected_by else ""
            console.print(f"+ {tier.seats} seats: {tier.title}{by}")
    if len(result.tiers) > 1:
        console.print(f"[bold]Total seats: {result.total_seats}[/bold]")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the laws as JSON.")
def laws(as_json: bool) -> None:
    """List the electoral laws bundled with saylau."""
    items = list_presets()
    if as_json:
        click.echo(json.dumps([law.describe() for law in items], ensure_ascii=False, indent=2))
        return
    from rich.table import Table

    table = Table(title="Bundled laws (use with --law NAME)", title_justify="left")
    for col in ("Name", "Body", "Seats", "List tier"):
        table.add_column(col)
    for law in items:
        t = law.list_tier
        table.add_row(
            law.name,
            law.title,
            str(law.total_seats),
            f"{t.seats} by {t.method}, {float(t.threshold):g}% of {t.threshold_base}",
        )
    Console().print(table)


COMMANDS: list[click.Command] = [seats, laws]
