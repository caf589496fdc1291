"""Fixtures of the store tests: an initialised store per backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from saylau.store import Store


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A store with contest ``majilis`` (law kz-majilis-2021: failing protocols rejected)."""
    with Store.open(db_url) as s:
        s.init_election("Test election", "2021-01-10", "majilis", "kz-majilis-2021")
        yield s
