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
    out["token"] = secret_digest(row["token_hash"])
    return out


def secret_digest(stored_hash: str) -> str:
    """What the log records of a stored token or password hash: its SHA-256, so that
    ``audit verify`` notices a swapped hash without the log revealing anything usable."""
    return hashlib.sha256(str(stored_hash).encode()).hexdigest()


#: A division as the audit log records it: id -> [name, level, parent_id, country].
Tree = dict[str, list[str | None]]


def tree(conn: Connection, contest: str) -> Tree:
    """The contest's division tree as the table holds it, in the table's id order."""
    d = schema.divisions
    rows = conn.execute(
        select(d.c.id, d.c.name, d.c.level, d.c.parent_id, d.c.country)
        .where(d.c.contest_id == contest)
        .order_by(d.c.id)
    ).cursor.fetchall()  # the driver's tuples: a tree may have 100,000 divisions
    return {str(r[0]): [r[1], r[2], r[3], r[4]] for r in rows}


def registered(conn: Connection, contest: str) -> dict[str, Any]:
    """The contest's registered facts as the tables hold them now.

    ``law`` and ``divisions`` are digests (the tree is large; the ``register`` entry
    records its changes as well, see :func:`tree_change`); ``ballot`` is the party
    list itself (small, and a finding can then name the party); ``listed`` whether
    the CEC registered the stations ahead of their results.
    """
    return registered_with_tree(conn, contest)[0]


def registered_with_tree(
    conn: Connection, contest: str, *, with_tree: bool = True
) -> tuple[dict[str, Any], Tree]:
    """:func:`registered` and the :func:`tree` it digests, from one read of the tree
    (``with_tree`` False: the tree is not read, its digest and count are None)."""
    # SELECT *: migration 0006 records these facts before revision 0007 adds
    # ``stations_listed``; a fact the table does not have yet is not recorded.
    row = conn.execute(text("SELECT * FROM contests WHERE id = :c"), {"c": contest}).first()
    # A raw row: SQLite gives the boolean as 0/1, the digest wants the typed value.
    law = None if row is None else [_typed(k, row._mapping[k]) for k in LAW_COLUMNS]
    divisions = tree(conn, contest) if with_tree else {}
    p = schema.contest_parties
    ballot = conn.execute(
        select(p.c.party).where(p.c.contest_id == contest).order_by(p.c.position, p.c.party)
    ).scalars()
    facts: dict[str, Any] = {
        "law": _digest([law]),
        "divisions": tree_digest(divisions) if with_tree else None,
        "stations": sum(1 for v in divisions.values() if v[1] == "station") if with_tree else None,
        "ballot": list(ballot),
    }
    if row is not None and "stations_listed" in row._mapping:
        facts["listed"] = bool(row._mapping["stations_listed"])
    return facts, divisions


def tree_digest(tree: Tree) -> str:
    """The digest of a division tree, in the order of ``tree``'s items (the table's id
    order, as the entries of older releases recorded it)."""
    return _digest([[k, *v] for k, v in tree.items()])


def _typed(column: str, value: Any) -> Any:
    return bool(value) if column == "divisions_fixed" else value


def tree_change(before: Tree | None, after: Tree) -> dict[str, Any]:
    """What a ``register`` entry records of the tree: the divisions added or changed
    (``set``) and removed (``drop``) since ``before``; ``before`` None (an older
    entry recorded a digest only) records the whole tree with ``reset``."""
    if before is None:
        return {"reset": True, "set": after}
    out: dict[str, Any] = {}
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if changed:
        out["set"] = changed
    dropped = sorted(set(before) - set(after))
    if dropped:
        out["drop"] = dropped
    return out


def apply_tree(before: Tree | None, detail: Mapping[str, Any]) -> Tree | None:
    """The tree after a ``register`` entry's ``detail`` (None: not recorded)."""
    change = detail.get("tree")
    if not isinstance(change, dict):
        return None  # an entry of an older release: a digest only
    if change.get("reset"):
        return {str(k): list(v) for k, v in change.get("set", {}).items()}
    if before is None:
        return None
    out = {**before, **{str(k): list(v) for k, v in change.get("set", {}).items()}}
    for k in change.get("drop", []):
        out.pop(str(k), None)
    return out


def logged_tree(conn: Connection, contest: str) -> Tree | None:
    """The tree the contest's ``register`` entries record (None: not recorded)."""
    out: Tree | None = {}
    details = conn.execute(
        text(
            "SELECT detail FROM trust_audit WHERE contest = :c AND action = 'register' ORDER BY seq"
        ),
        {"c": contest},
    ).scalars()
    for detail in details:
        out = apply_tree(out, json.loads(detail))
    return out


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


def _raw_rows(conn: Connection, sql: str, size: int = 20_000) -> Iterator[tuple[Any, ...]]:
    """The rows of a parameterless SELECT as the driver's plain tuples, in chunks.

    ``audit verify`` reads every protocol version; SQLAlchemy's row objects cost
    more than the driver's tuples (a third of verify's time on 100,000 versions).
    The cursor is the connection's own, inside its transaction.
    """
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        while chunk := cursor.fetchmany(size):
            yield from chunk
    finally:
        cursor.close()


def versions(conn: Connection) -> Iterator[tuple[Any, ...]]:
    """Every protocol version (``VERSION_COLUMNS`` in order), by contest, station and
    version."""
    yield from _raw_rows(
        conn,
        f"SELECT {', '.join(VERSION_COLUMNS)} FROM protocol_versions "
        "ORDER BY contest_id, station_id, version",
    )


def pointers(conn: Connection) -> Iterator[tuple[Any, ...]]:
    """(contest, station, version, status, hash, counted_version) of every station."""
    yield from _raw_rows(
        conn,
        "SELECT contest_id, station_id, version, status, hash, counted_version "
        "FROM protocols ORDER BY contest_id, station_id",
    )


def accounts(conn: Connection) -> dict[str, dict[str, Any]]:
    """name -> the vouched-for fields of every account."""
    a = schema.accounts
    rows = conn.execute(select(*(a.c[k] for k in (*ACCOUNT_FIELDS, "token_hash"))))
    return {r.name: account_detail(dict(r._mapping)) for r in rows}


def passwords(conn: Connection) -> dict[str, str]:
    """account -> :func:`secret_digest` of its commission workspace password hash."""
    p = schema.commission_passwords
    return {str(r[0]): secret_digest(r[1]) for r in conn.execute(select(p.c.account, p.c.hash))}


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
