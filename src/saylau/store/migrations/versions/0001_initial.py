"""The store's first schema: elections, contests, divisions, protocols and versions, aggregates.

Created 2024-06-01; the first revision of the store's history.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from saylau.store.migrations import _ops

revision = "0001_initial"
down_revision = None

# The protocol form's count columns as they stood at this revision (frozen: a field
# added to the form later comes with a revision of its own; see ``tabulate.fields``).
_COUNTS = (
    "registered",
    "ballots_received",
    "issued_early",
    "issued_at_station",
    "issued_outside",
    "cancelled",
    "in_mobile_boxes",
    "in_stationary_boxes",
    "invalid",
    "valid",
    "lost",
    "unaccounted",
    "against_all",
)
_SUMS = ("registered", "ballots_issued", "ballots_cast", "valid", "invalid", "against_all")
_COUNTERS = ("stations_expected", "stations_reporting", "stations_flagged", "stations_rejected")


def upgrade() -> None:
    op.create_table(
        "elections",
        _ops.serial_id(),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("date", sa.String(10)),
        sa.Column("created_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "contests",
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("election_id", sa.Integer, sa.ForeignKey("elections.id"), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("law_name", sa.String(200), nullable=False),
        *_ops.required(sa.Text, "law_toml", "law_json"),
        sa.Column("policy", sa.String(10), nullable=False),
        sa.Column("root_id", sa.String(300), nullable=False),
        sa.Column("divisions_fixed", sa.Boolean, nullable=False),
        sa.Column("certified_at", sa.String(40)),
        sa.Column("certified_by", sa.String(200)),
        sa.Column("change_counter", sa.BigInteger, nullable=False),
        *_ops.required(sa.String(40), "last_update", "created_at"),
    )
    op.create_table(
        "contest_parties",
        _ops.of_contest("contest_id"),
        sa.Column("party", sa.String(300), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "divisions",
        _ops.of_contest("contest_id"),
        sa.Column("id", sa.String(300), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("parent_id", sa.String(300)),
        sa.Column("country", sa.String(100)),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_divisions_parent", "divisions", ["contest_id", "parent_id"])
    op.create_table(
        "protocols",
        *_ops.keyed_by_contest("station_id"),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "protocol_versions",
        *_ops.keyed_by_contest("station_id"),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("problems", sa.Text, nullable=False),
        *(sa.Column(name, sa.String(300)) for name in ("region", "district")),
        sa.Column("country", sa.String(100)),
        *(sa.Column(name, sa.BigInteger) for name in _COUNTS),
        sa.Column("votes", sa.Text, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "aggregates",
        *_ops.keyed_by_contest("division_id"),
        *_ops.required(sa.BigInteger, *_SUMS, *_COUNTERS),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "aggregate_votes",
        *_ops.keyed_by_contest("division_id"),
        sa.Column("party", sa.String(300), primary_key=True),
        sa.Column("votes", sa.BigInteger, nullable=False),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    _ops.drop_tables(
        "aggregate_votes",
        "aggregates",
        "protocol_versions",
        "protocols",
        "divisions",
        "contest_parties",
        "contests",
        "elections",
    )
