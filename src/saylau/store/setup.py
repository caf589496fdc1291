"""Creating elections and contests: the law snapshot and the division tree."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import Connection, select

from saylau.errors import InputError, SaylauError
from saylau.law import Law, load_law, parse_law
from saylau.store import divisions as dv
from saylau.store.aggregates import FIGURES
from saylau.store.audit import record_register
from saylau.store.ingest import now
from saylau.store.ingest_sql import _insert
from saylau.store.schema import contests, elections


def law_snapshot(law: str | Path | Law) -> Law:
    """The law to snapshot: a ``Law``, a preset name or a TOML file path."""
    return law if isinstance(law, Law) else load_law(law)


def law_from_snapshot(toml_text: str, name: str) -> Law:
    """The contest's law as stored at ``init`` (later edits of a preset do not leak in)."""
    return parse_law(toml_text, label=f"law of contest ({name})", default_name=name)


def ensure_election(conn: Connection, name: str, date: str | None) -> int:
    row = conn.execute(
        select(elections.c.id, elections.c.date).where(elections.c.name == name)
    ).first()
    if row is not None:
        if date is not None and row.date is not None and row.date != date:
            raise InputError(f"election {name!r} exists with date {row.date}, not {date}")
        return int(row.id)
    conn.execute(elections.insert().values(name=name, date=date, created_at=now()))
    got = conn.execute(select(elections.c.id).where(elections.c.name == name)).scalar_one()
    return int(got)


def create_contest(
    conn: Connection,
    election_id: int,
    contest_id: str,
    law: Law,
    *,
    title: str | None,
    divisions: Sequence[dv.DivisionRow] | None,
) -> None:
    if not contest_id or any(c in contest_id for c in "/ \t\n"):
        raise InputError(f"contest id {contest_id!r} must be non-empty without spaces or '/'")
    exists = conn.execute(select(contests.c.id).where(contests.c.id == contest_id)).first()
    if exists is not None:
        raise InputError(f"contest {contest_id!r} already exists")
    if not law.text:
        raise SaylauError(f"law {law.name!r} has no TOML text to snapshot")
    rows = (
        list(divisions)
        if divisions
        else [dv.DivisionRow(dv.ROOT_ID, law.title or contest_id, "country", None)]
    )
    root = next(r.id for r in rows if r.parent_id is None)
    stamp = now()
    conn.execute(
        contests.insert().values(
            id=contest_id,
            election_id=election_id,
            title=title or law.title or contest_id,
            law_name=law.name,
            law_toml=law.text,
            law_json=json.dumps(law.describe(), ensure_ascii=False),
            policy=law.protocol_policy,
            root_id=root,
            divisions_fixed=divisions is not None,
            change_counter=0,
            last_update=stamp,
            created_at=stamp,
        )
    )
    _insert(
        conn,
        "divisions",
        ("contest_id", "id", "name", "level", "parent_id", "country"),
        [(contest_id, r.id, r.name, r.level, r.parent_id, r.country) for r in rows],
    )
    # Every non-station division starts with an aggregate row; stations_expected is
    # the number of station leaves below it.
    parents = {r.id: r.parent_id for r in rows if r.level != "station"}
    expected = dict.fromkeys(parents, 0)
    path_of = dv.paths(parents)
    for r in rows:
        if r.level == "station" and r.parent_id is not None:
            for d in path_of[r.parent_id]:
                expected[d] += 1
    _insert(
        conn,
        "aggregates",
        ("contest_id", "division_id", *FIGURES),
        [
            (contest_id, d, *(expected[d] if f == "stations_expected" else 0 for f in FIGURES))
            for d in parents
        ],
    )
    record_register(conn, "init", contest_id)  # the law and tree enter the audit chain
