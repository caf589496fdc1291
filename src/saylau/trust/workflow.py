"""Submission under authority: scope checks, amendments, double entry, approval,
certification and CEC decisions, each recorded in the audit chain.

The store owns protocols, versions and aggregates; this module decides *whether*
an account may write and records *that* it did.  The audit entry of a write
is committed just before the store's own transaction (write-ahead), so every
version the store holds is vouched for by the log; ``saylau audit verify``
reports any version the log does not cover.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, select, text, update

from saylau.errors import InputError, NotFoundError, SaylauError
from saylau.store import divisions as dv
from saylau.store.canonical import canonical_json
from saylau.store.engine import write_transaction
from saylau.store.ingest import prepare
from saylau.tabulate.reader import protocol_from_mapping
from saylau.trust import audit, schema
from saylau.trust.accounts import SUBMITTERS, Account, Role, in_scope, iso, now


class Forbidden(SaylauError):
    """The account may not do this (role or scope)."""


class Conflict(SaylauError):
    """The action clashes with the contest's state (certified, pending entry, …)."""


class StoreLike(Protocol):
    """What this module needs of ``saylau.store.Store``."""

    engine: Engine

    def submit(
        self, contest_id: str, protocol: Mapping[str, Any], *, actor: str, reason: str | None
    ) -> Any: ...

    def set_certified(self, contest_id: str, by: str) -> Any: ...


@dataclass(frozen=True)
class Outcome:
    """What happened to one submitted protocol."""

    status: str  # accepted | flagged | rejected | unchanged | pending-second-entry | entries-differ
    station: str
    version: int | None = None
    hash: str = ""
    problems: list[dict[str, Any]] = field(default_factory=list)
    differences: list[dict[str, Any]] = field(default_factory=list)
    entry: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, [], "") or k == "status"}


def station_path(conn: Connection, contest: str, protocol: Mapping[str, Any]) -> list[str]:
    """The division ids from the root down to the protocol's station.

    A known station keeps its place in the tree (a protocol cannot move it); a new
    one sits where the store will put it, under the divisions its columns imply.
    """
    station = str(protocol.get("station") or "")
    parent_q = text("SELECT parent_id FROM divisions WHERE contest_id = :c AND id = :d")

    # One indexed lookup per level, not the whole tree: this runs per protocol.
    def stored_parent(division: str) -> tuple[bool, str | None]:
        row = conn.execute(parent_q, {"c": contest, "d": division}).first()
        return (False, None) if row is None else (True, row[0])

    implied: dict[str, str] = {}
    known, parent = stored_parent(station)
    if not known:
        region, district, country = (
            str(protocol.get(k) or "") for k in ("region", "district", "country")
        )
        if country:
            parent = f"abroad:{country}"
            implied = {parent: dv.ABROAD_ID, dv.ABROAD_ID: dv.ROOT_ID}
        elif district:
            parent = f"district:{region}/{district}"
            implied = {parent: f"region:{region}" if region else dv.ROOT_ID}
            if region:
                implied[f"region:{region}"] = dv.ROOT_ID
        elif region:
            parent = f"region:{region}"
            implied = {parent: dv.ROOT_ID}
        else:
            parent = dv.ROOT_ID
    path = [station]
    seen = 0
    while parent is not None and seen < 64:
        path.append(parent)
        known, up = stored_parent(parent)
        parent = up if known else implied.get(parent)
        seen += 1
    return path[::-1]


def _contest(conn: Connection, contest: str) -> Any:
    row = conn.execute(
        text("SELECT id, certified_at FROM contests WHERE id = :c"), {"c": contest}
    ).first()
    if row is None:
        raise NotFoundError(f"contest '{contest}' does not exist")
    return row


def double_entry(conn: Connection, contest: str) -> bool:
    row = conn.execute(
        select(schema.settings.c.double_entry).where(schema.settings.c.contest == contest)
    ).first()
    return bool(row and row[0])


def _current_hash(conn: Connection, contest: str, station: str) -> str | None:
    row = conn.execute(
        text("SELECT hash FROM protocols WHERE contest_id = :c AND station_id = :s"),
        {"c": contest, "s": station},
    ).first()
    return None if row is None else str(row[0])


def _version_hash(conn: Connection, contest: str, station: str, version: int) -> str | None:
    row = conn.execute(
        text(
            "SELECT hash FROM protocol_versions WHERE contest_id = :c AND station_id = :s AND version = :v"
        ),
        {"c": contest, "s": station, "v": version},
    ).first()
    return None if row is None else str(row[0])


def authorize_station(
    conn: Connection, account: Account, contest: str, protocol: Mapping[str, Any]
) -> None:
    """Raise Forbidden unless ``account`` may write ``protocol``'s station."""
    if account.role not in SUBMITTERS:
        raise Forbidden(f"account '{account.name}' ({account.role}) cannot submit protocols")
    path = station_path(conn, contest, protocol)
    if not in_scope(account.scope, path):
        raise Forbidden(
            f"account '{account.name}' (scope '{account.scope}') cannot submit station '{protocol.get('station')}'"
        )


def _new_id(key: Any) -> int:
    assert key is not None  # every trust table has an integer primary key
    return int(key[0])


def differences(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Field-by-field differences of two entries of one protocol."""
    keys = sorted(set(a) | set(b))
    return [
        {"field": k, "first": a.get(k), "second": b.get(k)} for k in keys if a.get(k) != b.get(k)
    ]


def submit(
    store: StoreLike,
    account: Account,
    contest: str,
    protocol: Mapping[str, Any],
    *,
    reason: str | None = None,
) -> Outcome:
    """Submit one canonical protocol as ``account``; see the module docstring."""
    station = str(protocol.get("station") or "")
    if not station:
        raise InputError("protocol: field 'station' is missing")
    # Control characters (NUL above all: PostgreSQL refuses it) never belong in a name.
    bad = [
        f"protocol: {k} {v!r} contains control characters"
        for k, v in protocol.items()
        if (isinstance(v, str) and not v.isprintable()) or not str(k).isprintable()
    ]
    if bad:
        raise InputError(bad)
    with store.engine.connect() as conn:
        row = _contest(conn, contest)
        authorize_station(conn, account, contest, protocol)
        new_hash = store_hash(conn, contest, protocol)
        old = _current_hash(conn, contest, station)
        if old is not None and old != new_hash and not (reason and reason.strip()):
            raise InputError(f"station '{station}': an amendment needs a reason")
        decision = None
        if row.certified_at and old != new_hash:
            decision = _open_decision(conn, contest, station)
            if decision is None:
                raise Conflict(
                    f"contest '{contest}' is certified: amending station '{station}' needs a recorded CEC decision"
                )
        twice = double_entry(conn, contest) and old != new_hash
    if twice:
        return _enter(store, account, contest, dict(protocol), new_hash, reason)
    return _commit(
        store,
        contest,
        protocol,
        actor=account.name,
        reason=reason,
        decision=decision,
        digest=new_hash,
    )


def _open_decision(conn: Connection, contest: str, station: str) -> int | None:
    d = schema.decisions
    row = conn.execute(
        select(d.c.id)
        .where(d.c.contest == contest, d.c.station == station, d.c.used_at.is_(None))
        .order_by(d.c.id)
    ).first()
    return None if row is None else int(row[0])


def store_hash(conn: Connection, contest: str, protocol: Mapping[str, Any]) -> str:
    """The content hash the store will give ``protocol`` (validating it: InputError)."""
    policy = conn.execute(
        text("SELECT policy FROM contests WHERE id = :c"), {"c": contest}
    ).scalar_one()
    frame, _ = prepare(protocol_from_mapping(protocol), policy)
    return str(frame["_hash"][0])


def _commit(
    store: StoreLike,
    contest: str,
    protocol: Mapping[str, Any],
    *,
    actor: str,
    reason: str | None,
    decision: int | None = None,
    extra: Mapping[str, Any] | None = None,
    digest: str | None = None,
) -> Outcome:
    """Record the audit entry, then write through the store.

    ``digest`` is the protocol's content hash when the caller already computed it
    (it depends on the protocol and the contest's policy only; validating the
    protocol again would cost a third pass through the readers).

    The entry is written ahead (write-ahead log): the store runs its own
    transaction, so a crash between the two leaves an entry whose version never
    came (harmless, visible) rather than a version the log does not vouch for.
    """
    station = str(protocol["station"])
    with write_transaction(store.engine) as conn:
        if digest is None:
            digest = store_hash(conn, contest, protocol)
        before = _current_hash(conn, contest, station)
        if before == digest:
            version = conn.execute(
                text("SELECT version FROM protocols WHERE contest_id = :c AND station_id = :s"),
                {"c": contest, "s": station},
            ).scalar_one()
            return Outcome("unchanged", station, int(version), digest)
        detail: dict[str, Any] = {"reason": reason, **(extra or {})}
        if decision is not None:
            detail["decision"] = decision
            conn.execute(
                update(schema.decisions)
                .where(schema.decisions.c.id == decision)
                .values(used_at=iso(now()))
            )
        audit.append(
            conn,
            actor,
            "amendment" if before else "submission",
            contest=contest,
            subject=station,
            before=before,
            after=digest,
            detail=detail,
        )
        _stale_approvals(conn, contest, station)
    result = store.submit(contest, protocol, actor=actor, reason=reason)
    problems = [p.to_dict() if hasattr(p, "to_dict") else dict(p) for p in result.problems]
    return Outcome(str(result.status), station, int(result.version), str(result.hash), problems)


def _stale_approvals(conn: Connection, contest: str, station: str) -> None:
    a = schema.approvals
    path = station_path(conn, contest, {"station": station})
    for row in conn.execute(
        select(a.c.id, a.c.scope).where(a.c.contest == contest, a.c.stale_at.is_(None))
    ).all():
        if row.scope in path:
            conn.execute(update(a).where(a.c.id == row.id).values(stale_at=iso(now())))


def _enter(
    store: StoreLike,
    account: Account,
    contest: str,
    protocol: dict[str, Any],
    digest: str,
    reason: str | None,
) -> Outcome:
    """One entry of a double-entry protocol: wait, agree (and count) or differ."""
    e = schema.entries
    station = str(protocol["station"])
    with write_transaction(store.engine) as conn:
        open_ = conn.execute(
            select(e).where(
                e.c.contest == contest,
                e.c.station == station,
                e.c.status.in_(("pending", "conflict")),
            )
        ).all()
        if any(r.status == "conflict" for r in open_):
            raise Conflict(f"station '{station}': the two entries differ; resolve them first")
        if any(r.account == account.name for r in open_):
            raise Conflict(
                f"station '{station}': the second entry must come from a different account"
            )
        entry_id = _new_id(
            conn.execute(
                e.insert().values(
                    contest=contest,
                    station=station,
                    account=account.name,
                    at=iso(now()),
                    content_hash=digest,
                    protocol=canonical_json(protocol),
                    reason=reason,
                    status="pending",
                )
            ).inserted_primary_key
        )
        audit.append(
            conn,
            account.name,
            "entry",
            contest=contest,
            subject=station,
            after=digest,
            detail={"entry": entry_id},
        )
        if not open_:
            return Outcome("pending-second-entry", station, hash=digest, entry=entry_id)
        first = open_[0]
        ids = [first.id, entry_id]
        if first.content_hash != digest:
            conn.execute(update(e).where(e.c.id.in_(ids)).values(status="conflict"))
            diff = differences(json.loads(first.protocol), json.loads(canonical_json(protocol)))
            audit.append(
                conn,
                account.name,
                "entry-conflict",
                contest=contest,
                subject=station,
                before=first.content_hash,
                after=digest,
                detail={"entries": ids, "fields": [d["field"] for d in diff]},
            )
            return Outcome("entries-differ", station, hash=digest, differences=diff, entry=entry_id)
        conn.execute(update(e).where(e.c.id.in_(ids)).values(status="agreed"))
        actor = f"{first.account}+{account.name}"
    return _commit(
        store,
        contest,
        protocol,
        actor=actor,
        reason=reason or first.reason,
        extra={"entries": ids},
        digest=digest,
    )


def pending_entries(conn: Connection, contest: str, scope: str | None) -> list[dict[str, Any]]:
    """Open entries (pending or conflicting) within ``scope``, with their differences."""
    e = schema.entries
    rows = conn.execute(
        select(e)
        .where(e.c.contest == contest, e.c.status.in_(("pending", "conflict")))
        .order_by(e.c.id)
    ).all()
    out = []
    for r in rows:
        if in_scope(scope, station_path(conn, contest, {"station": r.station})):
            out.append(
                {
                    "entry": r.id,
                    "station": r.station,
                    "account": r.account,
                    "at": r.at,
                    "status": r.status,
                    "protocol": json.loads(r.protocol),
                }
            )
    return out


def resolve(
    store: StoreLike, account: Account, contest: str, station: str, *, keep: int | None, reason: str
) -> Outcome:
    """Settle differing entries: count entry ``keep`` or discard both (``keep=None``)."""
    if account.role not in (Role.TERRITORIAL, Role.CEC):
        raise Forbidden(f"account '{account.name}' ({account.role}) cannot resolve entries")
    if not reason.strip():
        raise InputError("resolving differing entries needs a reason")
    e = schema.entries
    with write_transaction(store.engine) as conn:
        if not in_scope(account.scope, station_path(conn, contest, {"station": station})):
            raise Forbidden(
                f"account '{account.name}' (scope '{account.scope}') cannot resolve station '{station}'"
            )
        rows = conn.execute(
            select(e).where(
                e.c.contest == contest, e.c.station == station, e.c.status == "conflict"
            )
        ).all()
        if not rows:
            raise NotFoundError(f"station '{station}' has no differing entries")
        chosen = next((r for r in rows if r.id == keep), None)
        if keep is not None and chosen is None:
            raise InputError(
                f"entry {keep} is not one of station '{station}' entries {[r.id for r in rows]}"
            )
        for r in rows:
            conn.execute(
                update(e)
                .where(e.c.id == r.id)
                .values(status="resolved" if r.id == keep else "discarded")
            )
        audit.append(
            conn,
            account.name,
            "entry-resolved",
            contest=contest,
            subject=station,
            after=chosen.content_hash if chosen else None,
            detail={"kept": keep, "entries": [r.id for r in rows], "reason": reason},
        )
    if chosen is None:
        return Outcome("discarded", station)
    return _commit(
        store,
        contest,
        json.loads(chosen.protocol),
        actor=account.name,
        reason=reason,
        extra={"entries": [keep]},
    )


def results_hash(conn: Connection, contest: str, scope: str | None = None) -> str:
    """sha256 over the current (station, version, hash) of every station in ``scope``."""
    rows = conn.execute(
        text(
            "SELECT station_id, version, hash FROM protocols WHERE contest_id = :c ORDER BY station_id"
        ),
        {"c": contest},
    ).all()
    if scope is not None:
        rows = [r for r in rows if in_scope(scope, station_path(conn, contest, {"station": r[0]}))]
    lines = "".join(f"{s}\t{v}\t{h}\n" for s, v, h in rows)
    return hashlib.sha256(lines.encode()).hexdigest()


def approve(store: StoreLike, account: Account, contest: str, division: str) -> dict[str, Any]:
    """A territorial commission (or the CEC) approves the results of ``division``'s subtree."""
    if account.role not in (Role.TERRITORIAL, Role.CEC):
        raise Forbidden(f"account '{account.name}' ({account.role}) cannot approve results")
    with write_transaction(store.engine) as conn:
        _contest(conn, contest)
        known = conn.execute(
            text("SELECT 1 FROM divisions WHERE contest_id = :c AND id = :d"),
            {"c": contest, "d": division},
        ).first()
        if known is None:
            raise NotFoundError(f"contest '{contest}' has no division '{division}'")
        path = station_path(conn, contest, {"station": division})
        if not in_scope(account.scope, path):
            raise Forbidden(
                f"account '{account.name}' (scope '{account.scope}') cannot approve '{division}'"
            )
        digest = results_hash(conn, contest, division)
        at = iso(now())
        conn.execute(
            schema.approvals.insert().values(
                contest=contest, scope=division, actor=account.name, at=at, results_hash=digest
            )
        )
        audit.append(
            conn, account.name, "approval", contest=contest, subject=division, after=digest
        )
    return {
        "contest": contest,
        "division": division,
        "approved_by": account.name,
        "at": at,
        "results_hash": digest,
    }


def certify(store: StoreLike, account: Account, contest: str) -> dict[str, Any]:
    """The CEC certifies the contest: results are frozen from now on."""
    if account.role is not Role.CEC:
        raise Forbidden(f"account '{account.name}' ({account.role}) cannot certify contests")
    with store.engine.connect() as conn:
        _contest(conn, contest)
    store.set_certified(contest, account.name)
    with write_transaction(store.engine) as conn:
        digest = results_hash(conn, contest)
        at = iso(now())
        conn.execute(
            schema.certifications.insert().values(
                contest=contest, actor=account.name, at=at, results_hash=digest
            )
        )
        audit.append(conn, account.name, "certification", contest=contest, after=digest)
    return {"contest": contest, "certified_by": account.name, "at": at, "results_hash": digest}


def decide(
    store: StoreLike, account: Account, contest: str, station: str, reason: str
) -> dict[str, Any]:
    """Record a CEC decision allowing one amendment of ``station`` in a certified contest."""
    if account.role is not Role.CEC:
        raise Forbidden(f"account '{account.name}' ({account.role}) cannot record CEC decisions")
    if not reason.strip():
        raise InputError("a CEC decision needs its reason (e.g. the decision's number and grounds)")
    with write_transaction(store.engine) as conn:
        _contest(conn, contest)
        at = iso(now())
        did = _new_id(
            conn.execute(
                schema.decisions.insert().values(
                    contest=contest, station=station, reason=reason, actor=account.name, at=at
                )
            ).inserted_primary_key
        )
        audit.append(
            conn,
            account.name,
            "decision",
            contest=contest,
            subject=station,
            detail={"decision": did, "reason": reason},
        )
    return {"decision": did, "contest": contest, "station": station, "reason": reason, "at": at}


def set_double_entry(
    store: StoreLike, account: Account, contest: str, enabled: bool
) -> dict[str, Any]:
    """The CEC switches double entry on or off for a contest."""
    if account.role is not Role.CEC:
        raise Forbidden(f"account '{account.name}' ({account.role}) cannot change contest settings")
    s = schema.settings
    with write_transaction(store.engine) as conn:
        _contest(conn, contest)
        if conn.execute(select(s.c.contest).where(s.c.contest == contest)).first():
            conn.execute(update(s).where(s.c.contest == contest).values(double_entry=enabled))
        else:
            conn.execute(s.insert().values(contest=contest, double_entry=enabled))
        audit.append(
            conn, account.name, "settings", contest=contest, detail={"double_entry": enabled}
        )
    return {"contest": contest, "double_entry": enabled}
