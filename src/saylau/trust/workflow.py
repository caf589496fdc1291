"""Submission under authority: scope checks, amendments, double entry, approval,
certification and CEC decisions, each recorded in the audit chain.

The store owns protocols, versions and aggregates; this module decides *whether*
an account may write and records *that* it did.  A write and its audit entries
commit in one transaction, so every version the store holds is vouched for by the
log; ``saylau audit verify`` reports any version the log does not cover.  Under
double entry the agreeing second entry and the version it counts are one
transaction too, and ``submit_in`` runs a submission inside the caller's own
transaction (the commission workspace adds its draft and explanations to it).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from saylau.errors import ConflictError, InputError, NotFoundError, SaylauError
from saylau.store import reads
from saylau.store import workflow as rows
from saylau.store.canonical import canonical_json
from saylau.store.engine import Tx, write_transaction
from saylau.store.store import Store
from saylau.store.submit import write_checked
from saylau.trust import audit
from saylau.trust.accounts import SUBMITTERS, Account, Role, in_scope, iso, now
from saylau.trust.validate import Checked, check_one

#: A station's path to the root is computed in one place, the store (kept here by name
#: for the callers of the workflow).
Parents = reads.Parents
station_path = reads.station_path


class Forbidden(SaylauError):
    """The account may not do this (role or scope)."""


#: The action clashes with the contest's state (certified, pending entry, …): 409.
Conflict = ConflictError


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


def _contest(conn: Tx, contest: str) -> rows.ContestState:
    """The contest's state; ``NotFoundError`` when it does not exist (the write
    routes call it to answer 404 before checking scopes)."""
    return rows.contest_state(conn, contest)


def double_entry(conn: Tx, contest: str) -> bool:
    """Whether ``contest`` takes each protocol twice, from two accounts."""
    return rows.double_entry(conn, contest)


def authorize_station(
    conn: Tx,
    account: Account,
    contest: str,
    protocol: Mapping[str, Any],
    cache: Parents | None = None,
) -> None:
    """Raise Forbidden unless ``account`` may write ``protocol``'s station."""
    _may(account, SUBMITTERS, "submit protocols")
    path = station_path(conn, contest, protocol, cache)
    _reaches(account, path, f"submit station '{protocol.get('station')}'")


def _may(account: Account, roles: Collection[Role], what: str) -> None:
    """Raise Forbidden unless ``account``'s role is one of ``roles`` (``what``: the
    action, as the refusal names it)."""
    if account.role not in roles:
        raise Forbidden(f"account '{account.name}' ({account.role}) cannot {what}")


def _reaches(account: Account, path: Sequence[str], what: str) -> None:
    """Raise Forbidden unless the division of ``path`` (its ids from the root down)
    lies within ``account``'s scope (``what``: the action, as the refusal names it)."""
    if not in_scope(account.scope, path):
        raise Forbidden(f"account '{account.name}' (scope '{account.scope}') cannot {what}")


def differences(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Field-by-field differences of two entries of one protocol."""
    keys = sorted(set(a) | set(b))
    return [
        {"field": k, "first": a.get(k), "second": b.get(k)} for k in keys if a.get(k) != b.get(k)
    ]


#: Protocols per audit transaction and store write in ``submit_many``: large enough
#: that per-transaction costs vanish, small enough that the write lock is held
#: briefly (other commissions' single submissions wait for at most one chunk) and a
#: crash loses at most one chunk's store write (its audit entries stay, harmlessly).
DEFAULT_CHUNK = 250


def _prechecks(protocol: Mapping[str, Any]) -> list[str]:
    if not str(protocol.get("station") or ""):
        return ["protocol: field 'station' is missing"]
    # Control characters (NUL above all: PostgreSQL refuses it) never belong in a name.
    return [
        f"protocol: {k} {v!r} contains control characters"
        for k, v in protocol.items()
        if (isinstance(v, str) and not v.isprintable()) or not str(k).isprintable()
    ]


def submit(
    store: Store,
    account: Account,
    contest: str,
    protocol: Mapping[str, Any],
    *,
    reason: str | None = None,
) -> Outcome:
    """Submit one canonical protocol as ``account``; see the module docstring."""
    return submit_many(store, account, contest, [protocol], reason=reason)[0]


def submit_many(
    store: Store,
    account: Account,
    contest: str,
    protocols: Sequence[Mapping[str, Any]],
    *,
    reason: str | None = None,
    label: str = "protocol",
    chunk: int = DEFAULT_CHUNK,
) -> list[Outcome]:
    """Submit protocols as ``account``: one answer per protocol, in order.

    Everything is checked before anything is written: every station in the
    account's scope (``Forbidden`` names the first refused), every protocol valid
    (``InputError`` with all problems), every amendment with a reason, every
    amendment of a certified contest with an open CEC decision (``Conflict``).
    Then per ``chunk`` protocols: one audit transaction (write-ahead), one store
    write.  Answers are those of ``submit`` one by one: accepted, flagged,
    rejected (with the failed relations), unchanged; under double entry each
    protocol is an entry (pending-second-entry, entries-differ, or counted).
    """
    with store.engine.connect() as conn:
        checked, changed, current, twice = _checks(
            conn, account, contest, protocols, reason=reason, label=label
        )
    if not twice:
        out: list[Outcome] = []
        for i in range(0, len(checked), max(1, chunk)):
            with write_transaction(store.engine) as conn:
                out += _write(
                    conn, contest, checked[i : i + chunk], actor=account.name, reason=reason
                )
        return out
    answers = []
    for c in checked:
        if c in changed:
            with write_transaction(store.engine) as conn:
                answers.append(_enter(conn, account, contest, c, reason))
        else:
            answers.append(Outcome("unchanged", c.station, current[c.station][1], c.hash))
    return answers


def submit_in(
    conn: Tx,
    account: Account,
    contest: str,
    protocol: Mapping[str, Any],
    *,
    reason: str | None = None,
) -> Outcome:
    """``submit`` of one protocol inside the caller's write transaction (from
    ``saylau.store.engine.write_transaction``): the checks, the entry or the
    version and their audit entries commit with whatever else the caller writes
    there (the commission workspace's draft and warning explanations), or none
    of it does."""
    checked, changed, current, twice = _checks(conn, account, contest, [protocol], reason=reason)
    c = checked[0]
    if c not in changed:
        return Outcome("unchanged", c.station, current[c.station][1], c.hash)
    if twice:
        return _enter(conn, account, contest, c, reason)
    return _write(conn, contest, [c], actor=account.name, reason=reason)[0]


def _checks(
    conn: Tx,
    account: Account,
    contest: str,
    protocols: Sequence[Mapping[str, Any]],
    *,
    reason: str | None,
    label: str = "protocol",
) -> tuple[list[Checked], list[Checked], dict[str, tuple[str, int]], bool]:
    """Everything ``submit_many`` checks before writing, on ``conn``: the protocols
    checked, the ones that change their station, the current versions, and whether
    the contest takes double entry."""
    problems = [m for p in protocols for m in _prechecks(p)]
    if problems:
        raise InputError(problems)
    cache: Parents = {}
    row = rows.contest_state(conn, contest)
    for p in protocols:
        authorize_station(conn, account, contest, p, cache)
    checked: list[Checked] = []
    for i, p in enumerate(protocols, start=1):
        try:
            checked.append(check_one(p, name=label if len(protocols) == 1 else f"{label} {i}"))
        except InputError as err:
            problems.extend(err.problems)
    if problems:
        raise InputError(problems)
    seen: dict[str, int] = {}
    for i, c in enumerate(checked, start=1):
        if c.station in seen:
            problems.append(f"{label} {i}: station '{c.station}' also in {label} {seen[c.station]}")
        seen[c.station] = i
    if problems:
        raise InputError(problems)
    current = rows.current(conn, contest, [c.station for c in checked])
    changed = [c for c in checked if current.get(c.station, (None, 0))[0] != c.hash]
    _amendable(conn, contest, row, changed, current, reason)
    twice = double_entry(conn, contest)
    return checked, changed, current, twice


def _amendable(
    conn: Tx,
    contest: str,
    row: rows.ContestState,
    changed: Sequence[Checked],
    current: Mapping[str, tuple[str, int]],
    reason: str | None,
) -> list[int | None]:
    """Raise unless every change may be made; the CEC decision each one uses."""
    missing = [
        f"station '{c.station}': an amendment needs a reason"
        for c in changed
        if c.station in current and not (reason and reason.strip())
    ]
    if missing:
        raise InputError(missing)
    if not row.certified_at:
        return [None] * len(changed)
    decisions = [rows.open_decision(conn, contest, c.station) for c in changed]
    frozen = [c.station for c, d in zip(changed, decisions, strict=True) if d is None]
    if frozen:
        raise Conflict(
            f"contest '{contest}' is certified: amending station '{frozen[0]}' needs a recorded CEC decision"
            + (f" (and {len(frozen) - 1} more)" if len(frozen) > 1 else "")
        )
    return decisions


def _write(
    conn: Tx,
    contest: str,
    batch: Sequence[Checked],
    *,
    actor: str,
    reason: str | None,
    extra: Mapping[str, Any] | None = None,
) -> list[Outcome]:
    """Write the changed protocols and their audit entries in the caller's write
    transaction (so all of it commits or none of it does).

    Under the write lock: read the current versions, refuse amendments that may not
    be made, write the versions (``saylau.store.submit``: no second validation) and
    append one audit entry per version, mark the CEC decisions used and the
    approvals stale.
    """
    stations = [c.station for c in batch]
    row = rows.contest_state(conn, contest)
    current = rows.current(conn, contest, stations)
    changed = [c for c in batch if current.get(c.station, (None, 0))[0] != c.hash]
    decisions = _amendable(conn, contest, row, changed, current, reason)
    written = write_checked(
        conn,
        contest,
        [(c.protocol, c.problems) for c in changed],
        actor=actor,
        reason=reason,
        source=f"api:{secrets.token_hex(8)}",
    )
    items = []
    for c, decision in zip(changed, decisions, strict=True):
        before = current.get(c.station, (None, 0))[0]
        detail: dict[str, Any] = {"reason": reason, "status": written[c.station].status}
        detail.update(extra or {})
        if decision is not None:
            detail["decision"] = decision
            rows.use_decision(conn, decision, iso(now()))
        items.append(
            {
                "action": "amendment" if before else "submission",
                "contest": contest,
                "subject": c.station,
                "before": before,
                "after": c.hash,
                "detail": detail,
            }
        )
    audit.append_many(conn, actor, items)
    _stale_approvals(conn, contest, [c.station for c in changed])
    out = []
    for c in batch:
        problems = [p.to_dict() for p in c.problems]
        got = written.get(c.station)
        if got is None:  # identical to the stored protocol
            digest, version = current[c.station]
            out.append(Outcome("unchanged", c.station, version, digest, problems))
        else:
            out.append(Outcome(got.status, c.station, got.version, got.new_hash, problems))
    return out


def _stale_approvals(conn: Tx, contest: str, stations: Sequence[str]) -> None:
    open_ = rows.open_approvals(conn, contest)
    if not open_ or not stations:
        return
    cache: Parents = {}
    touched: set[str] = set()
    for station in stations:
        touched.update(station_path(conn, contest, {"station": station}, cache))
    for approval, division in open_:
        if division in touched:
            rows.mark_stale(conn, approval, iso(now()))


def _enter(
    conn: Tx,
    account: Account,
    contest: str,
    checked: Checked,
    reason: str | None,
) -> Outcome:
    """One entry of a double-entry protocol, in the caller's write transaction: wait,
    agree (and count) or differ.  Agreeing entries are counted
    in that same transaction: entries marked agreed without their version (a
    crash in between) would be a protocol lost."""
    protocol, digest, station = checked.protocol, checked.hash, checked.station
    # The contest row's lock (PostgreSQL; SQLite's BEGIN IMMEDIATE already holds
    # the write lock): else two first entries at once both stay pending.
    rows.lock_contest(conn, contest)
    open_ = rows.entries(conn, contest, ("pending", "conflict"), station)
    if any(r.status == "conflict" for r in open_):
        raise Conflict(f"station '{station}': the two entries differ; resolve them first")
    if any(r.account == account.name for r in open_):
        raise Conflict(f"station '{station}': the second entry must come from a different account")
    entry_id = rows.insert_entry(
        conn,
        contest=contest,
        station=station,
        account=account.name,
        at=iso(now()),
        content_hash=digest,
        protocol=canonical_json(protocol),
        reason=reason,
        status="pending",
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
        rows.set_entry_status(conn, ids, "conflict")
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
    rows.set_entry_status(conn, ids, "agreed")
    return _write(
        conn,
        contest,
        [checked],
        actor=f"{first.account}+{account.name}",
        reason=reason or first.reason,
        extra={"entries": ids},
    )[0]


def pending_entries(conn: Tx, contest: str, scope: str | None) -> list[dict[str, Any]]:
    """Open entries (pending or conflicting) within ``scope``, with their differences."""
    out = []
    for r in rows.entries(conn, contest, ("pending", "conflict")):
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
    store: Store, account: Account, contest: str, station: str, *, keep: int | None, reason: str
) -> Outcome:
    """Settle differing entries: count entry ``keep`` or discard both (``keep=None``)."""
    _may(account, (Role.TERRITORIAL, Role.CEC), "resolve entries")
    if not reason.strip():
        raise InputError("resolving differing entries needs a reason")
    with write_transaction(store.engine) as conn:
        path = station_path(conn, contest, {"station": station})
        _reaches(account, path, f"resolve station '{station}'")
        found = rows.entries(conn, contest, ("conflict",), station)
        if not found:
            raise NotFoundError(f"station '{station}' has no differing entries")
        chosen = next((r for r in found if r.id == keep), None)
        if keep is not None and chosen is None:
            raise InputError(
                f"entry {keep} is not one of station '{station}' entries {[r.id for r in found]}"
            )
        for r in found:
            rows.set_entry_status(conn, [r.id], "resolved" if r.id == keep else "discarded")
        audit.append(
            conn,
            account.name,
            "entry-resolved",
            contest=contest,
            subject=station,
            after=chosen.content_hash if chosen else None,
            detail={"kept": keep, "entries": [r.id for r in found], "reason": reason},
        )
        if chosen is None:
            return Outcome("discarded", station)
        # The kept entry is counted with its resolution, or neither happens.
        return _write(
            conn,
            contest,
            [check_one(json.loads(chosen.protocol))],
            actor=account.name,
            reason=reason,
            extra={"entries": [keep]},
        )[0]


def results_hash(conn: Tx, contest: str, scope: str | None = None) -> str:
    """sha256 over the current (station, version, hash) of every station in ``scope``."""
    current = rows.all_current(conn, contest)
    if scope is not None:
        cache: Parents = {}
        current = [
            r
            for r in current
            if in_scope(scope, station_path(conn, contest, {"station": r[0]}, cache))
        ]
    lines = "".join(f"{s}\t{v}\t{h}\n" for s, v, h in current)
    return hashlib.sha256(lines.encode()).hexdigest()


def approve(store: Store, account: Account, contest: str, division: str) -> dict[str, Any]:
    """A territorial commission (or the CEC) approves the results of ``division``'s subtree."""
    _may(account, (Role.TERRITORIAL, Role.CEC), "approve results")
    with write_transaction(store.engine) as conn:
        rows.contest_state(conn, contest)
        if rows.division_level(conn, contest, division) is None:
            raise NotFoundError(f"contest '{contest}' has no division '{division}'")
        path = station_path(conn, contest, {"station": division})
        _reaches(account, path, f"approve '{division}'")
        digest = results_hash(conn, contest, division)
        at = iso(now())
        rows.insert_approval(
            conn, contest=contest, scope=division, actor=account.name, at=at, results_hash=digest
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


def certify(store: Store, account: Account, contest: str) -> dict[str, Any]:
    """The CEC certifies the contest: results are frozen from now on."""
    _may(account, (Role.CEC,), "certify contests")
    with write_transaction(store.engine) as conn:
        rows.lock_contest(conn, contest)
        state = rows.contest_state(conn, contest)
        if state.certified_at:
            raise Conflict(f"contest '{contest}' was certified at {state.certified_at}")
        at = iso(now())
        rows.set_certified(conn, contest, account.name, at)
        digest = results_hash(conn, contest)
        rows.insert_certification(
            conn, contest=contest, actor=account.name, at=at, results_hash=digest
        )
        audit.append(conn, account.name, "certification", contest=contest, after=digest)
    return {"contest": contest, "certified_by": account.name, "at": at, "results_hash": digest}


def decide(
    store: Store, account: Account, contest: str, station: str, reason: str
) -> dict[str, Any]:
    """Record a CEC decision allowing one amendment of ``station`` in a certified contest."""
    _may(account, (Role.CEC,), "record CEC decisions")
    if not reason.strip():
        raise InputError("a CEC decision needs its reason (e.g. the decision's number and grounds)")
    with write_transaction(store.engine) as conn:
        rows.contest_state(conn, contest)
        if rows.division_level(conn, contest, station) != "station":
            raise NotFoundError(f"contest '{contest}' has no station '{station}'")
        at = iso(now())
        did = rows.insert_decision(
            conn, contest=contest, station=station, reason=reason, actor=account.name, at=at
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


def set_double_entry(store: Store, account: Account, contest: str, enabled: bool) -> dict[str, Any]:
    """The CEC switches double entry on or off for a contest."""
    _may(account, (Role.CEC,), "change contest settings")
    with write_transaction(store.engine) as conn:
        rows.lock_contest(conn, contest)
        state = rows.contest_state(conn, contest)
        if state.certified_at:
            # Entries of a certified contest are amendments under a CEC decision; the
            # way they are taken is part of what was certified.
            raise Conflict(f"contest '{contest}' is certified: double entry stays as it was")
        rows.set_double_entry(conn, contest, enabled)
        audit.append(
            conn, account.name, "settings", contest=contest, detail={"double_entry": enabled}
        )
    return {"contest": contest, "double_entry": enabled}
