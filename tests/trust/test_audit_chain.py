"""The audit hash chain: edits, deletions, reorderings and a cut tail are found and located."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import Engine, text

from saylau.store.engine import write_transaction
from saylau.trust import audit


def _log(engine: Engine, n: int = 5) -> None:
    with write_transaction(engine) as conn:
        for i in range(n):
            audit.append(conn, f"user{i}", "sign-in", contest="c", subject=f"s{i}", detail={"i": i})


def _findings(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return [str(f) for f in audit.verify_chain(audit.entries(conn), *audit.head(conn))]


def test_intact_chain_verifies(engine: Engine) -> None:
    _log(engine)
    assert _findings(engine) == []
    with engine.connect() as conn:
        rows = audit.entries(conn)
        assert [e.seq for e in rows] == [1, 2, 3, 4, 5]
        assert rows[0].prev_hash == audit.GENESIS
        assert all(b.prev_hash == a.entry_hash for a, b in itertools.pairwise(rows))
        assert audit.head(conn) == (5, rows[-1].entry_hash)


def test_edited_entry_is_named(engine: Engine) -> None:
    _log(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE trust_audit SET actor = 'mallory' WHERE seq = 3"))
    assert _findings(engine) == [
        "trust_audit seq 3: entry was edited: its content does not match its hash"
    ]


def test_edit_with_recomputed_hash_breaks_the_next_link(engine: Engine) -> None:
    _log(engine)
    with engine.begin() as conn:
        row = conn.execute(text("SELECT * FROM trust_audit WHERE seq = 3")).one()
        forged = audit.Entry(**{**row._mapping, "actor": "mallory"})
        conn.execute(
            text("UPDATE trust_audit SET actor = 'mallory', entry_hash = :h WHERE seq = 3"),
            {"h": forged.computed_hash()},
        )
    assert _findings(engine) == [
        "trust_audit seq 4: does not follow seq 3: an entry before it was deleted or edited"
    ]


def test_deleted_entry_is_named(engine: Engine) -> None:
    _log(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM trust_audit WHERE seq = 2"))
    found = _findings(engine)
    assert "trust_audit seq 2: entry missing (deleted)" in found


def test_deleted_and_renumbered_entry_is_named(engine: Engine) -> None:
    _log(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM trust_audit WHERE seq = 2"))
        for seq in (3, 4, 5):
            conn.execute(
                text("UPDATE trust_audit SET seq = :n WHERE seq = :o"), {"n": seq - 1, "o": seq}
            )
        conn.execute(text("UPDATE trust_audit_head SET seq = 4"))
    found = _findings(engine)
    assert (
        found[0]
        == "trust_audit seq 2: does not follow seq 1: an entry before it was deleted or edited"
    )


def test_reordered_entries_are_named(engine: Engine) -> None:
    _log(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE trust_audit SET seq = 100 WHERE seq = 2"))
        conn.execute(text("UPDATE trust_audit SET seq = 2 WHERE seq = 3"))
        conn.execute(text("UPDATE trust_audit SET seq = 3 WHERE seq = 100"))
    found = _findings(engine)
    assert "trust_audit seq 2: out of order: it follows seq 3, not seq 1" in found
    assert "trust_audit seq 3: out of order: it follows seq 1, not seq 2" in found


def test_cut_tail_is_noticed(engine: Engine) -> None:
    _log(engine)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM trust_audit WHERE seq >= 4"))
    assert _findings(engine) == ["trust_audit seq 4-5: entries missing at the end (head records 5)"]


def test_unknown_action_is_a_programming_error(engine: Engine) -> None:
    with write_transaction(engine) as conn, pytest.raises(ValueError, match="unknown audit action"):
        audit.append(conn, "x", "coffee")
