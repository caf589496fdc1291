"""The rows ``saylau audit verify`` checks, read in a few whole-table SELECTs.

``saylau.trust.integrity`` holds the rules (replay the log, compare); this module
holds the SQL.  It also defines the *registered facts* of a contest — its law, its
ballot and its division tree — as digests, which the audit chain records whenever
they change (``saylau.store.audit.record_register``) and verification recomputes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, select, text

from saylau.store import schema
from saylau.store.schema import COUNT_COLUMNS

#: Columns of ``contests`` that make its law: seats, threshold, method, policy.
LAW_COLUMNS = ("law_name", "law_toml", "law_json", "policy", "root_id", "divisions_fixed")

#: Columns of ``trust_accounts`` the log vouches for (``status`` is derived from time).
ACCOUNT_FIELDS = ("name", "role", "scope", "created_at", "created_by", "expires_at", "revoked_at")


def _digest(value: Any) -> str:
    body = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def account_detail(row: Mapping[str, Any]) -> dict[str, Any]:
    """What the log records of an account row: its fields and a digest of its token hash.

    The digest lets ``audit verify`` notice a swapped token hash (someone giving
    themselves a token of the account) without the log revealing anything usable.
    """
    out = {k: (str(row[k]) if row[k] not in (None, "") else None) for k in ACCOUNT_FIELDS}
    out["token"] = hashlib.sha256(str(row["token_hash"]).encode()).hexdigest()
    return out


def registered(conn: Connection, contest: str) -> dict[str, Any]:
    """The contest's registered facts as the tables hold them now.

    ``law`` and ``divisions`` are digests (the tree is large); ``ballot`` is the
    party list itself (small, and a finding can then name the party).
    """
    c = schema.contests
    law = conn.execute(select(*(c.c[k] for k in LAW_COLUMNS)).where(c.c.id == contest)).first()
    d = schema.divisions
    tree = conn.execute(
        select(d.c.id, d.c.name, d.c.level, d.c.parent_id, d.c.country)
        .where(d.c.contest_id == contest)
        .order_by(d.c.id)
    ).all()
    p = schema.contest_parties
    ballot = conn.execute(
        select(p.c.party).where(p.c.contest_id == contest).order_by(p.c.position, p.c.party)
    ).scalars()
    return {
        "law": _digest([None if law is None else [*law]]),
        "divisions": _digest([list(r) for r in tree]),
        "stations": sum(1 for r in tree if r.level == "station"),
        "ballot": list(ballot),
    }


def contests(conn: Connection) -> list[tuple[str, str | None]]:
    """(id, certified_at) of every contest."""
    rows = conn.execute(select(schema.contests.c.id, schema.contests.c.certified_at))
    return [(r.id, r.certified_at) for r in rows]


def station_parents(conn: Connection) -> dict[tuple[str, str], str | None]:
    """(contest, station) -> the division the station sits under."""
    d = schema.divisions
    rows = conn.execute(select(d.c.contest_id, d.c.id, d.c.parent_id).where(d.c.level == "station"))
    return {(r.contest_id, r.id): r.parent_id for r in rows}


def audit_rows(
    conn: Connection,
) -> Iterator[tuple[int, str, str | None, str | None, str | None, str | None, str]]:
    """(seq, action, contest, subject, before, after, detail) of every entry, in order."""
    yield from conn.execute(
        text(
            "SELECT seq, action, contest, subject, before_hash, after_hash, detail "
            "FROM trust_audit ORDER BY seq"
        )
    )


VERSION_COLUMNS = (
    "contest_id",
    "station_id",
    "version",
    "hash",
    "status",
    "region",
    "district",
    "country",
    *COUNT_COLUMNS,
    "votes",
)


def versions(conn: Connection) -> Iterator[Any]:
    """Every protocol version, by contest, station and version."""
    yield from conn.execute(
        text(
            f"SELECT {', '.join(VERSION_COLUMNS)} FROM protocol_versions "
            "ORDER BY contest_id, station_id, version"
        )
    ).mappings()


def pointers(conn: Connection) -> Iterator[tuple[str, str, int, str, str, int | None]]:
    """(contest, station, version, status, hash, counted_version) of every station."""
    yield from conn.execute(
        text(
            "SELECT contest_id, station_id, version, status, hash, counted_version "
            "FROM protocols ORDER BY contest_id, station_id"
        )
    )


def accounts(conn: Connection) -> dict[str, dict[str, Any]]:
    """name -> the vouched-for fields of every account."""
    a = schema.accounts
    rows = conn.execute(select(*(a.c[k] for k in (*ACCOUNT_FIELDS, "token_hash"))))
    return {r.name: account_detail(dict(r._mapping)) for r in rows}


def settings(conn: Connection) -> dict[str, bool]:
    s = schema.settings
    return {
        r.contest: bool(r.double_entry) for r in conn.execute(select(s.c.contest, s.c.double_entry))
    }


def approvals(conn: Connection) -> list[tuple[int, str, str, str]]:
    """(id, contest, scope, results_hash) of every approval."""
    a = schema.approvals
    rows = conn.execute(select(a.c.id, a.c.contest, a.c.scope, a.c.results_hash).order_by(a.c.id))
    return [(int(r.id), r.contest, r.scope, r.results_hash) for r in rows]


def certifications(conn: Connection) -> list[tuple[int, str, str]]:
    """(id, contest, results_hash) of every certification."""
    c = schema.certifications
    rows = conn.execute(select(c.c.id, c.c.contest, c.c.results_hash).order_by(c.c.id))
    return [(int(r.id), r.contest, r.results_hash) for r in rows]


def decisions(conn: Connection) -> dict[int, tuple[str, str, str]]:
    """id -> (contest, station, reason) of every CEC decision."""
    d = schema.decisions
    rows = conn.execute(select(d.c.id, d.c.contest, d.c.station, d.c.reason))
    return {int(r.id): (r.contest, r.station, r.reason) for r in rows}
