"""Fixtures of the trust tests: a migrated database engine on each backend."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from saylau.store import engine as store_engine


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated database (store and trust branches) on SQLite or PostgreSQL."""
    eng = store_engine.create(db_url)
    store_engine.migrate(eng)
    yield eng
    eng.dispose()
