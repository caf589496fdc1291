"""Trust tables: accounts, audit chain and head, double entry, approvals, decisions.

Created 2024-06-01 as the root of the trust branch (after ``0001_initial``); joined to
the store's history by ``0004_one_history``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from saylau.store.migrations import _ops

revision = "trust_0001"
down_revision = None
depends_on = "0001_initial"

GENESIS = "0" * 64


def upgrade() -> None:
    op.create_table(
        "trust_accounts",
        _ops.serial_id(),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("scope", sa.Text, nullable=False),
        sa.Column("token_id", sa.String(32), nullable=False, unique=True),
        *_ops.digests("token_hash"),
        *_ops.times("created_at"),
        *_ops.names("created_by"),
        *_ops.optional(sa.String(32), "expires_at", "revoked_at"),
    )
    op.create_table(
        "trust_audit",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        *_ops.times("at"),
        *_ops.names("actor"),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("contest", sa.String(200)),
        sa.Column("subject", sa.Text),
        *_ops.optional(sa.String(64), "before_hash", "after_hash"),
        sa.Column("detail", sa.Text, nullable=False),
        *_ops.digests("prev_hash", "entry_hash"),
        sa.Index("ix_trust_audit_subject", "contest", "subject"),
    )
    head = op.create_table(
        "trust_audit_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        *_ops.digests("hash"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])
    op.create_table(
        "trust_settings",
        sa.Column("contest", sa.String(200), primary_key=True),
        sa.Column("double_entry", sa.Boolean, nullable=False),
    )
    op.create_table(
        "trust_entries",
        _ops.serial_id(),
        *_ops.station_of(),
        *_ops.who_when("account"),
        *_ops.digests("content_hash"),
        sa.Column("protocol", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Index("ix_trust_entries_station", "contest", "station"),
    )
    op.create_table(
        "trust_approvals",
        _ops.serial_id(),
        *_ops.names("contest"),
        sa.Column("scope", sa.Text, nullable=False),
        *_ops.who_when(),
        *_ops.digests("results_hash"),
        sa.Column("stale_at", sa.String(32)),
    )
    op.create_table(
        "trust_decisions",
        _ops.serial_id(),
        *_ops.station_of(),
        sa.Column("reason", sa.Text, nullable=False),
        *_ops.who_when(),
        sa.Column("used_at", sa.String(32)),
    )
    op.create_table(
        "trust_certifications",
        _ops.serial_id(),
        *_ops.names("contest"),
        *_ops.who_when(),
        *_ops.digests("results_hash"),
    )
    op.create_table(
        "trust_idempotency",
        *_ops.required(sa.String(200), "account", "key"),
        *_ops.digests("request_hash"),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("response", sa.Text, nullable=False),
        *_ops.times("at"),
        sa.UniqueConstraint("account", "key", name="uq_trust_idempotency"),
    )


def downgrade() -> None:
    _ops.drop_tables(
        "trust_idempotency",
        "trust_certifications",
        "trust_decisions",
        "trust_approvals",
        "trust_entries",
        "trust_settings",
        "trust_audit_head",
        "trust_audit",
        "trust_accounts",
    )
