"""Institutions tables: indirect elections at a session (the Assembly of People's 9).

Created 2026-11-25.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from saylau.store.migrations import _ops

revision = "inst_0003"
down_revision = "inst_0002"


def upgrade() -> None:
    op.create_table(
        "inst_sessions",
        _ops.of_contest(),
        sa.Column("body", sa.String(300), nullable=False),
        *_ops.required(sa.Integer, "seats", "members", "took_part"),
        sa.Column("quorum", sa.String(40), nullable=False),
    )
    op.create_table(
        "inst_session_votes",
        _ops.of_contest(),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("candidate", sa.String(300), nullable=False),
        sa.Column("votes", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    _ops.drop_tables("inst_session_votes", "inst_sessions")
