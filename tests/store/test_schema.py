"""Schema revisions: names of any length on every backend, upgrade from 0001_initial."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DataError
from store_helpers import table

from saylau.store import HEAD_REVISION, Store, schema
from saylau.store.engine import _migrations_config, create, migrate

LONG = "Party " + "x" * 10_240


def test_long_party_region_and_station_names_are_stored(store: Store, tmp_path: Path) -> None:
    station = "S" * 5_000
    header = (
        "station,region,district,registered,issued_at_station,in_stationary_boxes,"
        f"invalid,valid,party:A,party:{LONG}\n"
    )
    row = f"{station},{'R' * 4_000},{'D' * 3_000},100,60,60,2,58,30,28"
    summary = store.ingest("majilis", table(tmp_path / "long.csv", [row], header))
    assert summary.accepted == 1
    assert store.results("majilis").votes[LONG] == 28
    record = store.station("majilis", station)
    assert record.station.id == station
    assert "district:" + "R" * 4_000 + "/" + "D" * 3_000 in record.path


def test_0002_upgrades_a_0001_database(db_url: str) -> None:
    engine = create(db_url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(saylau_write=True)
            with conn.begin():
                command.upgrade(_migrations_config(conn), "0001_initial")
        insert = text(
            "INSERT INTO contest_parties (contest_id, party, position) VALUES ('c', :p, 1)"
        )
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO elections (id, name, created_at) VALUES (1, 'e', 't')"))
            conn.execute(
                text(
                    "INSERT INTO contests (id, election_id, title, law_name, law_toml, law_json, "
                    "policy, root_id, divisions_fixed, change_counter, last_update, created_at) "
                    "VALUES ('c', 1, 't', 'l', '', '{}', 'reject', 'national', false, 0, 't', 't')"
                )
            )
        if engine.dialect.name == "postgresql":
            with pytest.raises(DataError), engine.begin() as conn:
                conn.execute(insert, {"p": LONG})
        migrate(engine)
        with engine.begin() as conn:
            conn.execute(insert, {"p": LONG})
            heads = {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}
            stored = conn.execute(text("SELECT party FROM contest_parties")).scalar_one()
        assert HEAD_REVISION == "0011_account_language" and heads == {HEAD_REVISION}
        assert stored == LONG
    finally:
        engine.dispose()


def test_0003_backfills_counted_version_and_synthetic(db_url: str) -> None:
    """A 0002 database: a counted newest version stays counted, a rejected one is not."""
    engine = create(db_url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(saylau_write=True)
            with conn.begin():
                command.upgrade(_migrations_config(conn), "0002_text_names")
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO elections (id, name, created_at) VALUES (1, 'e', 't')"))
            conn.execute(
                text(
                    "INSERT INTO contests (id, election_id, title, law_name, law_toml, law_json, "
                    "policy, root_id, divisions_fixed, change_counter, last_update, created_at) "
                    "VALUES ('c', 1, 't', 'l', '', '{}', 'reject', 'national', false, 0, 't', 't')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO protocols (contest_id, station_id, version, status, hash, "
                    "updated_at) VALUES ('c', 'a', 2, 'accepted', 'h', 't'), "
                    "('c', 'b', 3, 'rejected', 'h', 't'), ('c', 'f', 1, 'flagged', 'h', 't')"
                )
            )
            contest = (
                "INSERT INTO contests (id, election_id, title, law_name, law_toml, law_json, "
                "policy, root_id, divisions_fixed, change_counter, last_update, created_at) "
                "VALUES (:c, 1, 't', 'l', '', '{}', 'reject', 'national', false, 0, 't', 't')"
            )
            version = (
                "INSERT INTO protocol_versions (contest_id, station_id, version, created_at, "
                "actor, source, hash, status, problems, votes) "
                "VALUES (:c, :s, 1, 't', 'a', :src, 'h', 'accepted', '[]', '{}')"
            )
            conn.execute(text(contest), [{"c": "demo"}, {"c": "real"}])
            conn.execute(
                text(version),
                [
                    {"c": "demo", "s": "1", "src": "kz-2021-Synthetic"},
                    {"c": "demo", "s": "2", "src": "real.csv"},
                    {"c": "real", "s": "1", "src": "real.csv"},
                    {"c": "real", "s": "2", "src": "synthetic.csv"},  # not the first
                ],
            )
        migrate(engine)
        with engine.begin() as conn:
            got = conn.execute(
                text("SELECT station_id, counted_version FROM protocols ORDER BY station_id")
            ).all()
            synthetic = {
                r[0]: bool(r[1]) for r in conn.execute(text("SELECT id, synthetic FROM contests"))
            }
        assert [tuple(r) for r in got] == [("a", 2), ("b", None), ("f", 1)]
        assert synthetic == {"c": False, "demo": True, "real": False}
    finally:
        engine.dispose()


def test_the_schema_module_describes_the_migrated_database(db_url: str) -> None:
    """``store/schema.py`` (what the queries use) and the migrations (what builds the
    database) agree: every table, its columns in order, NULL or NOT NULL, the primary
    key, its indexes (name, columns, unique); on PostgreSQL the types too (SQLite keeps
    the VARCHAR lengths 0002 left)."""
    with Store.open(db_url) as store:
        insp = sa.inspect(store.engine)
        dialect = store.engine.dialect
        assert set(schema.metadata.tables) <= set(insp.get_table_names())
        for table in schema.metadata.sorted_tables:
            found = insp.get_columns(table.name)
            assert [(c["name"], c["nullable"]) for c in found] == [
                (c.name, c.nullable) for c in table.columns
            ], table.name
            pk = insp.get_pk_constraint(table.name)["constrained_columns"]
            assert set(pk) == {c.name for c in table.primary_key}, table.name
            indexes = {
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in insp.get_indexes(table.name)
                if not i.get("duplicates_constraint")  # PostgreSQL: a UNIQUE constraint's own
            }
            assert indexes == {
                (i.name, tuple(c.name for c in i.columns), bool(i.unique)) for i in table.indexes
            }, table.name
            if dialect.name == "postgresql":
                assert [str(c["type"]) for c in found] == [
                    c.type.compile(dialect) for c in table.columns
                ], table.name
    assert len(schema.metadata.tables) >= 25  # 8 store, 9 trust, 8 institutions tables, …


def test_0011_moves_the_language_from_the_password_row_to_the_account(db_url: str) -> None:
    """A 0010 database: ``commission_passwords.lang`` becomes ``trust_accounts.lang``
    (an account without a password row, or without a language, has none) and back."""
    engine = create(db_url)

    def upgrade(target: str, down: bool = False) -> None:
        with engine.connect() as conn:
            conn = conn.execution_options(saylau_write=True)
            with conn.begin():
                (command.downgrade if down else command.upgrade)(_migrations_config(conn), target)

    def langs(table_name: str, key: str) -> dict[str, str | None]:
        with engine.connect() as conn:
            rows = conn.execute(text(f"SELECT {key}, lang FROM {table_name}"))
            return {str(k): v for k, v in rows}

    try:
        upgrade("0010_division_tree")
        with engine.begin() as conn:
            for name in ("kaz", "none", "bare"):
                conn.execute(
                    text(
                        "INSERT INTO trust_accounts (name, role, scope, token_id, token_hash, "
                        "created_at, created_by) VALUES (:n, 'cec', '', :n, 'h', 't', 'test')"
                    ),
                    {"n": name},
                )
            conn.execute(
                text(
                    "INSERT INTO commission_passwords (account, hash, changed_at, lang) "
                    "VALUES ('kaz', 'h', 't', 'kk'), ('none', 'h', 't', NULL)"
                )
            )
        upgrade(HEAD_REVISION)
        assert langs("trust_accounts", "name") == {"kaz": "kk", "none": None, "bare": None}
        columns = {c["name"] for c in sa.inspect(engine).get_columns("commission_passwords")}
        assert columns == {"account", "hash", "changed_at"}
        upgrade("0010_division_tree", down=True)
        assert langs("commission_passwords", "account") == {"kaz": "kk", "none": None}
    finally:
        engine.dispose()


def test_a_database_stamped_with_a_renamed_revision_migrates_to_head(db_url: str) -> None:
    # A build of this release line numbered the stations-listed step 0007 (before
    # 0007_webhooks was merged in ahead of it): its databases have the column, no
    # webhook tables, and a revision id the history no longer holds.
    engine = create(db_url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(saylau_write=True)
            with conn.begin():
                command.upgrade(_migrations_config(conn), "0006_seal_chain")
                conn.execute(
                    text(
                        "ALTER TABLE contests ADD COLUMN stations_listed BOOLEAN "
                        "NOT NULL DEFAULT false"
                    )
                )
                conn.execute(
                    text("UPDATE alembic_version SET version_num = '0007_stations_listed'")
                )
        migrate(engine)
        with engine.begin() as conn:
            heads = {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}
        names = set(sa.inspect(engine).get_table_names())
        assert heads == {HEAD_REVISION}
        assert {"webhooks", "webhook_outbox"} <= names
        assert "stations_listed" in {c["name"] for c in sa.inspect(engine).get_columns("contests")}
    finally:
        engine.dispose()
