"""Proportionality and fragmentation indices of an election result.

Everything is computed from vote and seat counts with exact integer sums; only the
index values themselves are floats (they describe a result, they never decide a
seat).  Shares are in percent of the parties listed, so ``votes`` should hold every
list that stood (including those that won nothing), and ``seats`` the seats of the
tier being measured.

Definitions (``v_i``, ``s_i`` vote and seat shares in percent):

* Gallagher least-squares index: ``sqrt(1/2 * sum (v_i - s_i)^2)``
  (Gallagher 1991, *Electoral Studies* 10:33-51);
* Loosemore–Hanby index: ``1/2 * sum |v_i - s_i|`` (1971);
* Sainte-Laguë index: ``sum (s_i - v_i)^2 / v_i`` over parties with votes;
* D'Hondt index: ``max s_i / v_i`` over parties with votes (1 = no party
  over-represented);
* effective number of parties (Laakso & Taagepera 1979): ``1 / sum p_i^2``;
* Golosov (2010): ``sum p_i / (p_i + p_1^2 - p_i^2)`` with ``p_1`` the largest share;
* wasted vote share: percent of the votes cast for lists that won no seat.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from saylau.errors import InputError

INDEX_KEYS = (
    "gallagher",
    "loosemore_hanby",
    "sainte_lague",
    "dhondt",
    "enp_votes",
    "enp_seats",
    "golosov_votes",
    "golosov_seats",
    "wasted_vote_share",
)


def _validate(votes: Mapping[str, int], seats: Mapping[str, int]) -> None:
    problems: list[str] = []
    for name, value in votes.items():
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"votes[{name!r}]: {value!r} is not a whole number")
        elif value < 0:
            problems.append(f"votes[{name!r}]: {value} is negative")
    for name, value in seats.items():
        if name not in votes:
            problems.append(f"seats[{name!r}]: party has no votes entry")
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append(f"seats[{name!r}]: {value!r} is not a whole number")
        elif value < 0:
            problems.append(f"seats[{name!r}]: {value} is negative")
    if not problems and sum(votes.values()) == 0:
        problems.append("votes: the total is 0, no shares can be computed")
    if problems:
        raise InputError(problems)


def effective_number(counts: Mapping[str, int] | list[int]) -> float | None:
    """Laakso–Taagepera effective number ``1 / sum p_i^2`` (None when the total is 0)."""
    values = list(counts.values()) if isinstance(counts, Mapping) else list(counts)
    total = sum(values)
    if total <= 0:
        return None
    # Exact integer sum of squares first: the only float step is the final division.
    return total * total / sum(v * v for v in values)


def golosov(counts: Mapping[str, int] | list[int]) -> float | None:
    """Golosov's effective number ``sum p_i / (p_i + p_1^2 - p_i^2)`` (None when empty)."""
    values = list(counts.values()) if isinstance(counts, Mapping) else list(counts)
    total = sum(values)
    if total <= 0:
        return None
    top = max(values)
    # With counts c and total T: p_i/(p_i + p1^2 - p_i^2) = c_i T / (c_i T + c1^2 - c_i^2).
    return sum(c * total / (c * total + top * top - c * c) for c in values if c > 0)


def lsq(vote_pct: list[float], seat_pct: list[float]) -> float:
    """Gallagher's least-squares index from percentage columns (as published tables give them)."""
    if len(vote_pct) != len(seat_pct):
        raise InputError(f"lsq: {len(vote_pct)} vote shares but {len(seat_pct)} seat shares")
    return math.sqrt(0.5 * sum((v - s) ** 2 for v, s in zip(vote_pct, seat_pct, strict=True)))


def indices(votes: Mapping[str, int], seats: Mapping[str, int]) -> dict[str, float | None]:
    """Every proportionality index of one result, keyed as in ``INDEX_KEYS``.

    ``votes``: party -> votes (every list that stood); ``seats``: party -> seats
    (missing parties have 0).  Values that are undefined (no seats allocated at all)
    are ``None`` rather than NaN so the result is always valid JSON.
    """
    _validate(votes, seats)
    names = list(votes)
    v_total = sum(votes.values())
    s_total = sum(seats.get(n, 0) for n in names)
    v_pct = {n: 100.0 * votes[n] / v_total for n in names}
    wasted = sum(votes[n] for n in names if seats.get(n, 0) == 0)
    result: dict[str, float | None] = dict.fromkeys(INDEX_KEYS)
    result["enp_votes"] = effective_number([votes[n] for n in names])
    result["golosov_votes"] = golosov([votes[n] for n in names])
    result["wasted_vote_share"] = 100.0 * wasted / v_total
    if s_total == 0:
        return result
    s_pct = {n: 100.0 * seats.get(n, 0) / s_total for n in names}
    diffs = [v_pct[n] - s_pct[n] for n in names]
    result["gallagher"] = lsq([v_pct[n] for n in names], [s_pct[n] for n in names])
    result["loosemore_hanby"] = 0.5 * sum(abs(d) for d in diffs)
    result["sainte_lague"] = sum(
        (s_pct[n] - v_pct[n]) ** 2 / v_pct[n] for n in names if votes[n] > 0
    )
    result["dhondt"] = max(s_pct[n] / v_pct[n] for n in names if votes[n] > 0)
    result["enp_seats"] = effective_number([seats.get(n, 0) for n in names])
    result["golosov_seats"] = golosov([seats.get(n, 0) for n in names])
    return result
