"""The batch engine's kernels: seats for a block of rows of one method.

Largest-remainder quotas are pure integer arithmetic; divisor methods find the
seats with float64 quotients and certify each row exactly (see
:mod:`saylau.batch`), settling what the floats cannot by 128-bit products
(:mod:`saylau.batch_wide`).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from saylau.batch_wide import INT63, BoolArray, FloatArray, IntArray, cmp_products
from saylau.errors import InputError, MethodError
from saylau.methods import MethodSpec

# Float quotients carry a relative error of a few ulp (~1e-15); a margin of
# 1e-9 between the weakest winner and the strongest loser is certainly real.
_MARGIN = 1e-9


def kernel_for(spec: MethodSpec, seats: int, vmax: int) -> Kernel:
    if spec.kind == "quota":
        if spec.name not in _QUOTA_KINDS:
            raise MethodError(
                f"method '{spec.name}': the batch engine has no kernel for this quota;"
                f" batch quota methods: {', '.join(_QUOTA_KINDS)}"
            )
        return _QuotaKernel(seats, spec.name, spec.leftover == "votes")
    return _DivisorKernel(_divisor_table(spec, seats, vmax), seats)


class Kernel:
    def __call__(self, w: IntArray, total: IntArray) -> IntArray:  # pragma: no cover
        raise NotImplementedError


# Whole-number multiplier c in quota = V / c, or "droop" for floor(V/(S+1)) + 1.
_QUOTA_KINDS = ("hare", "hare-largest-lists", "droop", "hagenbach-bischoff", "imperiali")


@dataclass(frozen=True)
class _QuotaKernel(Kernel):
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
    if key_bound * (vmax + 1) >= INT63:
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
    if max(num) >= INT63 or weight * max(den) >= INT63:
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
class _DivisorKernel(Kernel):
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
    c = cmp_products(a1, b2, a2, b1)
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
