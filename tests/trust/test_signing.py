"""Ed25519 snapshot signatures: round trip, tampering, reformatting."""

from __future__ import annotations

import json

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


def test_floats_are_refused() -> None:
    with pytest.raises(InputError, match=r"\$.share: float 0.5"):
        signing.canonical_json({"share": 0.5})


@given(json_values)
def test_any_json_round_trips(value: object) -> None:
    key = signing.generate_key()
    assert signing.verify(value, signing.sign(value, key), key.public_key())
