"""Institutions tables: registered candidate lists, party decisions, vacancies, maslikhats.

Revision ID: inst_0002
Revises: inst_0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "inst_0002"
down_revision = "inst_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inst_candidates",
        sa.Column("contest", sa.String(100), sa.ForeignKey("contests.id"), primary_key=True),
        sa.Column("party", sa.String(300), primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("cid", sa.String(100), nullable=False),
        sa.Column("birth_date", sa.String(10)),
        sa.Column("gender", sa.String(10)),
        sa.Column("categories", sa.Text, nullable=False),
        sa.Column("list_order", sa.Integer, nullable=False),
    )
    op.create_table(
        "inst_decisions",
        sa.Column("contest", sa.String(100), sa.ForeignKey("contests.id"), primary_key=True),
        sa.Column("party", sa.String(300), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("candidate", sa.String(300), nullable=False),
    )
    op.create_table(
        "inst_vacancies",
        sa.Column("contest", sa.String(100), sa.ForeignKey("contests.id"), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("deputy", sa.String(300), nullable=False),
        sa.Column("successor", sa.String(300)),
    )
    op.create_table(
        "inst_maslikhats",
        sa.Column("contest", sa.String(100), sa.ForeignKey("contests.id"), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("seats", sa.Integer, nullable=False),
        sa.Column("law", sa.String(300), nullable=False),
        sa.Column("region", sa.String(300), nullable=False),
        sa.Column("parent", sa.String(300), nullable=False),
        sa.Column("stations", sa.Text, nullable=False),
        sa.Column("list_order", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("inst_maslikhats")
    op.drop_table("inst_vacancies")
    op.drop_table("inst_decisions")
    op.drop_table("inst_candidates")
