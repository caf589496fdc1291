"""``saylau audit verify``: the chain, and the data checked against it.

Beyond the hash chain itself this recomputes, from the rows as they are now:

* every protocol version's content hash (a vote changed by raw SQL no longer
  matches the hash stored beside it);
* that the audit log recorded each version's hash (changing a vote *and* its
  stored hash is still caught: the log holds the original);
* that each station's current-version pointer agrees with its version row;
* that every stored aggregate equals a recount from the current protocols.

Each finding names the table and the row's key.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, text

from saylau.store import reads
from saylau.store.canonical import content_hash
from saylau.store.schema import COUNT_COLUMNS
from saylau.tabulate.fields import PARTY_PREFIX
from saylau.trust import audit

#: Audit actions whose ``after_hash`` is a protocol version's content hash.
_VERSION_ACTIONS = ("submission", "amendment")


@dataclass
class Report:
    """What ``verify`` checked and every finding."""

    entries: int = 0
    versions: int = 0
    divisions: int = 0
    head: str = ""
    findings: list[audit.Finding] = field(default_factory=list)

    def summary(self) -> str:
        state = "INTACT" if not self.findings else f"{len(self.findings)} problem(s) found"
        return (
            f"{state}: {_count(self.entries, 'audit entry', 'audit entries')} (head "
            f"{self.head[:16]}), {_count(self.versions, 'protocol version', 'protocol versions')},"
            f" {_count(self.divisions, 'aggregate', 'aggregates')} checked"
        )


def _count(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _audited(conn: Connection) -> dict[tuple[str, str], set[str]]:
    """(contest, station) -> every content hash the log says was written for it."""
    out: dict[tuple[str, str], set[str]] = {}
    rows = conn.execute(
        text(
            "SELECT action, contest, subject, after_hash, detail FROM trust_audit "
            "WHERE action IN ('submission', 'amendment', 'ingest')"
        )
    )
    for action, contest, subject, after, detail in rows:
        if action in _VERSION_ACTIONS and contest and subject and after:
            out.setdefault((contest, subject), set()).add(after)
        elif action == "ingest":
            for station, digest in json.loads(detail).get("versions", []):
                out.setdefault((contest, station), set()).add(digest)
    return out


def _protocol(m: Any) -> dict[str, Any]:
    protocol: dict[str, Any] = {"station": m["station_id"]}
    for c in ("region", "district", "country", *COUNT_COLUMNS):
        if m[c] is not None:
            protocol[c] = m[c]
    for party, n in json.loads(m["votes"]).items():
        protocol[PARTY_PREFIX + party] = n
    return protocol


def check_versions(conn: Connection, report: Report) -> None:
    audited = _audited(conn)
    cols = [
        "contest_id",
        "station_id",
        "version",
        "hash",
        "region",
        "district",
        "country",
        *COUNT_COLUMNS,
        "votes",
    ]
    rows = conn.execute(
        text(
            f"SELECT {', '.join(cols)} FROM protocol_versions ORDER BY contest_id, station_id, version"
        )
    )
    stored: dict[tuple[str, str, int], str] = {}
    for r in rows:
        m = r._mapping
        report.versions += 1
        key = f"contest {m['contest_id']} station {m['station_id']} version {m['version']}"
        stored[(m["contest_id"], m["station_id"], int(m["version"]))] = m["hash"]
        try:
            actual = content_hash(_protocol(m))
        except (ValueError, TypeError):
            actual = ""
        if actual != m["hash"]:
            report.findings.append(
                audit.Finding(
                    "protocol_versions",
                    key,
                    "content does not match its stored hash (changed in the database)",
                )
            )
        if m["hash"] not in audited.get((m["contest_id"], m["station_id"]), set()):
            report.findings.append(
                audit.Finding(
                    "protocol_versions", key, "no audit entry records this version's hash"
                )
            )
    for contest, station, version, digest in conn.execute(
        text(
            "SELECT contest_id, station_id, version, hash FROM protocols ORDER BY contest_id, station_id"
        )
    ):
        if stored.get((contest, station, int(version))) != digest:
            report.findings.append(
                audit.Finding(
                    "protocols",
                    f"contest {contest} station {station}",
                    f"current version {version} / hash does not match protocol_versions",
                )
            )


def check_aggregates(conn: Connection, report: Report) -> None:
    for (contest,) in conn.execute(text("SELECT id FROM contests ORDER BY id")).all():
        fresh = reads.recount(conn, contest)
        stored = reads.stored_totals(conn, contest)
        for division in sorted(set(fresh) | set(stored)):
            report.divisions += 1
            a, b = stored.get(division), fresh.get(division)
            if a is None or b is None:
                if b is not None and b.stations_reporting == 0 and b.stations_expected == 0:
                    continue  # an empty division needs no aggregate row
                what = "missing" if a is None else "has no division"
                report.findings.append(
                    audit.Finding("aggregates", f"contest {contest} division {division}", what)
                )
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
                report.findings.append(
                    audit.Finding(table, f"contest {contest} division {division}", "; ".join(diff))
                )


def verify(engine: Engine) -> Report:
    """Verify the audit chain and the data it vouches for (read-only)."""
    report = Report()
    with engine.connect() as conn:
        report.findings.extend(audit.verify_chain(audit.entries(conn), *audit.head(conn)))
        seq, report.head = audit.head(conn)
        report.entries = seq
        check_versions(conn, report)
        check_aggregates(conn, report)
    return report
