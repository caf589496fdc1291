"""The quota method of Balinski and Young (1975), exactly.

Seats are given one at a time, as in D'Hondt, to the list with the highest
quotient ``v / (s + 1)`` — but only lists that stay within their *upper quota*
of the house one seat larger may take the next seat: with ``h`` seats given and
``V`` votes in all, list ``i`` may take seat ``h + 1`` iff ``s_i < v_i (h + 1) / V``.
Balinski and Young ("The quota method of apportionment", American Mathematical
Monthly 82 (1975) 701–730; *Fair Representation*, 1982, ch. 12) show the result
is house-monotone and always within quota (lower and upper).

Everything is integer arithmetic: the quota test and the quotients are compared
cross-multiplied.  The function is pure so that :func:`saylau.allocate` (which
logs each seat) and the batch engine run the same rule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

#: Chooses one winner among tied list indices (equal top quotients), given the
#: number of seats given so far in this call and the tied quotient (n, d).
Chooser = Callable[[list[int], int, tuple[int, int]], int]


def by_votes_then_order(votes: Sequence[int]) -> Chooser:
    """The default tie chain: more votes first, then the earlier list."""
    return lambda group, _k, _q: min(group, key=lambda i: (-votes[i], i))


def quota_method(
    votes: Sequence[int],
    seats: int,
    choose: Chooser,
    start: Sequence[int] | None = None,
) -> tuple[list[int], list[tuple[int, int, int]]]:
    """Give ``seats`` seats (beyond ``start``) by the quota method.

    Returns the seats per list and the awards in order, each as ``(list index,
    numerator, denominator)`` of the exact quotient that won the seat.  Lists
    with no votes never take a seat.
    """
    got = list(start) if start is not None else [0] * len(votes)
    total = sum(votes)
    house = sum(got)
    awards: list[tuple[int, int, int]] = []
    live = [i for i, v in enumerate(votes) if v > 0]
    for _ in range(seats):
        # Within the upper quota of the house of house + 1 seats.  Never empty: the
        # upper quotas of the live lists sum to house + 1 > house = their seats.
        ok = [i for i in live if got[i] * total < votes[i] * (house + 1)]
        best = ok[0]
        group = [best]
        for i in ok[1:]:
            # v_i / (s_i + 1) against v_best / (s_best + 1), cross-multiplied.
            lhs = votes[i] * (got[best] + 1)
            rhs = votes[best] * (got[i] + 1)
            if lhs > rhs:
                best, group = i, [i]
            elif lhs == rhs:
                group.append(i)
        quotient = (votes[best], got[best] + 1)
        winner = choose(group, len(awards), quotient) if len(group) > 1 else best
        awards.append((winner, votes[winner], got[winner] + 1))
        got[winner] += 1
        house += 1
    return got, awards
