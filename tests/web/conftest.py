"""Fixtures of the web tests: a real store with a small synthetic election."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webdata import build_store

from saylau.store import Store
from saylau.web.app import create_app


@pytest.fixture
def store(db_url: str, tmp_path: Path) -> Iterator[Store]:
    s = build_store(db_url, tmp_path)
    yield s
    s.close()


@pytest.fixture
def client(store: Store, db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(db_url, counter_ttl=0)) as c:
        yield c
