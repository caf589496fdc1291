"""The tamper suite: a store built through the workflow, then each tampering by raw SQL.

Every case is applied to a fresh store on SQLite and on PostgreSQL; ``saylau audit
verify`` must exit 1 and name the row.  The untouched store verifies INTACT.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Connection, text
from trust_world import CONTEST, S1, S9, World

from saylau.cli import main
from saylau.store.audit import Entry, append, chain_hash, last_register
from saylau.store.canonical import content_hash
from saylau.store.registry import Registration
from saylau.tabulate import read_protocols
from saylau.trust import workflow
from saylau.trust.desk import Desk


@dataclass
class Built:
    world: World
    head: str  # SEQ:HASH published before the tampering


@pytest.fixture
def built(world: World) -> Iterator[Built]:
    """S1 at version 3 (amended, then a rejected amendment), settings, approval, decision."""
    cec = world.accounts["cec"]
    store = world.store
    workflow.set_double_entry(store, cec, CONTEST, False)
    workflow.submit(store, cec, CONTEST, {**S1, "invalid": 11}, reason="recount")
    bad = workflow.submit(store, cec, CONTEST, {**S1, "valid": 9999}, reason="typo")
    assert bad.status == "rejected"
    workflow.approve(store, cec, CONTEST, "region:Almaty")
    workflow.certify(store, cec, CONTEST)
    workflow.decide(store, cec, CONTEST, "S9", "CEC decision 7")
    store.add_contest("Majilis 2023", "kz2", "kz-majilis-2023")
    Desk(store).set_password("station", "a long enough passphrase 7", by="cec")
    with store.engine.connect() as conn:
        seq, digest = conn.execute(text("SELECT seq, hash FROM trust_audit_head")).one()
    yield Built(world, f"{seq}:{digest}")


def _verify(url: str, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["audit", "verify", url, *extra])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def _rechain(conn: Connection, start: int) -> None:
    """Recompute every entry's hash from ``start`` on and fix the head: what an
    insider with the file does to hide an edit from the in-database checks."""
    prev = (
        conn.execute(
            text("SELECT entry_hash FROM trust_audit WHERE seq = :s"), {"s": start - 1}
        ).scalar()
        or "0" * 64
    )
    rows = conn.execute(
        text("SELECT * FROM trust_audit WHERE seq >= :s ORDER BY seq"), {"s": start}
    ).mappings()
    last = start - 1
    for r in list(rows):
        e = Entry(**{**r, "prev_hash": prev, "entry_hash": ""})
        digest = chain_hash(prev, e.content())
        conn.execute(
            text("UPDATE trust_audit SET prev_hash = :p, entry_hash = :h WHERE seq = :s"),
            {"p": prev, "h": digest, "s": r["seq"]},
        )
        prev, last = digest, int(r["seq"])
    conn.execute(text("UPDATE trust_audit_head SET seq = :s, hash = :h"), {"s": last, "h": prev})


def _roll_back_newest(conn: Connection) -> None:
    conn.execute(text("DELETE FROM protocol_versions WHERE station_id = 'S1' AND version = 3"))
    conn.execute(
        text(
            "UPDATE protocols SET version = 2, status = 'accepted', hash = (SELECT hash FROM "
            "protocol_versions WHERE station_id = 'S1' AND version = 2) WHERE station_id = 'S1'"
        )
    )


def _swap_stations(conn: Connection) -> None:
    for a, b in (("S1", "TMP"), ("S9", "S1"), ("TMP", "S9")):
        for table in ("protocol_versions", "protocols"):
            conn.execute(text(f"UPDATE {table} SET station_id = '{b}' WHERE station_id = '{a}'"))


def _rechain_after_edit(conn: Connection) -> None:
    conn.execute(text("UPDATE trust_audit SET actor = 'nobody' WHERE seq = 2"))
    _rechain(conn, 2)


def _cut_tail(conn: Connection) -> None:
    conn.execute(text("DELETE FROM trust_audit WHERE seq > 3"))
    _rechain(conn, 3)


def _forge_amendment(conn: Connection) -> None:
    """A new version of S9 with a matching audit entry slipped into the history."""
    forged = {**S9, "party:Amanat": 500, "party:Auyl": 100}
    digest = content_hash(forged)
    conn.execute(
        text(
            "INSERT INTO protocol_versions SELECT contest_id, station_id, 2, created_at, actor, "
            "reason, source, :h, status, problems, region, district, country, "
            + ", ".join(c for c in _count_columns())
            + ", :v FROM protocol_versions WHERE station_id = 'S9' AND version = 1"
        ),
        {"h": digest, "v": json.dumps({"Amanat": 500, "Auyl": 100})},
    )
    conn.execute(
        text(
            "UPDATE protocols SET version = 2, counted_version = 2, hash = :h WHERE station_id = 'S9'"
        ),
        {"h": digest},
    )
    at = 6  # after the station's own submission
    conn.execute(text("UPDATE trust_audit SET seq = -seq WHERE seq > :a"), {"a": at})
    conn.execute(text("UPDATE trust_audit SET seq = 1 - seq WHERE seq < 0"))
    conn.execute(
        text(
            "INSERT INTO trust_audit (seq, at, actor, action, contest, subject, before_hash, "
            "after_hash, detail, prev_hash, entry_hash) SELECT :s, at, actor, 'amendment', "
            "contest, 'S9', after_hash, :h, :d, '', '' FROM trust_audit WHERE seq = :a"
        ),
        {"s": at + 1, "h": digest, "d": json.dumps({"reason": "x", "status": "accepted"}), "a": at},
    )
    _rechain(conn, at + 1)


def _count_columns() -> tuple[str, ...]:
    from saylau.store.schema import COUNT_COLUMNS

    return COUNT_COLUMNS


def _sql(*statements: str) -> Callable[[Connection], None]:
    def run(conn: Connection) -> None:
        for s in statements:
            conn.execute(text(s))

    return run


#: (name, tampering, a line verify must print).  Without --head.
TAMPERINGS: list[tuple[str, Callable[[Connection], None], str]] = [
    ("newest version deleted, pointer rolled back", _roll_back_newest,
     "protocol_versions contest kz station S1 version 3: missing (deleted)"),
    ("middle version deleted", _sql("DELETE FROM protocol_versions WHERE station_id = 'S1' AND version = 2"),
     "protocol_versions contest kz station S1 version 2: missing (deleted)"),
    ("counted version repointed", _sql("UPDATE protocols SET counted_version = 1 WHERE station_id = 'S1'"),
     "protocols contest kz station S1: counted version 1, the audit log makes it 2"),
    ("rejected made accepted",
     _sql("UPDATE protocol_versions SET status = 'accepted' WHERE station_id = 'S1' AND version = 3"),
     "protocol_versions contest kz station S1 version 3: status accepted, the audit log records rejected"),
    ("station deleted", _sql(
        "DELETE FROM protocol_versions WHERE station_id = 'S9'",
        "DELETE FROM protocols WHERE station_id = 'S9'",
        "DELETE FROM divisions WHERE id = 'S9'"),
     "protocols contest kz station S9: missing (deleted)"),
    ("station moved to another region",
     _sql("UPDATE divisions SET parent_id = 'region:Astana' WHERE id = 'S1'"),
     "divisions contest kz station S1: moved: it is under region:Astana, the audit log "
     "records it under region:Almaty"),
    ("station added to the tree",
     _sql("INSERT INTO divisions (contest_id, id, name, level, parent_id) "
          "VALUES ('kz', 'S7', 'S7', 'station', 'region:Almaty')"),
     "divisions contest kz station S7: not in the audit log (added under region:Almaty)"),
    ("station renamed",
     _sql("UPDATE divisions SET name = 'Evil' WHERE id = 'S9'"),
     "divisions contest kz station S9: name 'Evil', the audit log records 'S9'"),
    ("law's seats changed",
     _sql("UPDATE contests SET law_json = REPLACE(law_json, '\"seats\": ', '\"seats\": 1') WHERE id = 'kz'"),
     "contests contest kz: law (seats, threshold, method, policy) differs"),
    ("party added to the ballot", _sql("INSERT INTO contest_parties VALUES ('kz', 'Evil', 99)"),
     "contest_parties contest kz party Evil: not registered in the audit log"),
    ("observer raised to CEC", _sql("UPDATE trust_accounts SET role = 'cec' WHERE name = 'observer'"),
     "trust_accounts account observer: role cec, the audit log records observer"),
    ("token hash swapped", _sql("UPDATE trust_accounts SET token_hash = 'ab' WHERE name = 'cec'"),
     "trust_accounts account cec: token_hash is not the one the audit log records"),
    ("account deleted", _sql("DELETE FROM trust_accounts WHERE name = 'territorial'"),
     "trust_accounts account territorial: missing (deleted)"),
    ("certified_at set", _sql("UPDATE contests SET certified_at = '2023-03-20T00:00:00' WHERE id = 'kz2'"),
     "contests contest kz2: certified_at 2023-03-20T00:00:00: no certification"),
    ("certification deleted", _sql("DELETE FROM trust_certifications"),
     "trust_certifications contest kz: 1 certification(s) missing (deleted)"),
    ("approvals deleted", _sql("DELETE FROM trust_approvals"),
     "trust_approvals contest kz division region:Almaty: 1 approval(s) missing (deleted)"),
    ("double entry switched", _sql("UPDATE trust_settings SET double_entry = NOT double_entry"),
     "trust_settings contest kz: double_entry True, the audit log records False"),
    ("station ids swapped", _swap_stations,
     "protocol_versions contest kz station S9 version 1: content does not match its stored hash"),
    ("decision edited", _sql("UPDATE trust_decisions SET reason = 'none'"),
     "contest/station/reason differ from the audit log"),
    ("password hash swapped",
     _sql("UPDATE commission_passwords SET hash = (SELECT hash FROM commission_passwords) || 'x'"),
     "commission_passwords account station: hash is not the one the audit log records"),
    ("password given to an account",
     _sql("INSERT INTO commission_passwords SELECT 'observer', hash, changed_at "
          "FROM commission_passwords WHERE account = 'station'"),
     "commission_passwords account observer: not in the audit log"),
]  # fmt: skip

#: The three an in-database check cannot catch: only a published head does.
HEAD_CASES: list[tuple[str, Callable[[Connection], None], str]] = [
    ("log re-chained after an edit", _rechain_after_edit, "is not the published head's"),
    ("tail cut and head fixed", _cut_tail, "is gone: the log was cut or renumbered"),
    ("forged amendment with its audit entry", _forge_amendment, "is not the published head's"),
]


def test_untouched_store_verifies_intact(built: Built) -> None:
    code, out = _verify(built.world.url, "--head", built.head)
    assert code == 0, out
    assert out.startswith("INTACT")


@pytest.mark.parametrize(("name", "tamper", "line"), TAMPERINGS, ids=[t[0] for t in TAMPERINGS])
def test_tampering_is_named(
    built: Built, name: str, tamper: Callable[[Connection], None], line: str
) -> None:
    with built.world.store.engine.begin() as conn:
        tamper(conn)
    code, out = _verify(built.world.url)
    assert code == 1, f"{name}: {out}"
    assert line in out, out


def test_a_move_the_log_absorbed_is_named(built: Built) -> None:
    """A log written by the release before this one: after a station was moved in the
    database, the next write's ``register`` entry recorded the tree as it found it,
    move included.  No write moves a division, so replaying the log names the move
    and the entry that absorbed it."""
    world = built.world
    with world.store.engine.begin() as conn:
        conn.execute(text("UPDATE divisions SET parent_id = 'region:Astana' WHERE id = 'S1'"))
        facts = dict(last_register(conn, CONTEST) or {})
        moved = {"S1": ["S1", "station", "region:Astana", None]}
        append(
            conn, "station", "register", contest=CONTEST, detail={**facts, "tree": {"set": moved}}
        )
    code, out = _verify(world.url)
    assert code == 1, out
    assert (
        "divisions contest kz station S1: moved from region:Almaty to region:Astana by the " in out
    ), out


#: Division rows an insider slips into (or edits in) the database file.
DIVISION_EDITS: list[tuple[str, Callable[[Connection], None], str]] = [
    ("station added",
     _sql("INSERT INTO divisions (contest_id, id, name, level, parent_id) "
          "VALUES ('kz', 'S7', 'S7', 'station', 'region:Almaty')"),
     "divisions contest kz station S7: not in the audit log (added under region:Almaty)"),
    ("region added",
     _sql("INSERT INTO divisions (contest_id, id, name, level, parent_id) "
          "VALUES ('kz', 'region:Atlantis', 'Atlantis', 'region', 'national')"),
     "divisions contest kz region region:Atlantis: not in the audit log (added under national)"),
    ("station moved",
     _sql("UPDATE divisions SET parent_id = 'region:Astana' WHERE id = 'S1'"),
     "divisions contest kz station S1: moved: it is under region:Astana, the audit log "
     "records it under region:Almaty"),
    ("station renamed",
     _sql("UPDATE divisions SET name = 'Evil' WHERE id = 'S9'"),
     "divisions contest kz station S9: name 'Evil', the audit log records 'S9'"),
]  # fmt: skip


def _submission(world: World, tmp: Path) -> None:
    workflow.submit(world.store, world.accounts["cec"], CONTEST, {**S9, "invalid": 12}, reason="r")


def _registration(world: World, tmp: Path) -> None:
    """The CEC registers a station (in a region the tree already has)."""
    world.store.register(CONTEST, stations=[{"station": "S5", "region": "Astana"}], actor="cec")


def _registering_ingest(world: World, tmp: Path) -> None:
    """``saylau ingest --register-stations``: a new station in a new region."""
    path = tmp / "new.csv"
    row = {**S1, "station": "S6", "region": "Shymkent"}
    path.write_text(",".join(row) + "\n" + ",".join(str(v) for v in row.values()) + "\n")
    world.store.ingest(CONTEST, read_protocols(path), register=Registration(stations=True))


#: Honest writes after the edit, each of which may register divisions.
WRITES: list[tuple[str, Callable[[World, Path], None]]] = [
    ("submission", _submission),
    ("registration", _registration),
    ("registering ingest", _registering_ingest),
]


@pytest.mark.parametrize("write", [w[1] for w in WRITES], ids=[w[0] for w in WRITES])
@pytest.mark.parametrize(
    ("name", "tamper", "line"), DIVISION_EDITS, ids=[t[0] for t in DIVISION_EDITS]
)
def test_a_division_edit_is_not_absorbed_by_the_next_write(
    built: Built,
    tmp_path: Path,
    name: str,
    tamper: Callable[[Connection], None],
    line: str,
    write: Callable[[World, Path], None],
) -> None:
    """A registering write records the tree the log already vouches for plus the
    divisions it registers itself, never a row it merely finds in the table."""
    world = built.world
    with world.store.engine.begin() as conn:
        tamper(conn)
    write(world, tmp_path)
    code, out = _verify(world.url)
    assert code == 1, f"{name}: {out}"
    assert line in out, out
    # What the write registered itself is on the record, and is not named.
    named = [ln for ln in out.splitlines() if ln.startswith("TAMPERED: divisions")]
    assert len(named) == 1 and named[0].startswith(f"TAMPERED: {line}"), out


@pytest.mark.parametrize("write", [w[1] for w in WRITES], ids=[w[0] for w in WRITES])
def test_honest_registering_writes_verify_intact(
    built: Built, tmp_path: Path, write: Callable[[World, Path], None]
) -> None:
    write(built.world, tmp_path)
    code, out = _verify(built.world.url)
    assert code == 0, out


#: Edits an honest write that follows must not absorb: nothing changes the law after
#: the contest is created, and a protocol's submission registers no party.
ABSORBED: list[tuple[str, Callable[[Connection], None], str]] = [
    ("law's seats changed",
     _sql("UPDATE contests SET law_json = REPLACE(law_json, '\"seats\": ', '\"seats\": 1') WHERE id = 'kz'"),
     "contests contest kz: law (seats, threshold, method, policy) differs"),
    ("party added to the ballot", _sql("INSERT INTO contest_parties VALUES ('kz', 'Evil', 99)"),
     "contest_parties contest kz party Evil: not registered in the audit log"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "tamper", "line"), ABSORBED, ids=[t[0] for t in ABSORBED])
def test_an_edit_is_not_absorbed_by_the_next_write(
    built: Built, name: str, tamper: Callable[[Connection], None], line: str
) -> None:
    world = built.world
    with world.store.engine.begin() as conn:
        tamper(conn)
    workflow.submit(world.store, world.accounts["cec"], CONTEST, {**S9, "invalid": 12}, reason="r")
    code, out = _verify(world.url)
    assert code == 1, f"{name}: {out}"
    assert line in out, out


@pytest.mark.parametrize(("name", "tamper", "line"), HEAD_CASES, ids=[t[0] for t in HEAD_CASES])
def test_published_head_catches(
    built: Built, name: str, tamper: Callable[[Connection], None], line: str
) -> None:
    with built.world.store.engine.begin() as conn:
        tamper(conn)
    code, out = _verify(built.world.url, "--head", built.head)
    assert code == 1, f"{name}: {out}"
    assert f"TAMPERED: trust_audit seq {built.head.split(':')[0]}" in out and line in out, out
