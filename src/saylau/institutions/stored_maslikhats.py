"""Maslikhats in the results database: one store contest per maslikhat.

``init_maslikhats`` creates each maslikhat as a contest of one election with the
store's ``add_contest``; the law snapshotted is the contest's law with its
party-list tier resized to the maslikhat's seats (the TOML text itself is
rewritten, so the snapshot re-reads to the same law).  The maslikhat's level,
region and seats are kept in ``inst_maslikhats`` (Alembic revision ``inst_0002``).
``stored_results`` reads every maslikhat's result from the store (protocols are
ingested per contest with ``saylau ingest DB FILE --contest ID``) and combines them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from saylau.errors import InputError, SaylauError
from saylau.institutions.maslikhats import (
    MaslikhatContest,
    MaslikhatsResult,
    Seated,
    StoredSeats,
    resolve_law,
)
from saylau.law import parse_law
from saylau.law.model import Law
from saylau.store.schema import maslikhats as maslikhats_t

if TYPE_CHECKING:
    from saylau.store import Store

_HEADER = re.compile(r"^\s*\[")
_SEATS = re.compile(r"^(\s*seats\s*=\s*)\d+(.*)$")


def resized_law(law: Law, seats: int, contest_id: str) -> Law:
    """``law`` with only its party-list tier, of ``seats`` seats, as new TOML text.

    Tiers other than the first party-list one (e.g. reserved seats) are dropped:
    a maslikhat is elected by party lists alone.  The result is re-parsed and
    checked, so a law text this cannot rewrite raises ``SaylauError``.
    """
    index = law.tiers.index(law.list_tier)
    blocks: list[list[str]] = [[]]
    for line in law.text.splitlines():
        if _HEADER.match(line) and not re.match(r"^\s*\[\[?tiers\.", line):
            blocks.append([])
        blocks[-1].append(line)
    out: list[str] = [f"# {law.name}, party-list tier resized to {seats} seats for {contest_id}"]
    tier_no = -1
    for block in blocks:
        if block and re.match(r"^\s*\[\[tiers\]\]", block[0]):
            tier_no += 1
            if tier_no != index:
                continue
            replaced = [_SEATS.sub(rf"\g<1>{seats}\g<2>", line) for line in block]
            if not any(_SEATS.match(line) for line in block):
                # Only a tier without a seats key gets one: an unchanged count (the
                # law's own 30) left the text as it was and a second key was added.
                replaced.insert(1, f"seats = {seats}")
            block = replaced
        out.extend(block)
    text = "\n".join(out) + "\n"
    try:
        new = parse_law(text, label=f"law of {contest_id}", default_name=law.name)
    except SaylauError as err:
        raise SaylauError(f"law '{law.name}': cannot resize for '{contest_id}' ({err})") from None
    if len(new.tiers) != 1 or new.list_tier.seats != seats:
        raise SaylauError(f"law '{law.name}': cannot resize its party-list tier to {seats}")
    return new


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
            resized[c.id] = resized_law(laws[c.law], c.seats, c.id)
        except SaylauError as err:
            problems.append(f"contest '{c.id}': law '{c.law}': {str(err).splitlines()[0]}")
    if problems:
        raise InputError(problems)
    day = date or next((law.date for law in laws.values() if law.date), None)
    for c in contests:
        store.add_contest(election, c.id, resized[c.id], title=c.name, date=day)
    with store.engine.begin() as conn:
        start = conn.execute(sa.select(sa.func.count()).select_from(maslikhats_t)).scalar_one()
        conn.execute(
            maslikhats_t.insert(),
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
                    "list_order": int(start) + i,
                }
                for i, c in enumerate(contests)
            ],
        )
    return [c.id for c in contests]


def stored_contests(store: Store) -> list[MaslikhatContest]:
    """Every maslikhat registered in the database, in ``init`` order."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(maslikhats_t).order_by(maslikhats_t.c.list_order)).all()
    return [
        MaslikhatContest(
            r.contest, r.name, r.level, int(r.seats), r.law, r.region, r.parent, r.stations
        )
        for r in rows
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
