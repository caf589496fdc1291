"""The form's checks are derived from the tabulation's control relations: the JSON
the browser evaluates agrees with ``check_one`` on every protocol (Hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from saylau.trust import protocol_form
from saylau.trust.validate import check_one

PARTIES = ("Amanat", "Ak Zhol", "Auyl")
FIELDS = [ln.field for ln in protocol_form.lines(PARTIES)]


def test_lines_follow_the_paper_protocol() -> None:
    lines = protocol_form.lines(PARTIES)
    assert [ln.number for ln in lines] == list(range(1, 14))
    assert [ln.field for ln in lines][:2] == ["registered", "ballots_received"]
    assert lines[9].field == "party:Amanat" and lines[-1].field == "against_all"


def test_relations_are_the_tabulation_relations_as_coefficients() -> None:
    spec = protocol_form.rules(FIELDS)
    by_name = {r["name"]: r for r in spec["relations"]}
    assert sorted(by_name) == sorted(protocol_form.RELATION_CODES)
    assert by_name["valid_eq_votes"]["right"] == {
        "party:Amanat": 1,
        "party:Ak Zhol": 1,
        "party:Auyl": 1,
        "against_all": 1,
    }
    assert by_name["registered_ge_issued"]["op"] == "ge"
    assert by_name["ballots_balance"]["right"] == {
        "issued_at_station": 1,
        "issued_outside": 1,
        "cancelled": 1,
    }


counts = st.fixed_dictionaries({f: st.integers(0, 60) for f in FIELDS})


@settings(max_examples=300, deadline=None)
@given(counts)
def test_form_errors_agree_with_check_one(values: dict[str, int]) -> None:
    checked = check_one({"station": "S", **values})
    errors = [m for m in protocol_form.evaluate(values, FIELDS) if m.error]
    codes = sorted(m.code for m in errors)
    assert codes == sorted(protocol_form.RELATION_CODES[p.relation] for p in checked.problems)


def test_warning_thresholds_use_integer_ceilings() -> None:
    base = dict.fromkeys(FIELDS, 0)
    # 3% of 100 ballots in the boxes is 3: 2 invalid is fine, 3 warns (W21).
    fine = {
        **base,
        "invalid": 2,
        "valid": 98,
        "in_stationary_boxes": 100,
        "issued_at_station": 100,
        "registered": 1000,
    }
    assert "W21" not in {m.code for m in protocol_form.evaluate(fine, FIELDS)}
    warn = {**fine, "invalid": 3, "valid": 97}
    assert "W21" in {m.code for m in protocol_form.evaluate(warn, FIELDS)}


def test_parse_names_each_bad_value() -> None:
    got, bad = protocol_form.parse(
        {"registered": "1 000", "valid": "-1", "invalid": "", "cancelled": "2.5", "lost": "x"},
        ["registered", "valid", "invalid", "cancelled"],
    )
    assert got == {"registered": 1000}
    assert [(m.code, m.fields) for m in bad] == [
        ("E02", ("valid",)),
        ("E01", ("invalid",)),
        ("E02", ("cancelled",)),
    ]
