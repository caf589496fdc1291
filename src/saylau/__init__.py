"""saylau: an election results engine.

The seat-allocation core::

    >>> import saylau
    >>> saylau.allocate({"A": 5148074, "B": 792828, "C": 659019}, 98, "hare").seats
    {'A': 76, 'B': 12, 'C': 10}
    >>> law = saylau.load_law("kz-majilis-2021")
    >>> law.total_seats
    107
"""

from __future__ import annotations

from typing import Any

from saylau.allocation import Allocation, Step, ThresholdReport, TieEvent
from saylau.core import allocate
from saylau.errors import InputError, LawError, MethodError, NotFoundError, SaylauError
from saylau.law import Law, LawResult, Tier, TierResult, list_presets, load_law
from saylau.methods import REGISTRY, get_method, method_names

__all__ = [
    "REGISTRY",
    "Allocation",
    "InputError",
    "Law",
    "LawError",
    "LawResult",
    "MethodError",
    "NotFoundError",
    "SaylauError",
    "Step",
    "ThresholdReport",
    "TieEvent",
    "Tier",
    "TierResult",
    "allocate",
    "allocate_batch",
    "get_method",
    "list_presets",
    "load_law",
    "method_names",
]


def __getattr__(name: str) -> Any:
    # numpy is only imported by whoever needs the batch engine.
    if name == "allocate_batch":
        from saylau.batch import allocate_batch

        return allocate_batch
    raise AttributeError(f"module 'saylau' has no attribute {name!r}")
