"""The paper protocol as a form: its numbered lines, their checks, as data.

The lines follow the KZ CEC precinct protocol (voters on the list, ballots
received, issued, cancelled, found in the boxes, invalid, valid, votes per party,
against all).  The statutory control relations are *derived* from
``saylau.tabulate.controls.RELATIONS`` (each relation's two sides evaluated on unit
vectors give their integer coefficients), so the browser script and the server
evaluate the very same definitions; the server's word stays ``check_one``'s.

Messages are numbered: ``E0x`` a value that is not a count, ``E1x`` a failed
control relation (errors block saving), ``W2x`` a plausibility warning (saved only
with an explicit "the paper says so" and a short explanation).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import polars as pl

from saylau.tabulate.controls import RELATIONS
from saylau.tabulate.fields import MAX_COUNT, party_column

#: The accounting lines of the paper protocol, in its order: (field, label).
#: Party lines follow ``valid``; "against all" closes the list.
ACCOUNTING: tuple[tuple[str, str], ...] = (
    ("registered", "Voters on the list"),
    ("ballots_received", "Ballots received by the commission"),
    ("issued_at_station", "Ballots issued at the polling station"),
    ("issued_outside", "Ballots issued outside the station (mobile box)"),
    ("cancelled", "Unused ballots cancelled"),
    ("in_mobile_boxes", "Ballots found in the mobile boxes"),
    ("in_stationary_boxes", "Ballots found in the stationary boxes"),
    ("invalid", "Invalid ballots"),
    ("valid", "Valid ballots"),
)
AGAINST_ALL = ("against_all", "Against all")

#: Relation name -> message code.
RELATION_CODES: dict[str, str] = {
    "registered_ge_issued": "E11",
    "ballots_balance": "E12",
    "boxes_eq_valid_invalid": "E13",
    "valid_eq_votes": "E14",
}

#: Plain sentences of the relations (translated on the page).
RELATION_TEXT: dict[str, str] = {
    "registered_ge_issued": "More ballots were issued than there are voters on the list.",
    "ballots_balance": "Ballots received must equal ballots issued plus ballots cancelled.",
    "boxes_eq_valid_invalid": "Ballots found in the boxes must equal invalid plus valid ballots.",
    "valid_eq_votes": "Valid ballots must equal the sum of the votes for the parties and against all.",
}

#: Plausibility warnings: ``share``: num ≥ ceil(den × percent / 100) (nothing when
#: both are 0); ``differ``: the two sums differ; ``zero``: the sum is 0.
WARNINGS: tuple[dict[str, Any], ...] = (
    {
        "code": "W21",
        "kind": "share",
        "num": ["invalid"],
        "den": ["invalid", "valid"],
        "percent": 3,
        "text": "Invalid ballots are 3% or more of the ballots found in the boxes.",
    },
    {
        "code": "W22",
        "kind": "differ",
        "num": ["in_mobile_boxes", "in_stationary_boxes"],
        "den": ["issued_at_station", "issued_outside"],
        "text": "The ballots found in the boxes differ from the ballots issued.",
    },
    {
        "code": "W23",
        "kind": "share",
        "num": ["issued_at_station", "issued_outside"],
        "den": ["registered"],
        "percent": 95,
        "text": "Turnout is 95% or more of the voters on the list.",
    },
    {
        "code": "W24",
        "kind": "zero",
        "num": ["in_mobile_boxes", "in_stationary_boxes"],
        "den": [],
        "text": "No ballots were found in the boxes.",
    },
)

_DIGITS = re.compile(r"[0-9]+\Z")


@dataclass(frozen=True)
class Line:
    """One numbered line of the form."""

    number: int
    field: str
    label: str
    party: str | None = None


def lines(parties: Sequence[str]) -> list[Line]:
    """The form's lines for a contest with ``parties`` (in ballot order)."""
    out = [Line(i, f, label) for i, (f, label) in enumerate(ACCOUNTING, start=1)]
    for p in parties:
        out.append(Line(len(out) + 1, party_column(p), p, party=p))
    out.append(Line(len(out) + 1, *AGAINST_ALL))
    return out


@lru_cache(maxsize=64)
def _coefficients(columns: tuple[str, ...]) -> tuple[dict[str, Any], ...]:
    """Each relation applying to ``columns`` as integer coefficients of both sides."""
    cols = list(columns)
    zero = {c: [0] * (len(cols) + 1) for c in cols}
    for i, c in enumerate(cols, start=1):
        zero[c][i] = 1  # row i is the unit vector of column i; row 0 is all zeros
    frame = pl.DataFrame(zero, schema={c: pl.Int64 for c in cols})
    out = []
    for name, rel in RELATIONS.items():
        built = rel.sides(cols)
        if built is None:
            continue
        llabel, left, rlabel, right = built
        values = frame.select(left.alias("l"), right.alias("r"))
        sides = []
        for side in ("l", "r"):
            col = values[side].to_list()
            sides.append(
                {c: col[i] - col[0] for i, c in enumerate(cols, start=1) if col[i] != col[0]}
            )
        out.append(
            {
                "code": RELATION_CODES.get(name, "E19"),
                "name": name,
                "op": rel.op,
                "left": sides[0],
                "right": sides[1],
                "left_label": llabel,
                "right_label": rlabel,
                "text": RELATION_TEXT.get(name, rel.description),
            }
        )
    return tuple(out)


def rules(fields: Sequence[str]) -> dict[str, Any]:
    """The checks of a form with ``fields``, as JSON for the browser script."""
    return {
        "max": MAX_COUNT,
        "relations": list(_coefficients(tuple(fields))),
        "warnings": [w for w in WARNINGS if all(f in fields for f in w["num"] + w["den"])],
    }


@dataclass(frozen=True)
class Message:
    """A numbered message of the form, at its fields."""

    code: str
    fields: tuple[str, ...]
    text: str
    detail: str = ""

    @property
    def error(self) -> bool:
        return self.code.startswith("E")


def parse(values: Mapping[str, str], fields: Sequence[str]) -> tuple[dict[str, int], list[Message]]:
    """The typed text of every field as counts, and a message per bad value."""
    counts: dict[str, int] = {}
    bad: list[Message] = []
    for f in fields:
        raw = str(values.get(f, "")).strip().replace(" ", "").replace("\u00a0", "")
        if raw == "":
            bad.append(Message("E01", (f,), "This line is empty: type 0 if the paper says 0."))
        elif not _DIGITS.match(raw):
            bad.append(
                Message("E02", (f,), "Type a whole number of ballots, digits only.", raw[:40])
            )
        elif int(raw) > MAX_COUNT:
            bad.append(Message("E03", (f,), "This number is too large for one station.", raw[:40]))
        else:
            counts[f] = int(raw)
    return counts, bad


def _sum(counts: Mapping[str, int], coef: Mapping[str, int]) -> int:
    return sum(counts.get(f, 0) * k for f, k in coef.items())


def evaluate(counts: Mapping[str, int], fields: Sequence[str]) -> list[Message]:
    """The relations and warnings of ``rules(fields)`` on ``counts`` — what the script does."""
    spec = rules(fields)
    out = []
    for r in spec["relations"]:
        left, right = _sum(counts, r["left"]), _sum(counts, r["right"])
        if (left >= right) if r["op"] == "ge" else (left == right):
            continue
        sign = "<" if r["op"] == "ge" else "≠"
        where = tuple(sorted(set(r["left"]) | set(r["right"]), key=list(fields).index))
        out.append(Message(r["code"], where, r["text"], f"{left} {sign} {right}"))
    for w in spec["warnings"]:
        num = sum(counts.get(f, 0) for f in w["num"])
        den = sum(counts.get(f, 0) for f in w["den"])
        if w["kind"] == "share":
            hit = den > 0 and num >= math.ceil(den * w["percent"] / 100)
        elif w["kind"] == "differ":
            hit = num != den
        else:
            hit = num == 0
        if hit:
            where = tuple(f for f in fields if f in w["num"] or f in w["den"])
            out.append(Message(w["code"], where, w["text"], f"{num} / {den}"))
    return out
