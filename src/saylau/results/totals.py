"""The one ``Totals``: the summed figures of a set of counted protocols.

Built by the in-memory tabulation (``saylau.tabulate.aggregate``) and by the store
(its stored aggregates and station rows), rendered by every document the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any


def fraction_text(value: Fraction) -> str:
    """An exact rational as ``p/q`` (``p`` when whole)."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


@dataclass(frozen=True)
class Totals:
    """Summed figures of the counted protocols (accepted and flagged) of a division.

    ``ballots_issued`` follows the one rule of :func:`saylau.tabulate.fields.ballots_issued`
    (early + at the station + outside where a protocol has those lines, else the
    ballots found in the boxes);
    ``ballots_cast`` = valid + invalid; ``turnout`` = ballots issued / registered, exact
    (the voters who took part, as the CECs of Kazakhstan and Russia publish it).

    ``stations_expected`` is None where no station list was registered (unknown,
    not the count of the stations that reported).
    ``stations_reporting``/``stations_flagged`` count stations by their counted version;
    ``stations_rejected`` counts stations whose newest version is rejected (not counted
    at all, or still counting an older accepted version).
    """

    registered: int = 0
    ballots_issued: int = 0
    ballots_cast: int = 0
    valid: int = 0
    invalid: int = 0
    against_all: int = 0
    stations_expected: int | None = 0
    stations_reporting: int = 0
    stations_flagged: int = 0
    stations_rejected: int = 0
    votes: dict[str, int] = field(default_factory=dict)

    @property
    def stations(self) -> int:
        """The stations counted (``stations_reporting``)."""
        return self.stations_reporting

    @property
    def turnout(self) -> Fraction:
        """Ballots issued / registered (0 when nobody is registered).

        The CECs count as having taken part every voter who received a ballot
        (Russia 2021: 56,484,685 / 109,204,662 = 51.72 %, not the 51.58 % of the
        ballots found in the boxes).
        """
        return Fraction(self.ballots_issued, self.registered) if self.registered else Fraction(0)

    @property
    def turnout_percent(self) -> float:
        """Turnout in percent rounded to 2 places (display only)."""
        return round(float(self.turnout * 100), 2)

    def percent(self) -> dict[str, float]:
        """Each party's share of the valid votes in percent, 2 places (display only)."""
        return {p: share(v, self.valid) for p, v in self.votes.items()}

    def to_dict(self) -> dict[str, Any]:
        """The ``totals`` object of every results document (turnout in percent for
        display, ``turnout_exact`` the exact ``issued/registered``)."""
        return {
            "registered": self.registered,
            "ballots_issued": self.ballots_issued,
            "ballots_cast": self.ballots_cast,
            "valid": self.valid,
            "invalid": self.invalid,
            "against_all": self.against_all,
            "turnout": self.turnout_percent,
            "turnout_exact": fraction_text(self.turnout),
        }


def share(part: int, whole: int) -> float:
    """``part`` of ``whole`` in percent, 2 places (display only; 0 when ``whole`` is 0)."""
    return round(100.0 * part / whole, 2) if whole else 0.0
