"""Indirect elections at a session, kept in the results store (``inst_0003``).

The session fills a contest's indirect tier (the Majilis's 9 deputies elected by the
Assembly of People of Kazakhstan): its seats and body come from that tier of the
contest's snapshotted law unless given.  Recording a session again replaces it.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from saylau.errors import InputError, NotFoundError
from saylau.institutions.indirect import IndirectResult, assembly_session
from saylau.store.schema import session_votes as session_votes_t
from saylau.store.schema import sessions as sessions_t

if TYPE_CHECKING:
    from saylau.store import Store


def _tier(store: Store, contest_id: str) -> tuple[int, str]:
    law = store.law(contest_id)
    for tier in law.tiers:
        if tier.kind == "indirect":
            return tier.seats, tier.elected_by or tier.title or tier.name
    raise InputError(f"contest '{contest_id}': law '{law.name}' has no indirect tier")


def record_session(
    store: Store,
    contest_id: str,
    votes: Mapping[str, int],
    *,
    members: int,
    took_part: int,
    seats: int | None = None,
    quorum: Fraction = Fraction(1, 2),
) -> IndirectResult:
    """Decide the session (every problem raised before writing) and store it."""
    tier_seats, body = _tier(store, contest_id)
    result = assembly_session(
        votes,
        seats=seats or tier_seats,
        members=members,
        took_part=took_part,
        quorum=quorum,
        body=body,
    )
    with store.engine.begin() as conn:
        for table in (session_votes_t, sessions_t):
            conn.execute(table.delete().where(table.c.contest == contest_id))
        conn.execute(
            sessions_t.insert(),
            {
                "contest": contest_id,
                "body": result.body,
                "seats": result.seats,
                "members": members,
                "took_part": took_part,
                "quorum": str(quorum),
            },
        )
        if votes:
            conn.execute(
                session_votes_t.insert(),
                [
                    {"contest": contest_id, "seq": i, "candidate": c, "votes": v}
                    for i, (c, v) in enumerate(votes.items())
                ],
            )
    return result


def stored_session(store: Store, contest_id: str) -> IndirectResult:
    """The recorded session of the contest, decided again from the stored ballots."""
    store.contest(contest_id)
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(sessions_t).where(sessions_t.c.contest == contest_id)).first()
        if row is None:
            raise NotFoundError(f"contest '{contest_id}': no session recorded")
        votes = conn.execute(
            sa.select(session_votes_t.c.candidate, session_votes_t.c.votes)
            .where(session_votes_t.c.contest == contest_id)
            .order_by(session_votes_t.c.seq)
        ).all()
    return assembly_session(
        {c: int(v) for c, v in votes},
        seats=int(row.seats),
        members=int(row.members),
        took_part=int(row.took_part),
        quorum=Fraction(row.quorum),
        body=row.body,
    )


def session_context(store: Store, contest_id: str) -> dict[str, Any]:
    """The session's result as a page context."""
    info = store.contest(contest_id)
    return {
        "contest_id": contest_id,
        "contest": {"id": info.id, "title": info.title, "date": info.date, "law": info.law},
        **stored_session(store, contest_id).to_dict(),
    }
