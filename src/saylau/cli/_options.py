"""The options many commands share, declared once so that they read the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

#: A file that must exist (not a directory), given to the command as a ``Path``.
EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def json_option(help: str = "Print one JSON object.") -> Callable[[F], F]:
    """``--json``: the command prints one JSON document instead of tables."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def contest_option(*, required: bool = False, help: str | None = None) -> Callable[[F], F]:
    """``--contest``: which contest of the database (default: the only one)."""
    text = help or (
        "Contest id, e.g. majilis." if required else "Contest id (default: the only one)."
    )
    return click.option("--contest", "contest_id", required=required, default=None, help=text)


def key_option(help: str, *, required: bool = True) -> Callable[[F], F]:
    """``--key``: a key file made by ``saylau keygen`` (secret to sign, .pub to verify)."""
    return click.option(
        "--key",
        "key_path",
        required=required,
        default=None,
        type=EXISTING_FILE,
        help=help,
    )


def in_file_option(name: str, help: str) -> Callable[[F], F]:
    """An optional file the command reads (it must exist), as a ``Path``."""
    return click.option(name, type=EXISTING_FILE, default=None, help=help)


def out_file_option(help: str, *, required: bool = False) -> Callable[[F], F]:
    """``--out``: the file a command writes (standard output where it is optional)."""
    return click.option(
        "--out",
        required=required,
        default=None,
        type=click.Path(dir_okay=False, path_type=Path),
        help=help,
    )


def out_dir_option(help: str) -> Callable[[F], F]:
    """``--out``: the folder a command writes its JSON and images into."""
    return click.option("--out", "out_dir", type=click.Path(file_okay=False), help=help)


def law_option(
    help: str = "A law preset (see `saylau laws`) or a law file.", *, required: bool = False
) -> Callable[[F], F]:
    """``--law``: a bundled preset's name or a law TOML file."""
    return click.option("--law", "law_name", required=required, metavar="NAME|FILE.toml", help=help)


def threshold_base_option(help: str) -> Callable[[F], F]:
    """``--threshold-base``: what the threshold percentage is a share of."""
    return click.option(
        "--threshold-base",
        type=click.Choice(["valid", "cast"]),
        default="valid",
        show_default=True,
        help=help,
    )
