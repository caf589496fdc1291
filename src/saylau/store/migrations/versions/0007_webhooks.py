"""Webhooks: the URLs told of each published snapshot, and the log of every attempt;
on PostgreSQL, a trigger that announces each committed change of a contest on the
``saylau_contests`` channel (``NOTIFY``, payload: the contest id), which the live
pages' server listens to (``saylau.store.notify``).  Created 2026-12-06.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_webhooks"
down_revision = "0006_seal_chain"


#: Every write that changes what a contest shows moves its change counter (the pages'
#: version); NOTIFY is delivered when the writing transaction commits.
NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION saylau_notify_contest() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('saylau_contests', NEW.id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""
NOTIFY_TRIGGER = """
CREATE TRIGGER saylau_contest_changed
AFTER INSERT OR UPDATE OF change_counter ON contests
FOR EACH ROW EXECUTE FUNCTION saylau_notify_contest()
"""


def upgrade() -> None:
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("contest", sa.String(100), sa.ForeignKey("contests.id"), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("secret", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.UniqueConstraint("contest", "url", name="uq_webhooks_contest_url"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("webhook", sa.Integer, nullable=False),
        sa.Column("delivery", sa.String(64), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("snapshot", sa.String(64), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("status", sa.Integer),
        sa.Column("error", sa.Text),
        sa.Column("at", sa.String(32), nullable=False),
    )
    op.create_index("ix_webhook_deliveries_webhook", "webhook_deliveries", ["webhook", "id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(NOTIFY_FUNCTION)
        op.execute(NOTIFY_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS saylau_contest_changed ON contests")
        op.execute("DROP FUNCTION IF EXISTS saylau_notify_contest()")
    op.drop_index("ix_webhook_deliveries_webhook", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhooks")
