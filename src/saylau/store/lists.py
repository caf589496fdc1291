"""The candidate-list tables (``inst_candidates``, ``inst_party_decisions``,
``inst_vacancies``): the SQL behind ``saylau.institutions.stored_lists``, which keeps
the list rules and the assignment of deputies."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from saylau.store.changes import move_counters
from saylau.store.schema import candidates, party_decisions, session_votes, sessions, vacancies

if TYPE_CHECKING:
    from saylau.store.store import Store


def candidate_rows(store: Store, contest_id: str) -> list[dict[str, Any]]:
    """The contest's candidate rows in registration order (list by list, by position)."""
    q = (
        sa.select(candidates)
        .where(candidates.c.contest == contest_id)
        .order_by(candidates.c.list_order, candidates.c.position)
    )
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings().all()]


def replace_lists(
    store: Store, contest_id: str, parties: Sequence[str], rows: Sequence[dict[str, Any]]
) -> None:
    """Replace the lists of ``parties`` by ``rows`` (one transaction)."""
    with store.engine.begin() as conn:
        conn.execute(
            candidates.delete().where(
                candidates.c.contest == contest_id, candidates.c.party.in_(list(parties))
            )
        )
        if rows:
            conn.execute(candidates.insert(), list(rows))
        move_counters(conn, [contest_id])  # the lists are published: pages must follow


def decisions(store: Store, contest_id: str) -> dict[str, list[str]]:
    """Party -> the candidate references of its recorded decision, in order."""
    q = (
        sa.select(party_decisions.c.party, party_decisions.c.candidate)
        .where(party_decisions.c.contest == contest_id)
        .order_by(party_decisions.c.party, party_decisions.c.seq)
    )
    out: dict[str, list[str]] = {}
    with store.engine.connect() as conn:
        for party, candidate in conn.execute(q):
            out.setdefault(party, []).append(candidate)
    return out


def replace_decision(store: Store, contest_id: str, party: str, refs: Sequence[str]) -> None:
    """Replace the party's decision by ``refs`` (one transaction)."""
    t = party_decisions
    with store.engine.begin() as conn:
        conn.execute(t.delete().where(t.c.contest == contest_id, t.c.party == party))
        conn.execute(
            t.insert(),
            [
                {"contest": contest_id, "party": party, "seq": i, "candidate": ref}
                for i, ref in enumerate(refs)
            ],
        )
        move_counters(conn, [contest_id])


def vacancy_rows(store: Store, contest_id: str) -> list[tuple[str, str | None]]:
    """(deputy, successor) of every recorded vacancy, in the order recorded."""
    q = (
        sa.select(vacancies.c.deputy, vacancies.c.successor)
        .where(vacancies.c.contest == contest_id)
        .order_by(vacancies.c.seq)
    )
    with store.engine.connect() as conn:
        return [(r.deputy, r.successor) for r in conn.execute(q)]


def add_vacancy(store: Store, contest_id: str, deputy: str, successor: str | None) -> None:
    """Record a vacancy after the ones already recorded."""
    with store.engine.begin() as conn:
        seq = conn.execute(
            sa.select(sa.func.count()).where(vacancies.c.contest == contest_id)
        ).scalar_one()
        conn.execute(
            vacancies.insert().values(
                contest=contest_id, seq=int(seq), deputy=deputy, successor=successor
            )
        )
        move_counters(conn, [contest_id])


def fingerprint(store: Store, contest_id: str) -> str:
    """A digest of the contest's lists, decisions, vacancies and session.

    They change apart from the protocols (the contest's change counter), so it is
    part of every cache version of the pages that show them.
    """
    digest = hashlib.blake2b(digest_size=8)
    with store.engine.connect() as conn:
        for table in (candidates, party_decisions, vacancies, sessions, session_votes):
            rows = conn.execute(
                sa.select(table).where(table.c.contest == contest_id).order_by(*table.primary_key)
            )
            for row in rows:
                digest.update(repr(tuple(row)).encode("utf-8"))
            digest.update(b"|")
    return digest.hexdigest()
