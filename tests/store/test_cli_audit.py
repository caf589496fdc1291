"""``saylau ingest`` writes one audit entry per batch, so ``saylau audit verify`` is INTACT."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import text
from store_helpers import GOOD, write_csv

from saylau.cli import main
from saylau.store import Store
from saylau.store.ingest import WrittenVersion
from saylau.store.registry import Registration
from saylau.tabulate import read_protocols


def test_cli_ingest_then_audit_verify_is_intact(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    init = ["init", db_url, "--election", "E", "--contest", "majilis", "--law", "kz-majilis-2021"]
    assert runner.invoke(main, init).exit_code == 0
    first = write_csv(tmp_path / "a.csv", GOOD)
    out = runner.invoke(
        main, ["ingest", db_url, str(first), "--actor", "tec-7", "--batch-size", "2"]
    )
    assert out.exit_code == 0, out.output
    # Station 2 amended (valid 95 -> 94, B 45 -> 44), the rest identical: one more batch.
    amended = [GOOD[0], "2,North,N1,200,100,100,6,94,50,44", *GOOD[2:]]
    out = runner.invoke(main, ["ingest", db_url, str(write_csv(tmp_path / "b.csv", amended))])
    assert out.exit_code == 0, out.output

    with Store.open(db_url) as store, store.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT actor, action, contest, detail FROM trust_audit ORDER BY seq")
        ).all()
        hashes = {r[0]: r[1] for r in conn.execute(text("SELECT station_id, hash FROM protocols"))}
    # 5 protocols in batches of 2 -> 3 entries; the re-ingest wrote one version -> 1 entry.
    # A load that registered stations is followed by one ``register`` entry after its
    # last batch (the division tree as the whole load left it; the load is one
    # transaction); the contest's own comes first, from init.
    assert [(r.actor, r.action, r.contest) for r in rows] == [
        ("init", "register", "majilis"),
        *[("tec-7", "ingest", "majilis")] * 3,
        ("tec-7", "register", "majilis"),
        ("cli", "ingest", "majilis"),
    ]
    versions = [json.loads(r.detail)["versions"] for r in rows if r.action == "ingest"]
    assert [[s for s, *_ in v] for v in versions] == [["1", "2"], ["3", "4"], ["5"], ["2"]]
    assert versions[3] == [["2", hashes["2"], "accepted"]]
    registered = [json.loads(r.detail)["stations"] for r in rows if r.action == "register"]
    assert registered == [0, 5]

    out = runner.invoke(main, ["audit", "verify", db_url])
    assert out.exit_code == 0, out.output
    assert out.output.startswith("INTACT: 6 audit entries") and "6 protocol versions" in out.output

    # Store.ingest itself audits (the API, the demo and the maslikhats demo use it)...
    with Store.open(db_url) as store:
        extra = write_csv(tmp_path / "c.csv", ["6,South,S1,10,5,5,0,5,3,2"])
        store.ingest("majilis", read_protocols(extra), actor="lib", register=Registration(True))
    out = runner.invoke(main, ["audit", "verify", db_url])
    assert out.exit_code == 0 and out.output.startswith("INTACT: 8 audit entries")
    # ... and the check is not vacuous: a version written without its entry is reported.
    with Store.open(db_url) as store:
        extra = write_csv(tmp_path / "d.csv", ["6,South,S1,10,5,5,0,5,2,3"])
        store.ingest("majilis", read_protocols(extra), reason="fix", audited=False)
    out = runner.invoke(main, ["audit", "verify", db_url])
    assert out.exit_code == 1
    assert "station 6 version 2: no audit entry records this version's hash" in out.output


def test_on_batch_sees_each_batch_written_versions(db_url: str, tmp_path: Path) -> None:

    seen: list[list[WrittenVersion]] = []
    with Store.open(db_url) as store:
        store.init_election("E", None, "majilis", "kz-majilis-2021")
        table = read_protocols(write_csv(tmp_path / "a.csv", GOOD))
        store.ingest("majilis", table, batch_size=3, on_batch=lambda _c, v: seen.append(v))
        assert [[v.station for v in b] for b in seen] == [["1", "2", "3"], ["4", "5"]]
        assert all(v.version == 1 and v.old_hash is None for b in seen for v in b)
        first = {v.station: v.new_hash for b in seen for v in b}
        seen.clear()
        store.ingest("majilis", table, on_batch=lambda _c, v: seen.append(v))
        assert seen == []  # nothing written, no call
        bad = [GOOD[0], "2,North,N1,200,100,100,6,94,50,40", *GOOD[2:]]  # 94 != 90 votes
        store.ingest(
            "majilis",
            read_protocols(write_csv(tmp_path / "b.csv", bad)),
            on_batch=lambda _c, v: seen.append(v),
        )
        [[v]] = seen
        assert (v.station, v.version, v.old_hash, v.status) == ("2", 2, first["2"], "rejected")
        assert v.new_hash == store.station("majilis", "2").versions[-1].hash
