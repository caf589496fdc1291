"""The ``saylau`` command line: a thin layer that parses, calls the library, renders.

Each command group lives in its own module exposing ``COMMANDS``; library errors
become one-line messages (exit status 2) here and nowhere deeper.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from saylau.errors import SaylauError

# Modules contributing commands; each exposes ``COMMANDS: list[click.Command]``.
_COMMAND_MODULES = (
    "saylau.cli.seats",
    "saylau.cli.tabulation",
    "saylau.cli.store",
    "saylau.cli.web",
    "saylau.cli.trust",
    "saylau.cli.analysis",
    "saylau.cli.institutions",
)


class _Group(click.Group):
    """A click group that turns library errors into one-line messages."""

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


for _name in _COMMAND_MODULES:
    for _command in importlib.import_module(_name).COMMANDS:
        main.add_command(_command)
