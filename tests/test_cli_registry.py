"""Every command a CLI module defines is registered, and every registered one exists."""

from __future__ import annotations

import importlib

from saylau.cli import COMMANDS, load_command


def test_registry_matches_modules() -> None:
    defined = {}
    for module in set(COMMANDS.values()):
        for command in importlib.import_module(module).COMMANDS:
            defined[command.name] = module
    assert defined == COMMANDS
    for name in COMMANDS:
        assert load_command(name).name == name
