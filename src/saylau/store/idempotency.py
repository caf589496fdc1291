"""The ``trust_idempotency`` rows: the answers remembered under an ``Idempotency-Key``.

The web layer decides what a key is bound to (a digest of method, path, query and
body); this module only reads and writes the rows, each in its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select

from saylau.store.engine import write_transaction
from saylau.store.schema import idempotency


@dataclass(frozen=True)
class Remembered:
    """One remembered answer: the request digest it is bound to, status and JSON body."""

    request_hash: str
    status: int
    response: str


def recall(engine: Engine, account: str, key: str) -> Remembered | None:
    """The answer ``account`` got under ``key``, or None."""
    i = idempotency
    with engine.connect() as conn:
        row = conn.execute(
            select(i.c.request_hash, i.c.status, i.c.response).where(
                i.c.account == account, i.c.key == key
            )
        ).first()
    return None if row is None else Remembered(row.request_hash, row.status, row.response)


def remember(engine: Engine, account: str, key: str, answer: Remembered, at: str) -> None:
    """Store ``answer`` under (``account``, ``key``) unless a concurrent twin already did."""
    i = idempotency
    with write_transaction(engine) as conn:
        if conn.execute(select(i.c.key).where(i.c.account == account, i.c.key == key)).first():
            return
        conn.execute(
            i.insert().values(
                account=account,
                key=key,
                request_hash=answer.request_hash,
                status=answer.status,
                response=answer.response,
                at=at,
            )
        )
