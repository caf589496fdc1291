"""Election forensics on station-level protocols, for observers.

Three checks, each on the whole country and per region:

* the turnout × leader's-share 2D histogram of Klimek, Yegorov, Hanel & Thurner
  (2012, PNAS 109:16469) — drawn by :mod:`saylau.analysis.charts`;
* the integer-percentage test of Kobak, Shpilkin & Pshenichnikov (2016, Annals of
  Applied Statistics 10:54-73): how many more stations report a turnout or a
  leader's share within 0.05 percentage points of a whole percent than a binomial
  null predicts;
* the last-digit test of the party counts against the same binomial null
  (:mod:`saylau.analysis.digits`).

By default the integer test is the authors' own code, ``anomaly()`` and ``loaddata()``
in github.com/dkobak/elections (e.g. ``analysis/duma2021/duma2021.ipynb``), criterion
for criterion (``CRITERIA["kobak"]``):

* stations: ``received > 0``, ``voters >= 100``, ``given / voters <= .99`` and
  ``leader / received <= .99``, where voters are the registered voters, given the
  ballots issued (early + at the station + outside; for a protocol without those
  three lines — their 2020 vote — the ballots in the boxes) and received the ballots
  in the boxes (valid + invalid);
* integer: ``|p - round(p)| <= 0.05`` for ``p = 100 * given / voters`` or
  ``p = 100 * leader / received``; here in exact integer arithmetic (the notebook's
  floats miss values exactly on the edge: 621 of 2,000 is 31.05 %, and the float
  difference is 0.0500000000000007);
* null: per station ``Binomial(voters, given / voters)`` and ``Binomial(received,
  leader / received)``, independently, 1,000 draws; the anomaly is the observed count
  minus the mean of the draws, with their ``np.std`` and 99.9th percentile.

Each draw is sampled exactly through the only event that matters, "lands on an
integer percentage": its probability is the binomial mass of the counts in the window
(summed over the counts within 9 standard deviations of the mean, plus 2; the mass
beyond is < 1e-10 even for a count of 1), and a draw is one uniform number per
station.  That is the same distribution as drawing the binomial counts, at a fraction
of the cost (see benchmarks/bench_forensics.py, which also runs the direct
per-station loop).

saylau's earlier definition (strict window, stations above 99 % kept, the exact
expectation of the null as the reference) stays available as
``CRITERIA["strict-window-keep-over-99"]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from saylau.analysis import digits as dg
from saylau.errors import InputError
from saylau.tabulate.fields import ISSUED_FIELDS, is_party_column, issued_expr, party_name

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

#: Stations with fewer registered voters are left out of the integer test
#: (Kobak et al. 2016: whole percentages are common by chance below that).
MIN_REGISTERED = 100
#: A percentage counts as "integer" within this many percentage points of one.
WINDOW_PP = 0.05
#: Monte Carlo draws of the null.
DRAWS = 1000


@dataclass(frozen=True)
class Criteria:
    """Which stations the integer test keeps, what counts as integer, and what the
    excess is measured against."""

    key: str
    title: str
    source: str
    #: Stations whose turnout or leader's share is above this percent are left out.
    max_percent: int | None
    #: The window includes its edge (``<=``), or not (``<``).
    inclusive: bool
    #: Turnout as in the authors' ``loaddata`` (else the one rule of
    #: ``saylau.tabulate.fields.issued_expr``).
    paper_turnout: bool
    #: The excess is over the mean of the draws, or over the null's exact expectation.
    excess_over: Literal["draws", "exact"]
    #: Delta degrees of freedom of the draws' standard deviation.
    ddof: int
    #: Leave out protocols with more ballots issued than voters, or a leader above
    #: the ballots (with ``max_percent`` the cap does it).
    drop_inconsistent: bool

    def describe(
        self, *, min_registered: int, draws: int, seed: int | None, turnout: str
    ) -> dict[str, Any]:
        """The criteria as the output states them."""
        cap = (
            f", turnout and leader's share ≤ {self.max_percent} %"
            if self.max_percent is not None
            else ", every turnout and share (above 99 % too)"
        )
        edge = "<=" if self.inclusive else "<"
        return {
            "key": self.key,
            "title": self.title,
            "source": self.source,
            "stations": f"registered ≥ {min_registered}, valid + invalid ≥ 1{cap}"
            + ("; issued ≤ registered, leader ≤ ballots" if self.drop_inconsistent else ""),
            "min_registered": min_registered,
            "max_turnout_percent": self.max_percent,
            "max_leader_share_percent": self.max_percent,
            "integer_window_pp": WINDOW_PP,
            "integer": f"|p - round(p)| {edge} {WINDOW_PP} for p = turnout or leader's share "
            "in percent (exact integer arithmetic)",
            "turnout": f"({turnout}) / registered",
            "leader_share": "leader / (valid + invalid)",
            "null": "per station Binomial(registered, turnout) and "
            "Binomial(valid + invalid, leader's share), independent",
            "draws": draws,
            "seed": seed,
            "excess": "observed - mean of the draws"
            if self.excess_over == "draws"
            else "observed - exact expectation of the null",
            "sd": f"standard deviation of the draws (ddof {self.ddof})",
        }


KOBAK = "kobak"
STRICT_KEEP_OVER_99 = "strict-window-keep-over-99"

#: The integer test's definitions, by the key ``--criteria`` takes.
CRITERIA: dict[str, Criteria] = {
    c.key: c
    for c in (
        Criteria(
            key=KOBAK,
            title="Kobak, Shpilkin & Pshenichnikov's anomaly()",
            source="github.com/dkobak/elections, analysis/duma2021/duma2021.ipynb: "
            "loaddata() and anomaly() ('inclusion criteria that we used in the AOAS "
            "paper'); Kobak, Shpilkin & Pshenichnikov 2016, Ann. Appl. Stat. 10:54-73",
            max_percent=99,
            inclusive=True,
            paper_turnout=True,
            excess_over="draws",
            ddof=0,
            drop_inconsistent=False,
        ),
        Criteria(
            key=STRICT_KEEP_OVER_99,
            title="saylau's earlier definition: strict window, stations above 99 % kept",
            source="saylau before issue #14 (not the authors' criteria)",
            max_percent=None,
            inclusive=False,
            paper_turnout=False,
            excess_over="exact",
            ddof=1,
            drop_inconsistent=True,
        ),
    )
}


def get_criteria(key: str) -> Criteria:
    """The criteria named ``key``, or one clear error listing the known ones."""
    try:
        return CRITERIA[key]
    except KeyError:
        known = ", ".join(CRITERIA)
        raise InputError(f"--criteria {key!r}: unknown (known: {known})") from None


@dataclass
class Stations:
    """The per-station arrays the tests use (already filtered)."""

    registered: I64
    issued: I64
    ballots: I64
    leader: I64
    region: npt.NDArray[np.str_]
    excluded: dict[str, int] = field(default_factory=dict)
    turnout_basis: str = "issued_early + issued_at_station + issued_outside"


def parties_of(frame: pl.DataFrame) -> list[str]:
    """Party names of a canonical protocol frame, in column order."""
    return [party_name(c) for c in frame.columns if is_party_column(c)]


def leading_party(frame: pl.DataFrame) -> str:
    """The party with the most votes over all the protocols (the first listed on a tie):
    the leader the results site tests, and the CLI's default."""
    columns = [c for c in frame.columns if is_party_column(c)]
    totals = frame.select(pl.col(columns).fill_null(0).sum()).row(0) if columns else ()
    if not any(totals):
        raise InputError("--leader: no party has votes in these protocols; name one")
    best = max(range(len(columns)), key=lambda i: totals[i])
    return party_name(columns[best])


def region_leaders(frame: pl.DataFrame) -> dict[str, str]:
    """The party with the most votes in each region (keyed as the report keys regions,
    ``""`` for stations without one; the first in column order on a tie); a region
    without a vote has none.  A region's page offers its own leader's test."""
    columns = [c for c in frame.columns if is_party_column(c)]
    if not columns or "region" not in frame.columns or frame.height == 0:
        return {}
    sums = (
        frame.with_columns(pl.col("region").fill_null("").cast(pl.Utf8))
        .group_by("region")
        .agg(pl.col(c).fill_null(0).cast(pl.Int64).sum() for c in columns)
    )
    out: dict[str, str] = {}
    for row in sums.iter_rows():
        counts = [int(v) for v in row[1:]]
        if max(counts) > 0:
            out[str(row[0])] = party_name(columns[counts.index(max(counts))])
    return out


def _issued(frame: pl.DataFrame, paper: bool) -> tuple[pl.Expr, str]:
    """The turnout numerator and how the output names it."""
    present = [c for c in ISSUED_FIELDS if c in frame.columns]
    if paper and len(present) < len(ISSUED_FIELDS):
        # loaddata() sums the three issued lines; for the 2020 vote, whose protocol
        # has a single one, it takes the ballots in the boxes instead.
        return issued_expr([]), "valid + invalid: the file lacks the three issued lines"
    return issued_expr(frame.columns), " + ".join(present) or "valid + invalid"


def stations_from_frame(
    frame: pl.DataFrame,
    leader: str,
    *,
    min_registered: int = MIN_REGISTERED,
    criteria: str = KOBAK,
) -> Stations:
    """Pick and filter the station arrays for ``leader`` from a canonical frame."""
    crit = get_criteria(criteria)
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
    issued_col, basis = _issued(frame, crit.paper_turnout)
    cols = frame.select(
        pl.col("registered").fill_null(0).cast(pl.Int64),
        issued_col.fill_null(0).cast(pl.Int64).alias("issued"),
        (pl.col("valid").fill_null(0) + pl.col("invalid").fill_null(0)).cast(pl.Int64).alias("b"),
        pl.col("party:" + leader).fill_null(0).cast(pl.Int64).alias("v"),
    )
    registered = cols["registered"].to_numpy()
    issued = cols["issued"].to_numpy()
    ballots = cols["b"].to_numpy()
    votes = cols["v"].to_numpy()
    region = (
        frame["region"].fill_null("").cast(pl.Utf8).to_numpy().astype(np.str_)
        if "region" in frame.columns
        else np.full(frame.height, "", dtype=np.str_)
    )
    zero_registered = registered <= 0
    small = ~zero_registered & (registered < min_registered)
    no_ballots = ~zero_registered & ~small & (ballots <= 0)
    keep = ~(zero_registered | small | no_ballots)
    excluded = {
        "zero_registered": int(zero_registered.sum()),
        f"under_{min_registered}_registered": int(small.sum()),
        "no_ballots": int(no_ballots.sum()),
    }
    if crit.max_percent is not None:
        # given/voters <= .99 and leader/received <= .99, as integers: the floats of
        # the notebook agree (a ratio above .99 differs from it by >= 1/(100 n)).
        m = crit.max_percent
        turnout_over = keep & (100 * issued > m * registered)
        leader_over = keep & ~turnout_over & (100 * votes > m * ballots)
        excluded[f"turnout_over_{m}_percent"] = int(turnout_over.sum())
        excluded[f"leader_share_over_{m}_percent"] = int(leader_over.sum())
        keep &= ~(turnout_over | leader_over)
    if crit.drop_inconsistent:
        # Turnout over 100 % or a leader above his ballots cannot be a binomial draw.
        inconsistent = keep & ((issued > registered) | (votes > ballots))
        excluded["inconsistent"] = int(inconsistent.sum())
        keep &= ~inconsistent
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
    k: npt.ArrayLike, n: npt.ArrayLike, window: float = WINDOW_PP, *, inclusive: bool = True
) -> npt.NDArray[np.bool_]:
    """Whether ``100 k / n`` lies within ``window`` points of a whole number (at the
    edge too when ``inclusive``, as in the authors' ``<=``).

    Exact integer arithmetic: with ``r = 100 k mod n`` the distance to the nearest
    whole percent is ``min(r, n - r) / n``; with ``window = W / D`` the test is
    ``min(r, n - r) * D <= W * n`` (or ``<``).
    """
    k_arr = np.asarray(k, dtype=np.int64)
    n_arr = np.asarray(n, dtype=np.int64)
    frac = Fraction(str(window))
    r = np.mod(100 * k_arr, n_arr)
    dist = np.minimum(r, n_arr - r) * frac.denominator
    bound = frac.numerator * n_arr
    return np.asarray(dist <= bound if inclusive else dist < bound)


def _log_factorials(n_max: int) -> F64:
    out = np.zeros(n_max + 1, dtype=np.float64)
    if n_max >= 1:
        np.cumsum(np.log(np.arange(1, n_max + 1, dtype=np.float64)), out=out[1:])
    return out


def integer_probability(
    k: I64, n: I64, window: float = WINDOW_PP, *, inclusive: bool = True, chunk: int = 4096
) -> F64:
    """P(a Binomial(n, k/n) draw is an integer percentage), per station (exact sum)."""
    k = np.asarray(k, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    out = np.zeros(k.shape[0], dtype=np.float64)
    if k.size == 0:
        return out
    p = k / n
    degenerate = (k == 0) | (k == n)
    out[degenerate] = is_integer_percent(
        k[degenerate], n[degenerate], window, inclusive=inclusive
    ).astype(np.float64)
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
        hit = valid & is_integer_percent(
            kc, np.broadcast_to(nn, kc.shape), window, inclusive=inclusive
        )
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
    #: The null's exact expectation.
    expected: float
    #: The mean of the draws.
    null_mean: float
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
            "integer_null_mean": round(self.null_mean, 3),
            "integer_excess": round(self.excess, 3),
            "integer_excess_sd": round(self.sd, 3),
            "integer_excess_p999": round(self.p999, 3),
            "integer_p_value": self.p_value,
        }


def _summarise(
    observed: I64,
    obs_t: I64,
    obs_l: I64,
    null: npt.NDArray[np.int64],
    expected: F64,
    sizes: I64,
    crit: Criteria,
) -> list[IntegerTest]:
    """One IntegerTest per column of ``null`` (draws × groups)."""
    tests = []
    draws = null.shape[0]
    for g in range(null.shape[1]):
        col = null[:, g].astype(np.float64)
        mean = float(col.mean())
        centre = mean if crit.excess_over == "draws" else float(expected[g])
        exceed = int(np.count_nonzero(col >= observed[g]))
        tests.append(
            IntegerTest(
                stations=int(sizes[g]),
                observed=int(observed[g]),
                observed_turnout=int(obs_t[g]),
                observed_leader=int(obs_l[g]),
                expected=float(expected[g]),
                null_mean=mean,
                excess=float(observed[g] - centre),
                sd=float(col.std(ddof=crit.ddof)) if draws > crit.ddof else 0.0,
                # anomaly(): np.percentile(integer_mc, 99.9) - np.mean(integer_mc)
                p999=float(np.percentile(col, 99.9)) - centre,
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
    criteria: str = KOBAK,
) -> tuple[IntegerTest, dict[str, IntegerTest]]:
    """The integer-percentage test for the country and for each region."""
    if draws < 1:
        raise InputError(f"draws: {draws} must be at least 1")
    crit = get_criteria(criteria)
    inc = crit.inclusive
    t_int = is_integer_percent(st.issued, st.registered, window, inclusive=inc)
    l_int = is_integer_percent(st.leader, st.ballots, window, inclusive=inc)
    either = t_int | l_int
    q_t = integer_probability(st.issued, st.registered, window, inclusive=inc)
    q_l = integer_probability(st.leader, st.ballots, window, inclusive=inc)
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

    def by_region(flags: npt.NDArray[Any]) -> I64:
        per = np.bincount(codes, weights=flags, minlength=regions.size)
        return np.concatenate([[flags.sum()], per]).astype(np.int64)

    expected = np.concatenate([[q.sum()], np.bincount(codes, weights=q, minlength=regions.size)])
    tests = _summarise(
        by_region(either), by_region(t_int), by_region(l_int), null, expected, sizes, crit
    )
    return tests[0], {str(r): tests[i + 1] for i, r in enumerate(regions)}


@dataclass
class ForensicsReport:
    """Everything ``saylau forensics`` reports."""

    leader: str
    criteria: Criteria
    integer: IntegerTest
    integer_regions: dict[str, IntegerTest]
    digits: dg.DigitTest
    digit_regions: dict[str, dg.DigitTest]
    #: Party counts left out of the last-digit test (not a binomial draw).
    digits_left_out: int
    excluded: dict[str, int]
    turnout_basis: str
    draws: int
    seed: int | None
    min_registered: int
    #: The protocols are invented (a ``# synthetic`` file, a synthetic contest).
    synthetic: bool = False
    synthetic_note: str = ""
    images: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        regions = sorted(set(self.integer_regions) | set(self.digit_regions))
        return {
            "leader": self.leader,
            "synthetic": self.synthetic,
            **({"synthetic_note": self.synthetic_note} if self.synthetic else {}),
            "criteria": self.criteria.describe(
                min_registered=self.min_registered,
                draws=self.draws,
                seed=self.seed,
                turnout=self.turnout_basis,
            ),
            **self.integer.to_dict(),
            "last_digit": {
                **self.digits.to_dict(),
                "null": dg.NULL,
                "source": dg.SOURCE,
                "left_out": self.digits_left_out,
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
    criteria: str = KOBAK,
    synthetic: bool = False,
    synthetic_note: str = "",
) -> ForensicsReport:
    """Run the integer-percentage and last-digit tests on a canonical protocol frame.

    ``synthetic`` (the file's label or the contest's flag) is carried into the report,
    whose every output then says the data are invented.
    """
    crit = get_criteria(criteria)
    st = stations_from_frame(frame, leader, min_registered=min_registered, criteria=criteria)
    country, regions = integer_test(st, draws=draws, seed=seed, criteria=criteria)
    digits, digit_regions, left_out = dg.last_digit_tests(frame)
    return ForensicsReport(
        leader=leader,
        criteria=crit,
        integer=country,
        integer_regions=regions,
        digits=digits,
        digit_regions=digit_regions,
        digits_left_out=left_out,
        excluded=st.excluded,
        turnout_basis=st.turnout_basis,
        draws=draws,
        seed=seed,
        min_registered=min_registered,
        synthetic=synthetic,
        synthetic_note=synthetic_note,
    )


def shares(frame: pl.DataFrame, leader: str) -> tuple[F64, F64, npt.NDArray[np.str_]]:
    """Turnout and leader's share (fractions) of every station with voters and ballots,
    above 99 % too (the charts show them all)."""
    st = stations_from_frame(frame, leader, min_registered=1, criteria=STRICT_KEEP_OVER_99)
    return st.issued / st.registered, st.leader / st.ballots, st.region


__all__: Sequence[str] = (
    "CRITERIA",
    "KOBAK",
    "STRICT_KEEP_OVER_99",
    "Criteria",
    "ForensicsReport",
    "IntegerTest",
    "Stations",
    "analyse",
    "get_criteria",
    "integer_probability",
    "integer_test",
    "is_integer_percent",
    "region_leaders",
    "shares",
    "stations_from_frame",
)
