"""``json_fields``: a record's fields in declaration order, as JSON values."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime

from saylau.institutions.candidates import Candidate
from saylau.institutions.observers import Observer
from saylau.jsonable import json_fields
from saylau.results import ContestInfo, DivisionInfo, RelationResult, VersionInfo
from saylau.store.model import ElectionInfo
from saylau.store.webhooks import Delivery, Webhook


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


def test_record_base_serialises_as_asdict_did() -> None:
    # Records that moved from ``asdict(self)`` to the ``Record`` base: the same JSON
    # text (the tuple fields were already turned into lists).
    v = VersionInfo(
        2, "t", "cec", None, "f.csv", "h", "flagged", ({"code": "x"},), {"station": "1", "valid": 3}
    )
    assert json.dumps(v.to_dict()) == json.dumps({**asdict(v), "problems": list(v.problems)})
    e = ElectionInfo(1, "Majilis", "2023-03-19", ("c1", "c2"))
    assert json.dumps(e.to_dict()) == json.dumps({**asdict(e), "contests": ["c1", "c2"]})
    for r in (
        ContestInfo(
            "c", "e", None, "T", "law", "flag", None, 3, "preliminary", None, None, "u", 4, False
        ),
        DivisionInfo("c", "1", "Station 1", "station", "d", "KZ"),
        RelationResult("r", "valid + invalid = cast", "failed", "off by 1", 5, 6),
        Webhook(1, "c", "https://x.example/h", "t"),
        Delivery(3, 1, "d", "https://x.example/h", "000001", 2, None, "timeout", "t"),
    ):
        assert json.dumps(r.to_dict()) == json.dumps(asdict(r))
