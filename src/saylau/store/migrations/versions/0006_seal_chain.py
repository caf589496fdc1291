"""The audit chain covers the law, ballot, divisions and accounts: seal older rows.

No schema change.  A database built by an earlier release holds contests and
accounts no audit entry records; this appends, once, the entries that vouch for
them as they are at the upgrade (``saylau.store.audit.seal``), so ``audit verify``
checks them from then on instead of reporting every one.  Created 2026-12-06.
"""

from __future__ import annotations

from alembic import op

from saylau.store import audit

revision = "0006_seal_chain"
down_revision = "0005_commission"


def upgrade() -> None:
    audit.seal(op.get_bind(), "migration 0006_seal_chain")


def downgrade() -> None:
    """The entries stay: the chain is append-only."""
