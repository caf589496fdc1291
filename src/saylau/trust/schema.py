"""The trust tables (SQLAlchemy Core), created by the ``trust`` Alembic branch.

Times are ISO-8601 UTC text so that the audit hashes are byte-identical on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

accounts = Table(
    "trust_accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("scope", Text, nullable=False),  # a division id; "" = every division
    Column("token_id", String(32), nullable=False, unique=True),
    Column("token_hash", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("expires_at", String(32)),
    Column("revoked_at", String(32)),
)

audit = Table(
    "trust_audit",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("contest", String(200)),
    Column("subject", Text),
    Column("before_hash", String(64)),
    Column("after_hash", String(64)),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

# One row (id = 1): the chain's head.  Appenders lock it, which serialises the
# chain across processes; verification compares it with the last entry so a
# truncated tail is noticed.
audit_head = Table(
    "trust_audit_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

settings = Table(
    "trust_settings",
    metadata,
    Column("contest", String(200), primary_key=True),
    Column("double_entry", Boolean, nullable=False),
)

entries = Table(
    "trust_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contest", String(200), nullable=False),
    Column("station", String(200), nullable=False),
    Column("account", String(200), nullable=False),
    Column("at", String(32), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("protocol", Text, nullable=False),
    Column("reason", Text),
    # pending -> agreed | conflict -> resolved | discarded
    Column("status", String(16), nullable=False),
)

approvals = Table(
    "trust_approvals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contest", String(200), nullable=False),
    Column("scope", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", String(32), nullable=False),
    Column("results_hash", String(64), nullable=False),
    Column("stale_at", String(32)),
)

decisions = Table(
    "trust_decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contest", String(200), nullable=False),
    Column("station", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", String(32), nullable=False),
    Column("used_at", String(32)),
)

certifications = Table(
    "trust_certifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("contest", String(200), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", String(32), nullable=False),
    Column("results_hash", String(64), nullable=False),
)

idempotency = Table(
    "trust_idempotency",
    metadata,
    Column("account", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("response", Text, nullable=False),
    Column("at", String(32), nullable=False),
    UniqueConstraint("account", "key", name="uq_trust_idempotency"),
)
