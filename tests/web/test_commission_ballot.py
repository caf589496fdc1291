"""The entry form's party lines are the contest's registered ballot
(``saylau.store.registry``), in ballot order — not the parties some stored
protocol happens to name.  SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from commission_world import DIVISIONS

from saylau.store import Store
from saylau.store.engine import write_transaction
from saylau.trust import accounts
from saylau.trust.desk import Desk


def test_party_lines_are_the_registered_ballot(db_url: str, tmp_path: Path) -> None:
    (tmp_path / "divisions.csv").write_text(DIVISIONS, encoding="utf-8")
    store = Store.open(db_url)
    try:
        store.init_election(
            "Elections", "2021-01-10", "majilis", "kz-majilis-2021",
            divisions=tmp_path / "divisions.csv",
        )  # fmt: skip
        # Registered in this order, not alphabetically, before any protocol exists.
        store.register("majilis", parties=("Zhana", "Amanat", "Ak Zhol"), actor="test")
        with write_transaction(store.engine) as conn:
            op, _ = accounts.add_account(conn, "op", "station", "001", by="test")
        desk = Desk(store)
        form = desk.form(op, "majilis", "001")
        assert [ln.party for ln in form.lines if ln.party] == ["Zhana", "Amanat", "Ak Zhol"]
        # Numbered on from the accounting lines; "against all" closes the form.
        numbers = [ln.number for ln in form.lines]
        assert numbers == list(range(1, len(form.lines) + 1))
        assert form.lines[-1].field == "against_all"
        # A party the CEC registers later gets its line, after the others.
        store.register("majilis", parties=("Auyl",), actor="test")
        form = desk.form(op, "majilis", "001")
        assert [ln.party for ln in form.lines if ln.party][-1] == "Auyl"
    finally:
        store.close()
