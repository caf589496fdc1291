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

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from saylau.batch_exact import FixedQuotaKernel, RowKernel
from saylau.errors import InputError, MethodError
from saylau.methods import MethodSpec, get_method

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

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
# Float quotients carry a relative error of a few ulp (~1e-15); a margin of
# 1e-9 between the weakest winner and the strongest loser is certainly real.
_MARGIN = 1e-9
_MAX_PROBLEMS = 10
_INT63 = 2**63


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
    ``allocate(..., min_seats=, caps=)`` does; the method ``fixed-quota`` takes
    ``votes_per_seat`` and ``remainder_over`` instead of a house size (``seats``
    0), and a row where no list passes simply gets no seats, as in ``allocate``.

    Raises :class:`~saylau.errors.MethodError` for an unknown method and
    :class:`~saylau.errors.InputError` listing every problem of the input.
    """
    spec = get_method(method)
    arr, frac = _check(
        votes, seats, threshold, spec, (votes_per_seat, remainder_over), (min_seats, max_seats)
    )
    n, p = arr.shape
    out = np.zeros((n, p), dtype=np.int64)
    if n == 0:
        return out
    kernel: Callable[[IntArray, IntArray], IntArray]
    if not spec.house_size:
        assert votes_per_seat is not None
        kernel = FixedQuotaKernel(votes_per_seat, remainder_over)
    elif spec.kind == "quota-divisor" or min_seats or max_seats is not None:
        kernel = RowKernel(spec, seats, min_seats, max_seats)
    else:
        kernel = _kernel(spec, seats, int(arr.max(initial=0)))
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


# ----------------------------------------------------------------- exact products


_LOW32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)


def _mul_wide(a: IntArray, b: IntArray) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    """The exact product of non-negative int64 arrays as (high, low) 64-bit words."""
    ua = a.astype(np.uint64)
    ub = b.astype(np.uint64)
    a0, a1 = ua & _LOW32, ua >> _SHIFT32
    b0, b1 = ub & _LOW32, ub >> _SHIFT32
    lo = a0 * b0
    m1 = a1 * b0
    m2 = a0 * b1
    mid = (lo >> _SHIFT32) + (m1 & _LOW32) + (m2 & _LOW32)
    low = (lo & _LOW32) | (mid << _SHIFT32)
    high = a1 * b1 + (m1 >> _SHIFT32) + (m2 >> _SHIFT32) + (mid >> _SHIFT32)
    return high, low


def _cmp_products(a: IntArray, b: IntArray, c: IntArray, d: IntArray) -> npt.NDArray[np.int8]:
    """Sign of ``a*b - c*d`` (all non-negative, < 2**63), exactly."""
    h1, l1 = _mul_wide(a, b)
    h2, l2 = _mul_wide(c, d)
    gt = (h1 > h2) | ((h1 == h2) & (l1 > l2))
    lt = (h1 < h2) | ((h1 == h2) & (l1 < l2))
    return np.asarray(gt.astype(np.int8) - lt.astype(np.int8), dtype=np.int8)


# ---------------------------------------------------------------------- threshold


def _passing(block: IntArray, frac: Fraction) -> BoolArray:
    """Parties with ``votes * 100 >= threshold * total``, exactly (threshold > 0)."""
    base = block.sum(axis=1, keepdims=True)
    p, q = frac.numerator, frac.denominator
    if int(block.max()) * 100 * q < _INT63 and int(base.max()) * p < _INT63:
        return np.asarray(block * (100 * q) >= base * p, dtype=bool)
    if 100 * q < _INT63 and p < _INT63:
        lhs = np.full(block.shape, 100 * q, dtype=np.int64)
        rhs = np.ascontiguousarray(np.broadcast_to(base, block.shape))
        return np.asarray(_cmp_products(block, lhs, np.full(block.shape, p), rhs) >= 0)
    # A threshold written with very many digits: Python integers, still exact.
    left = block.astype(object) * (100 * q)
    right = base.astype(object) * p
    return np.asarray(left >= right, dtype=bool)


# ------------------------------------------------------------------------ kernels


def _kernel(spec: MethodSpec, seats: int, vmax: int) -> _Kernel:
    if spec.kind == "quota":
        if spec.name not in _QUOTA_KINDS:
            raise MethodError(
                f"method '{spec.name}': the batch engine has no kernel for this quota;"
                f" batch quota methods: {', '.join(_QUOTA_KINDS)}"
            )
        return _QuotaKernel(seats, spec.name, spec.leftover == "votes")
    return _DivisorKernel(_divisor_table(spec, seats, vmax), seats)


class _Kernel:
    def __call__(self, w: IntArray, total: IntArray) -> IntArray:  # pragma: no cover
        raise NotImplementedError


# Whole-number multiplier c in quota = V / c, or "droop" for floor(V/(S+1)) + 1.
_QUOTA_KINDS = ("hare", "hare-largest-lists", "droop", "hagenbach-bischoff", "imperiali")


@dataclass(frozen=True)
class _QuotaKernel(_Kernel):
    """Largest remainder: whole quotas, then the remaining seats by remainder."""

    seats: int
    name: str
    by_votes: bool = False

    def __call__(self, w: IntArray, total: IntArray) -> IntArray:
        s = self.seats
        total = total[:, None]
        if self.name == "droop":
            scale = total // (s + 1) + 1
            auto = w // scale
            rem = w - auto * scale
        else:
            c = {"hare": s, "hare-largest-lists": s, "hagenbach-bischoff": s + 1}.get(
                self.name, s + 2
            )
            # quota V/c: whole seats floor(v*c/V); remainders (v*c mod V)/V share
            # the denominator V within a row, so the integers compare exactly.
            wc = w * c
            auto = wc // total
            rem = wc - auto * total
            scale = total
        left = s - auto.sum(axis=1)
        if self.name == "droop":
            # A Droop quota of 1 (fewer votes than seats) can leave more seats than
            # lists; they go round the lists by remainder, one seat each per round.
            eligible = w > 0
            count = eligible.sum(axis=1)
            rounds = np.maximum(left, 0) // count
            auto = auto + rounds[:, None] * eligible
            left = left - rounds * count
            rem = np.where(eligible, rem, -1)
        if self.by_votes:
            # The seats left over go to the lists with the most votes (Georgia): the
            # key is the votes, ties as allocate breaks them (votes, then column).
            rem, scale = w, w.max(axis=1, keepdims=True)
        # Otherwise fewer seats are left than lists with a remainder > 0.
        seats = auto + _top(rem, w, left, int(scale.max()), int(w.max()))
        over = left < 0
        if over.any():
            seats[over] = _remove_overallocation(auto[over], rem[over], w[over], -left[over])
        return seats


def _top(key: IntArray, votes: IntArray, take: IntArray, key_bound: int, vmax: int) -> BoolArray:
    """Mark the first ``take[i]`` parties of row i by (key desc, votes desc, column asc)."""
    n, p = key.shape
    if key_bound * (vmax + 1) >= _INT63:
        return _top_by_rank(key, votes, take)
    # One integer carries key and votes; equal integers mean equal votes too.
    comp = key * (vmax + 1) + votes
    ordered = np.sort(comp, axis=1)
    r = np.arange(n)
    at = np.clip(p - take, 0, p - 1)
    cut = np.where(take > 0, ordered[r, at], np.iinfo(np.int64).max)
    chosen = comp >= cut[:, None]
    # A party just below the cut position equal to the cut: the tie straddles
    # the last seat and the column order decides (rare).
    crowded = (take > 0) & (take < p) & (ordered[r, np.maximum(at - 1, 0)] == cut)
    if crowded.any():
        chosen[crowded] = _top_by_rank(key[crowded], votes[crowded], take[crowded])
    return np.asarray(chosen, dtype=bool)


def _top_by_rank(key: IntArray, votes: IntArray, take: IntArray) -> BoolArray:
    n, p = key.shape
    by_votes = np.argsort(-votes, axis=1, kind="stable")
    then = np.argsort(-np.take_along_axis(key, by_votes, axis=1), axis=1, kind="stable")
    order = np.take_along_axis(by_votes, then, axis=1)
    rank = np.empty((n, p), dtype=np.int64)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(p), (n, p)), axis=1)
    return np.asarray(rank < take[:, None], dtype=bool)


def _remove_overallocation(
    auto: IntArray, rem: IntArray, w: IntArray, excess: IntArray
) -> IntArray:
    """More whole quotas than seats: the smallest remainders give one seat back.

    Only parties holding a seat give one back; among equal remainders the party
    with fewer votes, then the later column, gives first (the tie chain
    reversed).  A single list holding every seat gives back all the excess.
    """
    n, p = auto.shape
    col = np.broadcast_to(np.arange(p), (n, p))
    seats = auto.copy()
    while (excess > 0).any():
        holders = seats > 0
        # Sort ascending by (remainder, votes, -column); non-holders go last.
        key = np.where(holders, rem, int(rem.max(initial=0)) + 1)
        order = np.lexsort((-col, w, key), axis=1)
        position = np.empty((n, p), dtype=np.int64)
        np.put_along_axis(position, order, col, axis=1)
        give = holders & (position < excess[:, None])
        seats -= give
        excess = excess - give.sum(axis=1)
    return seats


@dataclass(frozen=True)
class _DivisorTable:
    """Divisors d(s), s = 0..S: exact ``num/den`` (squared for Huntington–Hill)."""

    num: IntArray
    den: IntArray
    approx: FloatArray  # d(s) itself as float64 (not squared)
    squared: bool
    slope: float
    offset: float

    def reciprocals(self, vmax: int) -> tuple[FloatArray, FloatArray]:
        """1/d(s) for the next seat, and 1/d(s-1) for the last seat held (s = 0..S).

        A zero divisor gives an infinite next quotient; as a last quotient it
        becomes the largest finite one, so that holding such a seat still ranks
        below holding none (+inf, index 0).
        """
        with np.errstate(divide="ignore"):
            inv = 1.0 / self.approx
        big = np.finfo(np.float64).max / (vmax + 1)
        inv_last = np.empty_like(inv)
        inv_last[0] = np.inf
        inv_last[1:] = np.minimum(inv[:-1], big)
        return inv, inv_last


def _divisor_table(spec: MethodSpec, seats: int, vmax: int) -> _DivisorTable:
    assert spec.divisor is not None
    values = [spec.divisor(s) for s in range(seats + 2)]
    num = [v.numerator for v in values]
    den = [v.denominator for v in values]
    if any(v < 0 for v in values) or any(a >= b for a, b in itertools.pairwise(values)):
        raise MethodError(f"method '{spec.name}': divisors must increase from 0 or more")
    weight = vmax * vmax if spec.squared else vmax
    if max(num) >= _INT63 or weight * max(den) >= _INT63:
        raise InputError(
            f"method '{spec.name}': votes up to {vmax:,} with {seats} seats exceed the"
            " batch engine's 64-bit range (use saylau.allocate)"
        )
    approx = np.array([float(v) for v in values], dtype=np.float64)
    if spec.squared:
        approx = np.sqrt(approx)
    # The divisors grow like slope*s + offset; used only to guess a start.
    s1 = max(1, seats // 2)
    slope = float(approx[s1 + 1] - approx[s1])
    return _DivisorTable(
        num=np.array(num, dtype=np.int64),
        den=np.array(den, dtype=np.int64),
        approx=approx,
        squared=spec.squared,
        slope=slope,
        offset=float(approx[s1]) - slope * s1,
    )


@dataclass(frozen=True)
class _DivisorKernel(_Kernel):
    """Highest averages: a float guess, float steps, exact certification."""

    table: _DivisorTable
    seats: int

    def __call__(self, w: IntArray, total: IntArray) -> IntArray:
        wf = w.astype(np.float64)
        live = w > 0
        e = self._guess(live, wf, total)
        sure = self._float_fill(w, wf, live, e)
        if not sure.all():
            # The guess was not a valid start (a divisor that is not linear in s)
            # or the margin is too thin: repair by float moves, then exactly.
            bad = np.flatnonzero(~sure)
            fixed, sure_now = self._float_steps(w[bad], wf[bad], live[bad], e[bad])
            e[bad] = fixed
            doubtful = bad[~sure_now]
            if len(doubtful):
                e[doubtful] = self._exact_steps(w[doubtful], e[doubtful])
        return e

    def _guess(self, live: BoolArray, wf: FloatArray, total: IntArray) -> IntArray:
        """Seats at a divisor chosen so that the total is about right."""
        t = self.table
        parties = live.sum(axis=1)
        # Seats at divisor lam are about (w/lam - offset)/slope + 1/2 per party.
        target = np.maximum(self.seats + parties * (t.offset / t.slope - 0.5), 0.5)
        x = wf * (target / (total * t.slope))[:, None]
        x -= t.offset / t.slope
        np.ceil(x, out=x)
        np.clip(x, 0, self.seats, out=x)
        count = x.astype(np.int64)
        # With offset >= 0 a party without votes already gets ceil(-offset) = 0.
        return count if t.offset >= 0 else np.where(live, count, 0)

    def _weights(self, wf: FloatArray, live: BoolArray) -> tuple[FloatArray, FloatArray]:
        if live.all():
            return wf, wf
        # Parties without votes never win a seat and hold none to give back.
        return np.where(live, wf, -1.0), np.where(live, wf, 1.0)

    def _float_fill(self, w: IntArray, wf: FloatArray, live: BoolArray, e: IntArray) -> BoolArray:
        """Add (or remove) seats by float quotients until every row has S; certify.

        ``e`` is updated in place.  Starting from the seats above a divisor
        (a valid prefix of the sequential allocation), adding the strongest next
        quotient or removing the weakest last one keeps it valid, so no swaps are
        needed; the certificate catches any row where that start was not valid.
        """
        s = self.seats
        p = w.shape[1]
        inv_next, inv_last = self.table.reciprocals(int(w.max(initial=0)))
        w_next, w_last = self._weights(wf, live)
        nxt = w_next * np.take(inv_next, e)
        last = w_last * np.take(inv_last, e)
        tot = e.sum(axis=1)
        e_flat, n_flat, l_flat = e.reshape(-1), nxt.reshape(-1), last.reshape(-1)
        wn_flat, wl_flat = w_next.reshape(-1), w_last.reshape(-1)
        act = np.flatnonzero(tot != s)
        for _ in range(4 * p + 64):
            if len(act) == 0:
                break
            ta = tot[act]
            up, down = act[ta < s], act[ta > s]
            for rows, delta in ((up, 1), (down, -1)):
                if len(rows) == 0:
                    continue
                pick = nxt[rows].argmax(axis=1) if delta > 0 else last[rows].argmin(axis=1)
                at = rows * p + pick
                held = e_flat[at] + delta
                e_flat[at] = held
                tot[rows] += delta
                n_flat[at] = wn_flat[at] * inv_next[held]
                l_flat[at] = wl_flat[at] * inv_last[held]
            act = act[tot[act] != s]
        top = nxt.max(axis=1)
        low = last.min(axis=1)
        return np.asarray((tot == s) & (low > top * (1 + _MARGIN)), dtype=bool)

    def _float_steps(
        self, w: IntArray, wf: FloatArray, live: BoolArray, e: IntArray
    ) -> tuple[IntArray, BoolArray]:
        """Move seats one at a time by float quotients until no move helps.

        Returns the seats and, per row, whether the float margin proves them
        exact: the weakest quotient that won a seat beats the strongest one
        that did not by more than the float error could ever explain.
        """
        s = self.seats
        inv_next, inv_last = self.table.reciprocals(int(w.max(initial=0)))
        w_next, w_last = self._weights(wf, live)
        # Quotients of every party's next seat and of its last seat held; after
        # a move only the touched cells are recomputed.
        nxt = w_next * np.take(inv_next, e)
        last = w_last * np.take(inv_last, e)
        tot = e.sum(axis=1)
        sure = np.zeros(len(w), dtype=bool)
        p = w.shape[1]
        # Flat views: one index per (row, column) is much cheaper than 2-D fancy indexing.
        e_flat, n_flat, l_flat = e.reshape(-1), nxt.reshape(-1), last.reshape(-1)
        wn_flat, wl_flat = w_next.reshape(-1), w_last.reshape(-1)
        act = np.arange(len(w))
        for step in range(4 * p + 64):
            if len(act) == 0:
                break
            sub_n = nxt if step == 0 else nxt[act]
            sub_l = last if step == 0 else last[act]
            base = act * p
            at_n = base + sub_n.argmax(axis=1)
            at_l = base + sub_l.argmin(axis=1)
            top, low = n_flat[at_n], l_flat[at_l]
            ta = tot[act]
            add = (ta < s) | ((ta == s) & (top > low))
            drop = (ta > s) | ((ta == s) & add)
            moved = add | drop
            settled = ~moved
            sure[act[settled]] = low[settled] > top[settled] * (1 + _MARGIN)
            for at, rows, delta in ((at_n[add], act[add], 1), (at_l[drop], act[drop], -1)):
                held = e_flat[at] + delta
                e_flat[at] = held
                tot[rows] += delta
                n_flat[at] = wn_flat[at] * inv_next[held]
                l_flat[at] = wl_flat[at] * inv_last[held]
            act = act[moved]
        return e, sure

    def _exact(self, w: IntArray, s: IntArray) -> tuple[IntArray, IntArray]:
        """Quotient w/d(s) as an exact fraction a/b (squared for Huntington–Hill)."""
        t = self.table
        idx = np.clip(s, 0, self.seats + 1)
        weight = w * w if t.squared else w
        return weight * t.den[idx], t.num[idx]

    def _exact_steps(self, w: IntArray, e: IntArray) -> IntArray:
        """Move seats with exact comparisons until the allocation is the sequential one."""
        s = self.seats
        act = np.arange(len(w))
        while len(act):
            ea, wa = e[act], w[act]
            an, bn = self._exact(wa, ea)
            al, bl = self._exact(wa, ea - 1)
            jn = _best(an, bn, wa, wa > 0, strongest=True)
            jl = _best(al, bl, wa, ea > 0, strongest=False)
            r = np.arange(len(act))
            tot = ea.sum(axis=1)
            swap = (tot == s) & (jn >= 0) & (jl >= 0)
            if swap.any():
                beats = _beats(
                    an[r, jn], bn[r, jn], wa[r, jn], jn, al[r, jl], bl[r, jl], wa[r, jl], jl
                )
                swap &= beats
            add = ((tot < s) & (jn >= 0)) | swap
            drop = ((tot > s) & (jl >= 0)) | swap
            e[act[add], jn[add]] += 1
            e[act[drop], jl[drop]] -= 1
            act = act[add | drop]
        return e


def _beats(
    a1: IntArray,
    b1: IntArray,
    w1: IntArray,
    i1: IntArray,
    a2: IntArray,
    b2: IntArray,
    w2: IntArray,
    i2: IntArray,
) -> BoolArray:
    """Quotient a1/b1 of party i1 beats a2/b2 of party i2 (tie: votes, then column)."""
    # a/b with b = 0 is an infinite quotient: a1*b2 vs a2*b1 orders those too.
    c = _cmp_products(a1, b2, a2, b1)
    return np.asarray((c > 0) | ((c == 0) & ((w1 > w2) | ((w1 == w2) & (i1 < i2)))))


def _best(
    a: IntArray, b: IntArray, w: IntArray, eligible: BoolArray, *, strongest: bool
) -> IntArray:
    """Column of the strongest (or weakest) eligible quotient per row; -1 if none."""
    n, p = a.shape
    best = np.full(n, -1, dtype=np.int64)
    ba = np.zeros(n, dtype=np.int64)
    bb = np.zeros(n, dtype=np.int64)
    bw = np.zeros(n, dtype=np.int64)
    for j in range(p):
        col = np.full(n, j, dtype=np.int64)
        aj, bj, wj = a[:, j], b[:, j], w[:, j]
        if strongest:
            better = _beats(aj, bj, wj, col, ba, bb, bw, best)
        else:
            better = _beats(ba, bb, bw, best, aj, bj, wj, col)
        take = eligible[:, j] & ((best < 0) | better)
        best = np.where(take, j, best)
        ba = np.where(take, aj, ba)
        bb = np.where(take, bj, bb)
        bw = np.where(take, wj, bw)
    return best


__all__ = ["MAX_SEATS", "MAX_VOTES", "allocate_batch"]
