"""Observers and irregularity reports in the results database.

The rows are read and written by ``saylau.store.observers`` (tables of revision
``inst_0001``); this module turns them into ``Observer`` and ``IrregularityReport``
values and checks reports against the registry.  Registries and reports are written
in one transaction each, so nothing is half-written.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from saylau.errors import InputError
from saylau.institutions.observers import (
    IrregularityReport,
    Observer,
    Registry,
    check_reports,
)
from saylau.store import observers as rows_of
from saylau.store import schema

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
    rows_of.save_observers(store, rows)
    return len(rows)


def load_registry(store: Store) -> Registry:
    """Every observer stored."""
    rows = rows_of.observer_rows(store)
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
    ids = [r.id for r in reports]
    taken = rows_of.report_ids(store, ids)
    problems += [f"report '{i}' is already stored" for i in ids if i in taken]
    if problems:
        raise InputError(problems)
    # Checked again in the write's transaction: a report stored meanwhile is refused.
    rows_of.add_reports(
        store, [{**r.to_dict(), "reported_at": r.reported_at.isoformat()} for r in reports]
    )
    return len(reports)


def station_reports(
    store: Store, station: str, contest: str | None = None
) -> list[IrregularityReport]:
    """Reports attached to ``station`` (of ``contest``, or with no contest named)."""
    rows = rows_of.report_rows(store, station, contest)
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
