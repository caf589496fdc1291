"""Names and ids as TEXT: a party, division or station name has no length limit.

PostgreSQL enforced the VARCHAR lengths of ``0001_initial`` (a 10 KB party name
failed the ingest with a raw DataError); SQLite never did, so nothing changes there.
``contest_id`` columns (VARCHAR(100), referenced by foreign keys) keep their type:
contest ids are short identifiers chosen by the administrator.  Created 2026-11-25.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_text_names"
down_revision = "0001_initial"

#: (table, column, old length) of every name or id column made TEXT.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("elections", "name", 200),
    ("contests", "title", 300),
    ("contests", "law_name", 200),
    ("contests", "root_id", 300),
    ("contests", "certified_by", 200),
    ("contest_parties", "party", 300),
    ("divisions", "id", 300),
    ("divisions", "name", 300),
    ("divisions", "parent_id", 300),
    ("divisions", "country", 100),
    ("protocols", "station_id", 300),
    ("protocol_versions", "station_id", 300),
    ("protocol_versions", "actor", 200),
    ("protocol_versions", "region", 300),
    ("protocol_versions", "district", 300),
    ("protocol_versions", "country", 100),
    ("aggregates", "division_id", 300),
    ("aggregate_votes", "division_id", 300),
    ("aggregate_votes", "party", 300),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return  # SQLite ignores VARCHAR lengths; rebuilding the tables would gain nothing
    for table, column, length in COLUMNS:
        op.alter_column(table, column, type_=sa.Text(), existing_type=sa.String(length))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for table, column, length in COLUMNS:
        op.alter_column(table, column, type_=sa.String(length), existing_type=sa.Text())
