"""The commission workspace as a library: sign-in, sessions, "my work", entering,
resolving, approving and certifying — on the rules of ``saylau.trust.workflow``.

The web layer (``saylau.web.routes.commission``) only parses forms and renders what these
operations return.  Every write and every refusal is recorded in the audit chain
(``saylau.trust.audit``); protocol writes go through ``workflow`` unchanged, so the
browser and the bearer-token API obey one set of rules.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from saylau.errors import InputError, NotFoundError, SaylauError
from saylau.results.tree import path_to_root
from saylau.store import commission as cs
from saylau.store.engine import StoreEngine, Tx, write_transaction
from saylau.store.integrity import secret_digest
from saylau.store.store import Store
from saylau.tabulate.fields import ID_FIELDS
from saylau.trust import accounts, audit, passwords, protocol_form, sessions, workflow
from saylau.trust.accounts import SUBMITTERS, Account, get_account, in_scope, iso, now
from saylau.trust.validate import Checked, check_one

#: The states a station can be in, in the order the workspace lists them.
STATES: tuple[str, ...] = (
    "not-entered",
    "first-entry",
    "second-entry",
    "entries-differ",
    "accepted",
    "flagged",
    "rejected",
    "approved",
    "certified",
)


class SignInRefused(SaylauError):
    """A sign-in that did not succeed (the message never says which part was wrong)."""


class SessionEnded(SaylauError):
    """No valid session: never started, signed out, expired, or the account revoked."""


@dataclass(frozen=True)
class Session:
    id: str
    account: Account
    csrf: str


@dataclass(frozen=True)
class Attempt:
    """A checked sign-in, not yet recorded: ``reason`` is None when it succeeded."""

    name: str
    address: str
    account: Account | None
    reason: str | None


@dataclass
class StationRow:
    id: str
    name: str
    parent: str | None
    state: str
    version: int | None = None
    entries: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Work:
    contest: str
    rows: list[StationRow]
    counts: dict[str, int]
    divisions: list[str]
    certified: bool
    certificate: dict[str, Any] | None
    #: Divisions in the account's scope whose approval still holds: each has a
    #: statement of results.
    approved: list[str] = field(default_factory=list)


@dataclass
class Form:
    """What the entry form shows for one station and account."""

    contest: str
    station: str
    lines: list[protocol_form.Line]
    values: dict[str, str]
    ids: dict[str, str]
    opened: str
    rules: dict[str, Any]
    state: str
    paused_at: str | None = None
    returned: list[str] = field(default_factory=list)
    messages: list[protocol_form.Message] = field(default_factory=list)
    explanations: list[dict[str, Any]] = field(default_factory=list)
    certified: bool = False
    amendment: bool = False


@dataclass
class Saved:
    status: str  # paused | refused | <workflow outcome status>
    messages: list[protocol_form.Message] = field(default_factory=list)
    outcome: workflow.Outcome | None = None
    conflict: bool = False  # refused by the workflow's state (409), not by the values


def _since(delta: dt.timedelta) -> str:
    return iso(now() - delta)


def _parse_time(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)


class Desk:
    """The workspace's operations over one store."""

    def __init__(self, store: Store, policy: sessions.Policy = sessions.DEFAULT_POLICY) -> None:
        self.store = store
        self.policy = policy

    @property
    def engine(self) -> StoreEngine:
        return self.store.engine

    # --- people ------------------------------------------------------------

    def set_password(self, name: str, password: str, *, by: str) -> None:
        """Give account ``name`` a (new) password; its open sessions end."""
        digest = passwords.hash_password(password)
        with write_transaction(self.engine) as conn:
            get_account(conn, name)
            cs.set_password_hash(conn, name, digest, iso(now()))
            ended = cs.drop_sessions_of(conn, name)
            detail = {"sessions_ended": ended, "hash": secret_digest(digest)}
            audit.append(conn, by, "password", subject=name, detail=detail)

    def sign_in(self, name: str, password: str, address: str) -> Session:
        """Check ``password`` and open a session; every refusal is audited and counted."""
        return self.open_session(self.check_password(name, password, address))

    def check_password(self, name: str, password: str, address: str) -> Attempt:
        """The first half of ``sign_in``: read and verify, write nothing.

        The slow, CPU-bound half (scrypt): the web layer runs it on its own few
        threads so a crowd signing in does not hold up the saves."""
        name = name.strip()[:200]
        with self.engine.connect() as conn:
            failed = cs.count_failures(conn, name, address, _since(self.policy.window))
            stored = cs.password_hash(conn, name) if name else None
            try:
                account: Account | None = get_account(conn, name)
            except NotFoundError:
                account = None
        reason = None
        if sessions.throttled(*failed, self.policy):
            reason = "too many failed sign-ins"
        elif not passwords.verify_password(password, stored) or account is None:
            reason = "wrong name or password"
        elif account.status() != "active":
            reason = f"account {account.status()}"
        return Attempt(name, address, account, reason)

    def open_session(self, attempt: Attempt) -> Session:
        """The second half of ``sign_in``: record the attempt (a session, or a
        failure and its audit entry) in one transaction."""
        name, address, account, reason = (
            attempt.name,
            attempt.address,
            attempt.account,
            attempt.reason,
        )
        at = iso(now())
        with write_transaction(self.engine) as conn:
            if reason is not None:
                cs.add_failure(conn, name, address, at)
                audit.append(
                    conn,
                    name or "-",
                    "sign-in-refused",
                    detail={"reason": reason, "address": address},
                )
            else:
                assert account is not None
                sid = sessions.new_session_id()
                cs.add_session(conn, sessions.session_key(sid), account.name, at, address)
                audit.append(
                    conn,
                    account.name,
                    "sign-in",
                    detail={"via": "password", "role": str(account.role), "address": address},
                )
        if reason is not None:
            if reason == "too many failed sign-ins":
                raise SignInRefused("too many failed sign-ins: wait 15 minutes and try again")
            raise SignInRefused("the name or the password is wrong, or the account is not active")
        assert account is not None
        return Session(sid, account, sessions.csrf_token(sid))

    def session(self, sid: str | None) -> Session:
        """The open session of cookie value ``sid`` (SessionEnded otherwise)."""
        if not sid or len(sid) > 100:
            raise SessionEnded("please sign in")
        key = sessions.session_key(sid)
        with self.engine.connect() as conn:
            row = cs.get_session(conn, key)
            account = get_account(conn, row.account) if row is not None else None
        if row is None or account is None:
            raise SessionEnded("please sign in")
        at = now()
        ended = sessions.expired(
            _parse_time(row.created_at), _parse_time(row.seen_at), at, self.policy
        )
        if ended or account.status() != "active":
            why = "expired" if ended else f"account {account.status()}"
            with write_transaction(self.engine) as conn:
                cs.drop_session(conn, key)
                audit.append(conn, account.name, "sign-out", detail={"reason": why})
            raise SessionEnded(f"your session ended ({why}): please sign in again")
        # A write per request would serialise every page view on SQLite: a minute's
        # precision is plenty for a 30-minute idle limit.
        if at - _parse_time(row.seen_at) > dt.timedelta(minutes=1):
            with write_transaction(self.engine) as conn:
                cs.touch_session(conn, key, iso(at))
        return Session(sid, account, sessions.csrf_token(sid))

    def sign_out(self, session: Session) -> None:
        with write_transaction(self.engine) as conn:
            cs.drop_session(conn, sessions.session_key(session.id))
            audit.append(conn, session.account.name, "sign-out", detail={"reason": "signed out"})

    def refuse(
        self,
        actor: str,
        what: str,
        *,
        contest: str | None = None,
        subject: str | None = None,
    ) -> None:
        """Record a refused request (forbidden station, missing CSRF token, …)."""
        with write_transaction(self.engine) as conn:
            audit.append(
                conn, actor, "refused", contest=contest, subject=subject, detail={"what": what}
            )

    def language(self, account: str) -> str | None:
        """The account's preferred language (None: follow the browser)."""
        with self.engine.connect() as conn:
            return accounts.language(conn, account)

    def set_language(self, account: str, lang: str) -> None:
        """Keep ``lang`` as the account's preference (written only when it changes:
        every page opened with ``?lang=`` asks)."""
        accounts.check_language(lang)
        if self.language(account) == lang:
            return
        with write_transaction(self.engine) as conn:
            accounts.set_language(conn, account, lang)

    # --- my work -----------------------------------------------------------

    def _path(self, tree: Mapping[str, str | None], division: str) -> list[str]:
        return path_to_root(division, tree)

    def work(self, account: Account, contest: str) -> Work:
        """Every station within ``account``'s scope with its state, and counts per state."""
        info = self.store.contest(contest)
        with self.engine.connect() as conn:
            tree = cs.parents(conn, contest)
            facts = cs.stations(conn, contest)
            entries = cs.open_entries(conn, contest)
            drafts = cs.drafts_of(conn, contest)
            approved = set(cs.open_approvals(conn, contest))
            certificate = cs.certificate(conn, contest)
        rows = []
        for f in facts:
            path = self._path(tree, f.id)
            if not in_scope(account.scope, path):
                continue
            mine = entries.get(f.id, [])
            state = _state(
                f, mine, drafts.get(f.id, []), bool(approved & set(path)), bool(info.certified_at)
            )
            rows.append(StationRow(f.id, f.name, f.parent, state, f.version, mine))
        divisions = sorted(
            {p for r in rows for p in self._path(tree, r.parent or "") if p and p != r.id}
            - ({a for a in tree if account.scope and account.scope not in self._path(tree, a)})
        )
        counts = Counter(r.state for r in rows)
        return Work(
            contest,
            rows,
            {s: counts.get(s, 0) for s in STATES},
            divisions,
            bool(info.certified_at),
            certificate,
            sorted(a for a in approved if in_scope(account.scope, self._path(tree, a))),
        )

    def station_state(self, account: Account, contest: str, station: str) -> StationRow:
        """The state of one station (as ``work`` would list it), read for it alone."""
        info = self.store.contest(contest)
        with self.engine.connect() as conn:
            f = cs.station_facts(conn, contest, station)
            if f is None:
                raise NotFoundError(f"station '{station}' is not in contest '{contest}'")
            mine = [(a, st) for a, st in cs.open_entries_of(conn, contest, station)]
            drafts = cs.draft_accounts(conn, contest, station)
            path = cs.path(conn, contest, station) or [station]
            approved = bool(set(cs.open_approvals(conn, contest)) & set(path))
        state = _state(f, mine, drafts, approved, bool(info.certified_at))
        return StationRow(f.id, f.name, f.parent, state, f.version, mine)

    # --- entering -----------------------------------------------------------

    def _authorize(self, account: Account, contest: str, station: str) -> list[str]:
        """The station's path, when ``account`` may enter it (Forbidden otherwise)."""
        if account.role not in SUBMITTERS:
            raise workflow.Forbidden(
                f"account '{account.name}' ({account.role}) cannot enter protocols"
            )
        with self.engine.connect() as conn:
            path = cs.path(conn, contest, station)
        if path is None:
            raise NotFoundError(f"station '{station}' is not in contest '{contest}'")
        if not in_scope(account.scope, path):
            raise workflow.Forbidden(
                f"account '{account.name}' (scope '{account.scope}') cannot enter station '{station}'"
            )
        return path

    def form(self, account: Account, contest: str, station: str) -> Form:
        """The entry form of ``station`` for ``account``: its draft, or the stored protocol."""
        self._authorize(account, contest, station)
        info = self.store.contest(contest)
        parties = ballot(self, contest)
        lines = protocol_form.lines(parties)
        fields = [ln.field for ln in lines]
        with self.engine.connect() as conn:
            facts = cs.station_facts(conn, contest, station)
            draft = cs.load_draft(conn, contest, station, account.name)
            path = cs.path(conn, contest, station) or [station]
            notes = cs.explanations_for(conn, contest, station)
            opened = _opened(conn, contest, station)
        counted = facts is not None and facts.version is not None
        record = self.store.station(contest, station) if counted else None
        ids = _ids(record.protocol if record else None, path, station)
        values: dict[str, str] = {}
        returned: list[str] = []
        paused_at = None
        if draft is not None:
            values = {k: v for k, v in draft[0].items() if k in fields}
            returned = (
                list(draft[0].get("_returned", "").split()) if draft[0].get("_returned") else []
            )
            paused_at = draft[1]
        row = self.station_state(account, contest, station)
        return Form(
            contest=contest,
            station=station,
            lines=lines,
            values=values,
            ids=ids,
            opened=opened,
            rules=protocol_form.rules(fields),
            state=row.state,
            paused_at=paused_at,
            returned=returned,
            explanations=notes,
            certified=bool(info.certified_at),
            amendment=record is not None and record.version is not None,
        )

    def save(
        self,
        account: Account,
        contest: str,
        station: str,
        values: Mapping[str, str],
        *,
        opened: str,
        accepted: Mapping[str, str],
        confirmed: bool,
        reason: str | None = None,
        pause: bool = False,
    ) -> Saved:
        """Pause (keep the typed text) or save one entry of ``station``.

        A save is refused with messages — nothing written — when a value is not a
        count, a control relation fails, a warning is not confirmed with an
        explanation, or the station changed since the form was ``opened``.
        """
        path = self._authorize(account, contest, station)
        fields = [ln.field for ln in protocol_form.lines(ballot(self, contest))]
        typed = {f: str(values.get(f, ""))[:40] for f in fields}
        if pause:
            with write_transaction(self.engine) as conn:
                cs.save_draft(conn, contest, station, account.name, typed, iso(now()))
            return Saved("paused")
        counts, bad = protocol_form.parse(typed, fields)
        if bad:
            return Saved("refused", bad)
        with self.engine.connect() as conn:
            stored = cs.current_protocol(conn, contest, station)
        protocol = {**_ids(stored, path, station), **counts}
        checked = check_one(protocol)
        messages = protocol_form.evaluate(counts, fields)
        errors = [m for m in messages if m.error]
        # The server's own check is the reference; the derived relations must agree.
        if bool(errors) != bool(checked.problems):
            raise AssertionError("the exported relations disagree with check_one")
        if errors:
            return Saved("refused", messages)
        warnings = [m for m in messages if not m.error]
        missing = [m for m in warnings if not (confirmed and accepted.get(m.code, "").strip())]
        if missing:
            return Saved("refused", messages)
        try:
            outcome = self._store_entry(
                account, contest, station, protocol, opened, reason, warnings, accepted, checked
            )
        except _Stale:
            return Saved("refused", [protocol_form.Message("E04", (), STALE)])
        except (workflow.Conflict, InputError) as err:
            # Shown on the form with the typed numbers kept (a refused page would lose them).
            text = "; ".join(err.problems) if isinstance(err, InputError) else str(err)
            conflict = isinstance(err, workflow.Conflict)
            return Saved("refused", [protocol_form.Message("E05", (), text)], conflict=conflict)
        return Saved(outcome.status, warnings, outcome)

    def _store_entry(
        self,
        account: Account,
        contest: str,
        station: str,
        protocol: Mapping[str, Any],
        opened: str,
        reason: str | None,
        warnings: Sequence[protocol_form.Message],
        accepted: Mapping[str, str],
        checked: Checked,
    ) -> workflow.Outcome:
        """Write one checked entry: the entry or version with its audit entries, the
        explanations of its accepted warnings and the end of its draft, in one
        transaction — all of it, or (on any error) none of it.  The stale-form check
        runs under the write lock, so two typists cannot both pass it."""
        with write_transaction(self.engine) as conn:
            if _opened(conn, contest, station) != opened:
                raise _Stale
            if reason and reason.strip():
                # The public station page shows each version's reason: name the CEC
                # decision (corrigendum) there too.
                open_ = [d for d in cs.decisions(conn, contest, station) if d["used_at"] is None]
                if open_ and cs.certified(conn, contest):
                    reason = f"{reason.strip()} — {open_[0]['reason']}"
            outcome = workflow.submit_in(conn, account, contest, protocol, reason=reason or None)
            cs.delete_draft(conn, contest, station, account.name)
            if warnings:
                items = [(m.code, m.fields, accepted[m.code].strip()[:500]) for m in warnings]
                cs.add_explanations(
                    conn, contest, station, checked.hash, account.name, items, iso(now())
                )
                audit.append(
                    conn,
                    account.name,
                    "warnings-accepted",
                    contest=contest,
                    subject=station,
                    after=checked.hash,
                    detail={"warnings": {c: t for c, _, t in items}},
                )
        return outcome


#: The message of a form opened on a state of the station that has since changed.
STALE = (
    "Someone else changed this station after you opened the form: your numbers are kept "
    "below; check them against the paper and save again."
)


class _Stale(Exception):
    """The station changed since the form was opened (nothing is written)."""


def _opened(conn: Tx, contest: str, station: str) -> str:
    """A token of the station's state: a form opened on another state is stale."""
    f = cs.station_facts(conn, contest, station)
    entries = cs.open_entries_of(conn, contest, station)
    return f"{f.hash if f else ''}:{f.version if f else 0}:{len(entries)}"


def _state(
    f: cs.StationFacts,
    entries: Sequence[tuple[str, str]],
    drafts: Sequence[str],
    approved: bool,
    certified: bool,
) -> str:
    if any(st == "conflict" for _, st in entries):
        return "entries-differ"
    if entries:
        first = entries[0][0]
        return "second-entry" if any(a != first for a in drafts) else "first-entry"
    if drafts:
        return "first-entry"
    if f.status is None:
        return "not-entered"
    if certified and f.status != "rejected":
        return "certified"
    if approved and f.status != "rejected":
        return "approved"
    return str(f.status)


def ballot(desk: Desk, contest: str) -> list[str]:
    """The parties of ``contest``'s registered ballot, in ballot order: the entry
    form's party lines."""
    with desk.engine.connect() as conn:
        return cs.parties(conn, contest)


def _ids(protocol: Mapping[str, Any] | None, path: Sequence[str], station: str) -> dict[str, str]:
    """The identification fields of a protocol: kept from the stored one, else read
    off the division ids above the station (``region:X``, ``district:X/Y``, ``abroad:Z``)."""
    if protocol:
        return {k: str(protocol[k]) for k in ID_FIELDS if protocol.get(k)}
    ids = {"station": station}
    for div in path:
        kind, _, rest = div.partition(":")
        if kind == "region":
            ids["region"] = rest
        elif kind == "district":
            ids["region"], _, ids["district"] = rest.partition("/")
        elif kind == "abroad":
            ids["country"] = rest
    return ids
