"""The method registry and textbook results of every method."""

from __future__ import annotations

from fractions import Fraction

import pytest

from saylau import allocate
from saylau.errors import MethodError
from saylau.methods import REGISTRY, get_method

# 4 states with populations 9,061 / 7,179 / 5,259 / 3,319 (total 24,818), 26 seats, worked by
# hand: Hare quotas 9.49 / 7.52 / 5.51 / 3.48 -> floors 9+7+5+3, remainders to B and C;
# D'Hondt divisor 880 -> 10.3 / 8.2 / 5.98 / 3.8 floored; Webster divisor 955 -> 9.49 / 7.52 /
# 5.51 / 3.48 rounded; Adams divisor 1050 -> 8.6 / 6.8 / 5.01 / 3.2 rounded up.
POP = {"A": 9061, "B": 7179, "C": 5259, "D": 3319}
EXPECTED = {
    "hare": {"A": 9, "B": 8, "C": 6, "D": 3},
    "dhondt": {"A": 10, "B": 8, "C": 5, "D": 3},
    "sainte-lague": {"A": 9, "B": 8, "C": 6, "D": 3},
    "adams": {"A": 9, "B": 7, "C": 6, "D": 4},
}


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_alias_resolves(name: str) -> None:
    spec = REGISTRY[name]
    for alias in spec.names:
        assert get_method(alias) is spec
        assert get_method(alias.upper()) is spec


def test_unknown_method_lists_valid_names() -> None:
    with pytest.raises(MethodError) as err:
        get_method("dhont")
    msg = str(err.value)
    assert "unknown method 'dhont' (did you mean 'dhondt'?)" in msg
    for name in REGISTRY:
        assert name in msg


@pytest.mark.parametrize("name", [n for n, spec in REGISTRY.items() if spec.house_size])
def test_every_method_fills_the_house(name: str) -> None:
    a = allocate(POP, 26, name)
    assert sum(a.seats.values()) == 26


@pytest.mark.parametrize(("method", "seats"), EXPECTED.items())
def test_textbook_example(method: str, seats: dict[str, int]) -> None:
    assert allocate(POP, 26, method).seats == seats


def test_quotas() -> None:
    assert REGISTRY["hare"].quota is not None and REGISTRY["hare"].quota(100, 7) == Fraction(100, 7)
    assert REGISTRY["droop"].quota is not None and REGISTRY["droop"].quota(100, 7) == 13
    assert REGISTRY["hagenbach-bischoff"].quota is not None and REGISTRY[
        "hagenbach-bischoff"
    ].quota(100, 7) == Fraction(25, 2)
    assert REGISTRY["imperiali"].quota is not None and REGISTRY["imperiali"].quota(
        100, 7
    ) == Fraction(100, 9)


def test_first_divisors() -> None:
    first = {n: [REGISTRY[n].divisor(s) for s in range(3)] for n in REGISTRY if REGISTRY[n].divisor}  # type: ignore[misc]
    assert first["dhondt"] == [1, 2, 3]
    assert first["sainte-lague"] == [Fraction(1, 2), Fraction(3, 2), Fraction(5, 2)]
    assert first["modified-sainte-lague"] == [Fraction(7, 10), Fraction(3, 2), Fraction(5, 2)]
    assert first["danish"] == [1, 4, 7]
    assert first["imperiali-divisor"] == [2, 3, 4]
    assert first["adams"] == [0, 1, 2]
    assert first["dean"] == [0, Fraction(4, 3), Fraction(12, 5)]
    assert first["huntington-hill"] == [0, 2, 6]  # squared: sqrt(2), sqrt(6)


def test_imperiali_overallocation_gives_seats_back() -> None:
    # Imperiali quota V/(S+2) = 100/5 = 20: whole quotas A 2 (remainder 0), B 1 (19),
    # C 1 (1) = 4 > 3 seats; the smallest remainder (A's) gives a seat back.
    a = allocate({"A": 40, "B": 39, "C": 21}, 3, "imperiali")
    assert a.seats == {"A": 1, "B": 1, "C": 1}
    assert [s.party for s in a.steps if s.kind == "overallocation"] == ["A"]


def test_huntington_hill_exact_squares() -> None:
    # HH compares v/sqrt(s(s+1)): 3 seats, 1st seats to A and B (infinite), third to
    # A if 200/sqrt(2) > 120/0 ... C has votes too, so each gets one.
    assert allocate({"A": 200, "B": 120, "C": 1}, 3, "huntington-hill").seats == {
        "A": 1,
        "B": 1,
        "C": 1,
    }
    # 4th seat: A 200/sqrt2 = 141.4 vs B 120/sqrt2 = 84.9 -> A
    assert allocate({"A": 200, "B": 120, "C": 1}, 4, "huntington-hill").seats == {
        "A": 2,
        "B": 1,
        "C": 1,
    }


@pytest.mark.parametrize(
    ("b", "seats_by_method"),
    [
        # Quotients of A: 100, 33.3, 20 (divisors 1 or first, 3, 5). B's first quotient
        # 25 / 1.2 = 20.8 beats A's 20, but 25 / 1.4 = 17.9 does not.
        (25, {"sainte-lague": 1, "swedish-sainte-lague": 1, "modified-sainte-lague": 0}),
        # 22 beats 20 at divisor 1; 22 / 1.2 = 18.3 does not.
        (22, {"sainte-lague": 1, "swedish-sainte-lague": 0, "modified-sainte-lague": 0}),
    ],
)
def test_first_divisor_decides_a_small_lists_first_seat(
    b: int, seats_by_method: dict[str, int]
) -> None:
    for method, seats_b in seats_by_method.items():
        assert allocate({"A": 100, "B": b}, 3, method).seats["B"] == seats_b, method
