"""``webhook_outbox``: every notification of a published snapshot, written in one
transaction for all the webhooks when the snapshot is switched in, and marked when it
is delivered (or given up).  A notification still ``pending`` when the publishing
process dies is sent by the next one that starts (``saylau.web.webhooks``), with the
same delivery id, body and timestamp.  Created 2026-12-06.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_webhook_outbox"
down_revision = "0008_stations_listed"


def upgrade() -> None:
    op.create_table(
        "webhook_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("webhook", sa.Integer, nullable=False),
        sa.Column("delivery", sa.String(64), nullable=False),
        sa.Column("snapshot", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("timestamp", sa.String(32), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("done_at", sa.String(32)),
        sa.UniqueConstraint("delivery", name="uq_webhook_outbox_delivery"),
    )
    op.create_index("ix_webhook_outbox_state", "webhook_outbox", ["state", "id"])


def downgrade() -> None:
    op.drop_index("ix_webhook_outbox_state", table_name="webhook_outbox")
    op.drop_table("webhook_outbox")
