"""Institutions tables: accredited observers and their irregularity reports.

Created 2024-06-01 as the root of the institutions branch (after ``0001_initial``);
joined to the store's history by ``0004_one_history``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from saylau.store.migrations import _ops

revision = "inst_0001"
down_revision = None
depends_on = "0001_initial"


def upgrade() -> None:
    op.create_table(
        "inst_observers",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        *_ops.required(sa.String(20), "kind", "affiliation"),
        sa.Column("organisation", sa.String(300), nullable=False),
        sa.Column("country", sa.String(100), nullable=False),
        *_ops.required(sa.Text, "contests", "stations"),
        *_ops.optional(sa.String(10), "accredited_from", "accredited_to"),
        sa.Column("synthetic", sa.Boolean, nullable=False),
    )
    op.create_table(
        "inst_irregularities",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("observer", sa.String(100), sa.ForeignKey("inst_observers.id"), nullable=False),
        *_ops.names("station", "contest"),
        *_ops.times("reported_at"),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Index("ix_inst_irregularities_station", "station", "contest"),
    )


def downgrade() -> None:
    op.drop_index("ix_inst_irregularities_station", "inst_irregularities")
    op.drop_table("inst_irregularities")
    op.drop_table("inst_observers")
