"""CLI commands (placeholder until the module lands)."""

import click

COMMANDS: list[click.Command] = []
