"""Control relations: each passes on a consistent protocol and fails with its numbers."""

from __future__ import annotations

import io

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from saylau.tabulate import RELATION_NAMES, check, failing, read_protocols
from saylau.tabulate.controls import check_protocol

HEADER = (
    "station,registered,ballots_received,issued_early,issued_at_station,issued_outside,"
    "cancelled,in_mobile_boxes,in_stationary_boxes,invalid,valid,lost,unaccounted,"
    "against_all,party:A,party:B"
)
# 1000 on the list; 900 received; 10+600+40 = 650 issued; 250 cancelled; 1 lost,
# 1 not accounted: 650 + 250 + 1 - 1 = 900; boxes 40 + 610 = 650 = 20 + 630;
# valid 630 = 400 + 200 + 30 against all.
OK = [1000, 900, 10, 600, 40, 250, 40, 610, 20, 630, 1, 1, 30, 400, 200]
FIELDS = HEADER.split(",")[1:]


def table(*rows: list[int]) -> pl.DataFrame:
    text = HEADER + "\n" + "".join(f"s{i},{','.join(map(str, r))}\n" for i, r in enumerate(rows, 1))
    return read_protocols(text.encode(), name="t.csv").frame


def with_(**changes: int) -> list[int]:
    row = list(OK)
    for k, v in changes.items():
        row[FIELDS.index(k)] = v
    return row


def test_consistent_protocol_passes_all() -> None:
    assert check(table(OK)) == []
    assert failing(table(OK)).to_list() == [False]


@pytest.mark.parametrize(
    ("change", "relation", "message"),
    [
        (
            {"registered": 600},
            "registered_ge_issued",
            "row 2 (station 's2'): registered_ge_issued: registered 600 < issued_early + issued_at_station + issued_outside 650",
        ),
        (
            {"ballots_received": 901},
            "ballots_balance",
            "row 2 (station 's2'): ballots_balance: ballots_received 901 ≠ issued_early + issued_at_station + issued_outside + cancelled + lost - unaccounted 900",
        ),
        (
            {"in_mobile_boxes": 41},
            "boxes_eq_valid_invalid",
            "row 2 (station 's2'): boxes_eq_valid_invalid: in_mobile_boxes + in_stationary_boxes 651 ≠ invalid + valid 650",
        ),
        (
            {"party:A": 401},
            "valid_eq_votes",
            "row 2 (station 's2'): valid_eq_votes: valid 630 ≠ sum of party votes + against_all 631",
        ),
    ],
)
def test_each_relation_fails_with_numbers(
    change: dict[str, int], relation: str, message: str
) -> None:
    problems = check(table(OK, with_(**change)))
    assert [p.message for p in problems] == [message]
    # One protocol checked in plain integers finds the same problem (as row 2 here).
    one = {"station": "s2", **dict(zip(FIELDS, with_(**change), strict=True))}
    assert check_protocol(one, row=2) == tuple(problems)
    (p,) = problems
    assert (p.row, p.station, p.relation) == (2, "s2", relation)
    assert failing(table(OK, with_(**change))).to_list() == [False, True]


def test_registered_equal_to_issued_passes() -> None:
    assert check(table(with_(registered=650))) == []


def test_non_negative_integers_on_a_built_frame() -> None:
    frame = pl.DataFrame({"station": ["x"], "registered": [5], "invalid": [-1], "valid": [3]})
    (p,) = check(frame)
    assert (p.relation, p.field, p.value) == ("non_negative_integers", "invalid", -1)
    assert p.message == "row 1 (station 'x'): non_negative_integers: invalid -1 is negative"


def test_relations_skip_absent_fields() -> None:
    frame = read_protocols(b"station,registered,invalid,valid\n1,5,0,9\n").frame
    assert check(frame) == []  # nothing to compare: valid 9 > registered is not a relation


def test_relation_registry() -> None:
    assert RELATION_NAMES == (
        "registered_ge_issued",
        "ballots_balance",
        "boxes_eq_valid_invalid",
        "valid_eq_votes",
        "non_negative_integers",
    )


@st.composite
def protocols(draw: st.DrawFn) -> list[list[int]]:
    rows = []
    for _ in range(draw(st.integers(1, 8))):
        a, b, against, invalid = (draw(st.integers(0, 500)) for _ in range(4))
        valid = a + b + against
        early, outside = draw(st.integers(0, 50)), draw(st.integers(0, 50))
        at_station = max(valid + invalid - early - outside, 0)
        issued = early + at_station + outside
        extra = valid + invalid - issued  # ballots in boxes beyond those issued: none
        mobile = draw(st.integers(0, valid + invalid))
        cancelled, lost, unacc = (draw(st.integers(0, 30)) for _ in range(3))
        received = issued + cancelled + lost - unacc
        if received < 0:
            cancelled, received = cancelled - received, 0
        registered = issued + draw(st.integers(0, 1000))
        rows.append(
            [
                registered,
                received,
                early,
                at_station,
                outside,
                cancelled,
                mobile,
                valid + invalid - mobile - extra * 0,
                invalid,
                valid,
                lost,
                unacc,
                against,
                a,
                b,
            ]
        )
    return rows


@settings(max_examples=60, deadline=None)
@given(protocols(), st.data())
def test_roundtrip_and_single_mutation(rows: list[list[int]], data: st.DataObject) -> None:
    frame = table(*rows)
    assert check(frame) == []
    buf = io.BytesIO()
    frame.drop("row").write_csv(buf)
    assert read_protocols(buf.getvalue()).frame.equals(frame)
    # Mutating one field breaks exactly the relations that field takes part in.
    i = data.draw(st.integers(0, len(rows) - 1))
    field = data.draw(
        st.sampled_from(["ballots_received", "in_stationary_boxes", "party:A", "registered"])
    )
    mutated = frame.with_columns(
        pl.when(pl.col("row") == i + 1)
        .then(pl.col(field) + (1 if field != "registered" else -10_000))
        .otherwise(pl.col(field))
        .alias(field)
    )
    expected = {
        "ballots_received": {"ballots_balance"},
        "in_stationary_boxes": {"boxes_eq_valid_invalid"},
        "party:A": {"valid_eq_votes"},
        "registered": {"registered_ge_issued", "non_negative_integers"},
    }[field]
    found = {p.relation for p in check(mutated)}
    assert found and found <= expected
    row = mutated.row(i, named=True)
    one = {k: v for k, v in row.items() if k != "row"}
    relational = [p for p in check(mutated) if p.relation != "non_negative_integers"]
    assert check_protocol(one, row=i + 1) == tuple(relational)
    assert {p.row for p in check(mutated)} == {i + 1}
