"""The canonical JSON of a protocol and its content hash (sha256), vectorised.

The canonical JSON of a protocol is the object of its fields, identification
fields (``station``, ``region``, ``district``, ``country``) left out when empty,
accounting fields the protocol has and ``party:<name>`` votes, with keys sorted by
code point, no whitespace, non-ASCII kept as UTF-8: exactly what
``json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
gives.  ``content_hash`` is the hex sha256 of its UTF-8 bytes; the store keeps it on
every protocol version (the audit chain builds on it), and an identical protocol
ingested again is recognised by it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import polars as pl

from saylau.tabulate.fields import COUNT_FIELDS, ID_FIELDS, STATION, is_party_column

_OPTIONAL_IDS = tuple(f for f in ID_FIELDS if f != STATION)


def canonical_json(protocol: Mapping[str, object]) -> str:
    """The canonical JSON text of one protocol given as a mapping of canonical fields."""
    obj = {
        k: v
        for k, v in protocol.items()
        if (k in ID_FIELDS or k in COUNT_FIELDS or is_party_column(k))
        and v is not None
        and not (k in _OPTIONAL_IDS and v == "")
    }
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(protocol: Mapping[str, object]) -> str:
    """The sha256 (hex) of ``canonical_json(protocol)``."""
    return hashlib.sha256(canonical_json(protocol).encode("utf-8")).hexdigest()


def protocol_columns(frame: pl.DataFrame) -> list[str]:
    """The frame's protocol columns (no ``row``), sorted as in the canonical JSON."""
    return sorted(
        c for c in frame.columns if c in ID_FIELDS or c in COUNT_FIELDS or is_party_column(c)
    )


def canonical_json_column(frame: pl.DataFrame) -> pl.Series:
    """``canonical_json`` of every row of a canonical protocol frame, as one expression."""
    cols = protocol_columns(frame)
    ids = [c for c in cols if c in _OPTIONAL_IDS]
    exprs = [
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) if c in ids else pl.col(c)
        for c in cols
    ]
    text = frame.select(pl.struct(exprs).struct.json_encode().alias("json")).to_series()
    # Only columns that actually hold an empty value need the (costly) rewrite below.
    ids = [c for c in ids if frame.select((pl.col(c).is_null() | (pl.col(c) == "")).any()).item()]
    if ids:
        # An empty identification field is left out: drop its `"key":null` member.  A
        # string value cannot contain an unescaped quote, so the patterns are unambiguous.
        expr = pl.col("json")
        for c in ids:
            key = json.dumps(c)
            expr = expr.str.replace_all(f"{key}:null,", "", literal=True).str.replace_all(
                f",{key}:null", "", literal=True
            )
        text = text.to_frame().select(expr).to_series()
    return text


def hash_column(json_texts: pl.Series) -> list[str]:
    """sha256 hex digests of a column of canonical JSON texts."""
    sha = hashlib.sha256
    # As bytes: skips decoding every text to a Python str only to encode it again.
    return [sha(b).hexdigest() for b in json_texts.cast(pl.Binary).to_list()]
