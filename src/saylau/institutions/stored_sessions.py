"""Indirect elections at a session, kept in the results store.

The session fills a contest's indirect tier (the Majilis's 9 deputies elected by
the Assembly of People of Kazakhstan): its seats and body come from that tier of the
contest's snapshotted law unless given.  Recording a session again replaces it.  The
rows are read and written by ``saylau.store.sessions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from saylau.errors import InputError
from saylau.institutions.indirect import IndirectResult, assembly_session
from saylau.store.sessions import replace_session, session_row

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
    replace_session(store, contest_id, result)  # the session it decided is what is kept
    return result


def stored_session(store: Store, contest_id: str) -> IndirectResult:
    """The recorded session of the contest, decided again from the stored ballots."""
    store.contest(contest_id)
    row = session_row(store, contest_id)
    return assembly_session(
        row.votes,
        seats=row.seats,
        members=row.members,
        took_part=row.took_part,
        quorum=row.quorum,
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
