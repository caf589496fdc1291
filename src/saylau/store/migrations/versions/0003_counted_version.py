"""A rejected amendment no longer erases the counted protocol; contests remember synthetic data.

``protocols.counted_version``: the version counted in the aggregates, the station's
newest accepted or flagged version (NULL when it has none).  ``protocols.version``
stays the newest version, whatever its status, so a rejected amendment is kept in the
history while the station goes on counting its last accepted version.

Existing rows get ``counted_version = version`` where the newest version is counted
and NULL where it is rejected: exactly what the stored aggregates were built from, so
they stay equal to a recount.  (A station whose newest version was rejected before this
revision stays uncounted until its next version, as it was.)

``contests.synthetic``: true once a file labelled synthetic was ingested.  Existing
contests get it where their first protocol (by station, version) has a ``source``
naming "synthetic" (the demo writes ``kz-2021-synthetic``): the guess the web pages
made before the store kept the flag, so an existing demo database stays labelled.
Created 2026-11-25.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_counted_version"
down_revision = "0002_text_names"


def upgrade() -> None:
    op.add_column("protocols", sa.Column("counted_version", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE protocols SET counted_version = version WHERE status IN ('accepted', 'flagged')"
    )
    op.add_column(
        "contests",
        sa.Column("synthetic", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    # One primary-key look-up per contest (the key starts with contest_id).
    contests = sa.table("contests", sa.column("id"), sa.column("synthetic", sa.Boolean()))
    versions = sa.table(
        "protocol_versions",
        sa.column("contest_id"),
        sa.column("station_id"),
        sa.column("version"),
        sa.column("source"),
    )
    first_source = (
        sa.select(versions.c.source)
        .where(versions.c.contest_id == contests.c.id)
        .order_by(versions.c.station_id, versions.c.version)
        .limit(1)
        .scalar_subquery()
    )
    op.execute(
        contests.update()
        .where(sa.func.lower(first_source).like("%synthetic%"))
        .values(synthetic=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("contests") as batch:
        batch.drop_column("synthetic")
    with op.batch_alter_table("protocols") as batch:
        batch.drop_column("counted_version")
