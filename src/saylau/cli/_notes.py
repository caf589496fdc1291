"""Notes of a read (profile picked, valid derived, rows skipped) on standard error."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

#: Notes shown before "… N more": a read has a handful, each one line.
SHOWN = 20

F = TypeVar("F", bound=Callable[..., Any])


def print_notes(notes: Sequence[str], *, verbose: bool = False, limit: int = SHOWN) -> None:
    """Print each note as ``note: …`` on stderr, the first ``limit`` of them; with
    ``verbose`` every note and the detail lines behind it (every skipped row)."""
    shown = notes if verbose else notes[:limit]
    for text in shown:
        details: Sequence[str] = getattr(text, "details", ())
        hint = " (--verbose for all)" if details and not verbose else ""
        click.echo(f"note: {text}{hint}", err=True)
        if verbose:
            for line in details:
                click.echo(f"note:   {line}", err=True)
    if len(notes) > len(shown):
        click.echo(f"note: … {len(notes) - len(shown):,} more (--verbose for all)", err=True)


def verbose_option(command: F) -> F:
    """The ``--verbose`` flag of the commands that read protocol files."""
    return click.option(
        "--verbose",
        "-v",
        is_flag=True,
        help="Print every note of the read in full (e.g. each row skipped without data).",
    )(command)
