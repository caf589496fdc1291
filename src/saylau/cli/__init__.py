"""The ``saylau`` command line: a thin layer that parses, calls the library, renders.

Each command area lives in its own module exposing ``COMMANDS``; :data:`COMMANDS`
below maps every command name to its module so a command imports only what it
needs (``saylau seats`` does not load the web stack).  Library errors become
one-line messages (exit status 2) here and nowhere deeper.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, NoReturn

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
    "verify": "saylau.cli.publish",  # extends trust's verify with --manifest
    "publish": "saylau.cli.publish",
    "webhooks": "saylau.cli.webhooks",
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

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as err:  # `saylau --bogus`: the group's own options
            _usage_exit(err)

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
        except click.UsageError as err:
            _usage_exit(err)
        except (OSError, UnicodeDecodeError, MemoryError) as err:
            click.echo(f"error: {_environment_message(err)}", err=True)
            ctx.exit(2)
        except Exception as err:
            if not _is_database_error(err):
                raise  # a bug, not bad input: keep the traceback
            orig = getattr(err, "orig", None) or err
            click.echo(f"error: database: {' '.join(str(orig).split())}", err=True)
            ctx.exit(2)


def _usage_exit(err: click.UsageError) -> NoReturn:
    """Print a usage error as one ``error:`` line (Click prints three) and exit 2.

    ``saylau`` with no arguments (help wanted, not an error) keeps Click's output.
    """
    if isinstance(err, click.exceptions.NoArgsIsHelpError):
        raise err
    where = err.ctx.command_path if err.ctx is not None else "saylau"
    click.echo(f"error: {err.format_message()} (see '{where} -h')", err=True)
    raise click.exceptions.Exit(err.exit_code)


def _environment_message(err: BaseException) -> str:
    """One line for an OS, encoding or memory error that escaped a command.

    The commands check their own inputs; this is the net under them, so a file
    that vanished, a directory given as an output path or an absurd size never
    ends in a traceback.
    """
    if isinstance(err, UnicodeDecodeError):
        bad = err.object[err.start : err.start + 1].hex()
        return f"input is not {err.encoding} (byte 0x{bad} at offset {err.start}); save it as UTF-8"
    if isinstance(err, MemoryError):
        return "out of memory: the input or an option asks for more than this machine has"
    assert isinstance(err, OSError)
    if err.filename is not None:
        return f"{err.filename}: {err.strerror or err}"
    return " ".join(str(err).split()) or type(err).__name__


def _is_database_error(err: BaseException) -> bool:
    """True for a database driver error (the server went away, a locked file …)."""
    if "saylau.store.engine" not in sys.modules:  # `saylau seats` never opens a database
        return False
    from saylau.store.engine import DRIVER_ERRORS

    return isinstance(err, DRIVER_ERRORS)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="saylau")
def main() -> None:
    """saylau: election results engine (seats, tabulation, publishing, analysis)."""
