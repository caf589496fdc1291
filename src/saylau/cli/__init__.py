"""The ``saylau`` command line: a thin layer that parses, calls the library, renders.

Each command area lives in its own module exposing ``COMMANDS``; :data:`COMMANDS`
below maps every command name to its module so a command imports only what it
needs (``saylau seats`` does not load the web stack).  Library errors become
one-line messages (exit status 2) here and nowhere deeper.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from saylau.errors import SaylauError

#: Command name -> module defining it (the module's ``COMMANDS`` list holds it).
COMMANDS: dict[str, str] = {
    "seats": "saylau.cli.seats",
    "laws": "saylau.cli.seats",
    "tabulate": "saylau.cli.tabulation",
    "synth": "saylau.cli.tabulation",
    "init": "saylau.cli.store",
    "ingest": "saylau.cli.store",
    "results": "saylau.cli.store",
    "demo": "saylau.cli.store",
    "serve": "saylau.cli.web",
    "export": "saylau.cli.web",
    "statement": "saylau.cli.web",
    "users": "saylau.cli.trust",
    "audit": "saylau.cli.trust",
    "keygen": "saylau.cli.trust",
    "sign": "saylau.cli.trust",
    "verify": "saylau.cli.trust",
    "whatif": "saylau.cli.analysis",
    "project": "saylau.cli.analysis",
    "forensics": "saylau.cli.analysis",
    "candidates": "saylau.cli.institutions",
    "deputies": "saylau.cli.institutions",
    "districts": "saylau.cli.institutions",
    "mmp": "saylau.cli.institutions",
    "assembly": "saylau.cli.institutions",
    "president": "saylau.cli.institutions",
    "maslikhats": "saylau.cli.institutions",
    "observers": "saylau.cli.institutions",
    "chamber": "saylau.cli.institutions",
}


def load_command(name: str) -> click.Command:
    """Import the module of command ``name`` and return the command."""
    module = importlib.import_module(COMMANDS[name])
    for command in module.COMMANDS:
        if command.name == name:
            return command  # type: ignore[no-any-return]
    raise LookupError(f"{COMMANDS[name]} does not define command {name!r}")


class _Group(click.Group):
    """Loads commands lazily and turns library errors into one-line messages."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        return load_command(cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SaylauError as err:
            for line in str(err).splitlines() or [type(err).__name__]:
                click.echo(f"error: {line}", err=True)
            ctx.exit(2)
        except BrokenPipeError:  # e.g. `saylau results | head`
            sys.stderr.close()
            ctx.exit(0)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="saylau")
def main() -> None:
    """saylau: election results engine (seats, tabulation, publishing, analysis)."""
