"""The rows of the submission workflow: settings, double entries, approvals,
decisions and certifications, and the protocol pointers the workflow reads.

The rules (who may do what, when entries agree, what a certified contest allows)
are in ``saylau.trust.workflow``; this module only reads and writes rows, in the
caller's connection or transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select, text, update

from saylau.errors import NotFoundError
from saylau.store import schema
from saylau.store.ingest import lock_contest

__all__ = ["lock_contest"]


@dataclass(frozen=True)
class ContestState:
    id: str
    certified_at: str | None


@dataclass(frozen=True)
class EntryRow:
    """One entry of a double-entry protocol (``saylau.store.schema.entries``)."""

    id: int
    station: str
    account: str
    at: str
    content_hash: str
    protocol: str
    reason: str | None
    status: str


def contest_state(conn: Connection, contest: str) -> ContestState:
    """The contest's certification state; ``NotFoundError`` when it does not exist."""
    row = conn.execute(
        text("SELECT id, certified_at FROM contests WHERE id = :c"), {"c": contest}
    ).first()
    if row is None:
        raise NotFoundError(f"contest '{contest}' does not exist")
    return ContestState(str(row.id), row.certified_at)


def set_certified(conn: Connection, contest: str, by: str, at: str) -> None:
    conn.execute(
        text(
            "UPDATE contests SET certified_at = :t, certified_by = :b, "
            "change_counter = change_counter + 1, last_update = :t WHERE id = :c"
        ),
        {"t": at, "b": by, "c": contest},
    )


def division_level(conn: Connection, contest: str, division: str) -> str | None:
    """The level of ``division`` in ``contest`` (None: no such division)."""
    row = conn.execute(
        text("SELECT level FROM divisions WHERE contest_id = :c AND id = :d"),
        {"c": contest, "d": division},
    ).first()
    return None if row is None else str(row[0])


def double_entry(conn: Connection, contest: str) -> bool:
    s = schema.settings
    row = conn.execute(select(s.c.double_entry).where(s.c.contest == contest)).first()
    return bool(row and row[0])


def set_double_entry(conn: Connection, contest: str, enabled: bool) -> None:
    s = schema.settings
    if conn.execute(select(s.c.contest).where(s.c.contest == contest)).first():
        conn.execute(update(s).where(s.c.contest == contest).values(double_entry=enabled))
    else:
        conn.execute(s.insert().values(contest=contest, double_entry=enabled))


def current(conn: Connection, contest: str, stations: Sequence[str]) -> dict[str, tuple[str, int]]:
    """station -> (hash, version) of the stored current protocols among ``stations``."""
    q = text(
        "SELECT station_id, hash, version FROM protocols "
        "WHERE contest_id = :c AND station_id IN :ids"
    ).bindparams(bindparam("ids", expanding=True))
    out: dict[str, tuple[str, int]] = {}
    for i in range(0, len(stations), 1000):
        for s, h, v in conn.execute(q, {"c": contest, "ids": list(stations[i : i + 1000])}):
            out[str(s)] = (str(h), int(v))
    return out


def all_current(conn: Connection, contest: str) -> list[tuple[str, int, str]]:
    """(station, version, hash) of every stored protocol of ``contest``, by station."""
    rows = conn.execute(
        text(
            "SELECT station_id, version, hash FROM protocols WHERE contest_id = :c "
            "ORDER BY station_id"
        ),
        {"c": contest},
    )
    return [(str(s), int(v), str(h)) for s, v, h in rows]


def open_decision(conn: Connection, contest: str, station: str) -> int | None:
    """The oldest unused CEC decision about ``station`` (None: none open)."""
    d = schema.decisions
    row = conn.execute(
        select(d.c.id)
        .where(d.c.contest == contest, d.c.station == station, d.c.used_at.is_(None))
        .order_by(d.c.id)
    ).first()
    return None if row is None else int(row[0])


def use_decision(conn: Connection, decision: int, at: str) -> None:
    d = schema.decisions
    conn.execute(update(d).where(d.c.id == decision).values(used_at=at))


def insert_decision(conn: Connection, **values: Any) -> int:
    return _new_id(conn.execute(schema.decisions.insert().values(**values)).inserted_primary_key)


def insert_approval(conn: Connection, **values: Any) -> None:
    conn.execute(schema.approvals.insert().values(**values))


def insert_certification(conn: Connection, **values: Any) -> None:
    conn.execute(schema.certifications.insert().values(**values))


def open_approvals(conn: Connection, contest: str) -> list[tuple[int, str]]:
    """(id, division) of the approvals of ``contest`` not yet made stale."""
    a = schema.approvals
    rows = conn.execute(
        select(a.c.id, a.c.scope).where(a.c.contest == contest, a.c.stale_at.is_(None))
    )
    return [(int(i), str(s)) for i, s in rows]


def mark_stale(conn: Connection, approval: int, at: str) -> None:
    a = schema.approvals
    conn.execute(update(a).where(a.c.id == approval).values(stale_at=at))


def _entry(r: Row[Any]) -> EntryRow:
    return EntryRow(
        int(r.id), r.station, r.account, r.at, r.content_hash, r.protocol, r.reason, r.status
    )


def entries(
    conn: Connection, contest: str, statuses: Sequence[str], station: str | None = None
) -> list[EntryRow]:
    """Entries of ``contest`` (of one ``station``) in one of ``statuses``, oldest first."""
    e = schema.entries
    q = select(e).where(e.c.contest == contest, e.c.status.in_(list(statuses)))
    if station is not None:
        q = q.where(e.c.station == station)
    return [_entry(r) for r in conn.execute(q.order_by(e.c.id))]


def insert_entry(conn: Connection, **values: Any) -> int:
    return _new_id(conn.execute(schema.entries.insert().values(**values)).inserted_primary_key)


def set_entry_status(conn: Connection, ids: Sequence[int], status: str) -> None:
    e = schema.entries
    conn.execute(update(e).where(e.c.id.in_(list(ids))).values(status=status))


def _new_id(key: Row[Any] | None) -> int:
    assert key is not None  # every workflow table has an integer primary key
    return int(key[0])
