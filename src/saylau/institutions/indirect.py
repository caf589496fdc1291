"""Indirect seats: the Assembly of People of Kazakhstan elects Majilis deputies.

At a session of the Assembly each member who takes part votes on the candidates
proposed by the Assembly's Council.  A candidate is elected with more than half of
the votes of the members who took part (Constitutional Law "On Elections" art.
93-1); if more candidates clear that bar than there are seats, those with most
votes take them.  The session decides only with a quorum of members present
(law data: ``quorum``, the share of all members, default more than half).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from saylau.errors import InputError
from saylau.institutions._util import check_counts, frac, percent
from saylau.results.session import Session


@dataclass(frozen=True)
class IndirectResult(Session):
    """The outcome of one Assembly session vote: the session and whom it elected."""

    elected: tuple[str, ...]
    status: str  # "valid" | "no quorum"

    @property
    def quorate(self) -> bool:
        return self.took_part * self.quorum.denominator > self.members * self.quorum.numerator

    @property
    def needed(self) -> int:
        """Fewest votes that are more than half of the members who took part."""
        return self.took_part // 2 + 1

    @property
    def vacant(self) -> int:
        return self.seats - len(self.elected)

    def to_dict(self) -> dict[str, Any]:
        return {
            "body": self.body,
            "status": self.status,
            "seats": self.seats,
            "members": self.members,
            "took_part": self.took_part,
            "turnout": frac(percent(self.took_part, self.members)),
            "quorum": frac(self.quorum),
            "needed": self.needed,
            "vacant": self.vacant,
            "candidates": [
                {
                    "candidate": c,
                    "votes": v,
                    "share": frac(percent(v, self.took_part)),
                    "elected": c in self.elected,
                }
                for c, v in self.votes.items()
            ],
        }


def assembly_session(
    votes: Mapping[str, int],
    *,
    seats: int,
    members: int,
    took_part: int,
    quorum: Fraction | str = Fraction(1, 2),
    body: str = "Assembly of People of Kazakhstan",
) -> IndirectResult:
    """Decide an indirect election at a session of ``members`` of whom ``took_part`` voted."""
    check_counts(votes, "candidate")
    problems: list[str] = []
    if not 0 <= took_part <= members:
        problems.append(f"took_part {took_part} is not between 0 and members {members}")
    problems += [
        f"candidate '{c}': {v} votes, more than the {took_part} members who took part"
        for c, v in votes.items()
        if v > took_part
    ]
    if seats < 1:
        problems.append(f"seats {seats} is not positive")
    if problems:
        raise InputError(problems)
    q = Fraction(quorum)
    result = IndirectResult(body, seats, members, took_part, q, dict(votes), (), "valid")
    if not result.quorate:
        return IndirectResult(body, seats, members, took_part, q, dict(votes), (), "no quorum")
    passing = sorted((c for c, v in votes.items() if 2 * v > took_part), key=lambda c: -votes[c])
    # Equal votes at the last seat cannot be split by this rule: neither is elected.
    elected = passing[:seats]
    if len(passing) > seats and votes[passing[seats]] == votes[elected[-1]]:
        last = votes[elected[-1]]
        elected = [c for c in elected if votes[c] > last]
    return IndirectResult(body, seats, members, took_part, q, dict(votes), tuple(elected), "valid")
