"""Opening a database: URL handling, SQLite pragmas, write transactions, migrations.

A plain path is an SQLite file (WAL, ``busy_timeout``, foreign keys on); a
``postgresql://`` URL uses psycopg 3.  Write transactions take the database's
write lock up front (SQLite ``BEGIN IMMEDIATE``; PostgreSQL: the contest row
``FOR UPDATE``) so two ingesting processes serialize batch by batch instead of
reading stale "current version" rows.
"""

from __future__ import annotations

import sqlite3
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import ConnectionPoolEntry

#: Milliseconds an SQLite writer waits for another writer's batch to commit.
SQLITE_BUSY_TIMEOUT_MS = 120_000

#: Page size of new SQLite files (bytes).
SQLITE_PAGE_SIZE = 16_384


def database_url(url_or_path: str | Path) -> str:
    """The SQLAlchemy URL of ``url_or_path`` (a file path means SQLite)."""
    text = str(url_or_path)
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    if "://" in text:
        return text
    return "sqlite:///" + str(Path(text).resolve())


#: What opening a database can raise besides saylau's own errors: driver and OS
#: errors (connection refused, not a database, a locked or unreadable file).
DRIVER_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, OSError)


def display_url(url: str) -> str:
    """``url`` as shown in messages: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL: show it as given
        return url


def create(url_or_path: str | Path) -> Engine:
    """An engine for ``url_or_path`` with the pragmas and transaction hooks set."""
    url = database_url(url_or_path)
    if make_url(url).get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        # Transactions are begun by the "begin" hook below, not by the driver.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        # Only takes effect on a new, empty file (before WAL is on).  16 KiB pages
        # keep a protocol version (long names in the votes JSON) on one page instead
        # of spilling to overflow pages: about 3x faster bulk inserts.
        cur.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA cache_size=-262144")  # 256 MB: a batch's pages stay in memory
        # The ingest's per-batch staging table lives in TEMP: keep it off the disk.
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("saylau_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


#: One lock per SQLite engine: the process's writers queue here, not in SQLite.
_WRITERS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()
_WRITERS_GUARD = threading.Lock()


def _writer_lock(engine: Engine) -> threading.RLock:
    with _WRITERS_GUARD:
        found = _WRITERS.get(engine)
        if found is None:
            found = _WRITERS[engine] = threading.RLock()
        return found


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction holding SQLite's write lock from its first statement.

    On SQLite the threads of this process first queue on a lock of their own: a
    writer that finds the database locked sleeps in SQLite's busy handler (steps of
    up to 100 ms) and can sleep on after the lock is free, which under many
    concurrent saves made the waits, not the writes, the cost.  Other processes
    still meet ``busy_timeout``."""
    lock = _writer_lock(engine) if is_sqlite(engine) else nullcontext()
    with lock, engine.connect() as conn:
        conn = conn.execution_options(saylau_write=True)
        with conn.begin():
            yield conn


def _migrations_config(conn: Connection) -> Config:
    cfg = Config()
    here = resources.files("saylau.store") / "migrations"
    cfg.set_main_option("script_location", str(here))
    # One folder holds every revision of every table (one history, one head).
    cfg.set_main_option("version_locations", str(here / "versions"))
    cfg.set_main_option("path_separator", "space")
    cfg.attributes["connection"] = conn
    return cfg


#: Revision ids that a build of this release line wrote and the history has since
#: renamed (renumbered when two branches each added a migration), mapped to the last
#: revision such a database had *before* the renamed step.  The steps after it run
#: again and find what is already there (each checks, see ``0008_stations_listed``).
RENAMED = {"0007_stations_listed": "0006_seal_chain"}


def migrate(engine: Engine) -> None:
    """Upgrade the database to the head revision (a no-op when already there)."""
    with engine.connect() as conn:
        conn = conn.execution_options(saylau_write=True)
        cfg = _migrations_config(conn)
        heads = set(ScriptDirectory.from_config(cfg).get_heads())
        current = set(MigrationContext.configure(conn).get_current_heads())
        conn.rollback()
        if current == heads:
            return
        with conn.begin():
            if not is_sqlite(engine):
                conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7240917)")
            # Recheck under the lock: another process may have just migrated.
            current = set(MigrationContext.configure(conn).get_current_heads())
            for old in current & RENAMED.keys():
                conn.exec_driver_sql(
                    "UPDATE alembic_version SET version_num = %s WHERE version_num = %s"
                    if not is_sqlite(engine)
                    else "UPDATE alembic_version SET version_num = ? WHERE version_num = ?",
                    (RENAMED[old], old),
                )
                current = set(MigrationContext.configure(conn).get_current_heads())
            if current != heads:
                command.upgrade(cfg, "head")


#: An open connection or transaction of the store, as the rule packages (trust,
#: institutions) receive it from a ``Store`` and pass it back to ``saylau.store``
#: functions: they never run SQL on it themselves.
Tx = Connection
#: The store's engine, as the rule packages hold it (``Store.engine``).
StoreEngine = Engine
