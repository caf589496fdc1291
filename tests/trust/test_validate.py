"""The pure-Python single-protocol check agrees with the polars readers."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saylau.errors import InputError
from saylau.store.ingest import prepare
from saylau.tabulate import protocol_from_mapping
from saylau.tabulate.fields import COUNT_FIELDS
from saylau.trust import validate
from saylau.trust.validate import check_one, check_slow

OPTIONAL = [f for f in COUNT_FIELDS if f not in ("registered", "valid", "invalid")]
small = st.integers(0, 60)


@st.composite
def protocols(draw: Any) -> dict[str, Any]:
    p: dict[str, Any] = {"station": draw(st.sampled_from(["S1", "Алматы 7", "x/y"]))}
    for f in ("region", "district"):
        if draw(st.booleans()):
            p[f] = draw(st.sampled_from(["", "Almaty", "Жетісу"]))
    for f in ("registered", "valid", "invalid"):
        p[f] = draw(small)
    for f in draw(st.lists(st.sampled_from(OPTIONAL), unique=True)):
        p[f] = draw(small)
    for name in draw(st.lists(st.sampled_from(["Amanat", "Auyl", "Ақ жол"]), unique=True)):
        v = draw(small)
        p["party:" + name] = str(v) if draw(st.booleans()) else v
    keys = draw(st.permutations(list(p)))
    return {k: p[k] for k in keys}


def reference(p: dict[str, Any], policy: str) -> tuple[str, str, list[dict[str, Any]]]:
    frame, problems = prepare(protocol_from_mapping(p), policy)
    return str(frame["_hash"][0]), str(frame["_status"][0]), [x.to_dict() for x in problems]


@settings(max_examples=120, deadline=None)
@given(protocols(), st.sampled_from(["flag", "reject"]))
def test_fast_path_agrees_with_the_store(p: dict[str, Any], policy: str) -> None:
    assert validate._fast(p) is not None  # these shapes take the fast path
    got = check_one(p)
    digest, status, problems = reference(p, policy)
    assert got.hash == digest
    assert got.status(policy) == status
    assert [x.to_dict() for x in got.problems] == problems
    slow = check_slow(p)
    assert (slow.protocol, slow.hash, slow.problems) == (got.protocol, got.hash, got.problems)


def test_a_failed_relation_names_both_sides() -> None:
    p = {"station": "S1", "registered": 10, "valid": 7, "invalid": 1, "issued_at_station": 12,
         "party:A": 3, "party:B": 3}  # fmt: skip
    got = check_one(p)
    assert [(x.relation, x.value, x.expected) for x in got.problems] == [
        ("registered_ge_issued", 10, 12),
        ("valid_eq_votes", 7, 6),
    ]
    assert got.problems[1].message == (
        "row 1 (station 'S1'): valid_eq_votes: valid 7 ≠ sum of party votes 6"
    )
    assert got.status("flag") == "flagged" and got.status("reject") == "rejected"


@pytest.mark.parametrize(
    "change",
    [{"valid": -1}, {"valid": "1.5"}, {"valid": " 7"}, {"valid": None}, {"station": " S1"},
     {"Station": "S2"}, {"votes": 3}, {"valid": True}, {"valid": 10**9}],
)  # fmt: skip
def test_other_shapes_take_the_readers_path(change: dict[str, Any]) -> None:
    p: dict[str, Any] = {"station": "S1", "registered": 10, "valid": 7, "invalid": 1, **change}
    assert validate._fast(p) is None
    try:
        want: Any = check_slow(p)
    except InputError as err:
        with pytest.raises(InputError) as got:
            check_one(p)
        assert got.value.problems == err.problems
    else:
        assert check_one(p) == want
