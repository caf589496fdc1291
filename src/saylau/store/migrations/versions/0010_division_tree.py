"""The audit log records each contest's division tree, not only its digest.

No schema change.  A database built by the release before this one holds
``register`` entries that record the tree as a digest only (and none after a CEC
registration), so ``audit verify`` could say no more than that the tree "differs".
For each such contest whose tables' tree the log vouches for (the last digest, plus
the stations registered since), this appends a ``register`` entry that records the
tree in full (``saylau.store.audit.record_digest_trees``); a tree the log does not
vouch for is left unrecorded, and verify says so.  Created 2026-12-06.
"""

from __future__ import annotations

from alembic import op

from saylau.store import audit

revision = "0010_division_tree"
down_revision = "0009_webhook_outbox"


def upgrade() -> None:
    audit.record_digest_trees(op.get_bind(), "migration 0010_division_tree")


def downgrade() -> None:
    """The entries stay: the chain is append-only."""
