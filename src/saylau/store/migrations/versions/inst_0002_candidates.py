"""Institutions tables: registered candidate lists, party decisions, vacancies, maslikhats.

Created 2026-11-25.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from saylau.store.migrations import _ops

revision = "inst_0002"
down_revision = "inst_0001"


def upgrade() -> None:
    op.create_table(
        "inst_candidates",
        _ops.of_contest(),
        *_ops.party_key("position"),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("cid", sa.String(100), nullable=False),
        *_ops.optional(sa.String(10), "birth_date", "gender"),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("list_order", sa.Integer, nullable=False),
    )
    op.create_table(
        "inst_decisions",
        _ops.of_contest(),
        *_ops.party_key("seq"),
        sa.Column("candidate", sa.String(300), nullable=False),
    )
    op.create_table(
        "inst_vacancies",
        _ops.of_contest(),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("deputy", sa.String(300), nullable=False),
        sa.Column("successor", sa.String(300)),
    )
    op.create_table(
        "inst_maslikhats",
        _ops.of_contest(),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("seats", sa.Integer, nullable=False),
        *_ops.required(sa.String(300), "law", "region", "parent"),
        sa.Column("stations", sa.Text, nullable=False),
        sa.Column("list_order", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    _ops.drop_tables("inst_maslikhats", "inst_vacancies", "inst_decisions", "inst_candidates")
