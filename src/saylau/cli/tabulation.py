"""``saylau tabulate`` and ``saylau synth``: in-memory tabulation and synthetic protocols."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.markup import escape

from saylau.cli._notes import print_notes, verbose_option
from saylau.cli._options import json_option, threshold_base_option
from saylau.cli._results import ballot_lines, problem_tables, seat_tables
from saylau.cli._table import console, facts, of, plural, show
from saylau.cli.seats import check_seats
from saylau.errors import InputError
from saylau.law import load_law
from saylau.tabulate.engine import LawLike, MethodLaw, Policy, Tabulation, tabulate
from saylau.tabulate.synth import LIKE, synth


def _law(
    law: str | None, method: str | None, seats: int | None, threshold: str, base: str
) -> LawLike:
    if law and (method or seats is not None):
        raise InputError("give either --law or --method/--seats, not both")
    if law:
        return load_law(law)
    if not method or seats is None:
        raise InputError("give --law NAME|FILE, or --method M and --seats N")
    check_seats(seats)
    return MethodLaw(method, seats, threshold, "cast" if base == "cast" else "valid")


def _render(result: Tabulation) -> None:
    out = console()
    if result.synthetic:
        out.print(f"[bold yellow]SYNTHETIC DATA[/]: {escape(result.note or 'labelled synthetic')}")
    t = result.totals
    counted = [("Stations counted", of(t.stations, result.stations))]
    lines = counted + ballot_lines(t, issued_derived=result.issued_derived)
    # Titled like `saylau results`: what was counted, under which law.
    title = result.result.title
    out.print(facts(f"{result.source}: stations and ballots", lines))
    show(
        out, seat_tables(f"{title}: votes and seats ({result.source})", t, result.result, out.width)
    )
    if result.problems:
        verb = "left out" if result.policy == "reject" else "counted and flagged"
        bad = len(result.rejected) or len(result.flagged)
        out.print(f"[bold red]{plural(bad, 'protocol')} failed control relations, {verb}:[/]")
        show(out, problem_tables(result.source, result.problems, out.width, 20))
        if len(result.problems) > 20:
            out.print(f"… and {len(result.problems) - 20:,} more (see --json)")


@click.command("tabulate", short_help="Tabulate a protocol file in memory.")
@click.argument("protocols", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--law", help="Law preset name or law TOML file.")
@click.option("--method", help="Allocation method (instead of --law).")
@click.option("--seats", type=int, help="House size (with --method).")
@click.option("--threshold", default="0", show_default=True, help="Threshold in percent.")
@threshold_base_option("Threshold share of valid votes, or of ballots cast (valid + invalid).")
@click.option("--profile", help="Input layout (e.g. ru-cik); default: detected from the header.")
@click.option(
    "--policy", type=click.Choice(["reject", "flag"]), help="Override the law's protocol policy."
)
@json_option("Print the result as JSON.")
@verbose_option
def tabulate_command(
    protocols: Path,
    law: str | None,
    method: str | None,
    seats: int | None,
    threshold: str,
    threshold_base: str,
    profile: str | None,
    policy: str | None,
    as_json: bool,
    verbose: bool,
) -> None:
    """Read, validate, add up and allocate PROTOCOLS (CSV or zip) in memory."""
    the_law = _law(law, method, seats, threshold, threshold_base)
    chosen: Policy | None = "flag" if policy == "flag" else "reject" if policy == "reject" else None
    result = tabulate(protocols, the_law, profile=profile, policy=chosen)
    print_notes(result.warnings, verbose=verbose)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        _render(result)


#: Bounds of load-test data: ten times the benchmarks' 1,000,000 stations, and a
#: frame of at most MAX_CELLS integers (1.6 GB), so a typo fails at once instead
#: of exhausting the memory halfway through.
MAX_STATIONS = 10_000_000
MAX_PARTIES = 1_000
MAX_CELLS = 200_000_000


def _check_load_size(stations: int | None, parties: int | None) -> None:
    if stations is not None and stations > MAX_STATIONS:
        raise InputError(f"--stations: {stations} is more than {MAX_STATIONS:,}")
    if parties is not None and parties > MAX_PARTIES:
        raise InputError(f"--parties: {parties} is more than {MAX_PARTIES:,}")
    if stations and parties and stations > 0 and parties > 0 and stations * parties > MAX_CELLS:
        raise InputError(
            f"--stations {stations} × --parties {parties} = {stations * parties:,} vote cells, "
            f"more than {MAX_CELLS:,}"
        )


@click.command("synth", short_help="Write synthetic station protocols.")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--like", type=click.Choice(list(LIKE)), help="Reproduce a real election's totals.")
@click.option("--stations", type=int, help="Number of stations (load-test data).")
@click.option("--parties", type=int, help="Number of parties (load-test data).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
def synth_command(
    out: Path, like: str | None, stations: int | None, parties: int | None, seed: int
) -> None:
    """Write synthetic station protocols to OUT (labelled synthetic in the file)."""
    if like and (stations is not None or parties is not None):
        raise InputError("give either --like or --stations/--parties, not both")
    _check_load_size(stations, parties)
    frame = synth(out, like=like, stations=stations, parties=parties, seed=seed)
    click.echo(f"wrote {frame.height:,} synthetic protocols to {out}")


COMMANDS: list[click.Command] = [tabulate_command, synth_command]
