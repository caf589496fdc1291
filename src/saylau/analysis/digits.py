"""The last-digit test, against the binomial null of each station's own counts.

A flat 1-in-10 expectation cries wolf on honest data: a party with 20 votes at a
station cannot have a uniform last digit, and over many small counts the digits fall
steadily from 0 to 9 (Beber & Scacco 2012, Political Analysis 20:211-234, derive
uniformity only for counts spread over many tens; Mebane's "2BL" work makes the same
point about small counts).  So the expected digits here are those of the null the
integer-percentage test uses (Kobak, Shpilkin & Pshenichnikov 2016): every party
count drawn again from its station's own turnout and share, i.e. ballots ~
Binomial(registered, turnout) and the party's votes ~ Binomial(ballots, share), which
is one Binomial(registered, votes / registered) (binomial thinning).

The null's digit distribution of each count is computed exactly, not sampled (the
limit of infinitely many draws): by discrete Fourier inversion of the binomial's
characteristic function over the residues mod 10,
``P(X ≡ d) = 1/10 Σ_j (1 - p + p ω^j)^n ω^(-jd)``, ``ω = e^(2πi/10)``.  The observed
digit counts are a sum of independent categorical draws with these probabilities, so
the statistic is ``(O - E)ᵀ Σ⁺ (O - E)`` with ``Σ = diag(E) - Σ_i P_i P_iᵀ`` their exact
null covariance (Pearson's chi-square when every count's digits are uniform),
chi-square with rank(Σ) (at most 9) degrees of freedom.

Counts whose binomial spread is much narrower than ten carry little weight: their
null digit follows the observed one, so planted digits show only in counts of a few
dozen votes or more.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from saylau.tabulate.fields import is_party_column

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

#: What the expected digits are, as the output says it.
NULL = (
    "each party count redrawn from its station's own turnout and share: "
    "Binomial(registered, votes / registered); expected digits exact "
    "(characteristic function), chi-square with the exact null covariance"
)
#: Where the null comes from, as the output says it.
SOURCE = (
    "Beber & Scacco 2012 (Political Analysis 20:211-234) on when last digits are "
    "uniform; null as in Kobak, Shpilkin & Pshenichnikov 2016 (Ann. Appl. Stat. 10:54-73)"
)

#: Counts below this are left out, on both sides: a count of a few votes cannot have
#: a uniform last digit, and its binomial redraw (twice the spread) has not the same
#: non-uniform one.  From 50 up the binomial spread is about 7 or more, and the last
#: digit of any such draw is uniform within 1e-4 (|φ(2π/10)| <= exp(-0.19 σ²)).
MIN_COUNT = 50

_OMEGA = np.exp(2j * np.pi * np.arange(10) / 10)


def _log_factorials(n_max: int) -> F64:
    out = np.zeros(n_max + 1, dtype=np.float64)
    if n_max >= 1:
        np.cumsum(np.log(np.arange(1, n_max + 1, dtype=np.float64)), out=out[1:])
    return out


def _below(k: I64, n: I64, min_count: int, *, chunk: int = 100_000) -> F64:
    """P(Binomial(n, k/n) = j ≡ d mod 10, j < min_count), rows of 10, for 0 < k < n."""
    out = np.zeros((k.size, 10), dtype=np.float64)
    if k.size == 0 or min_count <= 0:
        return out
    logf = _log_factorials(int(n.max()))
    j = np.arange(min_count, dtype=np.int64)
    spread = np.zeros((min_count, 10), dtype=np.float64)
    spread[j, j % 10] = 1.0
    for a in range(0, k.size, chunk):
        kk, nn = k[a : a + chunk, None], n[a : a + chunk, None]
        p = kk / nn
        jj = np.minimum(j[None, :], nn)
        logpmf = logf[nn] - logf[jj] - logf[nn - jj] + jj * np.log(p) + (nn - jj) * np.log1p(-p)
        pmf = np.where(j[None, :] <= nn, np.exp(logpmf), 0.0)
        out[a : a + chunk] = pmf @ spread
    return out


def _tail_bound(k: I64, n: I64, m: int, *, upper: bool) -> F64:
    """Chernoff bound on P(X >= m) (``upper``) or P(X < m), X ~ Binomial(n, k/n):
    ``exp(-n KL(a || p))`` with ``a = m/n`` (or ``(m-1)/n``) beyond the mean, else 1."""
    nf = np.maximum(n, 1).astype(np.float64)
    p = np.clip(k / nf, 1e-300, 1 - 1e-16)
    a = (m if upper else m - 1) / nf
    beyond = (a > p) if upper else (a < p)
    a = np.clip(a, 1e-300, 1 - 1e-16)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = a * np.log(a / p) + (1 - a) * np.log((1 - a) / (1 - p))
    bound = np.where(beyond, np.exp(-nf * np.nan_to_num(kl, nan=0.0, posinf=np.inf)), 1.0)
    if not upper and m <= 0:
        bound[:] = 0.0  # nothing is below 0
    if upper and m <= 0:
        bound[:] = 1.0
    return np.asarray(bound, dtype=np.float64)


def digit_probabilities(
    votes: npt.ArrayLike, registered: npt.ArrayLike, *, min_count: int = 0
) -> F64:
    """P(Binomial(registered, votes / registered) ends in d and is >= ``min_count``),
    one row of 10 per count.

    Rows with ``registered <= 0`` or ``votes > registered`` are not a binomial draw
    (callers leave them out); they are treated as certain, like 0 or unanimous votes.
    """
    k = np.asarray(votes, dtype=np.int64).ravel()
    n = np.asarray(registered, dtype=np.int64).ravel()
    out = np.zeros((k.size, 10), dtype=np.float64)
    certain = (n <= 0) | (k <= 0) | (k >= n)
    fixed = np.flatnonzero(certain & (k >= min_count))
    out[fixed, np.mod(k[fixed], 10)] = 1.0
    var = np.where(certain, 0.0, k * (1 - k / np.maximum(n, 1)))
    # Chernoff bounds on the binomial tails: a count whose draw reaches the minimum
    # with probability < 1e-16 never does (its row stays 0) ...
    free = ~certain & (_tail_bound(k, n, min_count, upper=True) >= 1e-16)
    # ... and one that falls below it with probability < 1e-16 and has variance >= 150
    # has a uniform last digit within 4e-13 (|φ(2πj/10)| <= exp(-0.19 σ²)).
    sure = _tail_bound(k, n, min_count, upper=False) < 1e-16
    uniform = free & sure & (var >= 150)
    out[uniform] = 0.1
    idx = np.flatnonzero(free & ~uniform)
    if idx.size == 0:
        return out
    kk, nn = k[idx], n[idx]
    p = (kk / nn)[:, None]
    base = 1.0 - p + p * _OMEGA[None, :]
    power = nn[:, None].astype(np.float64)
    # Modulus and angle apart: |base| is 0 at p = 1/2, j = 5, where a complex log
    # would give nan; the real power gives the exact 0.
    phi = np.power(np.abs(base), power) * np.exp(1j * power * np.angle(base))
    inverse = np.exp(-2j * np.pi * np.outer(np.arange(10), np.arange(10)) / 10)
    probs = (phi @ inverse).real / 10
    near = np.flatnonzero(~sure[idx])
    if near.size:
        probs[near] -= _below(kk[near], nn[near], min_count)
    out[idx] = np.clip(probs, 0.0, 1.0)
    return out


def chi2_sf(x: float, df: int) -> float:
    """Upper tail of the chi-square distribution (regularised gamma Q(df/2, x/2))."""
    if x <= 0:
        return 1.0
    a, z = df / 2.0, x / 2.0
    if z < a + 1:
        # Series for the lower regularised gamma P, then Q = 1 - P.
        term = total = 1.0 / a
        ap = a
        for _ in range(10_000):
            ap += 1
            term *= z / ap
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1.0 - total * math.exp(-z + a * math.log(z) - math.lgamma(a)))
    # Continued fraction for Q (Lentz).
    tiny = 1e-300
    b = z + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return min(1.0, math.exp(-z + a * math.log(z) - math.lgamma(a)) * h)


@dataclass
class DigitTest:
    """Observed last digits against the binomial null's exact expectation."""

    counts: list[int]
    expected: list[float]
    n: int
    chi2: float | None
    df: int
    p_value: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "counts": self.counts,
            "expected": [round(e, 2) for e in self.expected],
            "chi2": None if self.chi2 is None else round(self.chi2, 4),
            "df": self.df,
            "p_value": self.p_value,
        }


def digit_test(digits: npt.ArrayLike, probabilities: F64) -> DigitTest:
    """Test the observed ``digits`` (0-9; the counts at or above the minimum) against
    the null ``probabilities`` of every count (m x 10; a row sums to the chance that
    the count's null draw reaches the minimum).

    The null's digit counts are a sum of independent categorical draws, so their
    covariance is exact; the test is on the digits given how many counts reach the
    minimum (the Gaussian conditional on the total), so a null that puts a few more or
    fewer counts above the cut does not pass for a digit anomaly.
    """
    d = np.asarray(digits, dtype=np.int64).ravel()
    counts = np.bincount(d, minlength=10).astype(np.float64)
    expected = probabilities.sum(axis=0)
    cov = np.diag(expected) - probabilities.T @ probabilities
    row = cov.sum(axis=1)
    var_total = float(row.sum())
    if var_total > 1e-9 * max(float(expected.sum()), 1.0):
        expected = expected + row * (counts.sum() - expected.sum()) / var_total
        cov = cov - np.outer(row, row) / var_total
    n = int(d.size)
    observed = counts.astype(np.int64).tolist()
    if n == 0:
        return DigitTest(observed, expected.tolist(), 0, None, 0, None)
    values, vectors = np.linalg.eigh(cov)
    # Directions without variance (the total; counts that cannot move) drop out.
    keep = values > 1e-9 * max(float(values.max()), 1e-300)
    if not keep.any():
        return DigitTest(observed, expected.tolist(), n, None, 0, None)
    z = vectors[:, keep].T @ (counts - expected)
    chi2 = float((z**2 / values[keep]).sum())
    df = int(keep.sum())
    return DigitTest(observed, expected.tolist(), n, chi2, df, chi2_sf(chi2, df))


def party_counts(frame: pl.DataFrame) -> tuple[I64, I64, I64, list[str], int]:
    """Every party count of a protocol frame with its station's registered voters and
    region (flattened, station-major; regions as codes into the list of names), and
    how many counts cannot be a binomial draw (no registered voters, or more votes
    than voters) and are left out."""
    cols = [c for c in frame.columns if is_party_column(c)]
    if not cols or "registered" not in frame.columns:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, [], 0
    votes = frame.select(cols).fill_null(0).to_numpy().astype(np.int64)
    registered = frame["registered"].fill_null(0).to_numpy().astype(np.int64)
    region = (
        frame["region"].fill_null("").cast(pl.Utf8).to_numpy().astype(np.str_)
        if "region" in frame.columns
        else np.full(frame.height, "", dtype=np.str_)
    )
    names, codes = np.unique(region, return_inverse=True)
    reg = np.repeat(registered, len(cols))
    flat = votes.ravel()
    ok = (reg > 0) & (flat <= reg)
    code = np.repeat(codes.astype(np.int64), len(cols))[ok]
    return flat[ok], reg[ok], code, [str(x) for x in names], int((~ok).sum())


def last_digit_tests(
    frame: pl.DataFrame, *, min_count: int = MIN_COUNT
) -> tuple[DigitTest, dict[str, DigitTest], int]:
    """The last-digit test of the party counts >= ``min_count``, for the country and
    per region, and the number of counts left out (not a binomial draw)."""
    votes, registered, codes, names, left_out = party_counts(frame)
    probs = digit_probabilities(votes, registered, min_count=min_count)
    digits = np.mod(votes, 10)
    large = votes >= min_count
    country = digit_test(digits[large], probs)
    per_region: dict[str, DigitTest] = {}
    if "region" in frame.columns:
        order = np.argsort(codes, kind="stable")
        bounds = np.searchsorted(codes[order], np.arange(len(names) + 1))
        for i, name in enumerate(names):
            sel = order[bounds[i] : bounds[i + 1]]
            per_region[name] = digit_test(digits[sel][large[sel]], probs[sel])
    return country, per_region, left_out


__all__: Sequence[str] = (
    "NULL",
    "SOURCE",
    "DigitTest",
    "chi2_sf",
    "digit_probabilities",
    "digit_test",
    "last_digit_tests",
    "party_counts",
)
