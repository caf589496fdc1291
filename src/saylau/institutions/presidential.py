"""Presidential contests: absolute majority in round one, else a runoff of the top two.

The majority is counted on a base the law names (``base``): the valid votes
(Kazakhstan) or all voters who took part (Kyrgyzstan: the CEC protocol of
20 January 2021 counts "more than half of the votes of all voters who took part").
The runoff is a contest of its own, linked to the first round; there the
candidate with more votes wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from saylau.errors import InputError
from saylau.institutions._util import check_counts, frac, percent

BASES = ("valid", "participated")


@dataclass(frozen=True)
class PresidentialResult:
    """One round of a presidential contest."""

    contest: str
    round: int
    votes: dict[str, int]
    base: str
    base_total: int
    status: str  # "elected" | "runoff required" | "tie"
    winner: str | None
    runoff: tuple[str, ...] = ()  # the two candidates of the required runoff
    previous: PresidentialResult | None = None  # round one, for a runoff

    def share(self, candidate: str) -> Fraction:
        """The candidate's votes as an exact percentage of the majority base."""
        return percent(self.votes[candidate], self.base_total)

    def runoff_contest(self) -> str:
        """The id of the linked runoff contest."""
        return f"{self.contest}-runoff"

    def to_dict(self) -> dict[str, Any]:
        return {
            "contest": self.contest,
            "round": self.round,
            "status": self.status,
            "winner": self.winner,
            "base": self.base,
            "base_total": self.base_total,
            "runoff": list(self.runoff),
            "runoff_contest": self.runoff_contest() if self.runoff else None,
            "first_round": self.previous.contest if self.previous else None,
            "candidates": [
                {"candidate": c, "votes": v, "share": frac(self.share(c))}
                for c, v in sorted(self.votes.items(), key=lambda kv: -kv[1])
            ],
        }


def first_round(
    votes: Mapping[str, int],
    *,
    contest: str = "president",
    base: str = "valid",
    participated: int | None = None,
    against_all: int = 0,
) -> PresidentialResult:
    """Decide round one.  ``base="valid"`` counts candidates' votes plus "against all";
    ``base="participated"`` needs ``participated`` (ballots cast, invalid included)."""
    check_counts(votes, "candidate")
    if base not in BASES:
        raise InputError(f"base '{base}' is not one of {', '.join(BASES)}")
    valid = sum(votes.values()) + against_all
    if base == "participated":
        if participated is None or participated < valid:
            raise InputError(
                f"participated '{participated}' must be given and at least the "
                f"{valid} votes counted"
            )
        total = participated
    else:
        total = valid
    if not votes:
        raise InputError("no candidates")
    ranked = sorted(votes, key=lambda c: -votes[c])
    leader = ranked[0]
    if 2 * votes[leader] > total:
        return PresidentialResult(contest, 1, dict(votes), base, total, "elected", leader)
    if len(ranked) < 2:
        return PresidentialResult(
            contest, 1, dict(votes), base, total, "runoff required", None, (leader,)
        )
    if len(ranked) > 2 and votes[ranked[1]] == votes[ranked[2]]:
        # Who enters the runoff cannot be decided by the count alone.
        return PresidentialResult(
            contest,
            1,
            dict(votes),
            base,
            total,
            "tie",
            None,
            tuple(c for c in ranked if votes[c] >= votes[ranked[1]]),
        )
    return PresidentialResult(
        contest, 1, dict(votes), base, total, "runoff required", None, (ranked[0], ranked[1])
    )


def runoff(
    first: PresidentialResult, votes: Mapping[str, int], *, against_all: int = 0
) -> PresidentialResult:
    """Decide the runoff linked to ``first``: the candidate with more votes wins."""
    if first.status != "runoff required" or len(first.runoff) != 2:
        raise InputError(
            f"contest '{first.contest}' does not require a runoff (status {first.status})"
        )
    check_counts(votes, "runoff candidate")
    wrong = sorted(set(votes) ^ set(first.runoff))
    if wrong:
        raise InputError(
            [
                f"runoff: '{c}' is not one of the two runoff candidates {', '.join(first.runoff)}"
                if c in votes
                else f"runoff: votes for '{c}' missing"
                for c in wrong
            ]
        )
    a, b = first.runoff
    total = sum(votes.values()) + against_all
    if votes[a] == votes[b]:
        status, winner = "tie", None
    else:
        status, winner = "elected", a if votes[a] > votes[b] else b
    return PresidentialResult(
        first.runoff_contest(), 2, dict(votes), "valid", total, status, winner, previous=first
    )
