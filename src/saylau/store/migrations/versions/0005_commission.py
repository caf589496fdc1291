"""The commission workspace: passwords, browser sessions, failed sign-ins, paused
entries, accepted-warning explanations and the CEC's certifying decision.

Revision ID: 0004_commission
Revises: 0003_counted_version
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_commission"
down_revision = "0004_one_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "commission_passwords",
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("hash", sa.Text, nullable=False),
        sa.Column("changed_at", sa.String(32), nullable=False),
        sa.Column("lang", sa.String(8)),
    )
    op.create_table(
        "commission_sessions",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("seen_at", sa.String(32), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
    )
    op.create_index("ix_commission_sessions_account", "commission_sessions", ["account"])
    op.create_table(
        "commission_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_index("ix_commission_failures_account", "commission_failures", ["account"])
    op.create_index("ix_commission_failures_address", "commission_failures", ["address"])
    op.create_table(
        "commission_drafts",
        sa.Column("contest", sa.String(200), primary_key=True),
        sa.Column("station", sa.String(200), primary_key=True),
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("values", sa.Text, nullable=False),
        sa.Column("saved_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "commission_explanations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("contest", sa.String(200), nullable=False),
        sa.Column("station", sa.String(200), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("fields", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_index("ix_commission_explanations_station", "commission_explanations", ["station"])
    op.create_table(
        "commission_certificates",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("contest", sa.String(200), nullable=False),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    for name in (
        "commission_certificates",
        "commission_explanations",
        "commission_drafts",
        "commission_failures",
        "commission_sessions",
        "commission_passwords",
    ):
        op.drop_table(name)
