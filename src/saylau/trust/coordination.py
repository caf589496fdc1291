"""The coordinators' side of the commission workspace: comparing and resolving
double entries, approving a subtree, certifying a contest, recording CEC decisions,
and the station protocol document — on ``saylau.trust.workflow``'s rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from saylau.errors import InputError, NotFoundError
from saylau.store import commission as cs
from saylau.store.engine import write_transaction
from saylau.tabulate.fields import ID_FIELDS
from saylau.trust import audit, protocol_form, workflow
from saylau.trust.accounts import Account, Role, in_scope, iso, now
from saylau.trust.desk import Desk, ballot


def entries(desk: Desk, account: Account, contest: str, station: str) -> list[dict[str, Any]]:
    """The open entries of ``station`` (coordinators of its subtree only)."""
    _coordinator(desk, account, contest, station)
    with desk.engine.connect() as conn:
        return cs.entries(conn, contest, station)


def _coordinator(desk: Desk, account: Account, contest: str, station: str) -> None:
    if account.role not in (Role.TERRITORIAL, Role.CEC):
        raise workflow.Forbidden(
            f"account '{account.name}' ({account.role}) cannot resolve entries"
        )
    with desk.engine.connect() as conn:
        tree = cs.parents(conn, contest)
    if station not in tree or not in_scope(account.scope, desk._path(tree, station)):
        raise workflow.Forbidden(
            f"account '{account.name}' (scope '{account.scope}') cannot resolve station '{station}'"
        )


def resolve(
    desk: Desk, account: Account, contest: str, station: str, keep: int | None, reason: str
) -> workflow.Outcome:
    return workflow.resolve(desk.store, account, contest, station, keep=keep, reason=reason)


def return_differing(
    desk: Desk, account: Account, contest: str, station: str, keep: int, reason: str
) -> list[str]:
    """Discard both entries and hand them back: the typist of entry ``keep`` gets
    theirs to confirm, the other typist theirs with only the differing fields
    blank (the other reading is not shown, so it cannot steer them)."""
    _coordinator(desk, account, contest, station)
    with desk.engine.connect() as conn:
        found = [e for e in cs.entries(conn, contest, station) if e["status"] == "conflict"]
    kept = next((e for e in found if e["id"] == keep), None)
    other = next((e for e in found if e["id"] != keep), None)
    if kept is None or other is None:
        raise InputError(f"station '{station}' has no differing entry {keep}")
    diff = [d["field"] for d in workflow.differences(kept["protocol"], other["protocol"])]
    workflow.resolve(desk.store, account, contest, station, keep=None, reason=reason)
    at = iso(now())
    with write_transaction(desk.engine) as conn:
        cs.save_draft(conn, contest, station, kept["account"], _as_text(kept["protocol"]), at)
        blanked = {k: ("" if k in diff else v) for k, v in _as_text(other["protocol"]).items()}
        blanked["_returned"] = " ".join(diff)
        cs.save_draft(conn, contest, station, other["account"], blanked, at)
        audit.append(
            conn,
            account.name,
            "entry-returned",
            contest=contest,
            subject=station,
            detail={"kept": keep, "to": other["account"], "fields": diff, "reason": reason},
        )
    return diff


def approve(desk: Desk, account: Account, contest: str, division: str) -> dict[str, Any]:
    """Approve ``division``'s subtree: refused while any station in it is not counted."""
    work = desk.work(account, contest)
    with desk.engine.connect() as conn:
        tree = cs.parents(conn, contest)
    open_ = [
        r.id
        for r in work.rows
        if division in desk._path(tree, r.id) and r.state not in ("accepted", "flagged", "approved")
    ]
    if open_:
        raise workflow.Conflict(
            f"'{division}' cannot be approved: station(s) {', '.join(open_[:10])} are not accepted yet"
        )
    return workflow.approve(desk.store, account, contest, division)


def certify(desk: Desk, account: Account, contest: str, number: str, date: str) -> dict[str, Any]:
    """Certify ``contest`` under the CEC decision ``number`` of ``date``."""
    problems = []
    number = number.strip()
    if not number or len(number) > 100 or not number.isprintable():
        problems.append("decision number: type the number of the CEC decision (1-100 characters)")
    try:
        dt.date.fromisoformat(date.strip())
    except ValueError:
        problems.append(f"decision date: '{date[:20]}' is not a date (YYYY-MM-DD)")
    if problems:
        raise InputError(problems)
    if account.role is not Role.CEC:
        raise workflow.Forbidden(
            f"account '{account.name}' ({account.role}) cannot certify contests"
        )
    done = workflow.certify(desk.store, account, contest)
    with write_transaction(desk.engine) as conn:
        cs.add_certificate(conn, contest, number, date.strip(), account.name, iso(now()))
    return {**done, "decision": number, "date": date.strip()}


def decide(desk: Desk, account: Account, contest: str, station: str, reason: str) -> dict[str, Any]:
    return workflow.decide(desk.store, account, contest, station, reason)


def protocol_document(desk: Desk, account: Account, contest: str, station: str) -> dict[str, Any]:
    """What the station protocol PDF prints: lines, values, checks, explanations."""
    _authorize_read(desk, account, contest, station)
    record = desk.store.station(contest, station)
    parties = ballot(desk, contest)
    lines = protocol_form.lines(parties)
    protocol = record.protocol or {}
    counts = {
        ln.field: int(protocol[ln.field]) for ln in lines if protocol.get(ln.field) is not None
    }
    digest = None
    with desk.engine.connect() as conn:
        facts = {f.id: f for f in cs.stations(conn, contest)}
        digest = facts[station].hash if station in facts else None
        notes = cs.explanations_for(conn, contest, station, digest)
        decisions = cs.decisions(conn, contest, station)
        certificate = cs.certificate(conn, contest)
    return {
        "contest": contest,
        "title": desk.store.contest(contest).title,
        "station": station,
        "version": record.version,
        "status": record.status,
        "hash": digest,
        "lines": [(ln, counts.get(ln.field)) for ln in lines],
        "messages": protocol_form.evaluate(counts, [ln.field for ln in lines]) if counts else [],
        "explanations": notes,
        "decisions": decisions,
        "certificate": certificate,
    }


def _authorize_read(
    desk: Desk, account: Account, contest: str, division: str, what: str = "station"
) -> list[str]:
    """The path of ``division`` when ``account`` may read it (404/403 otherwise)."""
    with desk.engine.connect() as conn:
        tree = cs.parents(conn, contest)
    if division not in tree:
        raise NotFoundError(f"{what} '{division}' is not in contest '{contest}'")
    path = desk._path(tree, division)
    if not in_scope(account.scope, path):
        raise workflow.Forbidden(
            f"account '{account.name}' (scope '{account.scope}') cannot read {what} '{division}'"
        )
    return path


def territory_approval(desk: Desk, account: Account, contest: str, division: str) -> dict[str, Any]:
    """The approval a territory's statement of results rests on: the one of
    ``division`` itself, else of the nearest division above it, that still holds
    (a later change of any protocol below makes it stale).  ``Conflict`` while
    there is none: a statement is made from approved results only."""
    path = _authorize_read(desk, account, contest, division, "division")
    with desk.engine.connect() as conn:
        held = {a["scope"]: a for a in cs.approvals(conn, contest)}
        for node in reversed(path):
            if node in held:
                # Belt and braces: the results below still hash to what was approved.
                if workflow.results_hash(conn, contest, node) != held[node]["results_hash"]:
                    break
                return held[node]
    raise workflow.Conflict(
        f"'{division}' has no approved results yet: approve it before printing its statement"
    )


def _as_text(protocol: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in protocol.items() if k not in ID_FIELDS}
