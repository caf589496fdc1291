"""A small contest for the commission workspace tests: a fixed division tree
(Almaty/Medeu with stations 001-003, Astana with 004), the ballot registered,
station 004 counted through the workflow, the rest not entered; one account
per role with a password; the audit chain intact from the start."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from saylau.store import Store
from saylau.store.engine import write_transaction
from saylau.trust import accounts, workflow
from saylau.trust.desk import Desk

CONTEST = "majilis"
PASSWORD = "paper-and-pencil-2021"
PARTIES = ("Amanat", "Ak Zhol", "Auyl")
DIVISIONS = """id,name,level,parent
KZ,Kazakhstan,country,
region:Almaty,Almaty,region,KZ
district:Almaty/Medeu,Medeu,district,region:Almaty
001,001,station,district:Almaty/Medeu
002,002,station,district:Almaty/Medeu
003,003,station,district:Almaty/Medeu
region:Astana,Astana,region,KZ
004,004,station,region:Astana
"""
#: (name, role, scope)
PEOPLE = (
    ("op1", "station", "001"),
    ("op2", "station", "001"),
    ("op3", "station", "002"),
    ("coord", "territorial", "district:Almaty/Medeu"),
    ("cec", "cec", None),
)

#: A protocol of station 001 that passes every relation and raises no warning.
GOOD: dict[str, int] = {
    "registered": 1000,
    "ballots_received": 1000,
    "issued_at_station": 640,
    "issued_outside": 20,
    "cancelled": 340,
    "in_mobile_boxes": 20,
    "in_stationary_boxes": 640,
    "invalid": 10,
    "valid": 650,
    "party:Amanat": 500,
    "party:Ak Zhol": 120,
    "party:Auyl": 30,
    "against_all": 0,
}


@dataclass
class World:
    url: str
    store: Store
    accounts: dict[str, accounts.Account]


def build(url: str, tmp: Path, *, double_entry: bool = True) -> World:
    (tmp / "divisions.csv").write_text(DIVISIONS, encoding="utf-8")
    store = Store.open(url)
    store.init_election(
        "Elections 2021", "2021-01-10", CONTEST, "kz-majilis-2021", divisions=tmp / "divisions.csv"
    )
    store.register(CONTEST, parties=PARTIES, actor="test")  # the ballot, before any protocol
    accs = {}
    with write_transaction(store.engine) as conn:
        for name, role, scope in PEOPLE:
            accs[name], _ = accounts.add_account(conn, name, role, scope, by="test")
    desk = Desk(store)
    for name, _, _ in PEOPLE:
        desk.set_password(name, PASSWORD, by="test")
    first = {"station": "004", "region": "Astana", **GOOD}
    workflow.submit(store, accs["cec"], CONTEST, first)
    if double_entry:
        workflow.set_double_entry(store, accs["cec"], CONTEST, True)
    return World(url, store, accs)


def form_fields(values: dict[str, Any]) -> dict[str, str]:
    """Protocol values as the entry form posts them."""
    return {f"f-{k}": str(v) for k, v in values.items()}


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def opened_of(html: str) -> str:
    found = re.search(r'name="opened" value="([^"]*)"', html)
    assert found, "no opened token in the form"
    return found.group(1)
