"""Shared fixtures of the tabulation tests: the real Russian file read once."""

from __future__ import annotations

from pathlib import Path

import pytest

from saylau.tabulate import ProtocolTable, read_protocols


@pytest.fixture(scope="session")
def ru_table(ru_duma_2021: Path) -> ProtocolTable:
    """The 96,325 real protocols of the 2021 Duma list ballot, read with ru-cik once."""
    return read_protocols(ru_duma_2021, profile="ru-cik")
