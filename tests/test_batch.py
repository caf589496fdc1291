"""The numpy batch engine agrees exactly with the exact engine, row by row."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import saylau
import saylau.batch as batch
from saylau import allocate_batch
from saylau.errors import InputError, MethodError
from saylau.methods import REGISTRY

# Methods that share a given house; the fixed quota has its own tests (tests/test_rules.py).
METHODS = [m for m, spec in REGISTRY.items() if spec.house_size]
QUOTA_METHODS = [m for m, spec in REGISTRY.items() if spec.kind == "quota"]


def exact(row: list[int], seats: int, method: str, threshold: object = 0) -> list[int]:
    names = [f"p{i}" for i in range(len(row))]
    got = saylau.allocate(dict(zip(names, row, strict=True)), seats, method, threshold=threshold)  # type: ignore[arg-type]
    return list(got.seats.values())


def passing(row: list[int], threshold: object) -> list[int]:
    t = Fraction(str(threshold))
    base = sum(row)
    return [v for v in row if v > 0 and v * 100 >= t * base]


def check_rows(votes: np.ndarray, seats: int, method: str, threshold: object = 0) -> np.ndarray:
    """Assert batch == exact on every row (or that both refuse a seatless row)."""
    rows = votes.tolist()
    dead = [i for i, r in enumerate(rows) if not passing(r, threshold)]
    if dead:
        with pytest.raises(InputError, match=f"votes row {dead[0]}: no party can win a seat"):
            allocate_batch(votes, seats, method, threshold=threshold)  # type: ignore[arg-type]
        with pytest.raises(InputError, match="no party can win a seat"):
            exact(rows[dead[0]], seats, method, threshold)
        return np.zeros_like(votes)
    got = allocate_batch(votes, seats, method, threshold=threshold)  # type: ignore[arg-type]
    assert got.shape == votes.shape and got.dtype == np.int64
    for i, row in enumerate(rows):
        assert got[i].tolist() == exact(row, seats, method, threshold), (i, row)
    return got


# Vote sizes: tiny (many exact ties), ordinary, and up to 10^9.
votes_value = st.one_of(
    st.integers(0, 6), st.integers(0, 10_000), st.integers(0, 10**9), st.sampled_from([0, 1])
)


@st.composite
def elections(draw: st.DrawFn) -> tuple[np.ndarray, int, object]:
    parties = draw(st.integers(1, 8))
    n = draw(st.integers(1, 5))
    rows = [draw(st.lists(votes_value, min_size=parties, max_size=parties)) for _ in range(n)]
    if draw(st.booleans()):  # identical lists: ties on every quotient
        for r in rows:
            r[-1] = r[0]
    seats = draw(st.integers(1, 40))
    threshold = draw(st.sampled_from([0, 0, 3, 5, 7, "0.7", "12.5", 33.3]))
    return np.array(rows, dtype=np.int64), seats, threshold


@pytest.mark.parametrize("method", METHODS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=elections())
def test_batch_equals_exact(method: str, case: tuple[np.ndarray, int, object]) -> None:
    votes, seats, threshold = case
    check_rows(votes, seats, method, threshold)


# ---------------------------------------------------------------- constructed ties


@pytest.mark.parametrize(
    ("method", "row", "seats", "expected", "why"),
    [
        # Hare, V=100, S=10: remainders 15*10 mod 100 = 25*10 mod 100 = 50 tie for
        # the last seat; the list with more votes (25) wins it.
        ("hare", [15, 25, 60], 10, [1, 3, 6], "equal remainders, more votes wins"),
        ("hare", [50, 50], 3, [2, 1], "equal remainders and votes, earlier list wins"),
        ("hare", [10, 10, 10], 2, [1, 1, 0], "three-way remainder tie for two seats"),
        # Droop quota floor(100/11)+1 = 10: [15, 25, 60] → 1, 2, 6 whole quotas and
        # remainders 5, 5, 0 for the last seat.
        ("droop", [15, 25, 60], 10, [1, 3, 6], "Droop remainder tie"),
        # D'Hondt: A's second quotient 100/2 equals B's first 50/1.
        ("dhondt", [100, 50], 2, [2, 0], "equal quotients, more votes wins"),
        ("dhondt", [100, 50], 3, [2, 1], "both tied quotients fit"),
        ("dhondt", [7, 7, 7], 2, [1, 1, 0], "equal votes, earlier lists win"),
        # Sainte-Laguë: 30/3 = 10/1.
        ("sainte-lague", [30, 10], 2, [2, 0], "Webster tie"),
        # Adams: every first quotient is infinite; more votes, then order decide.
        ("adams", [5, 9, 5], 2, [1, 1, 0], "infinite quotients"),
        ("dean", [4, 4, 4, 4], 3, [1, 1, 1, 0], "Dean infinite quotients"),
        # Huntington–Hill: 10/sqrt(1*2) = 60/sqrt(8*9); B holds 8 seats, A 1, and
        # seat 10 is an exact tie of irrational quotients (compared squared).
        ("huntington-hill", [10, 60], 10, [1, 9], "irrational quotients tie"),
        ("huntington-hill", [10, 60], 11, [2, 9], "both tied quotients fit"),
        # Hagenbach-Bischoff quota 3/3 = 1 gives 3 whole quotas for 2 seats:
        # the smallest remainder (all 0) and fewest votes (all 1) → the last list gives back.
        ("hagenbach-bischoff", [1, 1, 1], 2, [1, 1, 0], "overallocation tie"),
        ("imperiali", [50, 50], 2, [1, 1], "Imperiali gives back two seats"),
    ],
)
def test_constructed_ties(
    method: str, row: list[int], seats: int, expected: list[int], why: str
) -> None:
    assert exact(row, seats, method) == expected, why
    votes = np.array([row, row[::-1]], dtype=np.int64)
    got = check_rows(votes, seats, method)
    assert got[0].tolist() == expected, why


@pytest.mark.parametrize("method", METHODS)
def test_near_ties_in_large_votes(method: str) -> None:
    # Quotients that differ in the 10th significant digit or not at all.
    big = 10**9
    votes = np.array(
        [
            [big, big - 1, big - 2],
            [big, big, big - 1],
            [big, big // 2, big // 2],
            [999_999_937, 499_999_968, 333_333_312],
            [2 * 333_333_333, 333_333_333, 1],
        ],
        dtype=np.int64,
    )
    for seats in (1, 2, 3, 7, 100):
        check_rows(votes, seats, method)


# ------------------------------------------------------------------------ thresholds


@pytest.mark.parametrize("method", ["hare", "dhondt", "sainte-lague", "droop"])
def test_exact_threshold_edges(method: str) -> None:
    # Total 100,000: 7,000 votes is exactly 7.000% and passes; 6,999 fails.
    votes = np.array([[7_000, 6_999, 86_001], [6_999, 7_000, 86_001]], dtype=np.int64)
    got = check_rows(votes, 30, method, 7)
    assert got[0, 0] > 0 and got[0, 1] == 0
    assert got[1, 0] == 0 and got[1, 1] > 0
    # 0.7% of 100,000 is exactly 700 (0.7 is converted exactly, not as a float).
    edge = np.array([[700, 699, 98_601]], dtype=np.int64)
    got = check_rows(edge, 150, method, 0.7)
    assert got[0, 0] > 0 and got[0, 1] == 0


def test_threshold_with_many_digits_stays_exact() -> None:
    # 7.0000000000000000001% of 100,000 is just above 7,000: 7,000 now fails.
    votes = np.array([[7_000, 7_001, 85_999]], dtype=np.int64)
    t = "7.0000000000000000001"
    got = check_rows(votes, 10, "hare", t)
    assert got[0, 0] == 0 and got[0, 1] > 0


def test_threshold_products_beyond_64_bits() -> None:
    # q = 10^15 and votes near 10^9: votes*100*q needs ~87 bits (128-bit path).
    t = "7.000000000000001"
    filler = [860_000_000] * 10
    edge = 700_000_000
    for _ in range(50):  # smallest count passing at a total that contains it twice
        at = Fraction(t) * (2 * edge - 1 + sum(filler)) / 100
        edge = math.ceil(at)
    votes = np.array([[edge, edge - 1, *filler]], dtype=np.int64)
    assert edge * 100 >= Fraction(t) * votes.sum() > (edge - 1) * 100
    got = check_rows(votes, 200, "hare", t)
    assert got[0, 0] > 0 and got[0, 1] == 0


@pytest.mark.parametrize("method", QUOTA_METHODS)
def test_largest_remainder_with_huge_totals(method: str) -> None:
    # Ten lists near 10^9: remainder x votes no longer fits 64 bits together,
    # so the ranking falls back to two stable sorts; identical rows tie exactly.
    big = 999_999_000
    votes = np.array(
        [
            [big - 7 * i for i in range(10)],
            [big] * 10,
            [big, big, big - 1, big - 1] + [123_456_789] * 6,
        ],
        dtype=np.int64,
    )
    for seats in (7, 15, 150):
        check_rows(votes, seats, method)


def test_kazakhstan_2021_in_a_batch() -> None:
    # Majilis 2021, CEC of Kazakhstan final results (Nur Otan 5,148,074; Ak Zhol
    # 792,828; People's Party 659,019; Auyl 383,023; Adal 258,618): 76/12/10/0/0.
    row = [5_148_074, 792_828, 659_019, 383_023, 258_618]
    got = allocate_batch(np.array([row] * 3, dtype=np.int64), 98, "hamilton", threshold=7)
    assert got.tolist() == [[76, 12, 10, 0, 0]] * 3


# ------------------------------------------------------------------- shape and input


def test_shapes_and_dtypes() -> None:
    votes = np.array([[3, 2, 1], [1, 1, 4]], dtype=np.int32)
    got = allocate_batch(votes, 6, "dhondt")
    assert got.dtype == np.int64 and got.shape == (2, 3)
    assert got.tolist() == [[3, 2, 1], [1, 1, 4]]
    empty = allocate_batch(np.zeros((0, 4), dtype=np.int64), 5, "hare")
    assert empty.shape == (0, 4) and empty.dtype == np.int64
    single = allocate_batch(np.array([[17]], dtype=np.uint16), 5, "sainte-lague")
    assert single.tolist() == [[5]]


def test_aliases_resolve_through_the_registry() -> None:
    votes = np.array([[5_148_074, 792_828, 659_019]], dtype=np.int64)
    assert (allocate_batch(votes, 98, "Hamilton") == allocate_batch(votes, 98, "hare")).all()
    assert (allocate_batch(votes, 98, "jefferson") == allocate_batch(votes, 98, "dhondt")).all()


def test_chunking_does_not_change_results(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    votes = rng.integers(0, 50_000, size=(500, 6))
    votes[::7, 1] = votes[::7, 0]
    for method in ("hare", "dhondt", "huntington-hill"):
        whole = allocate_batch(votes, 30, method, threshold=5)
        monkeypatch.setattr(batch, "CHUNK_BYTES", 1)  # one row per block
        assert (allocate_batch(votes, 30, method, threshold=5) == whole).all()
        monkeypatch.undo()


@pytest.mark.parametrize(
    ("votes", "seats", "threshold", "messages"),
    [
        (np.array([[5, -3, 2]]), 3, 0, ["votes row 0 column 1: -3 is negative"]),
        (np.array([[5.0, 3.0]]), 3, 0, ["votes: dtype float64 is not an integer type"]),
        (np.array([1, 2, 3]), 3, 0, ["votes: shape (3,) is not (elections, parties)"]),
        (np.zeros((2, 0), dtype=np.int64), 3, 0, ["votes: shape (2, 0) has no parties"]),
        (np.array([[1, 2]]), 0, 0, ["seats: 0 is outside 1..1000000"]),
        (np.array([[1, 2]]), True, 0, ["seats: True is not a whole number"]),
        (np.array([[1, 2]]), 2.0, 0, ["seats: 2.0 is not a whole number"]),
        (np.array([[1, 2]]), 2, 100, ["threshold: 100 is outside [0, 100)"]),
        (np.array([[1, 2]]), 2, -1, ["threshold: -1 is outside [0, 100)"]),
        (np.array([[1, 2]]), 2, "abc", ["threshold: 'abc' is not a number"]),
        (
            np.array([[2**31, 1]]),
            2,
            0,
            ["votes row 0 column 0: 2147483648 exceeds the batch limit 2,147,483,647"],
        ),
        (  # every problem at once
            np.array([[1, -1], [-2, 3]]),
            0,
            "x",
            [
                "seats: 0 is outside 1..1000000",
                "threshold: 'x' is not a number",
                "votes row 0 column 1: -1 is negative",
                "votes row 1 column 0: -2 is negative",
            ],
        ),
    ],
)
def test_bad_input(votes: np.ndarray, seats: int, threshold: object, messages: list[str]) -> None:
    with pytest.raises(InputError) as err:
        allocate_batch(votes, seats, "hare", threshold=threshold)  # type: ignore[arg-type]
    assert len(err.value.problems) == len(messages)
    for problem, message in zip(err.value.problems, messages, strict=True):
        assert problem.startswith(message)


def test_unknown_method_lists_valid_names() -> None:
    with pytest.raises(MethodError) as err:
        allocate_batch(np.array([[1, 2]]), 2, "borda")
    text = str(err.value)
    assert "unknown method 'borda'" in text
    for name in REGISTRY:
        assert name in text


def test_problem_lists_are_capped() -> None:
    with pytest.raises(InputError) as err:
        allocate_batch(-np.ones((4, 5), dtype=np.int64), 3, "hare")
    assert len(err.value.problems) == 11
    assert err.value.problems[-1] == "votes: 10 more cells: is negative"
    with pytest.raises(InputError) as err:
        allocate_batch(np.zeros((12, 2), dtype=np.int64), 3, "hare")
    assert err.value.problems[-1] == "votes: 2 more rows where no party can win a seat"


def test_seatless_rows_are_reported_like_allocate() -> None:
    votes = np.array([[10, 10], [0, 0], [100, 1], [3, 3]], dtype=np.int64)
    with pytest.raises(InputError) as err:
        allocate_batch(votes, 5, "hare", threshold=60)
    assert [p.split(":")[0] for p in err.value.problems] == [
        "votes row 0",
        "votes row 1",
        "votes row 3",
    ]
    with pytest.raises(InputError, match="no party can win a seat"):
        saylau.allocate({"a": 0, "b": 0}, 5, "hare")


# ------------------------------------------------------- known bugs in saylau.allocate


def test_droop_more_seats_left_than_lists() -> None:
    # Droop quota floor(2/11)+1 = 1: 1 whole seat each, 8 seats left for 2 lists.
    # Both engines share them round by round (5/5).
    assert allocate_batch(np.array([[1, 1]]), 10, "droop").tolist() == [[5, 5]]
    assert exact([1, 1], 10, "droop") == [5, 5]


def test_imperiali_quota_single_list() -> None:
    # One list: V/(S+2) gives it S+2 whole quotas; it gives back two.
    assert allocate_batch(np.array([[100, 0]]), 5, "imperiali").tolist() == [[5, 0]]
    assert exact([100, 0], 5, "imperiali") == [5, 0]
