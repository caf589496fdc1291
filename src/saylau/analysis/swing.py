"""Comparison with the previous election: gains and losses, and the swing.

Pure rules, no I/O: two :class:`Outcome` s (the contest now and its predecessor) and the
parties' stable ids (:class:`PartyIds`) give a :class:`Comparison`.  A party is matched
across the elections by its id, never by its name: a party that renamed itself is one
id with several names (the data says so, see ``saylau/data/parties/``), and its row
names its former name.  A list that stood only once is shown with the other side empty
and no swing.

Shares are of the valid votes; the swing of a party is its share now minus its share
then, in percentage points, computed exactly with :class:`~fractions.Fraction` and only
rounded when formatted (:func:`points`).  Turnout is ballots cast (or issued) over
registered voters, the same way for both elections.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, TypeVar

from saylau.errors import InputError

#: A figure compared across the elections: a count (votes, seats) or an exact share.
_Number = TypeVar("_Number", int, Fraction)


@dataclass(frozen=True)
class Outcome:
    """One election's figures, as compared.

    ``votes`` and ``seats`` are keyed by the party's name in that election (``seats``
    None: no seats at this level, e.g. a region of a national list);
    ``valid`` is the base of the vote shares (default: the sum of ``votes``);
    ``regions`` maps a division id to ``(name, votes by party name)``.
    """

    title: str
    votes: Mapping[str, int]
    seats: Mapping[str, int] | None = None
    date: str | None = None
    valid: int | None = None
    registered: int | None = None
    voted: int | None = None
    regions: Mapping[str, tuple[str, Mapping[str, int]]] = field(default_factory=dict)
    source: str | None = None
    label: str | None = None

    def base(self) -> int:
        """The denominator of the vote shares."""
        return self.valid if self.valid is not None else sum(self.votes.values())

    def turnout(self) -> Fraction | None:
        """Voters who took part over registered voters (None when unknown)."""
        if not self.registered or self.voted is None:
            return None
        return Fraction(self.voted, self.registered)


@dataclass(frozen=True)
class PartyIds:
    """Stable party ids: ``names[id]`` every name the party stood under, oldest first."""

    names: Mapping[str, Sequence[str]]

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for pid, names in self.names.items():
            for name in names:
                if name in seen:
                    raise InputError(
                        f"parties: name {name!r} is given to both {seen[name]!r} and {pid!r}"
                    )
                seen[name] = pid

    def id_of(self, name: str) -> str:
        """The id of the party named ``name``; an unknown name is its own id."""
        for pid, names in self.names.items():
            if name in names:
                return pid
        return name


@dataclass(frozen=True)
class PartyChange:
    """One party's figures in both elections (None: it did not stand then / now)."""

    id: str
    name: str | None
    previous_name: str | None
    votes: int | None
    previous_votes: int | None
    share: Fraction | None
    previous_share: Fraction | None
    seats: int | None
    previous_seats: int | None

    @property
    def renamed(self) -> bool:
        """Stood in both elections under different names."""
        return None not in (self.name, self.previous_name) and self.name != self.previous_name

    @property
    def vote_change(self) -> int | None:
        return _change(self.votes, self.previous_votes)

    @property
    def seat_change(self) -> int | None:
        return _change(self.seats, self.previous_seats)

    @property
    def swing(self) -> Fraction | None:
        """Share now minus share then, in percentage points (exact)."""
        return _points_change(self.share, self.previous_share)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "previous_name": self.previous_name,
            "renamed": self.renamed,
            "votes": self.votes,
            "previous_votes": self.previous_votes,
            "vote_change": self.vote_change,
            "percent": percent(self.share),
            "previous_percent": percent(self.previous_share),
            "seats": self.seats,
            "previous_seats": self.previous_seats,
            "seat_change": self.seat_change,
            "swing": exact(self.swing),
            "swing_pp": points(self.swing),
        }


@dataclass(frozen=True)
class RegionSwing:
    """The swing per party (by id) in one division both elections have."""

    id: str
    name: str
    swing: Mapping[str, Fraction | None]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "swing_pp": {p: points(s) for p, s in self.swing.items()},
            "swing": {p: exact(s) for p, s in self.swing.items()},
        }


@dataclass(frozen=True)
class Comparison:
    """The contest against its predecessor: per party, per region, turnout."""

    previous: Outcome
    parties: tuple[PartyChange, ...]
    regions: tuple[RegionSwing, ...]
    turnout: Fraction | None
    previous_turnout: Fraction | None

    @property
    def turnout_change(self) -> Fraction | None:
        """Turnout now minus then, in percentage points (exact)."""
        return _points_change(self.turnout, self.previous_turnout)

    def to_dict(self) -> dict[str, Any]:
        prev = self.previous
        return {
            "previous": {
                "title": prev.title,
                "date": prev.date,
                "label": prev.label,
                "source": prev.source,
                "registered": prev.registered,
                "voted": prev.voted,
                "valid": prev.base(),
            },
            "turnout": percent(self.turnout),
            "previous_turnout": percent(self.previous_turnout),
            "turnout_change": exact(self.turnout_change),
            "turnout_change_pp": points(self.turnout_change),
            "parties": [p.to_dict() for p in self.parties],
            "regions": [r.to_dict() for r in self.regions],
        }


def _change(now: _Number | None, then: _Number | None) -> _Number | None:
    """``now - then``; None when either election lacks the figure."""
    if now is None or then is None:
        return None
    return now - then


def _points_change(now: Fraction | None, then: Fraction | None) -> Fraction | None:
    """The change of a share (0..1) in percentage points, exact; None when either is unknown."""
    change = _change(now, then)
    return None if change is None else 100 * change


def _seats(outcome: Outcome, name: str | None) -> int | None:
    if outcome.seats is None or name is None:
        return None
    return outcome.seats.get(name, 0)


def _shares(votes: Mapping[str, int], base: int) -> dict[str, Fraction]:
    return {p: Fraction(v, base) for p, v in votes.items()} if base else {}


def _by_id(votes: Mapping[str, int], ids: PartyIds) -> dict[str, tuple[str, int]]:
    out: dict[str, tuple[str, int]] = {}
    for name, count in votes.items():
        pid = ids.id_of(name)
        if pid in out:
            raise InputError(f"parties: {out[pid][0]!r} and {name!r} are both party {pid!r}")
        out[pid] = (name, count)
    return out


def region_swing(
    now: Mapping[str, int], then: Mapping[str, int], ids: PartyIds
) -> dict[str, Fraction | None]:
    """Per party id of ``now``: its share of ``now`` minus its share of ``then`` (pp)."""
    a, b = _by_id(now, ids), _by_id(then, ids)
    base_a, base_b = sum(now.values()), sum(then.values())
    out: dict[str, Fraction | None] = {}
    for pid, (_, count) in a.items():
        if pid not in b or not base_a or not base_b:
            out[pid] = None
        else:
            out[pid] = 100 * (Fraction(count, base_a) - Fraction(b[pid][1], base_b))
    return out


def compare(current: Outcome, previous: Outcome, ids: PartyIds) -> Comparison:
    """``current`` against ``previous``: the parties of now in their order, then those
    that stood only before; the regions both have, in ``current``'s order."""
    now, then = _by_id(current.votes, ids), _by_id(previous.votes, ids)
    share_now = _shares(current.votes, current.base())
    share_then = _shares(previous.votes, previous.base())
    rows: list[PartyChange] = []
    for pid in [*now, *(p for p in then if p not in now)]:
        name, votes = now.get(pid, (None, None))
        pname, pvotes = then.get(pid, (None, None))
        rows.append(
            PartyChange(
                id=pid,
                name=name,
                previous_name=pname,
                votes=votes,
                previous_votes=pvotes,
                share=share_now.get(name) if name is not None else None,
                previous_share=share_then.get(pname) if pname is not None else None,
                seats=_seats(current, name),
                previous_seats=_seats(previous, pname),
            )
        )
    regions = tuple(
        RegionSwing(did, name, region_swing(votes, previous.regions[did][1], ids))
        for did, (name, votes) in current.regions.items()
        if did in previous.regions
    )
    return Comparison(previous, tuple(rows), regions, current.turnout(), previous.turnout())


def exact(value: Fraction | None) -> str | None:
    """A Fraction as ``"p/q"`` (``"p"`` when whole); None stays None."""
    return None if value is None else str(value)


def points(value: Fraction | None, places: int = 2) -> float | None:
    """``value`` rounded half-to-even at ``places`` decimals, from the exact value."""
    # Fraction.__round__ rounds exactly (half to even); only the result becomes a float.
    return None if value is None else float(round(value, places))


def percent(share: Fraction | None, places: int = 2) -> float | None:
    """A share (0..1) in percent, rounded from the exact value."""
    return None if share is None else points(100 * share, places)
