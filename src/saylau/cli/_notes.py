"""Notes of a read (profile picked, valid derived, rows skipped) on standard error."""

from __future__ import annotations

from collections.abc import Sequence

import click

#: Notes shown before "… N more": a real file can skip thousands of empty stations.
SHOWN = 20


def print_notes(notes: Sequence[str], *, limit: int = SHOWN) -> None:
    """Print each note as ``note: …`` on stderr, the first ``limit`` of them."""
    for text in notes[:limit]:
        click.echo(f"note: {text}", err=True)
    if len(notes) > limit:
        click.echo(f"note: … {len(notes) - limit:,} more (see --json)", err=True)
