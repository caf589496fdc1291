"""``contests.stations_listed``: whether the CEC registered the contest's stations
ahead of their results (``Store.register``).

A contest initialised with a divisions file knows its stations from the start
(``divisions_fixed``); one whose stations arrive with their protocols does not know
how many to expect, and its results say "N stations reported", never "N of N".
Older databases: a contest whose log holds a ``registration`` entry that
registered stations is marked listed.  Created 2026-12-06.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0008_stations_listed"
down_revision = "0007_webhooks"


def upgrade() -> None:
    conn = op.get_bind()
    # A database from a build that numbered this step 0007 has the column already
    # (``saylau.store.engine.RENAMED``); the marking below is idempotent.
    if "stations_listed" not in {c["name"] for c in sa.inspect(conn).get_columns("contests")}:
        op.add_column(
            "contests",
            sa.Column("stations_listed", sa.Boolean(), nullable=False, server_default=sa.false()),
        )
    listed = {
        str(contest)
        for contest, detail in conn.execute(
            sa.text("SELECT contest, detail FROM trust_audit WHERE action = 'registration'")
        )
        if contest is not None and json.loads(detail).get("stations")
    }
    for contest in sorted(listed):
        conn.execute(
            sa.text("UPDATE contests SET stations_listed = :t WHERE id = :c"),
            {"t": True, "c": contest},
        )


def downgrade() -> None:
    with op.batch_alter_table("contests") as batch:
        batch.drop_column("stations_listed")
