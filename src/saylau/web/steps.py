"""The allocation step log in the page's language.

The core writes each :class:`saylau.allocation.Step` with an English ``text`` and
structured fields (``kind``, ``party``, ``seats``, ``seat_number``, ``value``).  Pages
are rendered from the fields with a template per kind, in every language (so English
reads "76 seats", not the core's "76 seat(s)"); the kinds whose core text carries
details the fields do not (the admission reason, the alliance's members) keep it on
English pages.  A kind without a template, or a step whose fields do not fit its
template, falls back to the English text.

:func:`ranking` lists the remainders (largest-remainder methods) or the quotients
(divisor methods) in order, with the cut-off, so a reader sees who won the last seats
and who just missed one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from markupsafe import Markup, escape

from saylau.methods import REGISTRY
from saylau.web.i18n import DEFAULT_LANGUAGE, Formatter
from saylau.web.names import local_name

#: Kinds whose English core text says more than the fields: English pages keep it.
_ENGLISH_TEXT_KINDS = frozenset({"admit", "alliance", "cap", "overallocation", "threshold"})


def N_(message: str) -> str:
    """Mark ``message`` for the catalogs (translated later, at rendering)."""
    return message


#: Every message of this module: (singular, plural or None).  Tested to be in the
#: ru and kk catalogs.
MESSAGES: tuple[tuple[str, str | None], ...] = (
    (N_("Threshold: votes a list needs — {value}"), None),
    (N_("{party} admitted to the allocation of seats by the law's rule"), None),
    (N_("Quota (votes per seat): {value}"), None),
    (N_("{party}: {seats} seat by whole quotas"), N_("{party}: {seats} seats by whole quotas")),
    (N_("Seat {seat}: {party}, remainder {value}"), None),
    (
        N_("{seats} seat to every list: more seats are left than lists"),
        N_("{seats} seats to every list: more seats are left than lists"),
    ),
    (N_("{party} gives back a seat: more whole quotas than seats"), None),
    (N_("Seat {seat}: {party}, quotient {value}"), None),
    (
        N_("Seats {first}–{seat}: {party}, {seats} quotient above {value}"),
        N_("Seats {first}–{seat}: {party}, {seats} quotients above {value}"),
    ),
    (
        N_("{party} may hold at most {seats} seat; the rest are redistributed"),
        N_("{party} may hold at most {seats} seats; the rest are redistributed"),
    ),
    (
        N_("An alliance won {seats} seat, shared among its lists"),
        N_("An alliance won {seats} seats, shared among its lists"),
    ),
    (
        N_("{party} has too few candidates: {seats} seat stays vacant"),
        N_("{party} has too few candidates: {seats} seats stay vacant"),
    ),
    (
        N_("{seats} seat is left vacant: no list can take it"),
        N_("{seats} seats are left vacant: no list can take them"),
    ),
    (
        N_("{party}: {seats} consolation seat, below the threshold but within the law's band"),
        N_("{party}: {seats} consolation seats, below the threshold but within the law's band"),
    ),
    (N_("{party}: {seats} seat, its minimum"), N_("{party}: {seats} seats, its minimum")),
    (
        N_("{party}: {seats} base seat, before the method shares the rest"),
        N_("{party}: {seats} base seats, before the method shares the rest"),
    ),
)


class _Unfit(Exception):
    """The step's fields do not fit its template."""


def _need_int(step: Mapping[str, Any], key: str) -> int:
    value = step.get(key)
    if value is None:
        raise _Unfit(key)
    return int(value)


def _value(
    step: Mapping[str, Any], fmt: Formatter, default: float | None = None, *, fixed: bool = True
) -> str:
    """The step's figure; a quota, quotient or remainder with ``ALLOCATION_DIGITS``
    decimals when ``fixed`` (the steps, beside the ranked table), else as short as it is
    (a tie's value, as the engine's own sentence names it: "100", not "100.000")."""
    value = step.get("value")
    if step.get("kind") == "threshold" and isinstance(value, Mapping) and value.get("exact"):
        # A list needs at least this many votes: the threshold's exact share, rounded up.
        return fmt.number(math.ceil(Fraction(str(value["exact"]))))
    if isinstance(value, Mapping) and isinstance(value.get("decimal"), float):
        return fmt.allocation(value["decimal"]) if fixed else fmt.number(value["decimal"])
    if isinstance(value, Mapping) and isinstance(value.get("decimal"), int):
        return fmt.number(value["decimal"])
    if default is not None:
        return fmt.allocation(default) if isinstance(default, float) else fmt.number(default)
    raise _Unfit("value")


def _one(message: str) -> Callable[[Formatter, int], str]:
    return lambda fmt, n: fmt.gettext(message)


def _many(index: int) -> Callable[[Formatter, int], str]:
    singular, plural = MESSAGES[index]
    assert plural is not None
    return lambda fmt, n: fmt.ngettext(singular, plural, n)


def _pick(step: Mapping[str, Any]) -> tuple[Callable[[Formatter, int], str], int] | None:
    """The message of a step and the count its plural form depends on."""
    kind, seats = step.get("kind"), int(step.get("seats") or 0)
    numbered = step.get("seat_number") is not None
    if kind == "threshold":
        return _one(MESSAGES[0][0]), 0
    if kind == "admit":
        return _one(MESSAGES[1][0]), 0
    if kind == "quota":
        return _one(MESSAGES[2][0]), 0
    if kind == "automatic":
        return _many(3), seats
    if kind == "remainder":
        return (_one(MESSAGES[4][0]), 0) if numbered else (_many(5), seats)
    if kind == "overallocation":
        return _one(MESSAGES[6][0]), 0
    if kind == "divisor":
        if numbered and seats == 1:
            return _one(MESSAGES[7][0]), 0
        return _many(8), seats
    if kind == "cap":
        return _many(9), seats
    if kind == "alliance":
        return _many(10), seats
    if kind == "exhausted":
        return (_many(11), -seats) if step.get("party") else (_many(12), seats)
    if kind == "consolation":
        return _many(13), seats
    if kind == "minimum":
        return _many(14), seats
    if kind == "base":
        return _many(15), seats
    return None


def step_text(step: Mapping[str, Any], fmt: Formatter) -> Markup:
    """One step (``Step.to_dict()``) as HTML in ``fmt``'s language; party names are
    escaped and isolated in ``<bdi>`` (they are data, possibly right-to-left)."""
    english = escape(step.get("text") or "")
    if fmt.lang == DEFAULT_LANGUAGE and step.get("kind") in _ENGLISH_TEXT_KINDS:
        if step.get("kind") == "threshold" and step.get("value"):
            needed = _value(step, fmt)
            return english + escape(f" — a list needs at least {needed} votes")
        return english
    picked = _pick(step)
    if picked is None:
        return english
    message, count = picked
    party = step.get("party")
    try:
        fields: dict[str, Any] = {
            "seats": fmt.number(abs(count)),
            "party": Markup('<bdi class="name">{}</bdi>').format(local_name(party, fmt.lang))
            if party
            else "",
        }
        template = message(fmt, abs(count))
        if "{value}" in template:
            # a divisor step with no quotient floor counts quotients above 1
            fields["value"] = _value(step, fmt, 1 if step.get("kind") == "divisor" else None)
        if "{seat}" in template:
            number = _need_int(step, "seat_number")
            fields["seat"] = fmt.number(number)
            fields["first"] = fmt.number(number - int(step.get("seats") or 0) + 1)
        elif "{first}" in template:
            raise _Unfit("seat_number")
        if "{party}" in template and not party:
            raise _Unfit("party")
        return escape(template).format(**fields)
    except (_Unfit, KeyError, IndexError, ValueError, TypeError):
        return english


#: The messages of a tie (:class:`saylau.allocation.TieEvent`), and how it was resolved.
TIE_MESSAGES: tuple[str, ...] = (
    N_("Tie ({kind}, {value}) between {parties} for seat {seats}: won by {winners} ({how})"),
    N_("more votes"),
    N_("the lists' registration order"),
    N_("lot"),
)
_RESOLVED = {"votes": TIE_MESSAGES[1], "order": TIE_MESSAGES[2], "lot": TIE_MESSAGES[3]}


def tie_text(tie: Mapping[str, Any], fmt: Formatter) -> Markup:
    """One tie (``TieEvent.to_dict()``) as HTML in ``fmt``'s language, party names
    escaped inside ``<bdi>``; English pages (and a tie whose fields do not fit) keep
    the core's text."""
    english = escape(tie.get("text") or "")
    if fmt.lang == DEFAULT_LANGUAGE:
        return english
    try:
        how = _RESOLVED[str(tie["resolved_by"])]
        seed = tie.get("seed")

        def names(key: str) -> Markup:
            return Markup(", ").join(
                Markup('<bdi class="name">{}</bdi>').format(local_name(p, fmt.lang))
                for p in tie[key]
            )

        fields = {
            "kind": fmt.gettext(str(tie["kind"])),
            "value": _value(tie, fmt, fixed=False),
            "parties": names("parties"),
            "seats": ", ".join(fmt.number(int(s)) for s in tie["seats"]),
            "winners": names("winners"),
            "how": fmt.gettext(how) + (f", seed {seed}" if seed is not None else ""),
        }
        return escape(fmt.gettext(TIE_MESSAGES[0])).format(**fields)
    except (_Unfit, KeyError, TypeError, ValueError):
        return english


def ranking(
    parties: Sequence[Mapping[str, Any]], allocation: Mapping[str, Any], *, missed: int = 3
) -> list[dict[str, Any]]:
    """The ranked remainders or quotients around the last seat, each row with ``rank``,
    ``party``, ``value`` (exact :class:`Fraction`), ``won`` and ``seat`` (its number),
    and ``cut`` true on the first row that missed a seat.

    Largest remainder: every admitted list's remainder after its whole quotas, in
    order.  Divisor methods: the quotients from five seats before the last to
    ``missed`` after it.  Recomputed from the votes, quota and seats shown on the page;
    where that does not give the page's seats (alliances, caps, regional tiers,
    base seats, irrational divisors) the ranking would mislead, so none is given."""
    spec = REGISTRY.get(str(allocation.get("method")))
    admitted = [p for p in parties if p.get("passed")]
    if spec is None or not admitted:
        return []
    if any(step.get("kind") == "base" for step in allocation.get("steps") or ()):
        return []  # base seats come before the method: its quotients start from zero seats
    votes = {str(p["name"]): int(p["votes"]) for p in admitted}
    seats = {str(p["name"]): int(p["seats"]) for p in admitted}
    house = sum(seats.values())
    rows: list[dict[str, Any]] = []
    if spec.kind == "quota":
        quota = allocation.get("quota") or {}
        if not quota.get("exact"):
            return []
        q = Fraction(str(quota["exact"]))
        whole = {p: math.floor(v / q) for p, v in votes.items()}
        left = house - sum(whole.values())
        order = sorted(votes, key=lambda p: -(votes[p] - whole[p] * q))
        for i, party in enumerate(order):
            won = i < left
            if seats[party] != whole[party] + won:
                return []
            rows.append(
                {
                    "rank": i + 1,
                    "party": party,
                    "value": votes[party] - whole[party] * q,
                    "kind": "remainder",
                    "won": won,
                    "seat": house - left + i + 1 if won else None,
                    "cut": i == left,
                }
            )
        return rows
    if spec.divisor is None or spec.squared:
        return []
    quotients: list[tuple[Fraction, int, str]] = []
    for party, v in votes.items():
        for k in range(seats[party] + missed):
            d = spec.divisor(k)
            if d <= 0:
                if k < seats[party]:
                    continue  # a seat every list gets first (divisor 0)
                return []
            quotients.append((Fraction(v) / d, -list(votes).index(party), party))
    quotients.sort(reverse=True)
    won_by: dict[str, int] = {}
    first_seat = house - sum(
        1 for party, v in votes.items() for k in range(seats[party]) if spec.divisor(k) > 0
    )
    for i, (value, _, party) in enumerate(quotients[: house - first_seat + missed]):
        won = i < house - first_seat
        if won:
            won_by[party] = won_by.get(party, 0) + 1
        rows.append(
            {
                "rank": first_seat + i + 1,
                "party": party,
                "value": value,
                "kind": "quotient",
                "won": won,
                "seat": first_seat + i + 1 if won else None,
                "cut": i == house - first_seat,
            }
        )
    automatic = {p: sum(1 for k in range(seats[p]) if spec.divisor(k) <= 0) for p in votes}
    if any(won_by.get(p, 0) + automatic[p] != seats[p] for p in votes):
        return []
    start = max(0, house - first_seat - 5)
    return rows[start:]
