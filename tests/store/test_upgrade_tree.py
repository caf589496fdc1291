"""A database whose log records the division tree as a digest only is upgraded honestly.

``fixtures/release-ce5d731.sql`` (``fixtures/build_digest_tree_db.py``): a contest
loaded, then two stations registered by the CEC, with the release whose ``register``
entries held the tree's digest and which wrote none after a registration.  Today's
verify must not call that database tampered, must name a division slipped in after
the upgrade, and must say plainly what it cannot tell about one slipped in before.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner
from test_upgrade import _copy_rows

from saylau.cli import main
from saylau.store import Store
from saylau.store.engine import _migrations_config, create

DUMP = Path(__file__).parent / "fixtures" / "release-ce5d731.sql"
OLD_HEAD = "0007_webhooks"
SLIP_IN = (
    "INSERT INTO divisions (contest_id, id, name, level, parent_id) "
    "VALUES ('kz', 'S7', 'S7', 'station', 'region:Almaty')"
)


def _old_database(db_url: str, tmp_path: Path, *statements: str) -> None:
    """``db_url`` holding the fixture's database (schema and log of that release), with
    ``statements`` run on it before any of today's code opens it."""
    path = Path(db_url) if "://" not in db_url else tmp_path / "old.db"
    conn = sqlite3.connect(path)
    try:
        conn.executescript(DUMP.read_text(encoding="utf-8"))
        for s in statements:
            conn.execute(s)
        conn.commit()
    finally:
        conn.close()
    if "://" not in db_url:
        return
    engine = create(db_url)
    try:
        with engine.connect() as c:
            c = c.execution_options(saylau_write=True)
            with c.begin():
                command.upgrade(_migrations_config(c), OLD_HEAD)
        source = sa.create_engine(f"sqlite:///{path}")
        _copy_rows(source, engine)
        source.dispose()
    finally:
        engine.dispose()


@pytest.fixture
def old_db(db_url: str, tmp_path: Path) -> Iterator[str]:
    _old_database(db_url, tmp_path)
    yield db_url


def _verify(url: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["audit", "verify", url])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def _register_entries(store: Store) -> list[tuple[str, dict[str, object]]]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.text("SELECT actor, detail FROM trust_audit WHERE action = 'register' ORDER BY seq")
        )
        return [(r[0], json.loads(r[1])) for r in rows]


def test_the_fixture_is_the_old_log() -> None:
    """The fixture's log is the one this test is about: digests, no tree."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(DUMP.read_text(encoding="utf-8"))
    details = [json.loads(d) for (d,) in conn.execute("SELECT detail FROM trust_audit")]
    assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(OLD_HEAD,)]
    assert [sorted(d) for d in details if "divisions" in d] == [
        ["ballot", "divisions", "law", "stations"]
    ] * 2
    assert details[-1] == {
        "parties": [],
        "stations": {"S5": "region:Astana", "S6": "region:Shymkent"},
    }


def test_upgrade_records_the_tree_the_log_vouches_for(old_db: str) -> None:
    with Store.open(old_db) as store:
        entries = _register_entries(store)
    actor, detail = entries[-1]
    assert actor == "migration 0010_division_tree"
    tree = detail["tree"]
    assert isinstance(tree, dict) and tree["reset"] is True
    assert sorted(tree["set"]) == [
        "S1", "S2", "S3", "S4", "S5", "S6",
        "national", "region:Almaty", "region:Astana", "region:Shymkent",
    ]  # fmt: skip
    assert tree["set"]["S6"] == ["S6", "station", "region:Shymkent", None]
    assert detail["stations"] == 6 and detail["listed"] is True
    code, out = _verify(old_db)
    assert code == 0, out
    assert out.startswith("INTACT")


def test_a_division_slipped_in_after_the_upgrade_is_named(old_db: str) -> None:
    with Store.open(old_db) as store:
        with store.engine.begin() as conn:
            conn.execute(sa.text(SLIP_IN))
        store.register("kz", stations=[{"station": "S8", "region": "Astana"}], actor="cec")
    code, out = _verify(old_db)
    assert code == 1, out
    assert (
        "divisions contest kz station S7: not in the audit log (added under region:Almaty)" in out
    )
    assert "S8" not in out


def test_a_division_slipped_in_before_the_upgrade_is_reported_plainly(
    db_url: str, tmp_path: Path
) -> None:
    """The tables' tree matches no record the log holds: the upgrade records nothing
    over it, and verify says what it is, without naming a division it cannot know."""
    _old_database(db_url, tmp_path, SLIP_IN)
    with Store.open(db_url) as store:
        assert [a for a, _d in _register_entries(store)] == ["init", "cli"]
        # A later honest write records nothing over it either.
        store.register("kz", stations=[{"station": "S8", "region": "Astana"}], actor="cec")
    code, out = _verify(db_url)
    assert code == 1, out
    lines = [ln for ln in out.splitlines() if ln.startswith("TAMPERED: divisions")]
    assert lines == [
        "TAMPERED: divisions contest kz: the division tree (8 stations) is not the one the "
        "audit log vouches for (4 stations at seq 6): this database's log, from an older "
        "release, records the tree as a digest only, so the division that was added, deleted, "
        "renamed or moved cannot be named"
    ], out
