"""The maslikhat register (``inst_maslikhats``): the SQL behind
``saylau.institutions.stored_maslikhats``.  A row keeps a maslikhat's level, region
and seats beside the store contest of the same id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from saylau.store.changes import move_counters
from saylau.store.schema import maslikhats

if TYPE_CHECKING:
    from saylau.store.store import Store


def add_maslikhats(store: Store, rows: Sequence[dict[str, Any]]) -> None:
    """Append maslikhat rows (without ``list_order``: they follow the stored ones)."""
    with store.engine.begin() as conn:
        start = int(conn.execute(sa.select(sa.func.count()).select_from(maslikhats)).scalar_one())
        conn.execute(
            maslikhats.insert(), [{**r, "list_order": start + i} for i, r in enumerate(rows)]
        )
        move_counters(conn)  # every contest's pages list the maslikhats


def maslikhat_rows(store: Store) -> list[dict[str, Any]]:
    """Every maslikhat row, in the order they were added."""
    with store.engine.connect() as conn:
        q = sa.select(maslikhats).order_by(maslikhats.c.list_order)
        return [dict(r) for r in conn.execute(q).mappings().all()]
