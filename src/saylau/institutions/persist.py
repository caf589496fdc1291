"""Observers and irregularity reports in the results database (tables: store migration ``inst_0001``).

Works on any :class:`saylau.store.Store` (it uses ``store.engine``): registries and
reports are written in one transaction each, so nothing is half-written.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa

from saylau.errors import InputError
from saylau.institutions.observers import (
    IrregularityReport,
    Observer,
    Registry,
    check_reports,
)
from saylau.store import schema
from saylau.store.schema import irregularities as reports_t

if TYPE_CHECKING:
    from saylau.store import Store

#: The observers table (read by the institutions pages).
observers_t = schema.observers


def save_registry(store: Store, registry: Registry) -> int:
    """Add (or replace) the registry's observers; returns how many were written."""
    rows = [
        {
            "id": o.id,
            "name": o.name,
            "kind": o.kind,
            "affiliation": o.affiliation,
            "organisation": o.organisation,
            "country": o.country,
            "contests": ";".join(o.contests),
            "stations": ";".join(o.stations),
            "accredited_from": o.accredited_from.isoformat() if o.accredited_from else None,
            "accredited_to": o.accredited_to.isoformat() if o.accredited_to else None,
            "synthetic": o.synthetic,
        }
        for o in registry.observers
    ]
    with store.engine.begin() as conn:
        if rows:
            conn.execute(observers_t.delete().where(observers_t.c.id.in_([r["id"] for r in rows])))
            conn.execute(observers_t.insert(), rows)
    return len(rows)


def load_registry(store: Store) -> Registry:
    """Every observer stored."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(observers_t).order_by(observers_t.c.id)).mappings().all()
    return Registry(
        tuple(
            Observer(
                r["id"],
                r["name"],
                r["kind"],
                r["affiliation"],
                r["organisation"],
                r["country"],
                tuple(s for s in r["contests"].split(";") if s),
                tuple(s for s in r["stations"].split(";") if s),
                date.fromisoformat(r["accredited_from"]) if r["accredited_from"] else None,
                date.fromisoformat(r["accredited_to"]) if r["accredited_to"] else None,
                bool(r["synthetic"]),
            )
            for r in rows
        )
    )


def add_reports(store: Store, reports: list[IrregularityReport]) -> int:
    """Store reports after checking them against the stored registry (all or nothing)."""
    problems = check_reports(load_registry(store), reports)
    with store.engine.connect() as conn:
        ids = [r.id for r in reports]
        taken = set(
            conn.execute(sa.select(reports_t.c.id).where(reports_t.c.id.in_(ids))).scalars()
        )
    problems += [f"report '{i}' is already stored" for i in ids if i in taken]
    if problems:
        raise InputError(problems)
    with store.engine.begin() as conn:
        if reports:
            conn.execute(
                reports_t.insert(),
                [{**r.to_dict(), "reported_at": r.reported_at.isoformat()} for r in reports],
            )
    return len(reports)


def station_reports(
    store: Store, station: str, contest: str | None = None
) -> list[IrregularityReport]:
    """Reports attached to ``station`` (of ``contest``, or with no contest named)."""
    q = sa.select(reports_t).where(reports_t.c.station == station)
    if contest is not None:
        q = q.where(reports_t.c.contest.in_([contest, ""]))
    with store.engine.connect() as conn:
        rows = conn.execute(q.order_by(reports_t.c.reported_at, reports_t.c.id)).mappings().all()
    return [
        IrregularityReport(
            r["id"],
            r["observer"],
            r["station"],
            r["contest"],
            datetime.fromisoformat(r["reported_at"]),
            r["category"],
            r["description"],
        )
        for r in rows
    ]
