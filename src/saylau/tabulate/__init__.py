"""Tabulation of polling-station protocols in memory (issue #3).

Read protocol files (canonical CSV, a profile's layout, zipped or not, or JSON
objects), check the control relations, add up the totals and allocate seats under a
law.  The store (``saylau.store``) builds on the same reader, checks and totals.
"""

from __future__ import annotations

from saylau.tabulate.aggregate import Totals, totals, totals_by
from saylau.tabulate.controls import RELATION_NAMES, RELATIONS, Problem, Relation, check, failing
from saylau.tabulate.profile import Profile, get_profile, profiles
from saylau.tabulate.reader import (
    ProtocolTable,
    protocol_from_mapping,
    read_protocols,
    read_protocols_json,
)

__all__ = [
    "RELATIONS",
    "RELATION_NAMES",
    "Problem",
    "Profile",
    "ProtocolTable",
    "Relation",
    "Totals",
    "check",
    "failing",
    "get_profile",
    "profiles",
    "protocol_from_mapping",
    "read_protocols",
    "read_protocols_json",
    "totals",
    "totals_by",
]
