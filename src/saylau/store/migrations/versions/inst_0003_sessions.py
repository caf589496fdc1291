"""Institutions tables: indirect elections at a session (the Assembly of People's 9).

Revision ID: inst_0003
Revises: inst_0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "inst_0003"
down_revision = "inst_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inst_sessions",
        sa.Column("contest", sa.String(100), sa.ForeignKey("contests.id"), primary_key=True),
        sa.Column("body", sa.String(300), nullable=False),
        sa.Column("seats", sa.Integer, nullable=False),
        sa.Column("members", sa.Integer, nullable=False),
        sa.Column("took_part", sa.Integer, nullable=False),
        sa.Column("quorum", sa.String(40), nullable=False),
    )
    op.create_table(
        "inst_session_votes",
        sa.Column("contest", sa.String(100), sa.ForeignKey("contests.id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("candidate", sa.String(300), nullable=False),
        sa.Column("votes", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("inst_session_votes")
    op.drop_table("inst_sessions")
