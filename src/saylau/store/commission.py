"""Queries of the commission workspace: passwords, browser sessions, failed sign-ins,
entry drafts (paused entries) and accepted-warning explanations (the tables are in
``saylau.store.schema``, with every other table).

Plain functions over a ``Connection``: the caller (``saylau.trust.desk``) opens the
transaction, so a write here and its audit entry commit together.  Times are
ISO-8601 UTC text, as in the trust tables.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    delete,
    func,
    select,
    text,
    update,
)

from saylau.results.tree import path_to_root
from saylau.store import schema

passwords = schema.commission_passwords
sessions = schema.commission_sessions
failures = schema.commission_failures
drafts = schema.commission_drafts
explanations = schema.commission_explanations
certificates = schema.commission_certificates

# --- passwords -------------------------------------------------------------


def password_hash(conn: Connection, account: str) -> str | None:
    row = conn.execute(select(passwords.c.hash).where(passwords.c.account == account)).first()
    return None if row is None else str(row[0])


def set_password_hash(conn: Connection, account: str, digest: str, at: str) -> None:
    done = conn.execute(
        update(passwords).where(passwords.c.account == account).values(hash=digest, changed_at=at)
    )
    if not done.rowcount:
        conn.execute(passwords.insert().values(account=account, hash=digest, changed_at=at))


# --- sessions --------------------------------------------------------------


@dataclass(frozen=True)
class SessionRow:
    key: str
    account: str
    created_at: str
    seen_at: str


def add_session(conn: Connection, key: str, account: str, at: str, address: str) -> None:
    conn.execute(
        sessions.insert().values(
            key=key, account=account, created_at=at, seen_at=at, address=address[:64]
        )
    )


def get_session(conn: Connection, key: str) -> SessionRow | None:
    row = conn.execute(
        select(sessions.c.key, sessions.c.account, sessions.c.created_at, sessions.c.seen_at).where(
            sessions.c.key == key
        )
    ).first()
    return None if row is None else SessionRow(*row)


def touch_session(conn: Connection, key: str, at: str) -> None:
    conn.execute(update(sessions).where(sessions.c.key == key).values(seen_at=at))


def drop_session(conn: Connection, key: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.key == key))


def drop_sessions_of(conn: Connection, account: str) -> int:
    return int(conn.execute(delete(sessions).where(sessions.c.account == account)).rowcount)


# --- failed sign-ins -------------------------------------------------------


def add_failure(conn: Connection, account: str, address: str, at: str) -> None:
    conn.execute(failures.insert().values(account=account[:200], address=address[:64], at=at))


def count_failures(conn: Connection, account: str, address: str, since: str) -> tuple[int, int]:
    """(failures of ``account``, failures from ``address``) since ``since``."""
    n_acc = conn.execute(
        select(func.count()).where(failures.c.account == account[:200], failures.c.at >= since)
    ).scalar_one()
    n_addr = conn.execute(
        select(func.count()).where(failures.c.address == address[:64], failures.c.at >= since)
    ).scalar_one()
    return int(n_acc), int(n_addr)


def clear_failures(conn: Connection, account: str) -> None:
    conn.execute(delete(failures).where(failures.c.account == account))


# --- drafts (paused entries) ----------------------------------------------


def save_draft(
    conn: Connection, contest: str, station: str, account: str, values: Mapping[str, str], at: str
) -> None:
    key = and_(
        drafts.c.contest == contest, drafts.c.station == station, drafts.c.account == account
    )
    body = json.dumps(dict(values), ensure_ascii=False, sort_keys=True)
    if not conn.execute(update(drafts).where(key).values(values=body, saved_at=at)).rowcount:
        conn.execute(
            drafts.insert().values(
                contest=contest, station=station, account=account, values=body, saved_at=at
            )
        )


def load_draft(
    conn: Connection, contest: str, station: str, account: str
) -> tuple[dict[str, str], str] | None:
    row = conn.execute(
        select(drafts.c["values"], drafts.c.saved_at).where(
            drafts.c.contest == contest, drafts.c.station == station, drafts.c.account == account
        )
    ).first()
    return None if row is None else (json.loads(row[0]), str(row[1]))


def delete_draft(conn: Connection, contest: str, station: str, account: str) -> None:
    conn.execute(
        delete(drafts).where(
            drafts.c.contest == contest, drafts.c.station == station, drafts.c.account == account
        )
    )


def drafts_of(conn: Connection, contest: str) -> dict[str, list[str]]:
    """station -> accounts holding a paused entry of it."""
    out: dict[str, list[str]] = {}
    for station, account in conn.execute(
        select(drafts.c.station, drafts.c.account).where(drafts.c.contest == contest)
    ):
        out.setdefault(str(station), []).append(str(account))
    return out


# --- accepted warnings -----------------------------------------------------


def add_explanations(
    conn: Connection,
    contest: str,
    station: str,
    content_hash: str,
    account: str,
    items: Sequence[tuple[str, Sequence[str], str]],
    at: str,
) -> None:
    """Store (code, fields, text) explanations of the warnings accepted on one entry."""
    for code, fields, why in items:
        conn.execute(
            explanations.insert().values(
                contest=contest,
                station=station,
                content_hash=content_hash,
                account=account,
                code=code,
                fields=json.dumps(list(fields)),
                text=why,
                at=at,
            )
        )


def explanations_for(
    conn: Connection, contest: str, station: str, content_hash: str | None = None
) -> list[dict[str, Any]]:
    q = select(explanations).where(
        explanations.c.contest == contest, explanations.c.station == station
    )
    if content_hash is not None:
        q = q.where(explanations.c.content_hash == content_hash)
    return [
        {
            "code": r.code,
            "fields": json.loads(r.fields),
            "text": r.text,
            "account": r.account,
            "at": r.at,
            "hash": r.content_hash,
        }
        for r in conn.execute(q.order_by(explanations.c.id))
    ]


# --- what the workspace shows ---------------------------------------------


@dataclass(frozen=True)
class StationFacts:
    """What the store knows of one station, for its state in the workspace."""

    id: str
    name: str
    parent: str | None
    status: str | None  # the current protocol's status, None when never counted
    version: int | None
    hash: str | None


_FACTS = (
    "SELECT d.id, d.name, d.parent_id, p.status, p.version, p.hash FROM divisions d "
    "LEFT JOIN protocols p ON p.contest_id = d.contest_id AND p.station_id = d.id "
    "WHERE d.contest_id = :c AND d.level = 'station'"
)


def stations(conn: Connection, contest: str) -> list[StationFacts]:
    """What the store knows of every station of ``contest``, by id."""
    rows = conn.execute(text(_FACTS + " ORDER BY d.id"), {"c": contest}).all()
    return [StationFacts(*r) for r in rows]


def station_facts(conn: Connection, contest: str, station: str) -> StationFacts | None:
    """``stations`` of one station (None when it is not a station of ``contest``)."""
    row = conn.execute(text(_FACTS + " AND d.id = :s"), {"c": contest, "s": station}).first()
    return None if row is None else StationFacts(*row)


def parents(conn: Connection, contest: str) -> dict[str, str | None]:
    """division id -> parent id, for the whole tree of ``contest``."""
    rows = conn.execute(
        text("SELECT id, parent_id FROM divisions WHERE contest_id = :c"), {"c": contest}
    ).all()
    return {str(i): p for i, p in rows}


def open_entries(
    conn: Connection, contest: str, station: str | None = None
) -> dict[str, list[tuple[str, str]]]:
    """station -> [(account, status)] of its pending or conflicting entries, oldest
    first (of one ``station`` when given)."""
    q = (
        "SELECT station, account, status FROM trust_entries "
        "WHERE contest = :c AND status IN ('pending', 'conflict')"
    )
    args = {"c": contest}
    if station is not None:
        q += " AND station = :s"
        args["s"] = station
    out: dict[str, list[tuple[str, str]]] = {}
    for s, a, st in conn.execute(text(q + " ORDER BY id"), args).all():
        out.setdefault(str(s), []).append((str(a), str(st)))
    return out


def open_approvals(conn: Connection, contest: str) -> list[str]:
    """The divisions whose approval still holds (not made stale by a later change)."""
    return [a["scope"] for a in approvals(conn, contest)]


def approvals(conn: Connection, contest: str) -> list[dict[str, Any]]:
    """The approvals of ``contest`` that still hold, oldest first: ``scope``,
    ``actor``, ``at``, ``results_hash``."""
    rows = conn.execute(
        text(
            "SELECT scope, actor, at, results_hash FROM trust_approvals "
            "WHERE contest = :c AND stale_at IS NULL ORDER BY id"
        ),
        {"c": contest},
    ).mappings()
    return [{k: str(v) for k, v in r.items()} for r in rows]


def current_protocol(conn: Connection, contest: str, station: str) -> dict[str, Any] | None:
    """The station's newest stored version as canonical fields (None when none)."""
    row = (
        conn.execute(
            text(
                "SELECT v.* FROM protocol_versions v JOIN protocols p "
                "ON p.contest_id = v.contest_id AND p.station_id = v.station_id "
                "AND p.version = v.version WHERE v.contest_id = :c AND v.station_id = :s"
            ),
            {"c": contest, "s": station},
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    out: dict[str, Any] = {"station": station}
    skip = {"contest_id", "station_id", "version", "created_at", "actor", "reason", "source"}
    for key, value in row.items():
        if key in skip or key in ("hash", "status", "problems", "votes") or value is None:
            continue
        out[key] = value
    for party, n in json.loads(row["votes"]).items():
        out[f"party:{party}"] = n
    return out


def decisions(conn: Connection, contest: str, station: str | None = None) -> list[dict[str, Any]]:
    q = "SELECT id, station, reason, actor, at, used_at FROM trust_decisions WHERE contest = :c"
    args: dict[str, Any] = {"c": contest}
    if station is not None:
        q += " AND station = :s"
        args["s"] = station
    rows = conn.execute(text(q + " ORDER BY id"), args).mappings().all()
    return [dict(r) for r in rows]


def certified(conn: Connection, contest: str) -> bool:
    """Whether ``contest`` is certified (False for an unknown contest)."""
    row = conn.execute(
        text("SELECT certified_at FROM contests WHERE id = :c"), {"c": contest}
    ).first()
    return row is not None and row[0] is not None


def certifications(conn: Connection, contest: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        text(
            "SELECT actor, at, results_hash FROM trust_certifications WHERE contest = :c ORDER BY id"
        ),
        {"c": contest},
    ).mappings()
    return [dict(r) for r in rows]


def add_certificate(
    conn: Connection, contest: str, number: str, date: str, actor: str, at: str
) -> None:
    conn.execute(
        certificates.insert().values(contest=contest, number=number, date=date, actor=actor, at=at)
    )


def certificate(conn: Connection, contest: str) -> dict[str, Any] | None:
    row = (
        conn.execute(
            select(certificates.c.number, certificates.c.date, certificates.c.actor)
            .where(certificates.c.contest == contest)
            .order_by(certificates.c.id.desc())
        )
        .mappings()
        .first()
    )
    return None if row is None else dict(row)


def parties(conn: Connection, contest: str) -> list[str]:
    """The contest's registered ballot, in ballot order (``saylau.store.registry``
    registers it: the divisions file, ``ingest --register``, ``Store.register``).
    The entry form's party lines are these, whatever stored protocols name."""
    rows = conn.execute(
        text("SELECT party FROM contest_parties WHERE contest_id = :c ORDER BY position"),
        {"c": contest},
    ).all()
    return [str(r[0]) for r in rows]


def entries(conn: Connection, contest: str, station: str) -> list[dict[str, Any]]:
    """The open (pending or conflicting) entries of one station, oldest first."""
    rows = conn.execute(
        text(
            "SELECT id, account, at, status, content_hash, protocol FROM trust_entries "
            "WHERE contest = :c AND station = :s AND status IN ('pending', 'conflict') ORDER BY id"
        ),
        {"c": contest, "s": station},
    ).mappings()
    return [{**dict(r), "protocol": json.loads(r["protocol"])} for r in rows]


def path(conn: Connection, contest: str, division: str) -> list[str] | None:
    """The division ids from the root down to ``division`` (None when unknown):
    one indexed lookup per level, not the whole tree."""
    q = text("SELECT parent_id FROM divisions WHERE contest_id = :c AND id = :d")
    unknown: list[str] = []

    def parent_of(node: str) -> str | None:
        row = conn.execute(q, {"c": contest, "d": node}).first()
        if row is None:
            unknown.append(node)  # the walk stops here, and this id is not in the tree
            return None
        return str(row[0]) if row[0] is not None else None

    out = path_to_root(division, parent_of)
    return (out[1:] if unknown else out) or None


def draft_accounts(conn: Connection, contest: str, station: str) -> list[str]:
    rows = conn.execute(
        select(drafts.c.account).where(drafts.c.contest == contest, drafts.c.station == station)
    ).all()
    return [str(r[0]) for r in rows]


def open_entries_of(conn: Connection, contest: str, station: str) -> list[tuple[str, str]]:
    """[(account, status)] of one station's pending or conflicting entries."""
    return open_entries(conn, contest, station).get(station, [])
