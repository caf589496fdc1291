"""Every protocol version's content hash, recomputed in bulk for ``audit verify``.

Verify must recompute the sha256 of each version's canonical JSON and compare it
with the stored hash; done one row at a time in Python (a dict, ``json.loads`` of
the votes, ``json.dumps``) it was most of verify's time on 100,000 versions.  Here
the canonical texts of a whole contest are built by the same vectorised code the
store hashes them with at ingest (``saylau.store.canonical.canonical_json_column``),
and only the sha256 of each text is a Python call.

No check is weakened: a row is accepted on the fast path only when its votes text is
a plain JSON object of distinct keys with integer values (a strict grammar, and as
many members as the decoded parties), so the text the fast path hashes is the
canonical text of exactly what ``json.loads`` reads from the row.  Every other row --
unusual votes, a column of the wrong type (SQLite stores what it is given), a hash
that does not match -- is recomputed by the reference, :func:`reference_hash`, one
row at a time, and only its verdict counts.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

import polars as pl

from saylau.store.canonical import hash_column
from saylau.store.integrity import VERSION_COLUMNS
from saylau.store.schema import COUNT_COLUMNS
from saylau.tabulate.fields import PARTY_PREFIX

_OPTIONAL_IDS = ("region", "district", "country")
_COLUMN = {c: i for i, c in enumerate(VERSION_COLUMNS)}
_HASH = _COLUMN["hash"]

# One member of a votes object as the store writes it: a JSON string key without a
# comma (so that the members split at commas), an integer.
_MEMBER = r'"(?:[^"\\\x00-\x1f,]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*":-?(?:0|[1-9][0-9]*)'
_OBJECT = rf"^\{{(?:{_MEMBER}(?:,{_MEMBER})*)?\}}$"


def reference_hash(row: tuple[Any, ...]) -> str:
    """The content hash of a version row (``VERSION_COLUMNS``), one row at a time:
    exactly ``saylau.store.canonical.content_hash`` of the protocol the row holds."""
    obj: dict[str, Any] = {"station": row[_COLUMN["station_id"]]}
    for c in _OPTIONAL_IDS:
        if row[_COLUMN[c]]:
            obj[c] = row[_COLUMN[c]]
    for c in COUNT_COLUMNS:
        if row[_COLUMN[c]] is not None:
            obj[c] = row[_COLUMN[c]]
    for party, n in json.loads(row[_COLUMN["votes"]]).items():
        if n is not None:
            obj[PARTY_PREFIX + party] = n
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def mismatched(rows: Sequence[tuple[Any, ...]], parties: Sequence[str]) -> list[int]:
    """Indices of the ``rows`` (one contest's versions, ``VERSION_COLUMNS``) whose
    stored hash is not the hash of their content; ``parties`` is the contest's ballot."""
    fast = _fast_matches(rows, parties)
    out: list[int] = []
    for i, row in enumerate(rows):
        if i in fast:
            continue
        try:
            same = reference_hash(row) == row[_HASH]
        except (ValueError, TypeError, AttributeError):
            same = False
        if not same:
            out.append(i)
    return out


def _frame(rows: Sequence[tuple[Any, ...]]) -> pl.DataFrame | None:
    """The rows as a typed frame with canonical column names, or None when a value
    is not of its column's type (then every row takes the reference path)."""
    columns = list(zip(*rows, strict=True))
    names = {"station_id": "station"}
    data: dict[str, pl.Series] = {}
    try:
        for c, values in zip(VERSION_COLUMNS, columns, strict=True):
            if c in ("contest_id", "version", "status"):
                continue
            dtype = pl.Int64 if c in COUNT_COLUMNS else pl.String
            data[names.get(c, c)] = pl.Series(names.get(c, c), values, dtype=dtype, strict=True)
    except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
        return None
    return pl.DataFrame(data).with_row_index("_i")


def _member(column: str, value: pl.Expr) -> pl.Expr:
    """``"column":value`` with the value JSON-encoded as the store encodes it."""
    return pl.struct(value.alias(column)).struct.json_encode().str.slice(1).str.strip_suffix("}")


def _field(column: str) -> pl.Expr:
    """A protocol field's member of the canonical text, null where it is left out."""
    col = pl.col(column)
    if column == "station":
        return _member(column, col)  # always there
    if column in _OPTIONAL_IDS:
        return pl.when(col.is_not_null() & (col != "")).then(_member(column, col))
    return pl.when(col.is_not_null()).then(
        pl.concat_str(pl.lit(f'"{column}":'), col.cast(pl.String))
    )


def _canonical_texts(frame: pl.DataFrame) -> pl.Series:
    """The canonical JSON of every row (votes already checked to be plain objects):
    the field members and the party members in sorted key order, NULLs left out."""
    fields = sorted(["station", *_OPTIONAL_IDS, *COUNT_COLUMNS])
    before = [f for f in fields if f < PARTY_PREFIX]
    after = [f for f in fields if f > PARTY_PREFIX]
    # The members (no key holds a comma: ``_MEMBER``), split at commas and sorted as
    # text: that sorts them by key unless a key holds an escaped character or is
    # another key followed by a character below '"' (a space); then the text is not
    # the canonical one, its hash cannot be the stored one, and the reference decides
    # the row.  Each key then gets its prefix: a member starts after `,"`.
    joined = (
        pl.col("votes")
        .str.slice(1)
        .str.strip_suffix("}")
        .str.split(",")
        .list.sort()
        .list.join(",")
        .str.replace_all(',"', ',"' + PARTY_PREFIX, literal=True)
    )
    parties = pl.concat_str(pl.lit('"' + PARTY_PREFIX), joined.str.slice(1))
    block = pl.when(joined != "").then(parties)
    members = [*(_field(c) for c in before), block, *(_field(c) for c in after)]
    text = pl.concat_str(
        pl.lit("{"), pl.concat_str(members, separator=",", ignore_nulls=True), pl.lit("}")
    )
    return frame.select(text.alias("json")).to_series()


def _fast_matches(rows: Sequence[tuple[Any, ...]], parties: Sequence[str]) -> set[int]:
    """Indices of the rows the vectorised canonical text proves intact.

    The votes text must be a plain object (``_OBJECT``): its members are then taken
    as they are, so a key twice or off the ballot stays in the text and its hash
    cannot be the stored one."""
    if not rows:
        return set()
    frame = _frame(rows)
    if frame is None:
        return set()
    frame = frame.filter(pl.col("votes").str.contains(_OBJECT))
    if frame.height == 0:
        return set()
    digests = hash_column(_canonical_texts(frame))
    return {
        i
        for i, a, b in zip(frame["_i"].to_list(), digests, frame["hash"].to_list(), strict=True)
        if a == b
    }
