"""A database of the previous release opens with this code and is upgraded in place.

``fixtures/release-0d52a7f.sql`` is an SQLite dump of a database that the release
before one migration history built (``fixtures/build_release_db.py``, run at commit
0d52a7f): its ``alembic_version`` holds three heads (``0003_counted_version``,
``trust_0001``, ``inst_0003``).  On PostgreSQL the same old schema is built by those
three revisions, which are unchanged, and the dump's rows are copied in.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from saylau.store import HEAD_REVISION, Store
from saylau.store.engine import _migrations_config, create
from saylau.trust import integrity

DUMP = Path(__file__).parent / "fixtures" / "release-0d52a7f.sql"
OLD_HEADS = {"0003_counted_version", "trust_0001", "inst_0003"}


def _sqlite_release(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        conn.executescript(DUMP.read_text(encoding="utf-8"))
    finally:
        conn.close()


def _copy_rows(source: sa.Engine, target: sa.Engine) -> None:
    """Every row of every table of ``source`` into the same tables of ``target``."""
    meta = sa.MetaData()
    meta.reflect(target)
    with source.connect() as src, target.begin() as dst:
        for table in reversed(meta.sorted_tables):  # rows the migrations seeded (audit head)
            if table.name != "alembic_version":
                dst.execute(table.delete())
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = [dict(r._mapping) for r in src.execute(sa.text(f"SELECT * FROM {table.name}"))]
            for row in rows:
                for col in table.columns:
                    # SQLite keeps booleans as 0/1; PostgreSQL wants true/false.
                    if isinstance(col.type, sa.Boolean) and row.get(col.name) is not None:
                        row[col.name] = bool(row[col.name])
            if rows:
                dst.execute(table.insert(), rows)


@pytest.fixture
def release_db(db_url: str, tmp_path: Path) -> Iterator[str]:
    """``db_url`` holding the previous release's database (old schema, old heads)."""
    if "://" not in db_url:
        _sqlite_release(Path(db_url))
        yield db_url
        return
    old = tmp_path / "release.db"
    _sqlite_release(old)
    engine = create(db_url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(saylau_write=True)
            with conn.begin():
                for rev in sorted(OLD_HEADS):
                    command.upgrade(_migrations_config(conn), rev)
        source = sa.create_engine(f"sqlite:///{old}")
        _copy_rows(source, engine)
        source.dispose()
    finally:
        engine.dispose()
    yield db_url


def _heads(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(sa.text("SELECT version_num FROM alembic_version"))}


def _norm(value: Any) -> Any:
    return bool(value) if isinstance(value, bool) else value


#: Columns added since the release (revision 0007), each with the value an upgrade gives
#: the fixture's rows: compared on their own, the old columns must be unchanged.
ADDED = {("contests", "stations_listed"), ("trust_accounts", "lang")}


def snapshot(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but ``alembic_version``, in a stable order (but the
    columns added since the release)."""
    meta = sa.MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            cols = sorted(
                (c for c in table.columns if (table.name, c.name) not in ADDED),
                key=lambda c: c.name,
            )
            rows = conn.execute(sa.select(*cols)).all()
            out[table.name] = sorted(
                (tuple(_norm(v) for v in r) for r in rows), key=lambda t: repr(t)
            )
    return out


def test_a_release_database_is_upgraded_in_place_with_nothing_lost(release_db: str) -> None:
    engine = create(release_db)
    try:
        assert _heads(engine) == OLD_HEADS
        before = snapshot(engine)
    finally:
        engine.dispose()
    # What the fixture holds (build_release_db.py): every kind of row is there.
    counts = {t: len(rows) for t, rows in before.items()}
    assert counts["protocol_versions"] == 8  # 4 + 1 ingested, S1 v2 and rejected v3, S3 v2
    assert counts["trust_audit"] == 8
    assert counts["trust_accounts"] == 5  # one per role and a revoked station account
    assert counts["inst_candidates"] == 8
    assert counts["inst_observers"] == 398
    assert counts["inst_irregularities"] == 1
    assert counts["inst_maslikhats"] == 2
    assert counts["trust_approvals"] == counts["trust_certifications"] == 1
    assert counts["trust_decisions"] == 1

    with Store.open(release_db) as store:  # opening migrates
        assert _heads(store.engine) == {HEAD_REVISION}
        after = snapshot(store.engine)
        with store.engine.connect() as conn:
            listed = [
                bool(v)
                for v in conn.execute(sa.text("SELECT stations_listed FROM contests")).scalars()
            ]
            langs = list(conn.execute(sa.text("SELECT lang FROM trust_accounts")).scalars())
        report = integrity.verify(store.engine)
        assert [c.id for c in store.contests()] == ["kz", "town", "rayon"]
        assert [v.status for v in store.protocol_versions("kz", "S1")] == [
            "accepted",
            "accepted",
            "rejected",
        ]
    # Every old table keeps every row; tables added since start empty.  The audit log
    # only grows: 0006_seal_chain vouches for the 3 contests and 5 accounts the old
    # chain did not cover (3 register + 5 seal entries), so verify checks them.
    grown = ("trust_audit", "trust_audit_head")
    kept = {t: rows for t, rows in before.items() if t not in grown}
    assert {t: rows for t, rows in after.items() if t in kept} == kept
    assert set(before["trust_audit"]) < set(after["trust_audit"])
    assert not any(rows for t, rows in after.items() if t not in before)
    assert not report.findings, report.findings
    assert report.summary().startswith("INTACT: 16 audit entries")
    # No contest of the release registered stations ahead of results (its log holds no
    # ``registration`` entry): 0007 marks none as listed.
    assert listed == [False, False, False]
    # The release had no preferred languages: every account follows the browser.
    assert langs == [None] * 5


def _schema(engine: sa.Engine) -> dict[str, Any]:
    insp = sa.inspect(engine)
    out: dict[str, Any] = {}
    for name in sorted(insp.get_table_names()):
        out[name] = {
            "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in insp.get_columns(name)],
            "pk": sorted(insp.get_pk_constraint(name)["constrained_columns"]),
            "fks": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"])
                for f in insp.get_foreign_keys(name)
            ),
            "indexes": sorted(
                (i["name"], tuple(str(c) for c in i["column_names"]), bool(i["unique"]))
                for i in insp.get_indexes(name)
            ),
            "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(name)),
        }
    return out


@pytest.fixture
def second_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A second fresh database on the same backend as ``db_url``."""
    if "://" not in db_url:
        yield str(tmp_path / "fresh.db")
        return
    import psycopg

    base, name = db_url.rsplit("/", 1)
    fresh = f"{name}_fresh"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{fresh}"')
    try:
        yield f"{base}/{fresh}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{fresh}" WITH (FORCE)')


def test_fresh_and_upgraded_databases_have_one_schema(release_db: str, second_url: str) -> None:
    with Store.open(release_db) as upgraded, Store.open(second_url) as fresh:
        assert _heads(fresh.engine) == {HEAD_REVISION}
        assert _schema(upgraded.engine) == _schema(fresh.engine)
