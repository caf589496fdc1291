"""A save of the entry form is one transaction (issue #13 §3, "nothing half-saved"):
the entry or the protocol version, its audit entries, the explanations of the
accepted warnings and the end of the typist's draft commit together or not at all.
An error injected in the last write (the warnings' explanations) must leave the
database exactly as it was: no entry, no version, no audit entry, the draft kept.
SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from commission_world import CONTEST, GOOD, World, build
from sqlalchemy import text

from saylau.store import commission as cs
from saylau.trust import audit, integrity
from saylau.trust.desk import Desk

#: W21 (invalid ballots 3% or more of those in the boxes: 30 of 660): a save needs
#: the "paper says so" and an explanation, so it writes an explanation row.
WARNED = {**GOOD, "invalid": 30, "valid": 630, "party:Amanat": 480}
TYPED = {k: str(v) for k, v in WARNED.items()}


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    w = build(db_url, tmp_path)
    yield w
    w.store.close()


def snapshot(world: World) -> dict[str, Any]:
    """Everything a save may write, for a before/after comparison."""
    with world.store.engine.connect() as conn:
        count = {
            t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
            for t in ("protocol_versions", "trust_entries", "commission_explanations")
        }
        return {
            **count,
            "audit": len(audit.entries(conn)),
            "entries": conn.execute(text("SELECT id, status FROM trust_entries ORDER BY id")).all(),
            "drafts": cs.draft_accounts(conn, CONTEST, "001"),
        }


def save(desk: Desk, world: World, name: str) -> str:
    opened = desk.form(world.accounts[name], CONTEST, "001").opened
    return desk.save(
        world.accounts[name],
        CONTEST,
        "001",
        TYPED,
        opened=opened,
        accepted={"W21": "torn ballots, see act 3"},
        confirmed=True,
    ).status


class Injected(RuntimeError):
    pass


def fail_explanations(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_args: Any, **_kwargs: Sequence[Any]) -> None:
        raise Injected("disk full while writing the explanations")

    monkeypatch.setattr(cs, "add_explanations", boom)


@pytest.mark.parametrize("second", [False, True], ids=["first-entry", "agreeing-second-entry"])
def test_a_failure_in_the_warnings_write_leaves_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch, second: bool
) -> None:
    desk = Desk(world.store)
    if second:
        assert save(desk, world, "op1") == "pending-second-entry"
    # The typist paused first: the draft must survive a failed save.
    desk.save(world.accounts["op2"], CONTEST, "001", TYPED, opened="", accepted={},
              confirmed=False, pause=True)  # fmt: skip
    before = snapshot(world)
    assert before["drafts"] == ["op2"]
    with monkeypatch.context() as m:
        fail_explanations(m)
        with pytest.raises(Injected):
            save(desk, world, "op2")
    assert snapshot(world) == before
    assert world.store.station(CONTEST, "001").version is None
    # Without the fault the same save goes through, and the chain is intact.
    assert save(desk, world, "op2") == ("accepted" if second else "pending-second-entry")
    after = snapshot(world)
    assert after["commission_explanations"] == before["commission_explanations"] + 1
    assert after["drafts"] == []
    assert (world.store.station(CONTEST, "001").version == 1) is second
    report = integrity.verify(world.store.engine)
    assert report.findings == [], report.findings


def test_a_stale_form_is_checked_under_the_write_lock(world: World) -> None:
    """The stale-form token is compared inside the save's transaction: a form opened
    before another entry landed is refused and writes nothing."""
    desk = Desk(world.store)
    opened = desk.form(world.accounts["op2"], CONTEST, "001").opened
    assert save(desk, world, "op1") == "pending-second-entry"
    before = snapshot(world)
    saved = desk.save(world.accounts["op2"], CONTEST, "001", TYPED, opened=opened,
                      accepted={"W21": "as on paper"}, confirmed=True)  # fmt: skip
    assert saved.status == "refused" and [m.code for m in saved.messages] == ["E04"]
    assert snapshot(world) == before
