"""Seat allocation for many elections at once: :func:`allocate_batch` (numpy).

Projections and simulations allocate seats for millions of vote vectors.  This
module does it with whole-array numpy operations over blocks of rows, and gives
exactly the seats :func:`saylau.allocate` gives for every row, ties and
threshold edges included.

How it stays exact:

* the threshold test is integer arithmetic on 128-bit products;
* largest-remainder methods are pure integer arithmetic (whole seats, remainders
  on a common denominator per row, an integer sort for the remaining seats);
* divisor methods first find the seats with float64 quotients (fast), then
  *certify* each row exactly-by-margin: the allocation of ``S`` seats is the
  sequential one iff the weakest quotient that won a seat beats the strongest
  quotient that did not.  When the float margin is too small to be sure (near or
  exact ties, infinite quotients), the row is settled by exact integer
  cross-multiplication (128-bit), so no float ever decides a seat.

Exact ties are broken as :func:`saylau.allocate` breaks them by default (tie
chain ``("votes", "order")``): the party with more votes wins, then the party in
the lower column (registered earlier).  The seeded lot is never needed because
column order always settles a tie.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from saylau.batch_exact import FixedQuotaKernel, RowKernel
from saylau.batch_kernels import kernel_for
from saylau.batch_wide import INT63, BoolArray, IntArray, cmp_products
from saylau.errors import InputError
from saylau.methods import MethodSpec, get_method

#: Largest vote count per party (and cell) the batch engine accepts: it keeps
#: every exact product (votes² for Huntington–Hill) inside 64 bits.
MAX_VOTES = 2**31 - 1
#: Largest house size the batch engine accepts.
MAX_SEATS = 1_000_000
#: Size of one (rows, parties) temporary: rows are processed in blocks this big.
#: Small on purpose: below glibc's 128 KiB mmap threshold numpy's temporaries are
#: recycled from the heap and stay in cache; bigger ones are fresh mappings that
#: page-fault on every block (measured: 2-3x slower).  About 25 temporaries live
#: at once, so a block needs a few MB whatever the input size.
CHUNK_BYTES = 96 * 1024
_MAX_PROBLEMS = 10


def allocate_batch(
    votes: npt.ArrayLike,
    seats: int,
    method: str,
    *,
    threshold: float | str | Fraction = 0.0,
    min_seats: int = 0,
    max_seats: int | None = None,
    votes_per_seat: int | None = None,
    remainder_over: int | None = None,
    base_seats: int = 0,
) -> IntArray:
    """Allocate ``seats`` in every row of ``votes`` (shape ``(elections, parties)``).

    ``votes`` holds non-negative integer vote counts (any integer dtype, at most
    :data:`MAX_VOTES` each); ``method`` is any name or alias in
    :data:`saylau.methods.REGISTRY`; ``threshold`` is a percentage of the row's
    total votes, converted exactly (``Fraction(str(threshold))``): a party passes
    iff ``votes * 100 >= threshold * total``.  Parties below it get no seats and
    do not count towards the quota.

    Returns an ``int64`` array of seat counts with the shape of ``votes``.  Row
    ``i`` equals ``saylau.allocate(dict(zip(names, votes[i])), seats, method,
    threshold=threshold).seats`` exactly.  On an exact tie (equal remainders, or
    equal quotients competing for the last seats) the party with more votes
    wins, then the one in the lower column.  A row in which no party with votes
    passes the threshold gets no seats (all zeros).

    ``min_seats`` and ``max_seats`` bound every passing list's seats, as
    ``allocate(..., min_seats=, caps=)`` does, and ``base_seats`` are held by every
    passing list before the method shares the rest (``allocate(..., base_seats=)``;
    ``max_seats`` counts them); the method ``fixed-quota`` takes
    ``votes_per_seat`` and ``remainder_over`` instead of a house size (``seats``
    0), and a row where no list passes simply gets no seats, as in ``allocate``.

    Raises :class:`~saylau.errors.MethodError` for an unknown method and
    :class:`~saylau.errors.InputError` listing every problem of the input.
    """
    spec = get_method(method)
    arr, frac = _check(
        votes,
        seats,
        threshold,
        spec,
        (votes_per_seat, remainder_over),
        (min_seats, max_seats),
        base_seats,
    )
    n, p = arr.shape
    out = np.zeros((n, p), dtype=np.int64)
    if n == 0:
        return out
    kernel: Callable[[IntArray, IntArray], IntArray]
    if not spec.house_size:
        assert votes_per_seat is not None
        kernel = FixedQuotaKernel(votes_per_seat, remainder_over)
    elif spec.kind == "quota-divisor" or min_seats or base_seats or max_seats is not None:
        kernel = RowKernel(spec, seats, min_seats, max_seats, base_seats)
    else:
        kernel = kernel_for(spec, seats, int(arr.max(initial=0)))
    rows = max(1, CHUNK_BYTES // (p * 8))
    empty: list[int] = []
    for start in range(0, n, rows):
        block = arr[start : start + rows]
        w = block if frac == 0 else np.where(_passing(block, frac), block, 0)
        total = w.sum(axis=1)
        live = total > 0
        if not live.all() and spec.house_size:
            empty.extend((start + np.flatnonzero(~live)).tolist())
        if not empty:  # after a seatless row only the other such rows matter
            out[start : start + rows] = kernel(w, total)
    if empty:
        raise InputError(_no_seat_problems(empty, frac))
    return out


def _no_seat_problems(rows: list[int], frac: Fraction) -> list[str]:
    # As saylau.allocate: a row where no party with votes passes is an error.
    problems = [
        f"votes row {r}: no party can win a seat: none passed the threshold"
        f" ({float(frac):g}%) with votes > 0"
        for r in rows[:_MAX_PROBLEMS]
    ]
    if len(rows) > _MAX_PROBLEMS:
        problems.append(
            f"votes: {len(rows) - _MAX_PROBLEMS} more rows where no party can win a seat"
        )
    return problems


# --------------------------------------------------------------------------- input


def _whole(v: object) -> bool:
    return not isinstance(v, bool) and isinstance(v, int | np.integer)


def _check(
    votes: npt.ArrayLike,
    seats: int,
    threshold: float | str | Fraction,
    spec: MethodSpec,
    fixed: tuple[int | None, int | None],
    bounds: tuple[int, int | None],
    base: int = 0,
) -> tuple[IntArray, Fraction]:
    problems: list[str] = []
    lo, hi = bounds
    votes_per_seat, over = fixed
    if not spec.house_size:
        if seats != 0:
            problems.append(f"seats: {seats!r}: a fixed quota decides the seats itself (give 0)")
        if not _whole(votes_per_seat) or votes_per_seat is None or votes_per_seat < 1:
            problems.append(f"votes_per_seat: {votes_per_seat!r} must be a whole number ≥ 1")
        elif over is not None and (not _whole(over) or not 0 <= over < votes_per_seat):
            problems.append(f"remainder_over: {over!r} must be a whole number below votes_per_seat")
    elif not _whole(seats):
        problems.append(f"seats: {seats!r} is not a whole number")
    elif not 1 <= seats <= MAX_SEATS:
        problems.append(f"seats: {seats} is outside 1..{MAX_SEATS}")
    elif votes_per_seat is not None:
        problems.append(
            f"votes_per_seat: only the method 'fixed-quota' takes it, not '{spec.name}'"
        )
    if not _whole(lo) or lo < 0:
        problems.append(f"min_seats: {lo!r} must be a whole number ≥ 0")
    if hi is not None and (not _whole(hi) or hi < 1 or (_whole(lo) and hi < lo)):
        problems.append(f"max_seats: {hi!r} must be a whole number ≥ 1 and ≥ min_seats")
    if not _whole(base) or base < 0:
        problems.append(f"base_seats: {base!r} must be a whole number ≥ 0")
    elif base and (lo or not spec.house_size):
        problems.append("base_seats: cannot be combined with min_seats or a fixed quota")
    elif base and hi is not None and _whole(hi) and hi < base:
        problems.append(f"base_seats: {base} is more than max_seats {hi}")
    frac = Fraction(0)
    try:
        frac = Fraction(str(threshold))
    except (ValueError, ZeroDivisionError):
        problems.append(f"threshold: '{threshold}' is not a number")
    else:
        if not 0 <= frac < 100:
            problems.append(f"threshold: {threshold} is outside [0, 100)")
    arr = np.asarray(votes)
    out = np.zeros((0, 0), dtype=np.int64)
    if arr.dtype.kind not in "iu":
        problems.append(f"votes: dtype {arr.dtype} is not an integer type (use int64)")
    elif arr.ndim != 2:
        problems.append(f"votes: shape {arr.shape} is not (elections, parties)")
    elif arr.shape[1] == 0:
        problems.append(f"votes: shape {arr.shape} has no parties")
    else:
        problems.extend(_value_problems(arr))
        if not problems:
            out = arr.astype(np.int64, copy=False)
    if problems:
        raise InputError(problems)
    return out, frac


def _value_problems(arr: npt.NDArray[np.integer]) -> list[str]:
    problems: list[str] = []
    if arr.size == 0 or (arr.min() >= 0 and arr.max() <= MAX_VOTES):
        return problems
    for mask, what in (
        (arr < 0, "is negative"),
        (arr > MAX_VOTES, f"exceeds the batch limit {MAX_VOTES:,} (use saylau.allocate)"),
    ):
        bad = np.argwhere(mask)
        for r, c in bad[:_MAX_PROBLEMS]:
            problems.append(f"votes row {r} column {c}: {arr[r, c]} {what}")
        if len(bad) > _MAX_PROBLEMS:
            problems.append(f"votes: {len(bad) - _MAX_PROBLEMS} more cells: {what}")
    return problems


# ---------------------------------------------------------------------- threshold


def _passing(block: IntArray, frac: Fraction) -> BoolArray:
    """Parties with ``votes * 100 >= threshold * total``, exactly (threshold > 0)."""
    base = block.sum(axis=1, keepdims=True)
    p, q = frac.numerator, frac.denominator
    if int(block.max()) * 100 * q < INT63 and int(base.max()) * p < INT63:
        return np.asarray(block * (100 * q) >= base * p, dtype=bool)
    if 100 * q < INT63 and p < INT63:
        lhs = np.full(block.shape, 100 * q, dtype=np.int64)
        rhs = np.ascontiguousarray(np.broadcast_to(base, block.shape))
        return np.asarray(cmp_products(block, lhs, np.full(block.shape, p), rhs) >= 0)
    # A threshold written with very many digits: Python integers, still exact.
    left = block.astype(object) * (100 * q)
    right = base.astype(object) * p
    return np.asarray(left >= right, dtype=bool)


__all__ = ["MAX_SEATS", "MAX_VOTES", "allocate_batch"]
