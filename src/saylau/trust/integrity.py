"""``saylau audit verify``: the chain, replayed, and compared with every table.

The audit log is replayed (``replay``) into the state it vouches for: each
station's versions in order with their hashes and statuses (so the version
pointer and the counted version follow), each contest's registered facts (law,
ballot, division tree), every account, the double-entry settings, approvals,
certifications and CEC decisions.  ``verify`` then compares that state with the
tables *both ways* — every row has its entry and every entry's row exists with
that hash — and recomputes every protocol's content hash and every aggregate.
A published head (``--head SEQ:HASH``) proves the log itself was not re-chained,
cut or extended backwards since it was published.

Each finding names the table and the row's key.  The SQL lives in
``saylau.store.integrity``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from saylau.store import integrity as rows
from saylau.store import reads
from saylau.store.engine import StoreEngine, Tx
from saylau.store.model import COUNTED
from saylau.trust import audit, content_hashes

#: A row's key, the row and its audit-log entry (``Report.both_ways``).
K = TypeVar("K", str, int)
R = TypeVar("R")
E = TypeVar("E", bound=tuple[Any, ...])


@dataclass
class Report:
    """What ``verify`` checked and every finding."""

    entries: int = 0
    versions: int = 0
    divisions: int = 0
    head: str = ""
    findings: list[audit.Finding] = field(default_factory=list)

    def add(self, table: str, row: str, message: str) -> None:
        self.findings.append(audit.Finding(table, row, message))

    def both_ways(
        self,
        table: str,
        label: str,
        stored: Mapping[K, R],
        logged: Mapping[K, E],
        *,
        recorded: str = "recorded",
    ) -> Iterator[tuple[str, R, E]]:
        """Compare ``table``'s rows (``stored``) with the audit log's (``logged``, each
        entry beginning with the seq that recorded it) by key: add every row without
        its entry and every entry without its row, and yield the rest, in key order,
        as (where, row, entry) for the caller to compare."""
        for key in sorted(set(stored) | set(logged)):
            where = f"{label} {key}"
            if key not in logged:
                self.add(table, where, "not in the audit log")
            elif key not in stored:
                self.add(table, where, f"missing (deleted): {recorded} at seq {logged[key][0]}")
            else:
                yield where, stored[key], logged[key]

    def summary(self) -> str:
        n = len(self.findings)
        state = "INTACT" if not n else f"{n:,} problem{'' if n == 1 else 's'} found"
        return (
            f"{state}: {_count(self.entries, 'audit entry', 'audit entries')} (head "
            f"{self.entries}:{self.head}), "
            f"{_count(self.versions, 'protocol version', 'protocol versions')}, "
            f"{_count(self.divisions, 'aggregate', 'aggregates')} checked"
        )


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


@dataclass
class Replayed:
    """The state the audit log vouches for; each fact with the seq that recorded it."""

    versions: dict[tuple[str, str], list[tuple[str, str | None, int]]] = field(default_factory=dict)
    register: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    accounts: dict[str, tuple[int, dict[str, Any]]] = field(default_factory=dict)
    settings: dict[str, tuple[int, bool]] = field(default_factory=dict)
    approvals: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    certifications: Counter[tuple[str, str]] = field(default_factory=Counter)
    decisions: dict[int, tuple[int, str, str, str]] = field(default_factory=dict)
    #: account -> (seq, digest of the password hash; None: an entry of an older release)
    passwords: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    #: Each contest's division tree as its ``register`` entries rebuild it (None: an
    #: entry of an older release recorded only a digest).
    trees: dict[str, rows.Tree | None] = field(default_factory=dict)
    #: Changes of an existing division a ``register`` entry recorded: no write moves,
    #: renames or deletes a division, so each is a tampering the log absorbed.
    #: (contest, division, before, after or None, seq)
    rewritten: list[tuple[str, str, list[Any], list[Any] | None, int]] = field(default_factory=list)


def _replay_tree(out: Replayed, contest: str, seq: int, detail: Mapping[str, Any]) -> None:
    before = out.trees.get(contest, {})
    change = detail.get("tree")
    if before is not None and isinstance(change, dict) and not change.get("reset"):
        for k, v in change.get("set", {}).items():
            if k in before and before[k] != list(v):
                out.rewritten.append((contest, k, before[k], list(v), seq))
        for k in change.get("drop", []):
            if k in before:
                out.rewritten.append((contest, k, before[k], None, seq))
    out.trees[contest] = rows.apply_tree(before, detail)


def replay(conn: Tx) -> Replayed:
    """Rebuild from the log alone the facts the tables must hold."""
    out = Replayed()
    for seq, action, contest, subject, _before, after, detail in rows.audit_rows(conn):
        if action in ("submission", "amendment") and contest and subject and after:
            status = json.loads(detail).get("status")
            out.versions.setdefault((contest, subject), []).append((after, status, seq))
        elif action == "ingest" and contest:
            for item in json.loads(detail).get("versions", []):
                status = item[2] if len(item) > 2 else None
                out.versions.setdefault((contest, item[0]), []).append((item[1], status, seq))
        elif action == "register" and contest:
            facts = json.loads(detail)
            out.register[contest] = (seq, facts)
            _replay_tree(out, contest, seq, facts)
        elif action in ("account-add", "account-revoke", "seal") and subject:
            # Merged: a revocation's entry need not repeat the token digest.
            known = out.accounts.get(subject, (0, {}))[1]
            out.accounts[subject] = (seq, {**known, **json.loads(detail)})
        elif action == "settings" and contest:
            out.settings[contest] = (seq, bool(json.loads(detail).get("double_entry")))
        elif action == "approval" and contest and subject and after:
            out.approvals[(contest, subject, after)] += 1
        elif action == "certification" and contest and after:
            out.certifications[(contest, after)] += 1
        elif action == "password" and subject:
            out.passwords[subject] = (seq, json.loads(detail).get("hash"))
        elif action == "decision" and contest and subject:
            d = json.loads(detail)
            out.decisions[int(d["decision"])] = (seq, contest, subject, str(d.get("reason")))
    return out


def check_versions(conn: Tx, state: Replayed, report: Report) -> None:
    """Each version's content against its hash, and against the log, both ways."""
    stored: dict[tuple[str, str], dict[int, tuple[str, str]]] = {}
    contest_rows: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows.versions(conn):
        contest, station, version, digest, status = row[:5]
        report.versions += 1
        versions = stored.get((contest, station))
        if versions is None:
            versions = stored[(contest, station)] = {}
        versions[int(version)] = (digest, status)
        contest_rows.setdefault(contest, []).append(row)
    for contest, versions_ in contest_rows.items():
        for i in content_hashes.mismatched(versions_, reads.parties(conn, contest)):
            row = versions_[i]
            report.add(
                "protocol_versions",
                f"contest {row[0]} station {row[1]} version {row[2]}",
                "content does not match its stored hash (changed in the database)",
            )
    differ = [
        station
        for station in stored.keys() | state.versions.keys()
        if not _as_logged(stored.get(station, {}), state.versions.get(station, []))
    ]
    for station in sorted(differ):  # sorted: the findings in a stable order
        have, logged = stored.get(station, {}), state.versions.get(station, [])
        where = f"contest {station[0]} station {station[1]}"
        for n in sorted(set(have) | set(range(1, len(logged) + 1))):
            key = f"{where} version {n}"
            if n not in have:
                report.add(
                    "protocol_versions",
                    key,
                    f"missing (deleted): the audit log records it at seq {logged[n - 1][2]}",
                )
            elif n > len(logged) or logged[n - 1][0] != have[n][0]:
                report.add("protocol_versions", key, "no audit entry records this version's hash")
            elif logged[n - 1][1] is not None and logged[n - 1][1] != have[n][1]:
                report.add(
                    "protocol_versions",
                    key,
                    f"status {have[n][1]}, the audit log records {logged[n - 1][1]} "
                    f"(seq {logged[n - 1][2]})",
                )
    check_pointers(conn, state, report)


def _as_logged(
    have: Mapping[int, tuple[str, str]], logged: list[tuple[str, str | None, int]]
) -> bool:
    """True when a station's stored versions are exactly those the log records (the
    common case, checked first: the findings are then worked out for the rest)."""
    if len(have) != len(logged):
        return False
    for n, (h, s, _q) in enumerate(logged, 1):
        got = have.get(n)
        if got is None or got[0] != h or (s is not None and s != got[1]):
            return False
    return True


def _counted(logged: list[tuple[str, str | None, int]]) -> int | bool | None:
    """The version the log makes counted (the newest accepted or flagged one), None
    when none is, False when an entry of an older release recorded no status."""
    for i in range(len(logged) - 1, -1, -1):
        status = logged[i][1]
        if status is None:
            return False
        if status in COUNTED:
            # Older entries must still all carry a status for the answer to hold.
            return i + 1 if all(s is not None for _h, s, _q in logged[:i]) else False
    return None


def check_pointers(conn: Tx, state: Replayed, report: Report) -> None:
    """Each station's newest and counted version as the log's order makes them."""
    seen: set[tuple[str, str]] = set()
    for contest, station, version, status, digest, counted in rows.pointers(conn):
        seen.add((contest, station))
        where = f"contest {contest} station {station}"
        logged = state.versions.get((contest, station))
        if not logged:
            report.add("protocols", where, "no audit entry records this station's protocol")
            continue
        want_hash, want_status, _seq = logged[-1]
        if int(version) != len(logged) or digest != want_hash:
            report.add(
                "protocols",
                where,
                f"current version {version} / hash does not match the audit log "
                f"(version {len(logged)}, {want_hash[:12]})",
            )
        elif want_status is not None and status != want_status:
            report.add("protocols", where, f"status {status}, the audit log records {want_status}")
        want = _counted(logged)
        if want is not False and counted != want:
            report.add(
                "protocols",
                where,
                f"counted version {counted}, the audit log makes it {want}",
            )
    parents = rows.station_parents(conn)
    for contest, station in sorted(set(state.versions) - seen):
        report.add(
            "protocols",
            f"contest {contest} station {station}",
            f"missing (deleted): the audit log records {len(state.versions[(contest, station)])} "
            "version(s)",
        )
    for contest, station in sorted(set(state.versions)):
        if (contest, station) not in parents:
            report.add(
                "divisions",
                f"contest {contest} station {station}",
                "missing (deleted): the audit log records its protocols",
            )


def check_registered(conn: Tx, state: Replayed, report: Report) -> None:
    """Each contest's law, ballot and division tree as last recorded; certifications."""
    certified = {c for c, _h in state.certifications}
    for contest, certified_at in rows.contests(conn):
        where = f"contest {contest}"
        if certified_at is not None and contest not in certified:
            report.add(
                "contests", where, f"certified_at {certified_at}: no certification in the audit log"
            )
        if contest not in state.register:
            report.add("contests", where, "its law, ballot and divisions are not in the audit log")
            continue
        seq, want = state.register[contest]
        now, tree = rows.registered_with_tree(conn, contest)
        if now["law"] != want.get("law"):
            report.add(
                "contests",
                where,
                f"law (seats, threshold, method, policy) differs from the one recorded at seq {seq}",
            )
        added = [p for p in now["ballot"] if p not in want.get("ballot", [])]
        gone = [p for p in want.get("ballot", []) if p not in now["ballot"]]
        for p in added:
            report.add("contest_parties", f"{where} party {p}", "not registered in the audit log")
        for p in gone:
            report.add(
                "contest_parties", f"{where} party {p}", f"missing (deleted): recorded at seq {seq}"
            )
        if not (added or gone) and now["ballot"] != want.get("ballot"):
            report.add("contest_parties", where, f"ballot order differs from seq {seq}")
        if "listed" in want and now.get("listed") != want["listed"]:
            report.add(
                "contests",
                where,
                f"stations_listed {now.get('listed')}, the audit log records {want['listed']} "
                f"(seq {seq})",
            )
        logged = state.trees.get(contest)
        if logged is not None:
            check_tree(contest, tree, logged, seq, report)
        elif now["divisions"] != want.get("divisions"):
            # An older release recorded the tree as a digest only; migration 0009
            # records it where the log vouches for the tables, so this is a tree
            # that matched no record at the upgrade (or was changed since).
            report.add(
                "divisions",
                where,
                f"the division tree ({now['stations']} stations) is not the one the audit log "
                f"vouches for ({want.get('stations')} stations at seq {seq}): this database's "
                "log, from an older release, records the tree as a digest only, so the "
                "division that was added, deleted, renamed or moved cannot be named",
            )
    for contest, division, before, after, seq in state.rewritten:
        where = f"contest {contest} {before[1]} {division}"
        if after is None:
            said = f"deleted (under {before[2]})"
        elif after[2] != before[2]:
            said = f"moved from {before[2]} to {after[2]}"
        else:
            said = f"changed from {before} to {after}"
        report.add(
            "divisions",
            where,
            f"{said} by the register entry at seq {seq}: no write moves, renames or deletes "
            "a division, so the log recorded a change made in the database",
        )


def check_tree(contest: str, tree: rows.Tree, logged: rows.Tree, seq: int, report: Report) -> int:
    """Each division against the tree the log rebuilds; the number of findings."""
    found = 0
    for k in sorted(set(tree) | set(logged)):
        have, want = tree.get(k), logged.get(k)
        if have == want:
            continue
        found += 1
        level = (have or want or [None, "division"])[1]
        where = f"contest {contest} {level} {k}"
        if want is None:
            report.add("divisions", where, f"not in the audit log (added under {tree[k][2]})")
        elif have is None:
            report.add(
                "divisions", where, f"missing (deleted): recorded under {want[2]} (seq {seq})"
            )
        elif have[2] != want[2]:
            report.add(
                "divisions",
                where,
                f"moved: it is under {have[2]}, the audit log records it under {want[2]} "
                f"(seq {seq})",
            )
        else:
            fields = [
                f"{name} {h!r}, the audit log records {w!r}"
                for name, h, w in zip(
                    ("name", "level", "parent", "country"), have, want, strict=True
                )
                if h != w
            ]
            report.add("divisions", where, "; ".join(fields) + f" (seq {seq})")
    return found


def check_rights(conn: Tx, state: Replayed, report: Report) -> None:
    """Accounts, settings, approvals, certifications and decisions, both ways."""
    accounts = report.both_ways("trust_accounts", "account", rows.accounts(conn), state.accounts)
    for where, have, (seq, want) in accounts:
        for k in rows.ACCOUNT_FIELDS:
            if have[k] != (want.get(k) or None):  # "" and None: every division
                report.add(
                    "trust_accounts",
                    where,
                    f"{k} {have[k]}, the audit log records {want.get(k)} (seq {seq})",
                )
        if "token" in want and have["token"] != want["token"]:
            report.add(
                "trust_accounts",
                where,
                "token_hash is not the one the audit log records: the token was swapped",
            )
    check_passwords(conn, state, report)
    settings = rows.settings(conn)
    for contest in sorted(set(settings) | set(state.settings)):
        got = settings.get(contest, False)
        at, logged = state.settings.get(contest, (0, False))
        if got != logged:
            said = f"seq {at}" if at else "no settings entry"
            report.add(
                "trust_settings",
                f"contest {contest}",
                f"double_entry {got}, the audit log records {logged} ({said})",
            )
    approvals = rows.approvals(conn)
    extra = Counter((c, s, h) for _i, c, s, h in approvals) - state.approvals
    for i, c, s, h in approvals:
        if extra[(c, s, h)] > 0:
            extra[(c, s, h)] -= 1
            report.add(
                "trust_approvals", f"id {i} contest {c} division {s}", "not in the audit log"
            )
    for (c, s, _h), n in sorted(
        (state.approvals - Counter((c, s, h) for _i, c, s, h in approvals)).items()
    ):
        report.add(
            "trust_approvals", f"contest {c} division {s}", f"{n} approval(s) missing (deleted)"
        )
    certs = rows.certifications(conn)
    counted = Counter((c, h) for _i, c, h in certs)
    for i, c, h in certs:
        if counted[(c, h)] > state.certifications[(c, h)]:
            counted[(c, h)] -= 1
            report.add("trust_certifications", f"id {i} contest {c}", "not in the audit log")
    for (c, _h), n in sorted(
        (state.certifications - Counter((c, h) for _i, c, h in certs)).items()
    ):
        report.add(
            "trust_certifications", f"contest {c}", f"{n} certification(s) missing (deleted)"
        )
    decisions = report.both_ways("trust_decisions", "id", rows.decisions(conn), state.decisions)
    for where, row, entry in decisions:
        if row != entry[1:]:
            report.add(
                "trust_decisions",
                where,
                f"contest/station/reason differ from the audit log (seq {entry[0]})",
            )


def check_passwords(conn: Tx, state: Replayed, report: Report) -> None:
    """The commission workspace's passwords: each set by an entry, with its hash."""
    stored = rows.passwords(conn)
    found = report.both_ways(
        "commission_passwords", "account", stored, state.passwords, recorded="set"
    )
    for where, digest, (seq, logged) in found:
        if logged is not None and logged != digest:
            report.add(
                "commission_passwords",
                where,
                f"hash is not the one the audit log records (seq {seq}): the password was swapped",
            )


def check_aggregates(conn: Tx, report: Report) -> None:
    """Every stored aggregate against a recount of the counted versions."""
    for contest, _certified in sorted(rows.contests(conn)):
        fresh = reads.recount(conn, contest)
        stored = reads.stored_totals(conn, contest)
        for division in sorted(set(fresh) | set(stored)):
            report.divisions += 1
            a, b = stored.get(division), fresh.get(division)
            if a == b:
                continue
            if a is None or b is None:
                if b is not None and b.stations_reporting == 0 and b.stations_expected == 0:
                    continue  # an empty division needs no aggregate row
                what = "missing" if a is None else "has no division"
                report.add("aggregates", f"contest {contest} division {division}", what)
                continue
            da, db = asdict(a), asdict(b)
            diff = [
                f"{k} stored {da[k]} != recount {db[k]}"
                for k in da
                if k not in ("turnout", "percent") and da[k] != db[k]
            ]
            if diff:
                table = (
                    "aggregate_votes" if all(d.startswith("votes") for d in diff) else "aggregates"
                )
                report.add(table, f"contest {contest} division {division}", "; ".join(diff))


def check_head(conn: Tx, published: tuple[int, str], report: Report) -> None:
    """The log must still extend a head published outside the database."""
    seq, digest = published
    where = f"seq {seq}"
    found = [e for e in audit.entries(conn, after_seq=seq - 1, limit=1) if e.seq == seq]
    if not found:
        report.add(
            "trust_audit",
            where,
            f"the published head {seq}:{digest[:16]} is gone: the log was cut or renumbered",
        )
    elif found[0].entry_hash != digest:
        report.add(
            "trust_audit",
            where,
            f"hash {found[0].entry_hash[:16]} is not the published head's {digest[:16]}: "
            "the log was rewritten and re-chained",
        )


def parse_head(text: str) -> tuple[int, str]:
    """``SEQ:HASH`` as printed by ``audit verify`` and published with the results."""
    seq, _, digest = text.partition(":")
    if not seq.isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise ValueError(f"head {text!r} is not SEQ:HASH (a number, ':', 64 hex digits)")
    return int(seq), digest


def verify(engine: StoreEngine, head: tuple[int, str] | None = None) -> Report:
    """Verify the audit chain and the data it vouches for (read-only)."""
    report = Report()
    with engine.connect() as conn:
        report.findings.extend(audit.verify_chain(audit.entries(conn), *audit.head(conn)))
        seq, report.head = audit.head(conn)
        report.entries = seq
        if head is not None:
            check_head(conn, head, report)
        state = replay(conn)
        check_versions(conn, state, report)
        check_registered(conn, state, report)
        check_rights(conn, state, report)
        check_aggregates(conn, report)
    return report
