"""Election forensics on station-level protocols, for observers.

Three checks, each on the whole country and per region:

* the turnout × leader's-share 2D histogram of Klimek, Yegorov, Hanel & Thurner
  (2012, PNAS 109:16469) — drawn by :mod:`saylau.analysis.charts`;
* the integer-percentage test of Kobak, Shpilkin & Pshenichnikov (2016, Annals of
  Applied Statistics 10:54-73): how many more stations report a turnout or a
  leader's share within 0.05 percentage points of a whole percent than a binomial
  null predicts;
* a last-digit uniformity test (chi-square on the last digit of party counts).

Definitions (as in the authors' code, github.com/dkobak/elections, ``loaddata``):
turnout = ballots issued (early + at the station + outside) / registered voters;
leader's share = leader's votes / ballots found in the boxes (valid + invalid).
When a file has no "issued" fields the ballots found in the boxes stand in for
them (reported in ``definitions``).

Inclusion: stations with at least ``min_registered`` (default 100) registered
voters — below that whole percentages are common by chance — and at least one
ballot in the boxes.  Stations with zero registered voters are excluded and
counted (``excluded``), never divided by.

The null model: each station's issued ballots ~ Binomial(registered, observed
turnout) and the leader's votes ~ Binomial(ballots, observed share),
independently, ``draws`` times (1,000 by default).  Only whether a draw lands on
an integer percentage matters, so each station's draw is sampled exactly through
that event: its probability is the binomial mass of the counts whose percentage
is within the window (summed exactly over the counts within 9 standard deviations
of the mean; the mass beyond is < 1e-18), and a draw is one uniform number per
station.  This is the same distribution as drawing the binomial counts, at a
fraction of the cost (see benchmarks/bench_forensics.py, which also runs the
direct per-station loop for comparison).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from saylau.errors import InputError

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Stations with fewer registered voters are left out of the integer test
#: (Kobak et al. 2016).
MIN_REGISTERED = 100
#: A percentage counts as "integer" when within this many percentage points of one.
WINDOW_PP = 0.05
#: Monte Carlo draws of the null.
DRAWS = 1000
#: Last-digit test: only counts at least this large (smaller counts have
#: non-uniform last digits by construction).
MIN_DIGIT_COUNT = 10

_ISSUED = ("issued_early", "issued_at_station", "issued_outside")
_PARTY = "party:"


@dataclass
class Stations:
    """The per-station arrays the tests use (already filtered)."""

    registered: I64
    issued: I64
    ballots: I64
    leader: I64
    region: npt.NDArray[np.str_]
    excluded: dict[str, int] = field(default_factory=dict)
    turnout_basis: str = "issued"


def parties_of(frame: pl.DataFrame) -> list[str]:
    """Party names of a canonical protocol frame, in column order."""
    return [c[len(_PARTY) :] for c in frame.columns if c.startswith(_PARTY)]


def stations_from_frame(
    frame: pl.DataFrame, leader: str, *, min_registered: int = MIN_REGISTERED
) -> Stations:
    """Pick and filter the station arrays for ``leader`` from a canonical frame."""
    parties = parties_of(frame)
    if leader not in parties:
        shown = "; ".join(repr(p) for p in parties) or "none"
        raise InputError(f"--leader {leader!r} is not a party in the file (parties: {shown})")
    problems = [
        f"protocols: required column {c!r} is missing"
        for c in ("registered", "valid", "invalid")
        if c not in frame.columns
    ]
    if problems:
        raise InputError(problems)
    registered = frame["registered"].fill_null(0).to_numpy().astype(np.int64)
    ballots = (
        (frame["valid"].fill_null(0) + frame["invalid"].fill_null(0)).to_numpy().astype(np.int64)
    )
    present = [c for c in _ISSUED if c in frame.columns]
    if present:
        issued = np.zeros(frame.height, dtype=np.int64)
        for c in present:
            issued += frame[c].fill_null(0).to_numpy().astype(np.int64)
        basis = "issued"
    else:
        issued, basis = ballots.copy(), "ballots in the boxes (no issued fields in the file)"
    votes = frame[_PARTY + leader].fill_null(0).to_numpy().astype(np.int64)
    region = (
        frame["region"].fill_null("").cast(pl.Utf8).to_numpy().astype(np.str_)
        if "region" in frame.columns
        else np.full(frame.height, "", dtype=np.str_)
    )
    zero_registered = registered <= 0
    small = ~zero_registered & (registered < min_registered)
    no_ballots = ~zero_registered & ~small & (ballots <= 0)
    # Turnout over 100 % or a leader above his ballots cannot be a binomial draw;
    # such protocols fail the control relations and are left out here.
    inconsistent = (
        ~zero_registered & ~small & ~no_ballots & ((issued > registered) | (votes > ballots))
    )
    keep = ~(zero_registered | small | no_ballots | inconsistent)
    excluded = {
        "zero_registered": int(zero_registered.sum()),
        f"under_{min_registered}_registered": int(small.sum()),
        "no_ballots": int(no_ballots.sum()),
        "inconsistent": int(inconsistent.sum()),
    }
    return Stations(
        registered=registered[keep],
        issued=issued[keep],
        ballots=ballots[keep],
        leader=votes[keep],
        region=region[keep],
        excluded=excluded,
        turnout_basis=basis,
    )


def is_integer_percent(
    k: npt.ArrayLike, n: npt.ArrayLike, window: float = WINDOW_PP
) -> npt.NDArray[np.bool_]:
    """Whether ``100 k / n`` lies strictly within ``window`` points of a whole number.

    Exact integer arithmetic: with ``r = 100 k mod n`` the distance to the nearest
    whole percent is ``min(r, n - r) / n``; the test is ``min(r, n-r) < window n``,
    i.e. ``min(r, n-r) * D < W * n`` with ``window = W / D`` as a decimal fraction.
    """
    k_arr = np.asarray(k, dtype=np.int64)
    n_arr = np.asarray(n, dtype=np.int64)
    num, den = _as_fraction(window)
    r = np.mod(100 * k_arr, n_arr)
    dist = np.minimum(r, n_arr - r)
    return np.asarray(dist * den < num * n_arr)


def _as_fraction(window: float) -> tuple[int, int]:
    from fractions import Fraction

    frac = Fraction(str(window))
    return frac.numerator, frac.denominator


def _log_factorials(n_max: int) -> F64:
    out = np.zeros(n_max + 1, dtype=np.float64)
    if n_max >= 1:
        np.cumsum(np.log(np.arange(1, n_max + 1, dtype=np.float64)), out=out[1:])
    return out


def integer_probability(k: I64, n: I64, window: float = WINDOW_PP, *, chunk: int = 4096) -> F64:
    """P(a Binomial(n, k/n) draw is an integer percentage), per station (exact sum)."""
    k = np.asarray(k, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    out = np.zeros(k.shape[0], dtype=np.float64)
    if k.size == 0:
        return out
    p = k / n
    degenerate = (k == 0) | (k == n)
    out[degenerate] = is_integer_percent(k[degenerate], n[degenerate], window).astype(np.float64)
    idx = np.flatnonzero(~degenerate)
    if idx.size == 0:
        return out
    logf = _log_factorials(int(n.max()))
    sd = np.sqrt(n[idx] * p[idx] * (1 - p[idx]))
    half = np.ceil(9 * sd).astype(np.int64) + 2
    order = idx[np.argsort(half)]
    half_sorted = np.sort(half)
    start = 0
    while start < order.size:
        # Stations sorted by window width; keep each block near 2M cells.
        rows = min(chunk, order.size - start)
        while rows > 1 and rows * (2 * int(half_sorted[start + rows - 1]) + 1) > 2_000_000:
            rows //= 2
        sel = order[start : start + rows]
        w = int(half_sorted[start + rows - 1])
        start += rows
        nn = n[sel][:, None]
        kk = k[sel][:, None] + np.arange(-w, w + 1, dtype=np.int64)[None, :]
        valid = (kk >= 0) & (kk <= nn)
        kc = np.clip(kk, 0, nn)
        hit = valid & is_integer_percent(kc, np.broadcast_to(nn, kc.shape), window)
        pp = p[sel][:, None]
        logpmf = logf[nn] - logf[kc] - logf[nn - kc] + kc * np.log(pp) + (nn - kc) * np.log1p(-pp)
        out[sel] = np.where(hit, np.exp(logpmf), 0.0).sum(axis=1)
    return np.clip(out, 0.0, 1.0)


@dataclass
class IntegerTest:
    """The integer-percentage statistics of one set of stations."""

    stations: int
    observed: int
    observed_turnout: int
    observed_leader: int
    expected: float
    excess: float
    sd: float
    p999: float
    p_value: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "stations": self.stations,
            "integer_observed": self.observed,
            "integer_observed_turnout": self.observed_turnout,
            "integer_observed_leader": self.observed_leader,
            "integer_expected": round(self.expected, 3),
            "integer_excess": round(self.excess, 3),
            "integer_excess_sd": round(self.sd, 3),
            "integer_excess_p999": round(self.p999, 3),
            "integer_p_value": self.p_value,
        }


def _summarise(
    observed: I64, obs_t: I64, obs_l: I64, null: npt.NDArray[np.int64], expected: F64, sizes: I64
) -> list[IntegerTest]:
    """One IntegerTest per column of ``null`` (draws × groups)."""
    tests = []
    draws = null.shape[0]
    for g in range(null.shape[1]):
        col = null[:, g].astype(np.float64)
        # Excess over the exact expectation; sd and the 99.9th percentile are those
        # of the null's excess (count minus expectation), so they compare directly.
        centred = col - float(expected[g])
        exceed = int(np.count_nonzero(col >= observed[g]))
        tests.append(
            IntegerTest(
                stations=int(sizes[g]),
                observed=int(observed[g]),
                observed_turnout=int(obs_t[g]),
                observed_leader=int(obs_l[g]),
                expected=float(expected[g]),
                excess=float(observed[g] - expected[g]),
                sd=float(col.std(ddof=1)) if draws > 1 else 0.0,
                p999=float(np.quantile(centred, 0.999)) if draws else 0.0,
                # Monte Carlo p-value with the +1 correction: never exactly 0.
                p_value=(exceed + 1) / (draws + 1),
            )
        )
    return tests


def integer_test(
    st: Stations,
    *,
    draws: int = DRAWS,
    seed: int | None = 0,
    window: float = WINDOW_PP,
) -> tuple[IntegerTest, dict[str, IntegerTest]]:
    """The integer-percentage test for the country and for each region."""
    if draws < 1:
        raise InputError(f"draws: {draws} must be at least 1")
    t_int = is_integer_percent(st.issued, st.registered, window)
    l_int = is_integer_percent(st.leader, st.ballots, window)
    either = t_int | l_int
    q_t = integer_probability(st.issued, st.registered, window)
    q_l = integer_probability(st.leader, st.ballots, window)
    q = 1.0 - (1.0 - q_t) * (1.0 - q_l)
    regions, codes = np.unique(st.region, return_inverse=True)
    order = np.argsort(codes, kind="stable")
    codes_sorted = codes[order]
    q_sorted = q[order]
    starts = np.searchsorted(codes_sorted, np.arange(regions.size))
    rng = np.random.default_rng(seed)
    null = np.zeros((draws, regions.size + 1), dtype=np.int64)
    step = max(1, 20_000_000 // max(1, q.size))
    for d0 in range(0, draws, step):
        d1 = min(draws, d0 + step)
        hits = rng.random((d1 - d0, q.size)) < q_sorted[None, :]
        null[d0:d1, 0] = hits.sum(axis=1)
        if q.size:
            null[d0:d1, 1:] = np.add.reduceat(hits, starts, axis=1) if regions.size else 0
    sizes = np.concatenate([[q.size], np.bincount(codes, minlength=regions.size)])
    observed = np.concatenate(
        [[either.sum()], np.bincount(codes, weights=either, minlength=regions.size)]
    ).astype(np.int64)
    obs_t = np.concatenate(
        [[t_int.sum()], np.bincount(codes, weights=t_int, minlength=regions.size)]
    ).astype(np.int64)
    obs_l = np.concatenate(
        [[l_int.sum()], np.bincount(codes, weights=l_int, minlength=regions.size)]
    ).astype(np.int64)
    expected = np.concatenate([[q.sum()], np.bincount(codes, weights=q, minlength=regions.size)])
    tests = _summarise(observed, obs_t, obs_l, null, expected, sizes)
    return tests[0], {str(r): tests[i + 1] for i, r in enumerate(regions)}


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
    """Chi-square test of uniform last digits."""

    counts: list[int]
    n: int
    chi2: float | None
    p_value: float | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "counts": self.counts,
            "chi2": None if self.chi2 is None else round(self.chi2, 4),
            "p_value": self.p_value,
        }


def last_digit_test(values: npt.ArrayLike, *, min_count: int = MIN_DIGIT_COUNT) -> DigitTest:
    """Chi-square (9 df) of the last digits of the counts ``>= min_count``."""
    arr = np.asarray(values, dtype=np.int64).ravel()
    arr = arr[arr >= min_count]
    counts = np.bincount(arr % 10, minlength=10)
    n = int(counts.sum())
    if n == 0:
        return DigitTest(counts=counts.tolist(), n=0, chi2=None, p_value=None)
    expected = n / 10
    chi2 = float(((counts - expected) ** 2).sum() / expected)
    return DigitTest(counts=counts.tolist(), n=n, chi2=chi2, p_value=chi2_sf(chi2, 9))


def last_digit_tests(
    frame: pl.DataFrame, *, min_count: int = MIN_DIGIT_COUNT
) -> tuple[DigitTest, dict[str, DigitTest]]:
    """Last-digit test over every party column, for the country and per region."""
    cols = [c for c in frame.columns if c.startswith(_PARTY)]
    if not cols:
        empty = DigitTest(counts=[0] * 10, n=0, chi2=None, p_value=None)
        return empty, {}
    matrix = frame.select(cols).fill_null(0).to_numpy().astype(np.int64)
    country = last_digit_test(matrix, min_count=min_count)
    per_region: dict[str, DigitTest] = {}
    if "region" in frame.columns:
        region = frame["region"].fill_null("").cast(pl.Utf8).to_numpy()
        for name in np.unique(region):
            per_region[str(name)] = last_digit_test(matrix[region == name], min_count=min_count)
    return country, per_region


@dataclass
class ForensicsReport:
    """Everything ``saylau forensics`` reports."""

    leader: str
    integer: IntegerTest
    integer_regions: dict[str, IntegerTest]
    digits: DigitTest
    digit_regions: dict[str, DigitTest]
    excluded: dict[str, int]
    turnout_basis: str
    draws: int
    seed: int | None
    min_registered: int
    images: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        regions = sorted(set(self.integer_regions) | set(self.digit_regions))
        return {
            "leader": self.leader,
            **self.integer.to_dict(),
            "last_digit": self.digits.to_dict(),
            "definitions": {
                "turnout": f"{self.turnout_basis} / registered",
                "leader_share": "leader votes / (valid + invalid)",
                "integer_window_pp": WINDOW_PP,
                "min_registered": self.min_registered,
                "draws": self.draws,
                "seed": self.seed,
                "last_digit_min_count": MIN_DIGIT_COUNT,
            },
            "excluded": self.excluded,
            "regions": {
                r: {
                    **(self.integer_regions[r].to_dict() if r in self.integer_regions else {}),
                    "last_digit": self.digit_regions[r].to_dict()
                    if r in self.digit_regions
                    else None,
                }
                for r in regions
            },
            "images": self.images,
        }


def analyse(
    frame: pl.DataFrame,
    leader: str,
    *,
    draws: int = DRAWS,
    seed: int | None = 0,
    min_registered: int = MIN_REGISTERED,
) -> ForensicsReport:
    """Run the integer-percentage and last-digit tests on a canonical protocol frame."""
    st = stations_from_frame(frame, leader, min_registered=min_registered)
    country, regions = integer_test(st, draws=draws, seed=seed)
    digits, digit_regions = last_digit_tests(frame)
    return ForensicsReport(
        leader=leader,
        integer=country,
        integer_regions=regions,
        digits=digits,
        digit_regions=digit_regions,
        excluded=st.excluded,
        turnout_basis=st.turnout_basis,
        draws=draws,
        seed=seed,
        min_registered=min_registered,
    )


def shares(frame: pl.DataFrame, leader: str) -> tuple[F64, F64, npt.NDArray[np.str_]]:
    """Turnout and leader's share (fractions) of every station with voters and ballots."""
    st = stations_from_frame(frame, leader, min_registered=1)
    return st.issued / st.registered, st.leader / st.ballots, st.region


__all__: Sequence[str] = (
    "DigitTest",
    "ForensicsReport",
    "IntegerTest",
    "Stations",
    "analyse",
    "chi2_sf",
    "integer_probability",
    "integer_test",
    "is_integer_percent",
    "last_digit_test",
    "last_digit_tests",
    "shares",
    "stations_from_frame",
)
