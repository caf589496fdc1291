"""The audit log's rows: append entries to the hash chain, read them back.

The chain itself (``entry_hash = sha256(prev_hash || canonical entry)``) is defined
here with the row it hashes, because every write of the store appends to it in the
write's own transaction; ``saylau.trust.audit`` verifies it.  A head row holds the
last sequence number and hash; appending locks it (one chain across processes).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from saylau.store import integrity, schema


def stamp() -> str:
    """Microsecond ISO-8601 UTC text (sorts as time; identical on every backend)."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
        # The contest's registered facts (law, ballot, division tree) as they now are.
        "register",
        # Migration 0006: facts of an older database the chain did not yet cover.
        "seal",
        "registration",  # stations and parties registered (saylau.store.registry)
    }
)

#: Actions that may register stations or parties on the way: each is followed by a
#: ``register`` entry when the contest's registered facts changed.
_REGISTERING = frozenset({"submission", "amendment", "ingest", "registration"})


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


def canonical_text(value: Any) -> str:
    """The one JSON text of the chain: sorted keys, no whitespace, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chain_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_text(content)).encode()).hexdigest()


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
    register: bool = True,
    registers: Sequence[str] = (),
) -> Entry:
    """Append an entry in the caller's transaction (it commits or rolls back with it).

    ``registers``: the ids of the divisions this write inserted (see
    :func:`record_register`); ``register``: as :func:`append_many`'s."""
    item = {"action": action, "contest": contest, "subject": subject, "before": before}
    (entry,) = append_many(
        conn, actor, [{**item, "after": after, "detail": detail, "registers": registers}], register
    )
    return entry


def append_many(
    conn: Connection, actor: str, items: Sequence[Mapping[str, Any]], register: bool = True
) -> list[Entry]:
    """Append several entries in the caller's transaction, taking the head lock once.

    Each item has ``action`` and optionally ``contest``, ``subject``, ``before``,
    ``after``, ``detail``, ``registers`` (as ``append``'s keywords); the entries are
    chained in order.  ``register=False``: the caller calls ``record_register`` itself
    once its whole write is done, with every division the write registered (an ingest
    of many batches in one transaction records the contest's facts once, after its
    last batch: each record reads the whole tree).
    """
    if not items:
        return []
    for it in items:
        if it["action"] not in ACTIONS:
            raise ValueError(f"unknown audit action {it['action']!r}")
    head = schema.audit_head
    # Write first: the UPDATE takes the row lock (PostgreSQL) / the write lock
    # (SQLite) before we read, so concurrent appenders queue instead of forking.
    conn.execute(update(head).where(head.c.id == 1).values(seq=head.c.seq + len(items)))
    last, prev = conn.execute(select(head.c.seq, head.c.hash).where(head.c.id == 1)).one()
    seq = int(last) - len(items)
    at = stamp()
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
            detail=canonical_text(dict(it.get("detail") or {})),
            prev_hash=prev,
            entry_hash="",
        )
        prev = entry.computed_hash()
        out.append(replace(entry, entry_hash=prev))
    # Entry's fields are the table's columns.
    conn.execute(schema.audit.insert(), [asdict(e) for e in out])
    conn.execute(update(head).where(head.c.id == 1).values(hash=prev))
    acts: dict[str, set[str]] = {}
    registered: dict[str, list[str]] = {}
    for e, it in zip(out, items, strict=True) if register else ():
        if e.action in _REGISTERING and e.contest is not None:
            acts.setdefault(e.contest, set()).add(e.action)
            registered.setdefault(e.contest, []).extend(it.get("registers") or ())
    for contest, actions in acts.items():
        record_register(
            conn, actor, contest, actions=frozenset(actions), registers=registered[contest]
        )
    return out


def last_register(conn: Connection, contest: str) -> dict[str, Any] | None:
    """The registered facts the newest ``register`` entry of ``contest`` records."""
    a = schema.audit
    detail = conn.execute(
        select(a.c.detail)
        .where(a.c.contest == contest, a.c.action == "register")
        .order_by(a.c.seq.desc())
        .limit(1)
    ).scalar()
    return None if detail is None else dict(json.loads(detail))


#: What each kind of write may legitimately change of a contest's registered facts
#: once they are on the record (the first ``register`` entry records them all).
#: Nothing changes the law after the contest is created; a registration (the CEC)
#: or a load may add parties and register stations; a submission only adds the
#: stations of a contest whose stations come with their protocols.
_MAY_ADD_PARTIES = frozenset({"registration", "ingest"})
_MAY_LIST = frozenset({"registration"})


def record_register(
    conn: Connection,
    actor: str,
    contest: str,
    *,
    actions: frozenset[str] = frozenset({"registration"}),
    registers: Sequence[str] = (),
) -> Entry | None:
    """Append a ``register`` entry if the contest's law, ballot or tree changed.

    Called where a contest is created and after every write that may register
    stations or parties, in that write's transaction, so the chain vouches for
    the facts that decide seats and not only for the protocols.  Besides the
    tree's digest the entry records the tree's change (``tree``: the divisions
    added or changed, and removed), so that replaying the log rebuilds the tree
    and ``audit verify`` can name a moved, added or deleted division.

    The first entry of a contest (at ``init``, or migration 0006's seal) records
    the facts as the tables hold them.  After that a write records only what it
    did: ``actions`` are the writes that triggered it, and a fact they cannot
    change is carried over from the previous entry, not read from the tables;
    the tree is the one the log already records plus the divisions whose ids the
    write passes in ``registers`` (the rows it inserted).  So an edit made to the
    file — a law's seats, a party renamed, a division slipped in, moved or renamed
    — is not absorbed by the next honest write but stays for ``audit verify`` to
    report.
    """
    last = last_register(conn, contest)
    # The tables' tree is read only where it is recorded: a contest's first entry,
    # or the rows a write registered (a submission reads no tree and parses no log).
    now, table = integrity.registered_with_tree(
        conn, contest, with_tree=last is None or bool(registers)
    )
    if last is None:
        detail = {**now, "tree": integrity.tree_change({}, table)}
        return append(conn, actor, "register", contest=contest, detail=detail)
    if "law" in last:
        now["law"] = last["law"]
    if "ballot" in last:
        before = list(last["ballot"])
        added = [p for p in now["ballot"] if p not in before]
        if not actions & _MAY_ADD_PARTIES:
            now["ballot"] = before
        elif not set(before) <= set(now["ballot"]):
            # A party gone from the table: keep it on the record, add the new ones.
            now["ballot"] = before + added
    if "listed" in last and not actions & _MAY_LIST:
        now["listed"] = last["listed"]
    logged = integrity.logged_tree(conn, contest) if registers else None
    change: dict[str, Any] | None = None
    if not registers:
        # Nothing registered: the tree is the one the log records, unchanged.
        now["divisions"], now["stations"] = last.get("divisions"), last.get("stations")
        change = {}
    elif logged is None:
        # The log of an older release records the tree as a digest only, and the
        # tables no longer match it (migration 0009 records the tree where they do):
        # which division changed cannot be told, so nothing is recorded over it.
        now["divisions"], now["stations"] = last.get("divisions"), last.get("stations")
    else:
        tree = {**logged, **{k: table[k] for k in registers if k in table}}
        change = integrity.tree_change(logged, tree)
        ordered = dict(sorted(tree.items()))
        now["divisions"] = integrity.tree_digest(ordered)
        now["stations"] = sum(1 for v in tree.values() if v[1] == "station")
    facts = ("law", "ballot", "listed", "stations")
    if not change and all(last.get(k) == now.get(k) for k in facts):
        return None
    detail = {**now} if change is None else {**now, "tree": change}
    return append(conn, actor, "register", contest=contest, detail=detail)


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


def published_head(engine: Engine) -> dict[str, Any]:
    """``{"seq", "hash"}`` of the chain's head, as results and exports publish it.

    Anyone holding it can later check the database still extends it
    (``saylau audit verify DB --head SEQ:HASH``).
    """
    with engine.connect() as conn:
        seq, digest = head(conn)
    return {"seq": seq, "hash": digest}


def seal(conn: Connection, actor: str) -> list[Entry]:
    """Vouch, from now on, for facts an older release left out of the chain.

    A database built before the chain covered contests and accounts holds rows no
    entry records; ``audit verify`` would report each one.  This appends, once, a
    ``register`` entry for every contest without one and a ``seal`` entry for every
    account no entry records, so the chain vouches for them *from this point*: the
    entries say who sealed them and when, and nothing before is claimed.
    """
    a = schema.audit
    logged = {
        (r.action, r.contest, r.subject)
        for r in conn.execute(
            select(a.c.action, a.c.contest, a.c.subject).where(
                a.c.action.in_(("register", "account-add", "account-revoke", "seal"))
            )
        )
    }
    out: list[Entry] = []
    for (contest,) in conn.execute(select(schema.contests.c.id).order_by(schema.contests.c.id)):
        if ("register", contest, None) not in logged:
            registered = record_register(conn, actor, contest)
            if registered is not None:
                out.append(registered)
    vouched = {s for action, _c, s in logged if action != "register"}
    for name, fields in integrity.accounts(conn).items():
        if name not in vouched:
            out.append(append(conn, actor, "seal", subject=name, detail=fields))
    return out


def record_digest_trees(conn: Connection, actor: str) -> list[Entry]:
    """Record the division tree of each contest whose log holds it as a digest only.

    A release before this one recorded a contest's tree in its ``register`` entries
    as a digest, and wrote none after a CEC registration; ``audit verify`` could then
    only say the tree "differs".  For each such contest this looks for the tree the
    log vouches for: the tables' tree, or the tables' tree without the stations the
    log's later ``ingest`` and ``registration`` entries registered (and the regions
    and districts left empty by removing them).  When one of them has the recorded
    digest, the log vouches for the tables' tree (the digest for what was there,
    the entries for what was added since), and it is recorded in full.  Otherwise
    nothing is recorded: the tree matches no record, and verify says so.
    """
    out: list[Entry] = []
    for (contest,) in conn.execute(select(schema.contests.c.id).order_by(schema.contests.c.id)):
        last = last_register(conn, contest)
        if last is None or integrity.logged_tree(conn, contest) is not None:
            continue
        seq = conn.execute(
            select(schema.audit.c.seq)
            .where(schema.audit.c.contest == contest, schema.audit.c.action == "register")
            .order_by(schema.audit.c.seq.desc())
            .limit(1)
        ).scalar_one()
        table = integrity.tree(conn, contest)
        if not _vouched(table, last.get("divisions"), _registered_since(conn, contest, seq)):
            continue
        now = integrity.registered(conn, contest)
        facts = {
            **now,
            "law": last.get("law", now["law"]),
            "ballot": last.get("ballot", now["ballot"]),
            "listed": _listed_by_log(conn, contest),
            "divisions": integrity.tree_digest(dict(sorted(table.items()))),
        }
        change = {"reset": True, "set": table}
        out.append(
            append(conn, actor, "register", contest=contest, detail={**facts, "tree": change})
        )
    return out


def _registered_since(conn: Connection, contest: str, seq: int) -> set[str]:
    """The stations the log's ``ingest`` and ``registration`` entries after ``seq``
    registered."""
    a = schema.audit
    rows = conn.execute(
        select(a.c.action, a.c.detail).where(
            a.c.contest == contest, a.c.seq > seq, a.c.action.in_(("ingest", "registration"))
        )
    )
    out: set[str] = set()
    for action, detail in rows:
        d = json.loads(detail)
        stations = d.get("stations") if action == "registration" else d.get("registered", {})
        if action == "ingest":
            stations = stations.get("stations") if isinstance(stations, dict) else None
        if isinstance(stations, dict):
            out.update(str(s) for s in stations)
    return out


def _vouched(table: integrity.Tree, digest: Any, added: set[str]) -> bool:
    """Whether ``table`` less the ``added`` stations (and the divisions left empty by
    removing them) has ``digest``, in the table's order or in code point order (the
    SQLite order the log may have been written in)."""
    tree = {k: v for k, v in table.items() if not (k in added and v[1] == "station")}
    emptied = {table[k][2] for k in added if k in table and table[k][1] == "station"}
    while True:
        for candidate in (tree, dict(sorted(tree.items()))):
            if integrity.tree_digest(candidate) == digest:
                return True
        parents = {v[2] for v in tree.values()}
        empty = {k for k in emptied if k in tree and k not in parents and tree[k][1] != "country"}
        if not empty:
            return False
        emptied = {tree[k][2] for k in empty if tree[k][2] is not None}
        tree = {k: v for k, v in tree.items() if k not in empty}


def _listed_by_log(conn: Connection, contest: str) -> bool:
    """Whether the log records the CEC registering stations (as migration 0008 reads it)."""
    rows = conn.execute(
        select(schema.audit.c.detail).where(
            schema.audit.c.contest == contest, schema.audit.c.action == "registration"
        )
    ).scalars()
    return any(json.loads(d).get("stations") for d in rows)
