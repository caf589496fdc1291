"""Shared test fixtures: the shared data folder and the database backends.

The whole store-backed suite runs against SQLite (always) and PostgreSQL (when
``SAYLAU_TEST_PG_URL`` names a server, as ``.ci/run`` does).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SAYLAU_SHARED", REPO.parent / "shared"))
RU_DUMA_2021 = SHARED / "data" / "ru-duma-2021.csv.zip"
NIST_SCHEMA = SHARED / "specs" / "nist-1500-100-v2-results.schema.json"
PG_URL = os.environ.get("SAYLAU_TEST_PG_URL", "")


@pytest.fixture(scope="session")
def ru_duma_2021() -> Path:
    """The real Russian Duma 2021 station protocols (skips where absent)."""
    if not RU_DUMA_2021.exists():
        pytest.skip(f"real data file not found: {RU_DUMA_2021} (see ../shared/data/README.md)")
    return RU_DUMA_2021


@pytest.fixture(scope="session")
def nist_schema() -> Path:
    if not NIST_SCHEMA.exists():
        pytest.skip(f"NIST schema not found: {NIST_SCHEMA}")
    return NIST_SCHEMA


def _pg_database() -> Iterator[str]:
    import psycopg

    name = f"saylau_t_{uuid.uuid4().hex[:12]}"
    admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: an SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "saylau.db")
        return
    if not PG_URL:
        pytest.skip("PostgreSQL not configured: set SAYLAU_TEST_PG_URL=postgresql://…/test")
    yield from _pg_database()
