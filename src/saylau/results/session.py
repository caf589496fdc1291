"""The session of an indirect election as recorded (the Assembly of People of
Kazakhstan electing Majilis deputies): what the store keeps and what
``saylau.institutions.indirect`` decides from, so both speak of one record."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Session:
    """A session's body, its seats, how many members it has and how many took part,
    the quorum (a share of all members) and the votes per candidate, in ballot order."""

    body: str
    seats: int
    members: int
    took_part: int
    quorum: Fraction
    votes: dict[str, int]
