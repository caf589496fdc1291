"""Maslikhats in the results database: one store contest per maslikhat.

``init_maslikhats`` creates each maslikhat as a contest of one election with the
store's ``add_contest``; the law snapshotted is the contest's law with its
party-list tier resized to the maslikhat's seats (:meth:`saylau.law.Law.resized`).
The maslikhat's level, region and seats are kept in the rows of
``saylau.store.maslikhats``.  ``stored_results`` reads every maslikhat's result from
the store (protocols are ingested per contest with ``saylau ingest DB FILE --contest
ID``) and combines them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from saylau.errors import InputError, SaylauError
from saylau.institutions.maslikhats import (
    MaslikhatContest,
    MaslikhatsResult,
    Seated,
    StoredSeats,
    resolve_law,
)
from saylau.law.model import Law
from saylau.store import maslikhats as rows_of

if TYPE_CHECKING:
    from saylau.store import Store


def init_maslikhats(
    store: Store,
    contests: Sequence[MaslikhatContest],
    *,
    election: str,
    date: str | None = None,
    base: Path | None = None,
) -> list[str]:
    """Create one store contest per maslikhat; every problem is found before writing.

    ``base`` is the contests file's folder (relative law paths).  Returns the ids.
    """
    existing = {c.id for c in store.contests()}
    problems = [
        f"contest '{c.id}' already exists in the database" for c in contests if c.id in existing
    ]
    laws: dict[str, Law] = {}
    resized: dict[str, Law] = {}
    for c in contests:
        try:
            if c.law not in laws:
                laws[c.law] = resolve_law(c.law, base)
            resized[c.id] = laws[c.law].resized(c.seats)
        except SaylauError as err:
            problems.append(f"contest '{c.id}': law '{c.law}': {str(err).splitlines()[0]}")
    if problems:
        raise InputError(problems)
    day = date or next((law.date for law in laws.values() if law.date), None)
    for c in contests:
        store.add_contest(election, c.id, resized[c.id], title=c.name, date=day)
    rows_of.add_maslikhats(
        store,
        [
            {
                "contest": c.id,
                "name": c.name,
                "level": c.level,
                "seats": c.seats,
                "law": c.law,
                "region": c.region,
                "parent": c.parent,
                "stations": c.stations,
            }
            for c in contests
        ],
    )
    return [c.id for c in contests]


def stored_contests(store: Store) -> list[MaslikhatContest]:
    """Every maslikhat registered in the database, in ``init`` order."""
    return [
        MaslikhatContest(
            r["contest"],
            r["name"],
            r["level"],
            int(r["seats"]),
            r["law"],
            r["region"],
            r["parent"],
            r["stations"],
        )
        for r in rows_of.maslikhat_rows(store)
    ]


def stored_results(store: Store) -> MaslikhatsResult:
    """Every maslikhat's seats from the store and the combined party view.

    A maslikhat with no counted votes yet is listed as ``missing``.
    """
    contests = stored_contests(store)
    if not contests:
        raise InputError("no maslikhats in the database: run `saylau maslikhats init` first")
    results: dict[str, Seated] = {}
    for c in contests:
        got = store.results(c.id)
        if got.seats is not None:
            results[c.id] = StoredSeats(dict(got.seats))
    missing = tuple(c.id for c in contests if c.id not in results)
    return MaslikhatsResult(tuple(contests), results, missing)
