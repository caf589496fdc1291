"""The audit log: an append-only SHA-256 hash chain of every action.

Each entry records who did what, when, to which contest and subject, and the
content hashes before and after.  ``entry_hash = sha256(prev_hash || canonical
entry)``, so editing an entry breaks its own hash, and deleting or reordering
entries breaks the link of the entry after them.  A head row holds the last
sequence number and hash; appending locks it (one chain across processes), and
verification compares it with the last entry so a cut-off tail shows too.

Verification of the chain is pure (``verify_chain``); ``verify`` adds the
cross-checks against the data the entries describe (see ``saylau.trust.integrity``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select, update

from saylau.trust import schema
from saylau.trust.accounts import iso, now

GENESIS = "0" * 64

#: The actions the log knows; anything else is a programming error.
ACTIONS = frozenset(
    {
        "sign-in",
        # The commission workspace (saylau.trust.desk): refusals are audited too.
        "sign-in-refused",
        "sign-out",
        "refused",
        "password",
        "warnings-accepted",
        "entry-returned",
        "submission",
        "amendment",
        "entry",  # one of the two entries of a double-entry protocol
        "entry-conflict",
        "entry-resolved",
        "approval",
        "certification",
        "decision",
        "settings",
        "account-add",
        "account-revoke",
        "ingest",
    }
)


@dataclass(frozen=True)
class Entry:
    """One audit log entry as stored."""

    seq: int
    at: str
    actor: str
    action: str
    contest: str | None
    subject: str | None
    before_hash: str | None
    after_hash: str | None
    detail: str  # canonical JSON text
    prev_hash: str
    entry_hash: str

    def content(self) -> dict[str, Any]:
        """The hashed fields (everything but the position and the hashes of the chain)."""
        return {
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "contest": self.contest,
            "subject": self.subject,
            "before": self.before_hash,
            "after": self.after_hash,
            "detail": self.detail,
        }

    def computed_hash(self) -> str:
        return chain_hash(self.prev_hash, self.content())

    def to_dict(self) -> dict[str, Any]:
        d = {"seq": self.seq, **self.content(), "prev": self.prev_hash, "hash": self.entry_hash}
        d["detail"] = json.loads(self.detail)
        return d


def chain_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    body = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def append(
    conn: Connection,
    actor: str,
    action: str,
    *,
    contest: str | None = None,
    subject: str | None = None,
    before: str | None = None,
    after: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> Entry:
    """Append an entry in the caller's transaction (it commits or rolls back with it)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    head = schema.audit_head
    # Write first: the UPDATE takes the row lock (PostgreSQL) / the write lock
    # (SQLite) before we read, so concurrent appenders queue instead of forking.
    conn.execute(update(head).where(head.c.id == 1).values(seq=head.c.seq + 1))
    seq, prev = conn.execute(select(head.c.seq, head.c.hash).where(head.c.id == 1)).one()
    entry = Entry(
        seq=int(seq),
        at=iso(now()),
        actor=actor,
        action=action,
        contest=contest,
        subject=subject,
        before_hash=before,
        after_hash=after,
        detail=json.dumps(
            dict(detail or {}), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ),
        prev_hash=prev,
        entry_hash="",
    )
    digest = entry.computed_hash()
    conn.execute(
        schema.audit.insert().values(
            seq=entry.seq,
            at=entry.at,
            actor=actor,
            action=action,
            contest=contest,
            subject=subject,
            before_hash=before,
            after_hash=after,
            detail=entry.detail,
            prev_hash=prev,
            entry_hash=digest,
        )
    )
    conn.execute(update(head).where(head.c.id == 1).values(hash=digest))
    return Entry(**{**entry.__dict__, "entry_hash": digest})


def append_many(conn: Connection, actor: str, items: Sequence[Mapping[str, Any]]) -> list[Entry]:
    """Append several entries in the caller's transaction, taking the head lock once.

    Each item has ``action`` and optionally ``contest``, ``subject``, ``before``,
    ``after``, ``detail`` (as ``append``'s keywords); the entries are chained in order.
    """
    if not items:
        return []
    for it in items:
        if it["action"] not in ACTIONS:
            raise ValueError(f"unknown audit action {it['action']!r}")
    head = schema.audit_head
    conn.execute(update(head).where(head.c.id == 1).values(seq=head.c.seq + len(items)))
    last, prev = conn.execute(select(head.c.seq, head.c.hash).where(head.c.id == 1)).one()
    seq = int(last) - len(items)
    at = iso(now())
    out: list[Entry] = []
    for it in items:
        seq += 1
        entry = Entry(
            seq=seq,
            at=at,
            actor=actor,
            action=it["action"],
            contest=it.get("contest"),
            subject=it.get("subject"),
            before_hash=it.get("before"),
            after_hash=it.get("after"),
            detail=json.dumps(
                dict(it.get("detail") or {}),
                sort_keys=True,
                separators=(",", ":"),
                ensure_ascii=False,
            ),
            prev_hash=prev,
            entry_hash="",
        )
        prev = entry.computed_hash()
        out.append(Entry(**{**entry.__dict__, "entry_hash": prev}))
    conn.execute(
        schema.audit.insert(),
        [
            {
                "seq": e.seq,
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "contest": e.contest,
                "subject": e.subject,
                "before_hash": e.before_hash,
                "after_hash": e.after_hash,
                "detail": e.detail,
                "prev_hash": e.prev_hash,
                "entry_hash": e.entry_hash,
            }
            for e in out
        ],
    )
    conn.execute(update(head).where(head.c.id == 1).values(hash=prev))
    return out


def entries(
    conn: Connection,
    *,
    contest: str | None = None,
    subject: str | None = None,
    after_seq: int = 0,
    limit: int | None = None,
) -> list[Entry]:
    """Stored entries in sequence order, optionally filtered."""
    q = select(schema.audit).where(schema.audit.c.seq > after_seq).order_by(schema.audit.c.seq)
    if contest is not None:
        q = q.where(schema.audit.c.contest == contest)
    if subject is not None:
        q = q.where(schema.audit.c.subject == subject)
    if limit is not None:
        q = q.limit(limit)
    return [Entry(**row._mapping) for row in conn.execute(q)]


def head(conn: Connection) -> tuple[int, str]:
    """(last sequence number, last hash) as the head row records them."""
    seq, digest = conn.execute(
        select(schema.audit_head.c.seq, schema.audit_head.c.hash).where(schema.audit_head.c.id == 1)
    ).one()
    return int(seq), str(digest)


@dataclass(frozen=True)
class Finding:
    """One thing verification found wrong, with where it is."""

    table: str
    row: str  # the row's key, e.g. "seq 17" or "contest kz/station 12 version 3"
    message: str

    def __str__(self) -> str:
        return f"{self.table} {self.row}: {self.message}"


def verify_chain(
    rows: Sequence[Entry], head_seq: int | None = None, head_hash: str | None = None
) -> list[Finding]:
    """Every break in the chain ``rows`` (ordered by seq), each named by its position."""
    findings: list[Finding] = []
    t = "trust_audit"
    by_hash = {e.entry_hash: e for e in rows}
    prev_hash = GENESIS
    prev_seq = 0
    for e in rows:
        where = f"seq {e.seq}"
        if e.seq != prev_seq + 1:
            missing = f"{prev_seq + 1}" if e.seq == prev_seq + 2 else f"{prev_seq + 1}-{e.seq - 1}"
            if e.seq > prev_seq + 1:
                findings.append(Finding(t, f"seq {missing}", "entry missing (deleted)"))
        if e.computed_hash() != e.entry_hash:
            findings.append(
                Finding(t, where, "entry was edited: its content does not match its hash")
            )
        if e.prev_hash != prev_hash:
            other = by_hash.get(e.prev_hash)
            if other is not None:
                findings.append(
                    Finding(
                        t, where, f"out of order: it follows seq {other.seq}, not seq {prev_seq}"
                    )
                )
            elif e.seq == prev_seq + 1:
                findings.append(
                    Finding(
                        t,
                        where,
                        f"does not follow seq {prev_seq}: an entry before it was deleted or edited",
                    )
                )
        prev_hash, prev_seq = e.entry_hash, e.seq
    if head_seq is not None and head_hash is not None:
        if head_seq > prev_seq:
            findings.append(
                Finding(
                    t,
                    f"seq {prev_seq + 1}-{head_seq}",
                    f"entries missing at the end (head records {head_seq})",
                )
            )
        elif head_seq != prev_seq or head_hash != prev_hash:
            findings.append(
                Finding(
                    "trust_audit_head",
                    "id 1",
                    f"head (seq {head_seq}) does not match the last entry (seq {prev_seq})",
                )
            )
    return findings


def verify_log(conn: Connection) -> list[Finding]:
    """Verify the stored chain and its head."""
    seq, digest = head(conn)
    return verify_chain(entries(conn), seq, digest)


def export(rows: Iterable[Entry]) -> list[dict[str, Any]]:
    """JSON-able entries, for ``saylau audit export`` and the observers' API."""
    return [e.to_dict() for e in rows]
