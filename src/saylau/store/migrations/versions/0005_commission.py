"""The commission workspace: passwords, browser sessions, failed sign-ins, paused
entries, accepted-warning explanations and the CEC's certifying decision.

Created 2026-12-06, after the merge ``0004_one_history``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from saylau.store.migrations import _ops

revision = "0005_commission"
down_revision = "0004_one_history"


def upgrade() -> None:
    op.create_table(
        "commission_passwords",
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("hash", sa.Text, nullable=False),
        *_ops.times("changed_at"),
        sa.Column("lang", sa.String(8)),
    )
    op.create_table(
        "commission_sessions",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("account", sa.String(200), nullable=False, index=True),
        *_ops.times("created_at", "seen_at"),
        sa.Column("address", sa.String(64), nullable=False),
    )
    op.create_table(
        "commission_failures",
        _ops.serial_id(),
        sa.Column("account", sa.String(200), nullable=False, index=True),
        sa.Column("address", sa.String(64), nullable=False, index=True),
        *_ops.times("at"),
    )
    op.create_table(
        "commission_drafts",
        *_ops.station_of(primary_key=True),
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("values", sa.Text, nullable=False),
        *_ops.times("saved_at"),
    )
    op.create_table(
        "commission_explanations",
        _ops.serial_id(),
        *_ops.station_of(),
        *_ops.digests("content_hash"),
        *_ops.names("account"),
        sa.Column("code", sa.String(16), nullable=False),
        *_ops.required(sa.Text, "fields", "text"),
        *_ops.times("at"),
        sa.Index("ix_commission_explanations_station", "station"),
    )
    op.create_table(
        "commission_certificates",
        _ops.serial_id(),
        *_ops.names("contest"),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        *_ops.who_when(),
    )


def downgrade() -> None:
    _ops.drop_tables(
        "commission_certificates",
        "commission_explanations",
        "commission_drafts",
        "commission_failures",
        "commission_sessions",
        "commission_passwords",
    )
