"""``json_fields``: a record's fields in declaration order, as JSON values."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from saylau.institutions.candidates import Candidate
from saylau.institutions.observers import Observer
from saylau.jsonable import json_fields


@dataclass(frozen=True)
class Record:
    name: str
    day: date | None
    at: datetime
    tags: tuple[str, ...]
    kinds: frozenset[str]
    counts: dict[str, int]


def test_fields_in_order_with_the_usual_conversions() -> None:
    r = Record("a", None, datetime(2021, 1, 10, 11, 0), ("x", "y"), frozenset({"b", "a"}), {"k": 1})
    assert json_fields(r) == {
        "name": "a",
        "day": None,
        "at": "2021-01-10T11:00:00",
        "tags": ["x", "y"],
        "kinds": ["a", "b"],
        "counts": {"k": 1},
    }
    assert list(json_fields(r)) == ["name", "day", "at", "tags", "kinds", "counts"]


def test_values_replace_in_place_or_come_after() -> None:
    r = Record("a", date(2021, 1, 10), datetime(2021, 1, 10), (), frozenset(), {})
    out = json_fields(r, name="A", extra=1)
    assert list(out) == ["name", "day", "at", "tags", "kinds", "counts", "extra"]
    assert out["name"] == "A" and out["day"] == "2021-01-10" and out["extra"] == 1


def test_records_keep_their_documented_json() -> None:
    # The exact documents the API served before the records used json_fields.
    c = Candidate(
        "Ann", "P", 2, "c1", "id7", date(1980, 5, 1), "female", frozenset({"youth", "disability"})
    )
    assert json.dumps(c.to_dict()) == (
        '{"name": "Ann", "party": "P", "position": 2, "contest": "c1", "id": "id7", '
        '"birth_date": "1980-05-01", "gender": "female", "categories": ["disability", "youth"]}'
    )
    o = Observer("O2", "Bek", "domestic", "individual", "", "KZ", (), ("101",), date(2021, 1, 1))
    assert json.dumps(o.to_dict()) == (
        '{"id": "O2", "name": "Bek", "kind": "domestic", "affiliation": "individual", '
        '"organisation": null, "country": "KZ", "contests": [], "stations": ["101"], '
        '"accredited_from": "2021-01-01", "accredited_to": null, "synthetic": false}'
    )
