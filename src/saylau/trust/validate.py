"""One protocol mapping checked in pure Python, agreeing with the polars readers.

``saylau.tabulate`` validates whole tables with polars; building a one-row
DataFrame for every API submission costs tens of milliseconds.  ``check_one``
handles the shape the API and the CSV upload actually send (canonical field
names, integer or plain-digit counts, trimmed identifiers) without polars, over
the same relations (``saylau.tabulate.controls.check_protocol``); anything else
(aliases, signs, fractions, blanks, negatives, absurd values…) goes through
``protocol_from_mapping`` so its error messages stay exactly the reader's.
tests/trust/test_validate.py checks with Hypothesis that both paths agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from saylau.errors import SaylauError
from saylau.store.canonical import content_hash
from saylau.tabulate import Problem, check, failing, protocol_from_mapping
from saylau.tabulate.controls import check_protocol
from saylau.tabulate.fields import (
    COUNT_FIELDS,
    ID_FIELDS,
    MAX_COUNT,
    ROW,
    STATION,
    is_party_column,
)
from saylau.tabulate.profile import DEFAULT_PROFILE, get_profile

_DIGITS = re.compile(r"[0-9]{1,12}\Z")


@dataclass(frozen=True)
class Checked:
    """A validated protocol: canonical fields with int counts, its content hash,
    the failed control relations (``row`` 1, as a one-row table reports them)."""

    protocol: dict[str, Any]
    hash: str
    problems: tuple[Problem, ...]

    @property
    def station(self) -> str:
        return str(self.protocol[STATION])

    @property
    def failing(self) -> bool:
        return bool(self.problems)

    def status(self, policy: str) -> str:
        """accepted, or flagged/rejected under the contest's protocol policy."""
        if not self.problems:
            return "accepted"
        return "rejected" if policy == "reject" else "flagged"


@lru_cache(maxsize=256)
def _canonical_header(keys: tuple[str, ...]) -> bool:
    """True when the reader would keep every key as its own canonical column."""
    try:
        hmap = get_profile(DEFAULT_PROFILE).map_header(list(keys), "protocol")
    except SaylauError:
        return False
    return not hmap.station_parts and hmap.columns == dict(enumerate(keys))


def _fast(item: Mapping[Any, Any]) -> dict[str, Any] | None:
    keys = tuple(item)
    if not all(type(k) is str for k in keys) or not _canonical_header(keys):
        return None
    out: dict[str, Any] = {}
    for k, v in item.items():
        if k in ID_FIELDS:
            if type(v) is not str or v != v.strip() or (k == STATION and not v):
                return None
            out[k] = v
        elif k in COUNT_FIELDS or is_party_column(k):
            if type(v) is int:
                n = v
            elif type(v) is str and _DIGITS.match(v):
                n = int(v)
            else:
                return None
            if not 0 <= n <= MAX_COUNT:
                return None
            out[k] = n
        else:  # pragma: no cover - _canonical_header admits no other key
            return None
    return out


def check_one(item: Mapping[Any, Any], *, name: str = "protocol") -> Checked:
    """Validate one protocol mapping (``InputError`` as the reader raises it)."""
    fast = _fast(item)
    if fast is not None:
        return Checked(fast, content_hash(fast), check_protocol(fast))
    return check_slow(item, name=name)


def check_slow(item: Mapping[Any, Any], *, name: str = "protocol") -> Checked:
    """The polars path: ``protocol_from_mapping`` + ``check`` (the reference)."""
    table = protocol_from_mapping(item, name=name)
    row = table.frame.row(0, named=True)
    protocol = {k: v for k, v in row.items() if k != ROW and v is not None}
    problems = tuple(check(table))
    assert bool(problems) == bool(failing(table)[0])
    return Checked(protocol, content_hash(protocol), problems)
