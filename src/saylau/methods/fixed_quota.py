"""A fixed quota: so many votes per seat, and no fixed house size.

The Weimar Reichstag gave one seat per 60,000 votes (Reichswahlgesetz of
27 April 1920, §§ 30–33): the house grew with turnout.  A list takes one seat
per full quota; where the law says so, a remainder of *more than* a given number
of votes counts as a full quota (Weimar: more than 30,000 at the level of the
Reich lists).  Integer arithmetic only.
"""

from __future__ import annotations

from collections.abc import Sequence


def fixed_quota(
    votes: Sequence[int], votes_per_seat: int, remainder_over: int | None = None
) -> list[tuple[int, int]]:
    """Each list's ``(seats, remainder)`` for a quota of ``votes_per_seat`` votes.

    With ``remainder_over``, a remainder strictly above it wins one more seat
    (its remainder is then reported as spent: 0).
    """
    out: list[tuple[int, int]] = []
    for v in votes:
        whole, rem = divmod(v, votes_per_seat)
        if remainder_over is not None and rem > remainder_over:
            whole, rem = whole + 1, 0
        out.append((whole, rem))
    return out
