"""The canonical protocol fields (issue #3 §2).

One row per polling-station protocol.  Identification fields are text, ballot
accounting fields and party votes are non-negative integers (``Int64`` in the
frames).  Party columns are named ``party:<name>``; the name after the prefix is
the party's key everywhere else (votes, seats, JSON).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Final

import polars as pl

STATION: Final = "station"
REGION: Final = "region"
DISTRICT: Final = "district"
COUNTRY: Final = "country"

#: Identification fields, in canonical column order.
ID_FIELDS: Final[tuple[str, ...]] = (STATION, REGION, DISTRICT, COUNTRY)

#: Ballot accounting fields, in the order of the protocol form.
COUNT_FIELDS: Final[tuple[str, ...]] = (
    "registered",
    "ballots_received",
    "issued_early",
    "issued_at_station",
    "issued_outside",
    "cancelled",
    "in_mobile_boxes",
    "in_stationary_boxes",
    "invalid",
    "valid",
    "lost",
    "unaccounted",
    "against_all",
)

#: Fields every protocol file must have.
REQUIRED: Final[frozenset[str]] = frozenset({STATION, "registered", "invalid", "valid"})

#: Every canonical non-party field.
FIELDS: Final[tuple[str, ...]] = ID_FIELDS + COUNT_FIELDS

#: The prefix of party (or candidate) vote columns.
PARTY_PREFIX: Final = "party:"

#: The file row column kept in every ``ProtocolTable.frame`` (1 = first protocol row).
ROW: Final = "row"

#: The ballots issued to voters, summed for "ballots issued".
ISSUED_FIELDS: Final[tuple[str, ...]] = ("issued_early", "issued_at_station", "issued_outside")

#: No polling-station figure can be this large (the largest national electorates are
#: ~1e9 voters, a station has at most a few tens of thousands); larger values are typos
#: or overflow.
MAX_COUNT: Final = 100_000_000


# The one rule for "ballots issued" (the numerator of turnout, as the CECs publish it):
# early + at the station + outside where the protocol has those lines, else the
# ballots found in the boxes (valid + invalid).  Every layer uses one of these two.


def ballots_issued(protocol: Mapping[str, int | None]) -> int:
    """Ballots issued of one protocol (a mapping of canonical fields)."""
    issued = [v for f in ISSUED_FIELDS if (v := protocol.get(f)) is not None]
    if issued:
        return sum(issued)
    return (protocol.get("valid") or 0) + (protocol.get("invalid") or 0)


def issued_expr(columns: Sequence[str]) -> pl.Expr:
    """``ballots_issued`` as a polars expression over a frame with ``columns``."""
    cast = pl.col("valid") + pl.col("invalid")
    issued = [c for c in ISSUED_FIELDS if c in columns]
    if not issued:
        return cast
    has = pl.any_horizontal([pl.col(c).is_not_null() for c in issued])
    return pl.when(has).then(pl.sum_horizontal([pl.col(c) for c in issued])).otherwise(cast)


def party_column(name: str) -> str:
    """The canonical column of party ``name``."""
    return PARTY_PREFIX + name


def is_party_column(column: str) -> bool:
    """True for ``party:<name>`` columns."""
    return column.startswith(PARTY_PREFIX) and len(column) > len(PARTY_PREFIX)


def party_name(column: str) -> str:
    """The party name of a ``party:<name>`` column."""
    return column[len(PARTY_PREFIX) :]


#: No cell of a protocol file is longer (bytes): a station name is tens of characters.
MAX_CELL_BYTES: Final = 128 * 1024

#: Characters never allowed in a name (station, region, district, country, party):
#: they are invisible or reorder what is shown, so two names that read the same would
#: differ (zero-width) or a name would show other text than it holds (bidi overrides).
#: Unicode categories Cc (controls, NUL above all: PostgreSQL refuses it), Cf (format:
#: bidi embeddings/overrides/isolates, zero-width space/joiners, BOM), Cs, Co and the
#: line and paragraph separators Zl, Zp.
FORBIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be a name (one phrase), or None: the one rule of the CLI
    readers and the API."""
    for ch in value:
        if unicodedata.category(ch) in FORBIDDEN_CATEGORIES:
            name = unicodedata.name(ch, "control character")
            return (
                f"contains U+{ord(ch):04X} ({name.lower()}): no control characters "
                "(invisible or reordering) in names"
            )
    return None
