"""Exact seat allocation, stage by stage: :func:`allocate`.

Votes are integers and every comparison that decides a seat is exact: quotas
and quotients are :class:`fractions.Fraction` (or integers cross-multiplied).
Floats appear only to *find* candidates quickly and in display values; a float
never decides between two parties.  The threshold, consolation, caps and
alliances stages are here; the methods' own seat loops are in
:mod:`saylau.core.remainders` and :mod:`saylau.core.divisors`."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import partial

from saylau.allocation import Allocation, Step, ThresholdReport, TieEvent
from saylau.core.context import Ctx, automatic_text
from saylau.core.divisors import highest_averages, quota_method_seats
from saylau.core.inputs import check_threshold, check_votes, check_whole, to_fraction, whole
from saylau.core.remainders import largest_remainder
from saylau.errors import InputError
from saylau.methods import MethodSpec, get_method
from saylau.methods.fixed_quota import fixed_quota
from saylau.ties import check_chain, resolve

DEFAULT_TIE_BREAK = ("votes", "order")


def allocate(
    votes: Mapping[str, int],
    seats: int,
    method: str,
    *,
    threshold: float | int | str | Fraction = 0,
    threshold_base: int | None = None,
    threshold_base_name: str = "votes for parties",
    party_thresholds: Mapping[str, float | int | str | Fraction] | None = None,
    exempt: Collection[str] = (),
    excluded: Mapping[str, str] | None = None,
    min_parties: int = 0,
    min_combined_share: float | int | str | Fraction | None = None,
    min_combined_strict: bool = True,
    caps: Mapping[str, int] | None = None,
    alliances: Mapping[str, str] | None = None,
    bonus: Mapping[str, float | int | str | Fraction] | None = None,
    consolation: Sequence[tuple[float | int | str | Fraction, int]] = (),
    tie_break: Sequence[str] = DEFAULT_TIE_BREAK,
    seed: int | None = None,
    remainder_decimals: int | None = None,
    min_seats: int | Mapping[str, int] = 0,
    base_seats: int = 0,
    votes_per_seat: int | None = None,
    remainder_over: int | None = None,
) -> Allocation:
    """Allocate ``seats`` among parties by ``method``, exactly.

    ``votes`` maps party → votes; its order is the registration order (used by
    the ``order`` tie-break).  ``threshold`` is a percent of ``threshold_base``
    (default: the sum of ``votes``); a party passes with ``votes ≥ threshold``
    (``party_thresholds`` overrides it per party, e.g. coalition thresholds).
    ``exempt`` lists pass regardless; ``excluded`` lists fail with the reason
    given (e.g. a regional threshold computed by the law).  If fewer than
    ``min_parties`` pass, or those passing hold no more than
    ``min_combined_share`` percent of the base, further parties are admitted in
    descending order of votes.  ``caps`` bounds a party's seats (a list with
    fewer candidates than seats, or a legal maximum); the rest are
    redistributed among the others.  ``alliances`` maps a list to its alliance:
    seats go to alliances first and then inside them.  ``bonus`` multiplies a
    list's quotients (divisor methods; e.g. Serbia's national minority lists).
    ``consolation`` gives lists that failed the threshold a fixed number of
    seats by their share of the base: ``[(5, 1), (6, 2)]`` is Russia's 2009
    rule (5–6 % one seat, 6 % up to the threshold two); the other seats are
    shared among the lists that passed.
    Ties are broken by ``tie_break`` (criteria ``votes``, ``order``, ``lot``,
    the lot seeded with ``seed``) and reported in :attr:`Allocation.ties`.
    ``remainder_decimals`` compares largest remainders as fractions of the
    quota truncated to that many decimals (Russia: 6), so nearly equal
    remainders tie and go to the tie-break chain.
    ``min_seats`` is the least number of seats every list that passed the
    threshold holds (a number, or per list: the US Constitution's one
    representative per state); with ``caps`` it gives degressive limits (the
    European Parliament's 6–96).  Divisor methods and the quota method start
    from the minimums and give the other seats one by one (a divisor method
    with bounds); largest-remainder methods refuse a minimum.
    ``base_seats`` are held by every list that passed before the method shares
    the rest, and ``caps`` count them: the Cambridge Compromise for the
    European Parliament is 5 base seats, the rest by ``adams``, at most 96.
    A fixed quota (method ``fixed-quota``) gives a seat per ``votes_per_seat``
    votes, and one more for a remainder above ``remainder_over``; the house
    size is its result, so ``seats`` must be 0.
    """
    spec = get_method(method)
    clean = check_votes(votes)
    if not spec.house_size:
        return _fixed_allocation(
            spec,
            clean,
            seats,
            votes_per_seat,
            remainder_over,
            threshold=threshold,
            threshold_base=threshold_base,
            threshold_base_name=threshold_base_name,
            tie_break=tie_break,
            extras=bool(caps or alliances or consolation or min_seats or base_seats),
        )
    if votes_per_seat is not None or remainder_over is not None:
        raise InputError(
            f"votes_per_seat: only the method 'fixed-quota' takes a quota of votes per seat,"
            f" not '{spec.name}'"
        )
    if not whole(seats, 1):
        raise InputError(f"seats: {seats!r} must be a whole number ≥ 1")
    t = check_threshold(threshold)
    chain = check_chain(tie_break)
    base = sum(clean.values()) if threshold_base is None else threshold_base
    if base < 0:
        raise InputError(f"threshold base: {base} is negative")
    ctx = Ctx(
        votes=clean,
        order={p: i for i, p in enumerate(clean)},
        chain=chain,
        seed=seed,
        steps=[],
        ties=[],
        bonus={p: to_fraction(b, f"bonus for '{p}'") for p, b in (bonus or {}).items()},
        remainder_decimals=remainder_decimals,
    )
    report = _threshold_stage(
        ctx,
        t,
        base,
        threshold_base_name,
        {
            p: check_threshold(v, f"threshold for '{p}'")
            for p, v in (party_thresholds or {}).items()
        },
        set(exempt),
        dict(excluded or {}),
        min_parties,
        None
        if min_combined_share is None
        else check_threshold(min_combined_share, "min_combined_share"),
        min_combined_strict,
    )
    eligible = [p for p in clean if report.passed[p] and clean[p] > 0]
    if not eligible:
        raise InputError(
            "no party can win a seat: none passed the threshold with votes > 0"
            f" (threshold {float(t):g}% of {base:,})"
        )
    if min_seats:
        if alliances or consolation:
            raise InputError("min_seats: cannot be combined with alliances or consolation seats")
        if spec.kind == "quota":
            # A divisor method with bounds is one rule (seats = the rounding of v / λ,
            # clamped); largest remainders have no such standard form, so none is made up.
            raise InputError(
                f"min_seats: method '{spec.name}' is a largest-remainder method; a minimum"
                " per list is defined for divisor methods and the quota method"
            )
        ctx.floors = _floors(min_seats, eligible, seats, caps or {})
    result_seats = dict.fromkeys(clean, 0)
    base = 0
    if base_seats:
        if min_seats or alliances or consolation:
            raise InputError(
                "base_seats: cannot be combined with min_seats, alliances or consolation seats"
            )
        caps = _base_stage(ctx, base_seats, eligible, seats, caps or {}, result_seats)
        base = base_seats * len(eligible)
        seats -= base
    fixed = _consolation_stage(ctx, report, consolation, excluded or {})
    if sum(fixed.values()) >= seats:
        raise InputError(
            f"consolation seats: {sum(fixed.values())} leave none of the {seats} seats"
            " for the lists that passed the threshold"
        )
    result_seats.update(fixed)
    seats -= sum(fixed.values())
    sharing = _Sharing(ctx, spec, caps or {}, result_seats)
    if alliances:
        quota, divisor, vacant = sharing.by_alliance(eligible, seats, dict(alliances))
    else:
        quota, divisor, vacant = sharing.capped(eligible, seats)
    return Allocation(
        seats=result_seats,
        votes=dict(clean),
        method=spec.name,
        house_size=seats + sum(fixed.values()) + base,
        threshold=report,
        quota=quota,
        divisor=divisor,
        ties=tuple(ctx.ties),
        steps=tuple(ctx.steps),
        seed=seed if any(e.resolved_by == "lot" for e in ctx.ties) else None,
        vacant=vacant,
    )


def _fixed_allocation(
    spec: MethodSpec,
    votes: dict[str, int],
    seats: int,
    votes_per_seat: int | None,
    remainder_over: int | None,
    *,
    threshold: float | int | str | Fraction,
    threshold_base: int | None,
    threshold_base_name: str,
    tie_break: Sequence[str],
    extras: bool,
) -> Allocation:
    """A fixed quota of votes per seat: the house size is the result."""
    problems: list[str] = []
    if seats != 0:
        problems.append(
            f"seats: {seats!r}: a fixed quota decides the number of seats itself (give 0)"
        )
    if isinstance(votes_per_seat, bool) or not isinstance(votes_per_seat, int):
        problems.append(f"votes_per_seat: {votes_per_seat!r} must be a whole number ≥ 1")
    elif votes_per_seat < 1:
        problems.append(f"votes_per_seat: {votes_per_seat} must be ≥ 1")
    if remainder_over is not None and (
        isinstance(remainder_over, bool)
        or not isinstance(remainder_over, int)
        or not 0 <= remainder_over < (votes_per_seat or 1)
    ):
        problems.append(
            f"remainder_over: {remainder_over!r} must be a whole number from 0 to below"
            " votes_per_seat"
        )
    if extras:
        problems.append(
            "fixed quota: caps, alliances, consolation seats and min_seats do not apply"
        )
    if problems:
        raise InputError(problems)
    assert votes_per_seat is not None
    t = check_threshold(threshold)
    ctx = Ctx(
        votes=votes,
        order={p: i for i, p in enumerate(votes)},
        chain=check_chain(tie_break),
        seed=None,
        steps=[],
        ties=[],
        bonus={},
    )
    base = sum(votes.values()) if threshold_base is None else threshold_base
    report = _threshold_stage(ctx, t, base, threshold_base_name, {}, set(), {}, 0, None, True)
    quota = Fraction(votes_per_seat)
    ctx.steps.append(
        Step(
            "quota",
            f"{spec.title}: one seat per {votes_per_seat:,} votes"
            + (
                f"; a remainder of more than {remainder_over:,} votes counts as a full quota"
                if remainder_over is not None
                else ""
            ),
            value=quota,
        )
    )
    eligible = [p for p in votes if report.passed[p]]
    result = dict.fromkeys(votes, 0)
    shares = fixed_quota([votes[p] for p in eligible], votes_per_seat, remainder_over)
    seat_no = 0
    for p, (n, _rem) in zip(eligible, shares, strict=True):
        whole = votes[p] // votes_per_seat
        result[p] = n
        if whole:
            ctx.steps.append(
                Step(
                    "automatic",
                    partial(automatic_text, p, votes[p], quota, whole),
                    party=p,
                    seats=whole,
                    seat_number=seat_no + whole,
                )
            )
        seat_no += whole
        if n > whole:
            seat_no += 1
            left = votes[p] - whole * votes_per_seat
            ctx.steps.append(
                Step(
                    "remainder",
                    f"seat {seat_no}: {p}, remainder {left:,} > {remainder_over:,}",
                    party=p,
                    seats=1,
                    seat_number=seat_no,
                    value=Fraction(left),
                )
            )
    return Allocation(
        seats=result,
        votes=dict(votes),
        method=spec.name,
        house_size=sum(result.values()),
        threshold=report,
        quota=quota,
        steps=tuple(ctx.steps),
        extra={"votes_per_seat": votes_per_seat, "remainder_over": remainder_over},
    )


# --------------------------------------------------------------------------- threshold


def _passes(v: int, t: Fraction, base: int) -> bool:
    # v / base ≥ t / 100, cross-multiplied in integers.
    n, d = t.as_integer_ratio()
    return v * 100 * d >= n * base


def _threshold_stage(
    ctx: Ctx,
    t: Fraction,
    base: int,
    base_name: str,
    per_party: Mapping[str, Fraction],
    exempt: set[str],
    excluded: dict[str, str],
    min_parties: int,
    min_share: Fraction | None,
    strict: bool,
) -> ThresholdReport:
    passed: dict[str, bool] = {}
    notes: dict[str, str] = {}
    shown = f"{float(t):g}%"
    tn, td = t.as_integer_ratio()
    for p, v in ctx.votes.items():
        tp = per_party.get(p)
        if p in exempt:
            passed[p], notes[p] = True, "exempt from the threshold"
        elif p in excluded:
            passed[p], notes[p] = False, excluded[p]
        else:
            passed[p] = v * 100 * td >= tn * base if tp is None else _passes(v, tp, base)
    ctx.steps.append(
        Step(
            "threshold",
            lambda: f"threshold {shown} of {base:,} ({base_name})",
            value=(tn * base, td * 100),
        )
    )

    def combined_ok() -> bool:
        if min_share is None:
            return True
        total = sum(v for p, v in ctx.votes.items() if passed[p])
        need = min_share * base / 100
        return total > need if strict else total >= need

    def count_ok() -> bool:
        return sum(passed.values()) >= min_parties

    while (min_parties or min_share is not None) and not (count_ok() and combined_ok()):
        waiting = [p for p in ctx.votes if not passed[p] and p not in excluded and ctx.votes[p] > 0]
        if not waiting:
            break
        top = max(ctx.votes[p] for p in waiting)
        group = [p for p in waiting if ctx.votes[p] == top]
        winners, how = resolve(group, 1, ctx.chain, ctx.votes, ctx.order, ctx.seed)
        if len(group) > 1:
            ctx.ties.append(
                TieEvent(
                    (), tuple(group), tuple(winners), Fraction(top), how, "admission", ctx.seed
                )
            )
        p = winners[0]
        why = (
            f"fewer than {min_parties} parties passed"
            if not count_ok()
            else f"parties passing held {'no more than' if strict else 'less than'} {float(min_share or 0):g}%"
        )
        share = f"{100 * ctx.votes[p] / base:.4f}%" if base else "0%"
        below = f"{share} < {float(per_party.get(p, t)):g}%"
        passed[p] = True
        notes[p] = f"admitted: {why}; next in votes ({notes.get(p, below)})"
        ctx.steps.append(Step("admit", f"{p} admitted: {why}", party=p))
    return ThresholdReport(t, base, base_name, passed, notes, ctx.votes, dict(per_party))


def _consolation_stage(
    ctx: Ctx,
    report: ThresholdReport,
    bands: Sequence[tuple[float | int | str | Fraction, int]],
    excluded: Mapping[str, str],
) -> dict[str, int]:
    """Fixed seats for lists below the threshold but within a consolation band."""
    if not bands:
        return {}
    checked = sorted((check_threshold(lo, "consolation band"), n) for lo, n in bands)
    for lo, n in checked:
        if not whole(n, 1):
            raise InputError(
                f"consolation seats: {n!r} for {float(lo):g}% must be a whole number ≥ 1"
            )
    fixed: dict[str, int] = {}
    base = report.base
    for p, v in ctx.votes.items():
        if report.passed[p] or p in excluded or v <= 0:
            continue
        band = [(lo, n) for lo, n in checked if _passes(v, lo, base)]
        if not band:
            continue
        lo, n = band[-1]
        fixed[p] = n
        share = f"{100 * v / base:.4f}%" if base else "0%"
        report.notes[p] = (
            f"{share} < {float(report.percent):g}% but ≥ {float(lo):g}%:"
            f" {n} consolation seat{'s' if n != 1 else ''}"
        )
        ctx.steps.append(
            Step(
                "consolation",
                f"{p}: {n} consolation seat{'s' if n != 1 else ''}"
                f" ({share} of the base, ≥ {float(lo):g}% but below the threshold)",
                party=p,
                seats=n,
            )
        )
    return fixed


# --------------------------------------------------------------------------- caps and alliances


_Shared = tuple[Fraction | None, Fraction | None, int]  # the quota, the divisor, seats left vacant


@dataclass(slots=True)  # made once per allocation: slots, not frozen, keep it cheap
class _Sharing:
    """Seats shared by one method under per-list caps, added into ``out``; the steps
    and ties are logged in ``ctx``."""

    ctx: Ctx
    spec: MethodSpec
    caps: Mapping[str, int]
    out: dict[str, int]

    def capped(self, eligible: list[str], seats: int) -> _Shared:
        """Allocate, then fix any party over its cap at the cap and redistribute."""
        ctx, caps, out = self.ctx, self.caps, self.out
        active = list(eligible)
        remaining = seats
        quota: Fraction | None = None
        divisor: Fraction | None = None
        while True:
            if not active:
                if remaining:
                    ctx.steps.append(
                        Step(
                            "exhausted",
                            f"{remaining} seat(s) left vacant: no list can take them",
                            seats=remaining,
                        )
                    )
                return quota, divisor, remaining
            mark = (len(ctx.steps), len(ctx.ties))
            got, quota, divisor = _distribute(ctx, self.spec, active, remaining, seats - remaining)
            over = [p for p in active if p in caps and got[p] > caps[p]] if caps else []
            if not over:
                for p in active:
                    out[p] += got[p]
                return quota, divisor, 0
            # The round is void: drop its log, fix the capped lists and share the rest again.
            del ctx.steps[mark[0] :], ctx.ties[mark[1] :]
            for p in over:
                cap = caps[p]
                out[p] += cap
                remaining -= cap
                active.remove(p)
                ctx.steps.append(
                    Step(
                        "cap",
                        f"{p} won {got[p]} seat(s) but may hold at most {cap}; the rest are redistributed",
                        party=p,
                        seats=cap,
                    )
                )

    def by_alliance(self, eligible: list[str], seats: int, alliances: dict[str, str]) -> _Shared:
        """Seats to alliances (and lists standing alone) first, then inside each alliance."""
        ctx = self.ctx
        units: dict[str, list[str]] = {}
        for p in eligible:
            units.setdefault(alliances.get(p, p), []).append(p)
        unit_votes = {u: sum(ctx.votes[p] for p in members) for u, members in units.items()}
        outer = Ctx(
            unit_votes,
            {u: i for i, u in enumerate(unit_votes)},
            ctx.chain,
            ctx.seed,
            ctx.steps,
            ctx.ties,
            {},
        )
        unit_seats = dict.fromkeys(unit_votes, 0)
        # The caps bound lists, not alliances: they apply inside each alliance.
        quota, divisor, vacant = _Sharing(outer, self.spec, {}, unit_seats).capped(
            list(unit_votes), seats
        )
        for u, members in units.items():
            if len(members) == 1:
                self.out[members[0]] += unit_seats[u]
                continue
            ctx.steps.append(
                Step(
                    "alliance",
                    f"alliance {u} ({', '.join(members)}) won {unit_seats[u]} seat(s); shared inside it",
                    seats=unit_seats[u],
                )
            )
            if unit_seats[u]:
                self.capped(members, unit_seats[u])
        return quota, divisor, vacant


# --------------------------------------------------------------------------- methods


def _distribute(
    ctx: Ctx, spec: MethodSpec, parties: list[str], seats: int, offset: int
) -> tuple[dict[str, int], Fraction | None, Fraction | None]:
    if spec.kind == "quota":
        got, quota = largest_remainder(ctx, spec, parties, seats, offset)
        return got, quota, None
    if spec.kind == "quota-divisor":
        return quota_method_seats(ctx, parties, seats, offset), None, None
    got, divisor = highest_averages(ctx, spec, parties, seats, offset)
    return got, None, divisor


def _base_stage(
    ctx: Ctx,
    base_seats: int,
    eligible: list[str],
    seats: int,
    caps: Mapping[str, int],
    out: dict[str, int],
) -> dict[str, int]:
    """Give every eligible list its base seats; return the caps left for the method."""
    if not whole(base_seats, 0):
        raise InputError(f"base_seats: {base_seats!r} must be a whole number ≥ 0")
    problems = [
        f"base_seats: '{p}' holds {base_seats} base seat(s) but may hold at most {caps[p]}"
        for p in eligible
        if p in caps and caps[p] < base_seats
    ]
    if base_seats * len(eligible) >= seats:
        # The method must have a seat to share, else the base seats are the whole result.
        problems.append(
            f"base_seats: {base_seats} for each of {len(eligible)} lists leave none"
            f" of the {seats} seats for the method"
        )
    if problems:
        raise InputError(problems)
    for p in eligible:
        out[p] += base_seats
        ctx.steps.append(
            Step(
                "base",
                f"{p}: {base_seats} base seat{'s' if base_seats > 1 else ''}",
                party=p,
                seats=base_seats,
            )
        )
    return {p: cap - base_seats if p in eligible else cap for p, cap in caps.items()}


def _floors(
    min_seats: int | Mapping[str, int], eligible: list[str], seats: int, caps: Mapping[str, int]
) -> dict[str, int]:
    """Each eligible list's minimum, checked against the house and the caps."""
    if isinstance(min_seats, Mapping):
        floors = {p: min_seats.get(p, 0) for p in eligible}
    else:
        floors = dict.fromkeys(eligible, min_seats)
    check_whole(floors, lambda p, n: f"min_seats: {n!r} for '{p}' must be a whole number ≥ 0")
    problems = [
        f"min_seats: '{p}' must hold at least {n} seat(s) but at most {caps[p]}"
        for p, n in floors.items()
        if p in caps and caps[p] < n
    ]
    if sum(floors.values()) > seats:
        problems.append(
            f"min_seats: the minimums add up to {sum(floors.values())} seats,"
            f" more than the {seats} to allocate"
        )
    if problems:
        raise InputError(problems)
    return {p: n for p, n in floors.items() if n}
