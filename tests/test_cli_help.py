"""Every command's ``--help``: each option described, no leftover markup, no cut-off summary.

The commands are found by walking the ``saylau`` group (and its subgroups) through Click,
so a command added later is checked without touching this file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from saylau.cli import main

# reST/Sphinx markup that Click prints literally: ``code``, :func:`x`, :class:`x`, …
MARKUP = re.compile(r"``|:(?:func|class|meth|data|mod|attr|exc|obj|ref|doc):`")
WIDTH = 80  # the narrowest ordinary terminal


def _walk(group: click.Group, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], click.Command]]:
    ctx = click.Context(group, info_name=path[-1])
    found: list[tuple[tuple[str, ...], click.Command]] = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, f"{' '.join(path)} lists {name!r} but cannot load it"
        found.append(((*path, name), command))
        if isinstance(command, click.Group):
            found.extend(_walk(command, (*path, name)))
    return found


COMMANDS = [(("saylau",), main), *_walk(main, ("saylau",))]
IDS = [" ".join(path[1:]) or "saylau" for path, _ in COMMANDS]


def test_the_walk_finds_every_command_and_subcommand() -> None:
    names = {" ".join(path[1:]) for path, _ in COMMANDS}
    # A few known ones at each depth: if the walk stopped early this fails.
    assert {"seats", "demo", "serve", "forensics", "audit verify", "users add"} <= names
    assert {"maslikhats results", "observers summary", "candidates check"} <= names
    assert len(names) > 40


def _help(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(main, [*path[1:], "--help"], terminal_width=WIDTH)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_every_option_has_a_one_line_help(path: tuple[str, ...], command: click.Command) -> None:
    undocumented = [
        "/".join(p.opts)
        for p in command.params
        if isinstance(p, click.Option) and not p.hidden and not (p.help or "").strip()
    ]
    assert not undocumented, f"{' '.join(path)}: options without help: {undocumented}"
    multiline = [
        "/".join(p.opts)
        for p in command.params
        if isinstance(p, click.Option) and "\n" in (p.help or "").strip()
    ]
    assert not multiline, f"{' '.join(path)}: option help on several lines: {multiline}"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=IDS)
def test_help_shows_no_markup(path: tuple[str, ...], command: click.Command) -> None:
    text = _help(path)
    assert command.help or command.short_help, f"{' '.join(path)} has no description"
    leftovers = [line.strip() for line in text.splitlines() if MARKUP.search(line)]
    assert not leftovers, f"{' '.join(path)} --help shows markup: {leftovers}"


GROUPS = [(path, c) for path, c in COMMANDS if isinstance(c, click.Group)]


def _help_as_shown(path: tuple[str, ...]) -> str:
    """``--help`` as an 80-column terminal shows it.  Not through CliRunner: it forces
    Click's layout to the full width, while a real terminal gets two columns less
    (Click lays out at ``min(columns, 80) - 2``), so summaries that fit in the runner
    were cut on screen."""
    env = {**os.environ, "COLUMNS": str(WIDTH)}
    done = subprocess.run(
        [sys.executable, "-m", "saylau", *path[1:], "--help"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(("path", "group"), GROUPS, ids=[" ".join(p) for p, _ in GROUPS])
def test_command_lists_do_not_cut_descriptions(path: tuple[str, ...], group: click.Group) -> None:
    text = _help_as_shown(path)
    assert all(len(line) <= WIDTH for line in text.splitlines()), text
    listing = text.split("Commands:", 1)[1]
    cut = [line.strip() for line in listing.splitlines() if line.rstrip().endswith("...")]
    assert not cut, f"{' '.join(path)} --help cuts summaries mid-phrase: {cut}"
    # Every subcommand appears with a summary.
    ctx = click.Context(group, info_name=path[-1])
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        assert command.get_short_help_str(limit=WIDTH).strip(), f"{name}: empty summary"
