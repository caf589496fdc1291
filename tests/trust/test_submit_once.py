"""The submission path writes once: validated once, versions and audit entries in one
transaction (issue #12 item 6), so a refused batch leaves neither behind."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from saylau.errors import InputError
from saylau.store import Store
from saylau.store import engine as store_engine
from saylau.trust import accounts, integrity, workflow

DIVISIONS = (
    "id,name,level,parent,country\nKZ,Kazakhstan,country,,\nN,North,region,KZ,\n"
    "1,Station 1,station,N,\n2,Station 2,station,N,\n"
)
P1 = {"station": "1", "registered": 100, "invalid": 2, "valid": 58, "party:A": 30, "party:B": 28}


#: The entries of protocol writes (``register`` and ``account-add`` entries are others).
_WRITES = "action IN ('submission', 'amendment', 'ingest')"


def _counts(store: Store) -> tuple[int, int]:
    with store.engine.connect() as conn:
        versions = conn.execute(text("SELECT count(*) FROM protocol_versions")).scalar_one()
        entries = conn.execute(
            text(f"SELECT count(*) FROM trust_audit WHERE {_WRITES}")
        ).scalar_one()
    return int(versions), int(entries)


def test_a_refused_batch_writes_neither_versions_nor_entries(db_url: str, tmp_path: Path) -> None:
    div = tmp_path / "div.csv"
    div.write_text(DIVISIONS, encoding="utf-8")
    with Store.open(db_url) as store:
        store.init_election("E", "2021-01-10", "majilis", "kz-majilis-2021", divisions=div)
        with store_engine.write_transaction(store.engine) as conn:
            cec, _ = accounts.add_account(conn, "cec", "cec", by="test")
        store.register("majilis", parties=["A", "B"], actor="test")
        # Station 7 is not registered: found inside the write transaction, after the
        # protocol of station 1 was written there, so the whole transaction goes.
        with pytest.raises(InputError, match="station '7' is not registered in 'majilis'"):
            workflow.submit_many(store, cec, "majilis", [P1, {**P1, "station": "7"}])
        assert _counts(store) == (0, 0)  # nothing of the refused batch

        out = workflow.submit_many(store, cec, "majilis", [P1, {**P1, "station": "2"}])
        assert [(o.status, o.version) for o in out] == [("accepted", 1), ("accepted", 1)]
        # One version and one "submission" entry each; the store added no "ingest" entry.
        assert _counts(store) == (2, 2)
        again = workflow.submit(store, cec, "majilis", P1)
        assert (again.status, again.version) == ("unchanged", 1)
        bad = workflow.submit(store, cec, "majilis", {**P1, "party:A": 31}, reason="typo")
        assert (bad.status, bad.version) == ("rejected", 2)
        assert [p["relation"] for p in bad.problems] == ["valid_eq_votes"]
        assert _counts(store) == (3, 3)
        with store.engine.connect() as conn:
            actions = [
                r[0] for r in conn.execute(text(f"SELECT action FROM trust_audit WHERE {_WRITES}"))
            ]
            stored = conn.execute(
                text("SELECT problems FROM protocol_versions WHERE version = 2")
            ).scalar_one()
        assert actions == ["submission", "submission", "amendment"]
        assert '"relation": "valid_eq_votes"' in stored and "row 1 (station '1')" in stored
        assert integrity.verify(store.engine).findings == []
