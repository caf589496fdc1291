"""``saylau serve``, ``saylau export`` and ``saylau statement``: publishing results."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from saylau.cli._options import contest_option, out_file_option
from saylau.errors import InputError


@click.command("serve", short_help="Serve the results site and JSON API.")
@click.argument("db")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port."
)
def serve(db: str, host: str, port: int) -> None:
    """Serve the results site and JSON API of the store DB (path or postgresql:// URL)."""
    import uvicorn

    from saylau.cli._db import open_store
    from saylau.web.app import create_app

    # Fail here, with a one-line error, on a missing or bad database (serving an
    # empty one made for a mistyped path would show a blank election).
    open_store(db).close()
    _check_port(host, port)
    click.echo(f"saylau: results at http://{host}:{port}/  (API docs at /docs)", err=True)
    # One worker process rebuilds the polled JSON, so rebuilds never hold the event
    # loop's GIL; the access log is off (a line per poll costs more than the poll).
    app = create_app(db, rebuild_processes=1)
    _freeze_startup_objects()
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def _check_port(host: str, port: int) -> None:
    """Fail with one line, before announcing the site, when ``host:port`` cannot be
    listened on (uvicorn logged an ERROR after "results at …" had been printed)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as err:
        raise InputError(f"--host {host!r}: {err.strerror or err}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            raise InputError(
                f"--port {port}: cannot listen on {host}:{port}: {err.strerror or err}"
            ) from None


def _freeze_startup_objects() -> None:
    """Keep the ~130,000 objects of the loaded libraries out of the cyclic GC: a full
    collection over them took ~120 ms, a pause every polling client would feel."""
    import gc

    import saylau.web.model  # noqa: F401  (loaded now, so it is frozen too)

    gc.collect()
    gc.freeze()


@click.command("export", short_help="Export results as CSV, JSON or NIST JSON.")
@click.argument("db")
@contest_option()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json", "nist"]),
    default="csv",
    show_default=True,
    help="csv (one row per division), json, or nist (NIST SP 1500-100 v2).",
)
@click.option(
    "--level",
    type=click.Choice(["country", "region", "district", "station", "all"]),
    default=None,
    help="Division level of the rows (csv default: region; json default: all).",
)
@out_file_option("File to write (default: standard output).")
def export(db: str, contest_id: str | None, fmt: str, level: str | None, out: Path | None) -> None:
    """Export a contest's results as CSV, JSON or NIST SP 1500-100 v2 JSON."""
    from saylau.cli._db import open_store, pick_contest
    from saylau.web import model
    from saylau.web.encode import to_json_bytes

    with open_store(db) as store:
        cid = pick_contest(store, contest_id)
        if fmt == "csv":
            data = model.export_csv(store, cid, level or "region").encode("utf-8")
        elif fmt == "json":
            data = to_json_bytes(model.export_json(store, cid, level or "all"))
        else:
            if level not in (None, "all"):
                raise InputError(f"--level {level!r}: the NIST export always holds every level")
            data = to_json_bytes(model.export_nist(store, cid))
    _write(data, out)


@click.command("statement")
@click.argument("db")
@contest_option()
@click.option(
    "--lang",
    type=click.Choice(["en", "ru", "kk"]),
    default="en",
    show_default=True,
    help="Language of the statement.",
)
@out_file_option("PDF file to write.", required=True)
def statement(db: str, contest_id: str | None, lang: str, out: Path) -> None:
    """Write the official statement of results of a contest as PDF."""
    from saylau.cli._db import open_store, pick_contest
    from saylau.web import model
    from saylau.web.statement import statement_pdf

    with open_store(db) as store:
        cid = pick_contest(store, contest_id)
        data = statement_pdf(model.statement(store, cid), lang)
    _write(data, out)


def _write(data: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(data)
        return
    tmp = out.with_name(out.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(out)  # nothing half-written under the final name
    click.echo(f"wrote {out} ({len(data):,} bytes)", err=True)


COMMANDS: list[click.Command] = [serve, export, statement]
