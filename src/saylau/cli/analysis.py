"""`saylau whatif`, `saylau project` and `saylau forensics`: analysis on the command line."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from saylau.analysis.forensics import CRITERIA, KOBAK
from saylau.cli._notes import print_notes, verbose_option
from saylau.cli._options import contest_option, json_option, law_option, out_dir_option
from saylau.cli._table import Column, console, number, percent, plural, show, tables
from saylau.errors import InputError

if TYPE_CHECKING:
    from rich.table import Table

    from saylau.analysis.projection import Projection
    from saylau.analysis.whatif import WhatIf

_STORE_SUFFIXES = (".db", ".sqlite", ".sqlite3")

#: ``--contest`` of the commands that read a file or a database (whatif, forensics).
_contest_in_db = contest_option(help="Contest id in the database (default: the only one).")


def _is_store(source: str) -> bool:
    return source.startswith(("postgresql://", "postgres://", "sqlite://")) or source.endswith(
        _STORE_SUFFIXES
    )


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _write_json_atomic(path: Path, data: Any) -> None:
    """Write a JSON file via a temporary file so nothing half-written is left."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2)
        os.replace(tmp, path)
    except BaseException:  # disk full, Ctrl-C: no stray temporary file either
        Path(tmp).unlink(missing_ok=True)
        raise


# --------------------------------------------------------------------------- whatif


def _store_votes(source: str, contest: str | None) -> tuple[dict[str, int], int, int, str]:
    from saylau.cli._db import open_store, pick_contest

    store = open_store(source)
    try:
        cid = pick_contest(store, contest)
        res = store.results(cid)
        totals = res.totals
        law = store.law(cid).name
        return (
            dict(res.votes),
            int(getattr(totals, "against_all", 0) or 0),
            int(getattr(totals, "invalid", 0) or 0),
            law,
        )
    finally:
        store.close()


@click.command(short_help="Compare laws on the same votes.")
@click.argument("source", metavar="VOTES|DB")
@click.option(
    "--law",
    "laws",
    multiple=True,
    metavar="NAME|FILE.toml",
    help="A law to compare (repeat); with --vary: the base law.",
)
@click.option(
    "--vary",
    "variations",
    multiple=True,
    metavar="KEY=V1,V2",
    help="Vary threshold, method or seats of the law's list tier (repeat).",
)
@_contest_in_db
@json_option()
def whatif(
    source: str,
    laws: tuple[str, ...],
    variations: tuple[str, ...],
    contest_id: str | None,
    as_json: bool,
) -> None:
    """The same votes under several laws side by side, seat changes marked.

    VOTES is a `party,votes` CSV file; DB a results store (the contest's national
    votes).  Examples: `saylau whatif kz2021.csv --law kz-majilis-2021 --vary
    threshold=7,5`, `saylau whatif kz2021.csv --law A.toml --law B.toml`.
    """
    from saylau.analysis.whatif import compare_laws, parse_vary, vary

    against_all = invalid = 0
    if _is_store(source):
        votes, against_all, invalid, store_law = _store_votes(source, contest_id)
        if not laws:
            laws = (store_law,)
    else:
        from saylau.votes import read_votes_csv

        votes = read_votes_csv(source).votes
    if variations:
        if len(laws) != 1:
            raise InputError(f"--vary needs exactly one base --law (got {len(laws)})")
        result = vary(
            votes, laws[0], parse_vary(variations), against_all=against_all, invalid=invalid
        )
    else:
        result = compare_laws(votes, list(laws), against_all=against_all, invalid=invalid)
    if as_json:
        _echo_json(result.to_dict())
        return
    out = console()
    show(out, _whatif_tables(result, votes, out.width))
    for s, entered in zip(result.scenarios[1:], result.entered()[1:], strict=True):
        if entered:
            verb = "enters" if len(entered) == 1 else "enter"
            click.echo(f"{s.label}: {', '.join(entered)} {verb}")


def _whatif_tables(result: WhatIf, votes: dict[str, int], width: int) -> list[Table]:
    """Seats of every party under each scenario, changes against the first marked."""
    total = sum(votes.values())
    columns = [Column("Party"), Column(f"% of {total:,} votes", True)]
    columns += [Column(f"Seats, {s.label}", True) for s in result.scenarios]
    rows = []
    for p, v in votes.items():
        cells = [p, percent(100 * v / total if total else 0.0)]
        for s, ch in zip(result.scenarios, result.changes(), strict=True):
            delta = ch.get(p)
            cells.append(number(s.seats[p]) + (f" ({delta:+,})" if delta else ""))
        rows.append(cells)
    rows.append(
        ["Gallagher index", "", *[f"{s.indices['gallagher'] or 0:.2f}" for s in result.scenarios]]
    )
    title = "What if: seats under each scenario (changes against the first)"
    return tables(title, columns, rows, width=width)


# --------------------------------------------------------------------------- project


def _projection_tables(result: Projection, width: int) -> list[Table]:
    """The projected seats and probabilities of every party."""
    a = result.average
    columns = [
        Column("Party"),
        Column("Poll average %", True),
        Column("Seats (median)", True),
        Column("Seats, 5–95 %", True),
        Column("P(threshold) %", True),
        Column(f"P(majority of {result.list_seats:,}) %", True),
        Column("P(house majority) %", True),
    ]
    rows = [
        [
            p.party,
            f"{100 * p.share:.1f}",
            number(p.seats_median),
            f"{p.seats_lo:,}–{p.seats_hi:,}",
            f"{100 * p.p_threshold:.1f}",
            f"{100 * p.p_majority_list:.1f}",
            f"{100 * p.p_majority_house:.1f}",
        ]
        for p in result.parties
    ]
    title = (
        f"Projection under {result.law}: {result.list_seats:,} list seats ({result.method},"
        f" threshold {float(result.threshold):g}%), {result.sims:,} simulations,"
        f" seed {result.seed}, effective n {a.effective_n:,.0f}"
    )
    return tables(title, columns, rows, width=width)


@click.command(short_help="Seat projection from opinion polls.")
@click.argument("polls_file", metavar="POLLS.csv", type=click.Path(dir_okay=False))
@law_option("Law whose party-list tier is projected.", required=True)
@click.option("--sims", type=int, default=100_000, show_default=True, help="Simulated elections.")
@click.option(
    "--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same output)."
)
@click.option(
    "--half-life", type=float, default=14.0, show_default=True, help="Poll weight half-life, days."
)
@click.option(
    "--systematic-n",
    type=float,
    default=400.0,
    show_default=True,
    help="Floor of the systematic error as a sample size.",
)
@click.option(
    "--as-of", help="Date the poll ages are counted from (YYYY-MM-DD; default: newest poll)."
)
@json_option()
@out_dir_option("Write projection.json and charts (SVG, PNG) here.")
def project(
    polls_file: str,
    law_name: str,
    sims: int,
    seed: int,
    half_life: float,
    systematic_n: float,
    as_of: str | None,
    as_json: bool,
    out_dir: str | None,
) -> None:
    """Seat projection from opinion polls (poll average + simulation; see docs/analysis.md)."""
    from saylau.analysis.projection import project_file

    ref: date | None = None
    if as_of:
        try:
            ref = date.fromisoformat(as_of)
        except ValueError:
            raise InputError(f"--as-of {as_of!r} is not a date YYYY-MM-DD") from None
    result = project_file(
        polls_file,
        law_name,
        sims=sims,
        seed=seed,
        half_life=half_life,
        systematic_n=systematic_n,
        as_of=ref,
    )
    data = result.to_dict()
    if out_dir:
        from saylau.analysis.charts import projection_charts

        out = Path(out_dir)
        data["images"] = projection_charts(result, out)
        _write_json_atomic(out / "projection.json", data)
    if as_json:
        _echo_json(data)
        return
    term = console()
    show(term, _projection_tables(result, term.width))
    if out_dir:
        click.echo(f"wrote {out_dir}/projection.json and {len(data['images'])} images")


# --------------------------------------------------------------------------- forensics


def _protocol_frame(
    source: str, profile: str | None, contest: str | None, verbose: bool
) -> tuple[Any, bool, str]:
    """The protocols of a file or a store's contest, and whether they are synthetic
    (the file's ``# synthetic`` label, the contest's flag) with the label's text."""
    if _is_store(source):
        from saylau.cli._db import open_store, pick_contest

        store = open_store(source)
        try:
            cid = pick_contest(store, contest)
            synthetic = store.contest(cid).synthetic
            return store.iter_protocols(cid), synthetic, ""
        finally:
            store.close()
    from saylau.tabulate import read_protocols

    table = read_protocols(source, profile=profile)
    print_notes(table.warnings, verbose=verbose)
    return table.frame, table.synthetic, table.note


def _echo_region(doc: dict[str, Any], leader: str, region: str, *, as_json: bool) -> None:
    """One region's figures of the report: its entry under ``regions`` (the draws are
    the whole file's, so they equal the web page's region view)."""
    regions = doc["regions"]
    # Stations abroad have no region in their protocols (the report's "").
    key = "" if region == "Abroad" and region not in regions and "" in regions else region
    if key not in regions:
        shown = "; ".join(repr(r or "Abroad") for r in regions) or "none"
        raise InputError(f"--region {region!r} is not a region of the file (regions: {shown})")
    scope = regions[key]
    if as_json:
        _echo_json({"leader": leader, "region": region, "synthetic": doc["synthetic"], **scope})
        return
    click.echo(f"leader: {leader}; region: {region}")
    if "integer_excess" in scope:
        click.echo(
            f"integer percentages, {scope['stations']:,} stations: observed "
            f"{scope['integer_observed']:,}, null mean {scope['integer_null_mean']:,.1f}, "
            f"excess {scope['integer_excess']:+,.1f} (null sd {scope['integer_excess_sd']:.1f}),"
            f" p ≈ {scope['integer_p_value']:.4g}"
        )
    digits = scope.get("last_digit") or {}
    if digits.get("chi2") is not None:
        click.echo(
            f"last digits: n {digits['n']:,}, chi² {digits['chi2']:.1f} ({digits['df']} df), "
            f"p {digits['p_value']:.3g}"
        )


@click.command(short_help="Forensic checks on station protocols.")
@click.argument("source", metavar="PROTOCOLS|DB")
@click.option(
    "--leader",
    help="The party (or candidate) whose share is tested, as named in the file "
    "(default: the one with the most votes).",
)
@click.option(
    "--profile", help="Protocol file profile (e.g. ru-cik); default: detected from the header."
)
@_contest_in_db
@click.option(
    "--region",
    help="Print only this region's figures (as named in the protocols; 'Abroad' for "
    "stations without one), from the same run as the whole file's.",
)
@click.option(
    "--criteria",
    type=click.Choice(list(CRITERIA)),
    default=KOBAK,
    show_default=True,
    help="Integer test: the authors' anomaly() (kobak), or saylau's earlier strict "
    "window that keeps stations above 99 %.",
)
@click.option(
    "--draws",
    type=click.IntRange(1, 100_000),
    default=1000,
    show_default=True,
    help="Monte Carlo draws of the null.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option(
    "--min-registered",
    type=click.IntRange(1),
    default=100,
    show_default=True,
    help="Smallest station in the integer test.",
)
@json_option()
@out_dir_option("Write forensics.json and the images here.")
@verbose_option
def forensics(
    source: str,
    leader: str | None,
    profile: str | None,
    contest_id: str | None,
    region: str | None,
    criteria: str,
    draws: int,
    seed: int,
    min_registered: int,
    as_json: bool,
    out_dir: str | None,
    verbose: bool,
) -> None:
    """Integer-percentage, last-digit and turnout × share checks on station protocols.

    The integer test follows Kobak, Shpilkin & Pshenichnikov's own code by default;
    the criteria are printed, and in --json under "criteria" (see docs/analysis.md).
    """
    from saylau.analysis import digits as dg
    from saylau.analysis import forensics as fx

    frame, synthetic, note = _protocol_frame(source, profile, contest_id, verbose)
    chosen = leader is not None
    leader = leader if leader is not None else fx.leading_party(frame)
    report = fx.analyse(
        frame,
        leader,
        draws=draws,
        seed=seed,
        min_registered=min_registered,
        criteria=criteria,
        synthetic=synthetic,
        synthetic_note=note,
    )
    if out_dir:
        from saylau.analysis.charts import integer_histogram, klimek

        out = Path(out_dir)
        turnout, share, station_regions = fx.shares(frame, leader)
        report.images = klimek(turnout, share, station_regions, out, leader=leader)
        report.images += integer_histogram(turnout, share, out)
        _write_json_atomic(out / "forensics.json", report.to_dict())
    if region is not None:
        _echo_region(report.to_dict(), leader, region, as_json=as_json)
        return
    if as_json:
        _echo_json(report.to_dict())
        return
    if synthetic:
        click.echo(
            "SYNTHETIC DATA: these are not real election results"
            + (f" ({note})" if note else "")
            + "; what the tests find says nothing about a real election."
        )
    crit = report.to_dict()["criteria"]
    i = report.integer
    click.echo(f"leader: {leader}" + ("" if chosen else " (the most votes; --leader to choose)"))
    click.echo(f"criteria: {crit['title']} ({crit['source']})")
    click.echo(f"  stations: {crit['stations']}; turnout = {crit['turnout']}")
    click.echo(f"  integer: {crit['integer']}; excess = {crit['excess']}")
    click.echo(f"integer percentages, {i.stations:,} stations:")
    click.echo(
        f"  observed {i.observed:,}, null mean {i.null_mean:,.1f} over {draws:,} binomial draws "
        f"(seed {seed}; exact expectation {i.expected:,.1f})"
    )
    click.echo(
        f"  excess {i.excess:+,.1f} (null sd {i.sd:.1f}, null 99.9th percentile {i.p999:+.1f}), p ≈ {i.p_value:.4g}"
    )
    d = report.digits
    if d.chi2 is not None:
        click.echo(
            f"last digits of party counts ≥ {dg.MIN_COUNT} against the binomial null "
            f"(each count redrawn from its station's turnout and share): n {d.n:,}, "
            f"chi² {d.chi2:.1f} ({d.df} df), p {d.p_value:.3g}"
        )
    click.echo("excluded stations: " + ", ".join(f"{k} {v:,}" for k, v in report.excluded.items()))
    regions = sorted(report.integer_regions.items(), key=lambda kv: kv[1].excess, reverse=True)
    if len(regions) > 1:
        columns = [
            Column("Region"),
            Column("Stations", True),
            Column("Observed", True),
            Column("Null mean", True),
            Column("Excess", True),
            Column("Null sd", True),
        ]
        rows = [
            [
                name,
                number(t.stations),
                number(t.observed),
                f"{t.null_mean:,.1f}",
                f"{t.excess:+,.1f}",
                f"{t.sd:,.1f}",
            ]
            for name, t in regions[:10]
        ]
        term = console()
        title = f"Integer percentages: the {min(10, len(regions))} regions of largest excess"
        show(term, tables(title, columns, rows, width=term.width))
    if out_dir:
        click.echo(f"wrote {out_dir}/forensics.json and {plural(len(report.images), 'image')}")


COMMANDS: list[click.Command] = [whatif, project, forensics]
