"""Ed25519 snapshot signatures: round trip, tampering, reformatting."""

from __future__ import annotations

import json
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saylau.errors import InputError
from saylau.trust import signing

SNAPSHOT = {
    "contest": "kz-2023",
    "seats": {"Amanat": 40, "Auyl": 8},
    "votes": {"Amanat": 3_406_310},
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


def test_round_trip_and_tampering() -> None:
    key = signing.generate_key()
    public = key.public_key()
    sig = signing.sign(SNAPSHOT, key)
    assert signing.verify(SNAPSHOT, sig, public)
    tampered = json.loads(json.dumps(SNAPSHOT))
    tampered["seats"]["Amanat"] = 41
    assert not signing.verify(tampered, sig, public)
    assert not signing.verify(SNAPSHOT, sig, signing.generate_key().public_key())
    assert not signing.verify(SNAPSHOT, "not base64!", public)


def test_canonical_form_ignores_formatting() -> None:
    assert signing.canonical_json({"b": 1, "a": "ә"}) == '{"a":"ә","b":1}'.encode()
    reformatted = json.loads(json.dumps(SNAPSHOT, indent=4))
    key = signing.generate_key()
    assert signing.verify(reformatted, signing.sign(SNAPSHOT, key), key.public_key())


# RFC 8785 (JSON Canonicalization Scheme), Appendix B: IEEE 754 doubles and their
# canonical text.
JCS_NUMBERS = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "text"), JCS_NUMBERS)
def test_numbers_in_rfc8785_form(bits: str, text: str) -> None:
    (x,) = struct.unpack(">d", bytes.fromhex(bits))
    assert signing.canonical_json({"n": x}) == ('{"n":' + text + "}").encode()


def test_results_percentages_sign_and_verify() -> None:
    # A results export carries percentages: 62.0 and 62 are the same JSON number.
    snapshot = {"turnout": {"percent": 63.25}, "seats_percent": 62.0}
    assert signing.canonical_json(snapshot) == b'{"seats_percent":62,"turnout":{"percent":63.25}}'
    key = signing.generate_key()
    sig = signing.sign(snapshot, key)
    assert signing.verify(
        {"seats_percent": 62, "turnout": {"percent": 63.25}}, sig, key.public_key()
    )
    assert not signing.verify(
        {"seats_percent": 62.5, "turnout": {"percent": 63.25}}, sig, key.public_key()
    )


def test_keys_sort_by_utf16_code_units() -> None:
    # U+FF61 sorts after U+1F600 in UTF-16 (a surrogate pair starts with 0xD83D).
    assert signing.canonical_json({"\uff61": 1, "\U0001f600": 2}) == (
        '{"\U0001f600":2,"\uff61":1}'.encode()
    )


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_numbers_are_refused(bad: float) -> None:
    with pytest.raises(InputError, match=r"\$.share: .* cannot be signed"):
        signing.canonical_json({"share": bad})


@given(json_values)
def test_any_json_round_trips(value: object) -> None:
    key = signing.generate_key()
    assert signing.verify(value, signing.sign(value, key), key.public_key())
