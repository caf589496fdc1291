"""Fixtures of the trust tests: migrated databases, a contest, accounts, the app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from trust_world import CONTEST, S1, S9, World

from saylau.store import Store
from saylau.store import engine as store_engine
from saylau.trust import accounts, workflow


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated database (store and trust branches) on SQLite or PostgreSQL."""
    eng = store_engine.create(db_url)
    store_engine.migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    """A contest with S1 (Almaty) and S9 (Astana) counted, and one account per role."""
    store = Store.open(db_url)
    store.init_election("Majilis 2023", "2023-03-19", CONTEST, "kz-majilis-2023")
    store.register(CONTEST, stations=[S1, S9], parties=["Amanat", "Auyl"], actor="test")
    tokens, accs = {}, {}
    with store_engine.write_transaction(store.engine) as conn:
        for role, scope in (
            ("station", "S1"),
            ("territorial", "region:Almaty"),
            ("cec", None),
            ("observer", None),
        ):
            accs[role], tokens[role] = accounts.add_account(conn, role, role, scope, by="test")
    workflow.submit(store, accs["cec"], CONTEST, S1)
    workflow.submit(store, accs["cec"], CONTEST, S9)
    yield World(db_url, store, tokens, accs)
    store.close()


@pytest.fixture
def client(world: World) -> Iterator[TestClient]:
    from saylau.web.app import create_app

    app = create_app(world.url)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c
    app.state.site.store.close()
