"""``saylau.core.inputs.whole``: the one rule for a count of seats, votes or ballots."""

from __future__ import annotations

import numpy as np
import pytest

from saylau import allocate, load_law
from saylau.core.inputs import whole
from saylau.errors import InputError


def test_whole_takes_ints_of_at_least_the_bound_only() -> None:
    assert whole(0) and whole(7) and whole(1, 1)
    assert not whole(-1)
    assert not whole(0, 1)
    # True == 1, but a flag is not a count; a float or a numpy scalar is not an int.
    assert not whole(True) and not whole(False)
    assert not whole(1.0) and not whole("3") and not whole(None)
    assert not whole(np.int64(3))


def test_the_engine_and_the_law_refuse_what_whole_refuses() -> None:
    with pytest.raises(InputError, match=r"seats: True must be a whole number ≥ 1"):
        allocate({"A": 10}, True, "dhondt")  # type: ignore[arg-type]
    with pytest.raises(InputError, match=r"min_seats: -1 for 'A' must be a whole number ≥ 0"):
        allocate({"A": 10, "B": 5}, 3, "dhondt", min_seats={"A": -1})
    with pytest.raises(InputError, match=r"invalid: 2.0 must be a whole number ≥ 0"):
        load_law("kz-majilis-2023").allocate({"A": 10}, invalid=2.0)  # type: ignore[arg-type]
