"""The observer tables (``inst_observers``, ``inst_irregularities``): the SQL behind
``saylau.institutions.persist``, which keeps the accreditation rules."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from saylau.errors import InputError
from saylau.store.changes import move_counters
from saylau.store.schema import irregularities, observers

if TYPE_CHECKING:
    from saylau.store.store import Store


def observer_rows(store: Store) -> list[dict[str, Any]]:
    """Every stored observer row, by id."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(observers).order_by(observers.c.id)).mappings().all()
    return [dict(r) for r in rows]


def save_observers(store: Store, rows: Sequence[dict[str, Any]]) -> None:
    """Add the observer rows, replacing any with the same id (one transaction)."""
    if not rows:
        return
    with store.engine.begin() as conn:
        conn.execute(observers.delete().where(observers.c.id.in_([r["id"] for r in rows])))
        conn.execute(observers.insert(), list(rows))
        move_counters(conn)  # the accreditations are published with every contest


def add_reports(store: Store, rows: Sequence[dict[str, Any]]) -> None:
    """Insert irregularity reports, refusing (all of them) if any id is already stored."""
    ids = [r["id"] for r in rows]
    with store.engine.begin() as conn:
        taken = set(
            conn.execute(select(irregularities.c.id).where(irregularities.c.id.in_(ids))).scalars()
        )
        if taken:
            raise InputError([f"report '{i}' is already stored" for i in ids if i in taken])
        if rows:
            conn.execute(irregularities.insert(), list(rows))
            # A report is published on its station's page: its contest (every contest,
            # for a report that names none) moves, so pages and mirrors follow.
            named = {str(r.get("contest") or "") for r in rows}
            move_counters(conn, None if "" in named else named)


def report_ids(store: Store, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` are stored reports."""
    with store.engine.connect() as conn:
        q = select(irregularities.c.id).where(irregularities.c.id.in_(list(ids)))
        return {str(i) for i in conn.execute(q).scalars()}


def report_rows(store: Store, station: str, contest: str | None) -> list[dict[str, Any]]:
    """Reports of ``station`` (of ``contest`` or naming none), by time."""
    # A publish reads every report of a contest at once (:func:`contest_report_rows`)
    # and keeps them on its view of the store as ``reports_known``.
    known = getattr(store, "reports_known", None)
    if isinstance(known, dict) and contest is not None and contest in known:
        return [dict(r) for r in known[contest].get(station, ())]
    q = select(irregularities).where(irregularities.c.station == station)
    if contest is not None:
        q = q.where(irregularities.c.contest.in_([contest, ""]))
    q = q.order_by(irregularities.c.reported_at, irregularities.c.id)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings().all()]


def contest_report_rows(store: Store, contest: str) -> dict[str, list[dict[str, Any]]]:
    """Every station's reports of ``contest`` or naming none, by time: what
    :func:`report_rows` answers for each station, in one query."""
    q = select(irregularities).where(irregularities.c.contest.in_([contest, ""]))
    q = q.order_by(irregularities.c.reported_at, irregularities.c.id)
    out: dict[str, list[dict[str, Any]]] = {}
    with store.engine.connect() as conn:
        for r in conn.execute(q).mappings().all():
            out.setdefault(str(r["station"]), []).append(dict(r))
    return out
