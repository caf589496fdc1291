"""One migration history: the store, trust and institutions revisions meet here.

Until this revision the trust tables (``trust_0001``) and the institutions tables
(``inst_0001`` … ``inst_0003``) were separate Alembic branches, kept in their own
packages and found by scanning sibling folders, so a database had three heads.  All
revisions now live in ``saylau/store/migrations/versions`` under their old ids (a
database created before keeps its ``alembic_version`` rows) and this merge makes
them one history with one head.  It changes no table: a database of the previous
release is upgraded in place with every row kept.  Created 2026-12-06.
"""

from __future__ import annotations

revision = "0004_one_history"
down_revision = ("0003_counted_version", "trust_0001", "inst_0003")


def upgrade() -> None:
    """Nothing to change: the merge only joins the three branches."""


def downgrade() -> None:
    """Nothing to undo."""
