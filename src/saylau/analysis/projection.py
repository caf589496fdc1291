"""Seat projections from opinion polls: a poll average, an error model, simulation.

**Polls file** (CSV, UTF-8, one poll per row)::

    pollster,end_date,sample_size,Nur Otan,Ak Zhol,People's Party,Auyl,Adal
    Institute A,2021-01-05,1200,70.5,11.0,9.2,5.6,3.7
    Institute B,2020-12-28,1500,69.8,11.9,8.7,5.9,3.7

``pollster`` (text), ``end_date`` (``YYYY-MM-DD``, last fieldwork day) and
``sample_size`` (whole number ≥ 1) are required; every other column is a party.
An optional ``unit`` column says how a row's party figures are given: ``percent``
(default) or ``count`` (respondents).  Percent rows must add up to 100 within
``SUM_TOLERANCE`` points (rounding of published tables; put "others" in a column
of their own if the poll publishes them); count rows must not add up to more than
the sample size.  Blank party cells are errors (write 0).  Shares are renormalised
to sum to 1 among the parties of the file.

**Poll average.**  Poll ``i`` gets weight ``w_i = 0.5 ** (age_i / half_life) *
sqrt(n_i)``, ``age_i`` the days between its end date and the newest poll's (or
``as_of``), ``half_life`` 14 days by default: recent and large polls count more,
with diminishing returns in sample size (the sampling error falls like
``1/sqrt(n)``).  The average is ``sum w_i p_i / sum w_i``.

**Error model.**  National vote shares are drawn from a Dirichlet distribution
centred on the average, ``Dirichlet(c * p)``, whose per-party variance is
``p (1 - p) / (c + 1)``.  ``1 / (c + 1)`` is the sum of

* the sampling error of the weighted average, ``1 / n_avg`` with
  ``n_avg = (sum w_i)^2 / sum (w_i^2 / n_i)``, and
* a between-poll / systematic error ``max(h, 1 / systematic_n)``: ``h`` is the
  weighted spread of the polls around the average beyond what their sampling
  errors explain (house effects, movement), pooled over parties; the floor
  ``1 / systematic_n`` (default ``systematic_n = 400``, about ±2.5 points on a
  party at 50 %) stands for the polls' common error on election day, which no
  spread between polls can reveal.

The effective sample size ``c + 1`` is reported.  Simulated shares become whole
votes (``round(share * 10,000,000)``) and seats through
:func:`saylau.batch.allocate_batch` with the law's party-list tier (seats,
method, threshold as a share of the parties' votes).  Everything is drawn from
one ``numpy`` generator seeded with ``seed`` (default 0): the same seed gives the
same output.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from saylau.core.inputs import whole
from saylau.errors import InputError
from saylau.textfile import read_utf8

if TYPE_CHECKING:
    from saylau.law.model import Law

#: Percent rows must add up to 100 within this many points.
SUM_TOLERANCE = 1.5
HALF_LIFE_DAYS = 14.0
SYSTEMATIC_N = 400.0
SIMS = 100_000
#: Simulated national vote totals (only shares matter; this sets the resolution).
SCALE = 10_000_000
REQUIRED = ("pollster", "end_date", "sample_size")
UNIT = "unit"


@dataclass(frozen=True)
class Poll:
    pollster: str
    end_date: date
    sample_size: int
    shares: tuple[float, ...]  # sum to 1, in party order


@dataclass(frozen=True)
class Polls:
    parties: tuple[str, ...]
    polls: tuple[Poll, ...]
    source: str = "polls"


def _num(cell: str) -> float | None:
    try:
        value = float(cell.replace(",", ".") if cell.count(",") == 1 and "." not in cell else cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_polls(text: str, name: str = "polls.csv") -> Polls:
    """Parse a polls CSV (see the module docstring); every problem is reported at once."""
    try:
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    except csv.Error as err:  # e.g. a NUL byte or an unterminated quote
        raise InputError(f"{name}: not a readable CSV ({err})") from None
    rows = [r for r in rows if any(c.strip() for c in r) and not r[0].lstrip().startswith("#")]
    if not rows:
        raise InputError(
            f"{name}: the file is empty (expected a header {','.join(REQUIRED)},<parties…>)"
        )
    header = [h.strip() for h in rows[0]]
    problems: list[str] = []
    for col in REQUIRED:
        if col not in header:
            problems.append(
                f"{name}: required column {col!r} is missing (header: {','.join(header)})"
            )
    seen: set[str] = set()
    for i, h in enumerate(header):
        if not h:
            problems.append(f"{name}: column {i + 1} has an empty name")
        elif h in seen:
            problems.append(f"{name}: column {h!r} appears twice")
        seen.add(h)
    party_idx = [i for i, h in enumerate(header) if h and h not in (*REQUIRED, UNIT)]
    if not party_idx:
        problems.append(
            f"{name}: no party columns (every column besides {', '.join((*REQUIRED, UNIT))} is a party)"
        )
    if problems:
        raise InputError(problems)
    index = {h: i for i, h in enumerate(header)}
    parties = tuple(header[i] for i in party_idx)
    polls: list[Poll] = []
    for r, row in enumerate(rows[1:], start=1):
        where = f"{name} row {r}"
        cells = [c.strip() for c in row] + [""] * (len(header) - len(row))
        if len(row) > len(header):
            problems.append(f"{where}: {len(row)} cells but the header has {len(header)}")
            continue
        pollster = cells[index["pollster"]]
        if not pollster:
            problems.append(f"{where}: pollster is blank")
        raw_date = cells[index["end_date"]]
        end: date | None = None
        try:
            end = date.fromisoformat(raw_date)
        except ValueError:
            problems.append(f"{where}: end_date {raw_date!r} is not a date YYYY-MM-DD")
        raw_n = cells[index["sample_size"]]
        n: int | None = None
        if not raw_n:
            problems.append(
                f"{where}: sample_size is missing (the poll's number of respondents is needed for its weight)"
            )
        elif not raw_n.isdigit() or int(raw_n) < 1:
            problems.append(f"{where}: sample_size {raw_n!r} is not a whole number ≥ 1")
        else:
            n = int(raw_n)
        unit = cells[index[UNIT]].lower() if UNIT in index else ""
        unit = unit or "percent"
        if unit not in ("percent", "count"):
            problems.append(f"{where}: unit {unit!r} must be 'percent' or 'count'")
            continue
        values: list[float] = []
        bad = False
        for i in party_idx:
            cell = cells[i]
            value = _num(cell) if cell else None
            if not cell:
                problems.append(
                    f"{where}: party {header[i]!r} is blank (write 0 if the poll gave it nothing)"
                )
                bad = True
            elif value is None:
                problems.append(f"{where}: party {header[i]!r} value {cell!r} is not a number")
                bad = True
            elif value < 0:
                problems.append(f"{where}: party {header[i]!r} value {cell!r} is negative")
                bad = True
            else:
                values.append(value)
        if bad:
            continue
        total = sum(values)
        if unit == "percent":
            if abs(total - 100) > SUM_TOLERANCE:
                gap = total - 100
                side = "over" if gap > 0 else "short of"
                problems.append(
                    f"{where}: party shares add up to {total:g}%, {abs(gap):.4g} points {side} 100"
                    f" (tolerance ±{SUM_TOLERANCE:g})"
                )
                continue
        else:
            if any(v != int(v) for v in values):
                problems.append(f"{where}: unit 'count' but a party figure is not a whole number")
                continue
            if n is not None and total > n:
                problems.append(
                    f"{where}: party counts add up to {total:g}, more than the sample size {n}"
                )
                continue
        if total <= 0:
            problems.append(f"{where}: every party figure is 0")
            continue
        if end is not None and n is not None and pollster:
            polls.append(Poll(pollster, end, n, tuple(v / total for v in values)))
    if not problems and not polls:
        problems.append(f"{name}: no polls (only a header)")
    if problems:
        raise InputError(problems)
    return Polls(parties=parties, polls=tuple(polls), source=name)


def read_polls(path: str | Path) -> Polls:
    """Read a polls CSV file (see :func:`parse_polls`)."""
    p = Path(path)
    return parse_polls(read_utf8(p, str(p)), name=p.name)


@dataclass(frozen=True)
class Average:
    """The weighted poll average and the error model's parameters."""

    parties: tuple[str, ...]
    shares: tuple[float, ...]
    weights: tuple[float, ...]
    n_avg: float
    house: float
    systematic: float
    concentration: float  # c of Dirichlet(c * p)
    as_of: date

    @property
    def effective_n(self) -> float:
        return self.concentration + 1


def poll_average(
    polls: Polls,
    *,
    half_life: float = HALF_LIFE_DAYS,
    systematic_n: float = SYSTEMATIC_N,
    as_of: date | None = None,
) -> Average:
    """Weighted average and error model (see the module docstring)."""
    if not 0 < half_life < float("inf"):
        raise InputError(f"half-life: {half_life!r} days must be > 0 and finite")
    if not systematic_n > 0:
        raise InputError(f"systematic n: {systematic_n!r} must be > 0")
    ref = as_of or max(p.end_date for p in polls.polls)
    ages = np.array([(ref - p.end_date).days for p in polls.polls], dtype=np.float64)
    if (ages < 0).any():
        late = next(p for p in polls.polls if p.end_date > ref)
        raise InputError(
            f"as-of date {ref.isoformat()} is before poll {late.pollster!r} of {late.end_date.isoformat()}"
        )
    n = np.array([p.sample_size for p in polls.polls], dtype=np.float64)
    w = 0.5 ** (ages / half_life) * np.sqrt(n)
    shares = np.array([p.shares for p in polls.polls], dtype=np.float64)
    avg = (w[:, None] * shares).sum(axis=0) / w.sum()
    n_avg = float(w.sum() ** 2 / (w**2 / n).sum())
    var_base = avg * (1 - avg)
    spread = (w[:, None] * (shares - avg) ** 2).sum(axis=0) / w.sum()
    sampling = (w[:, None] * (var_base[None, :] / n[:, None])).sum(axis=0) / w.sum()
    denom = float(var_base.sum())
    house = (
        float(np.clip(spread - sampling, 0, None).sum() / denom)
        if denom > 0 and len(polls.polls) > 1
        else 0.0
    )
    systematic = max(house, 1.0 / systematic_n)
    inv = 1.0 / n_avg + systematic
    return Average(
        parties=polls.parties,
        shares=tuple(float(x) for x in avg),
        weights=tuple(float(x) for x in w / w.sum()),
        n_avg=n_avg,
        house=house,
        systematic=systematic,
        concentration=1.0 / inv - 1.0,
        as_of=ref,
    )


@dataclass
class PartyProjection:
    party: str
    share: float
    share_lo: float
    share_hi: float
    seats_mean: float
    seats_median: int
    seats_lo: int
    seats_hi: int
    p_threshold: float
    p_majority_list: float
    p_majority_house: float
    distribution: dict[int, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "party": self.party,
            "share_pct": round(100 * self.share, 4),
            "share_pct_5": round(100 * self.share_lo, 4),
            "share_pct_95": round(100 * self.share_hi, 4),
            "seats_mean": round(self.seats_mean, 4),
            "seats_median": self.seats_median,
            "seats_5": self.seats_lo,
            "seats_95": self.seats_hi,
            "p_threshold": round(self.p_threshold, 6),
            "p_majority_list": round(self.p_majority_list, 6),
            "p_majority_house": round(self.p_majority_house, 6),
            "seat_distribution": {str(k): round(v, 6) for k, v in self.distribution.items()},
        }


@dataclass
class Projection:
    law: str
    list_seats: int
    house_seats: int
    method: str
    threshold: Fraction
    sims: int
    seed: int
    average: Average
    parties: list[PartyProjection] = field(default_factory=list)
    polls: int = 0

    def to_dict(self) -> dict[str, Any]:
        a = self.average
        return {
            "law": self.law,
            "list_seats": self.list_seats,
            "house_seats": self.house_seats,
            "method": self.method,
            "threshold": str(self.threshold),
            "sims": self.sims,
            "seed": self.seed,
            "polls": self.polls,
            "as_of": a.as_of.isoformat(),
            "error_model": {
                "distribution": "dirichlet",
                "effective_n": round(a.effective_n, 3),
                "n_average": round(a.n_avg, 3),
                "house_variance_share": round(a.house, 8),
                "systematic_variance_share": round(a.systematic, 8),
            },
            "poll_weights": [round(x, 6) for x in a.weights],
            "parties": [p.to_dict() for p in self.parties],
        }


def simulate_shares(avg: Average, sims: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """``sims`` draws of national vote shares (rows sum to 1; zero-share parties stay 0)."""
    p = np.asarray(avg.shares)
    out = np.zeros((sims, p.size), dtype=np.float64)
    live = p > 0
    out[:, live] = rng.dirichlet(avg.concentration * p[live], size=sims)
    return out


def project(
    polls: Polls,
    law: Law,
    *,
    sims: int = SIMS,
    seed: int | None = None,
    half_life: float = HALF_LIFE_DAYS,
    systematic_n: float = SYSTEMATIC_N,
    as_of: date | None = None,
) -> Projection:
    """Project the party-list seats of ``law`` from ``polls``."""
    from saylau.batch import allocate_batch

    if not whole(sims, 1):
        raise InputError(f"--sims: {sims!r} must be a whole number ≥ 1")
    if sims > 10_000_000:
        raise InputError(f"--sims: {sims} is more than 10,000,000")
    seed = 0 if seed is None else seed
    if seed < 0:
        raise InputError(f"--seed: {seed} must be ≥ 0")
    tier = law.list_tier
    assert tier.method is not None
    avg = poll_average(polls, half_life=half_life, systematic_n=systematic_n, as_of=as_of)
    rng = np.random.default_rng(seed)
    shares = simulate_shares(avg, sims, rng)
    votes = np.rint(shares * SCALE).astype(np.int64)
    seats = allocate_batch(votes, tier.seats, tier.method, threshold=tier.threshold)
    t = tier.threshold
    total = votes.sum(axis=1, keepdims=True)
    passed = votes * 100 * t.denominator >= t.numerator * total
    house = law.total_seats
    result = Projection(
        law=law.name,
        list_seats=tier.seats,
        house_seats=house,
        method=tier.method,
        threshold=t,
        sims=sims,
        seed=seed,
        average=avg,
        polls=len(polls.polls),
    )
    for j, party in enumerate(polls.parties):
        s = seats[:, j]
        counts = np.bincount(s, minlength=1)
        dist = {int(k): float(c / sims) for k, c in enumerate(counts) if c}
        lo, med, hi = (int(x) for x in np.quantile(s, [0.05, 0.5, 0.95], method="inverted_cdf"))
        sh_lo, sh_hi = (float(x) for x in np.quantile(shares[:, j], [0.05, 0.95]))
        result.parties.append(
            PartyProjection(
                party=party,
                share=avg.shares[j],
                share_lo=sh_lo,
                share_hi=sh_hi,
                seats_mean=float(s.mean()),
                seats_median=med,
                seats_lo=lo,
                seats_hi=hi,
                p_threshold=float(passed[:, j].mean()),
                # Strict majorities; only list seats are attributed to parties (the
                # other tiers of the house are not projected).
                p_majority_list=float((2 * s > tier.seats).mean()),
                p_majority_house=float((2 * s > house).mean()),
                distribution=dict(sorted(dist.items())),
            )
        )
    return result


def project_file(path: str | Path, law_name: str | Path, **kwargs: Any) -> Projection:
    """Read ``path`` and project under the law ``law_name`` (preset or TOML)."""
    from saylau.law import load_law

    return project(read_polls(path), load_law(law_name), **kwargs)


__all__: Sequence[str] = (
    "Average",
    "PartyProjection",
    "Poll",
    "Polls",
    "Projection",
    "parse_polls",
    "poll_average",
    "project",
    "project_file",
    "read_polls",
    "simulate_shares",
)
