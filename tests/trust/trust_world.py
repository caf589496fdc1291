"""Shared data of the trust tests (imported by conftest and the test modules)."""

from __future__ import annotations

from dataclasses import dataclass

from saylau.store import Store
from saylau.trust import accounts

CONTEST = "kz"
#: A protocol of station S1 in region Almaty (valid = sum of party votes).
S1 = {"station": "S1", "region": "Almaty", "registered": 1000, "valid": 600, "invalid": 10,
      "party:Amanat": 400, "party:Auyl": 200}  # fmt: skip
#: A station outside the Almaty territorial commission's subtree.
S9 = {**S1, "station": "S9", "region": "Astana"}
ROLES = ("station", "territorial", "cec", "observer")


@dataclass
class World:
    url: str
    store: Store
    tokens: dict[str, str]
    accounts: dict[str, accounts.Account]
