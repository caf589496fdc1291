"""``saylau init / ingest / results / demo``: the results store from the command line."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import polars as pl
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from saylau.cli._db import created_or_removed, open_store, pick_contest
from saylau.cli._notes import print_notes, verbose_option
from saylau.cli._results import level_tables, national_tables, problem_tables, totals_table
from saylau.cli._table import console, plural, show
from saylau.errors import InputError
from saylau.results import ContestInfo, ContestResult
from saylau.store import IngestSummary
from saylau.store.ingest import DEFAULT_BATCH
from saylau.store.ingest import Progress as IngestProgress
from saylau.store.registry import Registration
from saylau.tabulate import ProtocolTable, read_protocols
from saylau.tabulate.fields import ROW

DEMO_DB = "saylau-demo.db"
DEMO_ELECTION = "Elections to the Majilis of Kazakhstan, 10 January 2021"


def _as_typed() -> str:
    """``saylau`` as the user can type it: by path when the venv is not activated (make demo)."""
    exe = sys.argv[0]
    on_path = shutil.which("saylau")
    if Path(exe).name != "saylau" or (on_path and Path(on_path).resolve() == Path(exe).resolve()):
        return "saylau"
    return os.path.relpath(exe) if Path(exe).resolve().is_relative_to(Path.cwd()) else exe


def _console() -> Console:
    return console()


@contextmanager
def _ingest_bar(console: Console, total: int, *, elapsed: bool = False) -> Iterator[IngestProgress]:
    """A transient "ingest" bar of ``total`` protocols on ``console`` (with the time
    elapsed if asked); yields the ``progress`` callback of ``Store.ingest``."""
    columns = [TextColumn("ingest"), BarColumn(), MofNCompleteColumn()]
    if elapsed:
        columns.append(TimeElapsedColumn())
    with Progress(
        *columns,
        console=console,
        transient=True,
        # Into a pipe or a file a bar is only noise (rich leaves a blank line).
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task("ingest", total=total)
        yield lambda done, _total: bar.update(task, completed=done)


@click.command("init", short_help="Create a results database with one contest.")
@click.argument("db")
@click.option("--election", required=True, help="Election name (created if new).")
@click.option("--contest", "contest_id", required=True, help="Contest id, e.g. majilis.")
@click.option("--law", required=True, help="Law preset name or TOML file.")
@click.option(
    "--divisions",
    type=click.Path(dir_okay=False),
    help="Divisions CSV: id,name,level,parent[,country].",
)
@click.option("--date", help="Election date YYYY-MM-DD.")
@click.option("--title", help="Contest title (default: the law's title).")
@click.option(
    "--party",
    "parties",
    multiple=True,
    help="A party (list) on the ballot, in ballot order; repeat it.  Without any, the "
    "first ingest registers its file's.",
)
def init_cmd(
    db: str,
    election: str,
    contest_id: str,
    law: str,
    divisions: str | None,
    date: str | None,
    title: str | None,
    parties: tuple[str, ...],
) -> None:
    """Create a results database DB (file path or postgresql:// URL) with one contest."""
    # A bad law or divisions file is found after the file is created: remove it then.
    with created_or_removed(db), open_store(db, create=True) as store:
        info = store.init_election(
            election, date, contest_id, law, title=title, divisions=divisions
        )
        if parties:
            store.register(contest_id, parties=list(parties), actor="cli")
    where = (
        f"{plural(info.stations_expected or 0, 'station')} from {divisions}"
        if divisions
        else "divisions from the protocols"
    )
    click.echo(
        f"contest {info.id!r} of {info.election!r} created in {db}: law {info.law} ({info.policy} failing protocols), {where}"
    )


def _print_summary(console: Console, s: IngestSummary, max_problems: int) -> None:
    label = " (synthetic data)" if s.synthetic else ""
    console.print(
        f"{s.source}{label}: {plural(s.rows, 'protocol')}: accepted {s.accepted:,}, "
        f"flagged {s.flagged:,}, rejected {s.rejected:,}, unchanged {s.unchanged:,}"
    )
    if not s.problems:
        return
    show(console, problem_tables(s.source, s.problems, console.width, max_problems))
    if len(s.problems) > max_problems:
        console.print(f"… and {len(s.problems) - max_problems:,} more (--max-problems N)")


@click.command("ingest")
@click.argument("db")
@click.argument("protocols", type=click.Path(dir_okay=False))
@click.option("--contest", "contest_id", help="Contest id (default: the only contest).")
@click.option("--profile", help="Input profile, e.g. ru-cik (default: detected from the header).")
@click.option("--reason", help="Reason recorded on every new version (amendments).")
@click.option("--actor", default="cli", show_default=True, help="Who is ingesting (recorded).")
@click.option("--max-problems", default=50, show_default=True, help="Problems listed at most.")
@click.option(
    "--register",
    is_flag=True,
    help="Register the file's new stations and parties (the CEC's act, audited); "
    "a contest's first load does so by itself.",
)
@click.option("--batch-size", default=DEFAULT_BATCH, hidden=True, type=click.IntRange(min=1))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@verbose_option
def ingest_cmd(
    db: str,
    protocols: str,
    contest_id: str | None,
    profile: str | None,
    reason: str | None,
    actor: str,
    max_problems: int,
    register: bool,
    batch_size: int,
    as_json: bool,
    verbose: bool,
) -> None:
    """Validate and store the protocols of a file (CSV or zip) in DB.

    The file is stored all or nothing; its stations and parties must be registered
    (see --register).
    """
    table = read_protocols(Path(protocols), profile=profile)
    print_notes(table.warnings, verbose=verbose)
    with open_store(db) as store:
        cid = pick_contest(store, contest_id)
        store.contest(cid)
        console = Console(stderr=True) if as_json else _console()
        with _ingest_bar(console, len(table), elapsed=True) as progress:
            summary = store.ingest(
                cid,
                table,
                actor=actor,
                reason=reason,
                batch_size=batch_size,
                progress=progress,
                register=Registration(stations=True, parties=True) if register else None,
            )
    if as_json:
        click.echo(json.dumps(summary.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_summary(_console(), summary, max_problems)


def print_results(out: Console, info: ContestInfo, res: ContestResult) -> None:
    """The human rendering of a contest's result: votes and seats, then turnout."""
    show(out, national_tables(info, res, out.width))
    out.print(totals_table(res))


@click.command("results", short_help="Show a contest's results.")
@click.argument("db")
@click.option("--contest", "contest_id", help="Contest id (default: the only contest).")
@click.option(
    "--level", type=click.Choice(["region", "district", "station"]), help="Break down by level."
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the contest's API document (GET /api/v1/contests/ID); with --level, "
    "its export.json with one record per division.",
)
@click.option(
    "--csv",
    "as_csv",
    is_flag=True,
    help="Print the CSV export: one row per division of --level (default: every level).",
)
def results_cmd(
    db: str, contest_id: str | None, level: str | None, as_json: bool, as_csv: bool
) -> None:
    """Show a contest's results: turnout, votes, % and seats (or a level's breakdown)."""
    if as_json and as_csv:
        raise InputError("give --json or --csv, not both")
    from saylau.web import model

    with open_store(db) as store:
        cid = pick_contest(store, contest_id)
        if as_json:
            doc = model.export_json(store, cid, level) if level else model.contest_page(store, cid)
            click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
            return
        if as_csv:
            click.echo(model.export_csv(store, cid, level or "all").encode("utf-8"), nl=False)
            return
        info = store.contest(cid)
        national = store.results(cid)
        rows = store.results_by_level(cid, level) if level else []
    out = console()
    if level:
        show(out, level_tables(info, rows, level, out.width))
    print_results(out, info, national)


def demo_table() -> ProtocolTable:
    """The Kazakhstan 2021 look-alike protocols, generated in memory (seed 2021)."""
    from saylau.tabulate.synth import synth_like_kz_2021

    frame = synth_like_kz_2021(seed=2021)
    frame = frame.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW)).select(
        ROW, pl.exclude(ROW)
    )
    parties = [c.split(":", 1)[1] for c in frame.columns if c.startswith("party:")]
    note = "kz-majilis-2021 look-alike (seed 2021): station figures are invented, national totals are the official 2021 figures"
    return ProtocolTable(
        frame=frame, parties=parties, source="kz-2021-synthetic", synthetic=True, note=note
    )


def demo_stations(table: ProtocolTable) -> list[dict[str, str | None]]:
    """The demo's stations as the CEC registers them: id and where they sit."""
    cols = [c for c in ("station", "region", "district", "country") if c in table.frame.columns]
    return [
        {"station": str(r["station"]), **{k: (r.get(k) or None) for k in cols if k != "station"}}
        for r in table.frame.select(cols).iter_rows(named=True)
    ]


@click.command("demo", short_help="Build the Kazakhstan 2021 demo and show it.")
@click.option("--db", "db", default=DEMO_DB, show_default=True, help="SQLite file to (re)create.")
def demo_cmd(db: str) -> None:
    """Build a demo election (Kazakhstan 2021, synthetic stations) and show its result.

    The Majilis and, on the same stations, a few of the day's maslikhats."""
    from saylau.institutions import demo_institutions, demo_maslikhats

    console = _console()
    path = Path(db)
    if path.is_dir():
        raise InputError(f"--db '{db}': is a directory, not a database file")
    for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)
    table = demo_table()
    with open_store(db, create=True) as store:
        store.init_election(DEMO_ELECTION, "2021-01-10", "majilis", "kz-majilis-2021")
        # The CEC registers the ballot and the polling stations before election day:
        # the results then know how many stations to expect ("N / 10,060").
        store.register(
            "majilis", stations=demo_stations(table), parties=table.parties, actor="demo"
        )
        with _ingest_bar(console, len(table)) as progress:
            summary = store.ingest(
                "majilis", table, actor="demo", reason="demo data", progress=progress
            )
        national = store.results("majilis")
        info = store.contest("majilis")
        # The maslikhats are elected the same day: a few of them on the same stations.
        local = demo_maslikhats.build(store, table.frame, seed=2021)
        demo_institutions.build(store, "majilis")
    console.print(
        f"Built {path}: {summary.rows:,} polling-station protocols ingested "
        f"(accepted {summary.accepted:,}, flagged {summary.flagged}, rejected {summary.rejected})."
    )
    rows = sum(s.rows for s in local.values())
    accepted = sum(s.accepted for s in local.values())
    console.print(
        f"Maslikhats the same day (synthetic): {len(local)} local councils, {rows:,} protocols "
        f"on the same stations (accepted {accepted:,}); seats: {_as_typed()} maslikhats results {db}"
    )
    console.print(
        "[bold]Synthetic data:[/bold] the station-level protocols are invented; their national "
        "totals equal the official 2021 figures (CEC of Kazakhstan)."
    )
    print_results(console, info, national)
    console.print(f"Open the results page: {_as_typed()} serve {db}")


COMMANDS: list[click.Command] = [init_cmd, ingest_cmd, results_cmd, demo_cmd]
