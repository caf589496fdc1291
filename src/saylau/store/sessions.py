"""The session tables (``inst_sessions``, ``inst_session_votes``): the SQL behind
``saylau.institutions.stored_sessions``, which decides the indirect election."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

import sqlalchemy as sa

from saylau.errors import NotFoundError
from saylau.results.session import Session
from saylau.store.changes import move_counters
from saylau.store.schema import session_votes, sessions

if TYPE_CHECKING:
    from saylau.store.store import Store


def replace_session(store: Store, contest_id: str, row: Session) -> None:
    """Store the contest's session, replacing any recorded before (one transaction)."""
    with store.engine.begin() as conn:
        for table in (session_votes, sessions):
            conn.execute(table.delete().where(table.c.contest == contest_id))
        conn.execute(
            sessions.insert(),
            {
                "contest": contest_id,
                "body": row.body,
                "seats": row.seats,
                "members": row.members,
                "took_part": row.took_part,
                "quorum": str(row.quorum),
            },
        )
        if row.votes:
            conn.execute(
                session_votes.insert(),
                [
                    {"contest": contest_id, "seq": i, "candidate": c, "votes": v}
                    for i, (c, v) in enumerate(row.votes.items())
                ],
            )
        move_counters(conn, [contest_id])  # the session is published: pages must follow


def session_row(store: Store, contest_id: str) -> Session:
    """The contest's recorded session (``NotFoundError`` when none is)."""
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(sessions).where(sessions.c.contest == contest_id)).first()
        if row is None:
            raise NotFoundError(f"contest '{contest_id}': no session recorded")
        votes = conn.execute(
            sa.select(session_votes.c.candidate, session_votes.c.votes)
            .where(session_votes.c.contest == contest_id)
            .order_by(session_votes.c.seq)
        ).all()
    return Session(
        row.body,
        int(row.seats),
        int(row.members),
        int(row.took_part),
        Fraction(row.quorum),
        {c: int(v) for c, v in votes},
    )
