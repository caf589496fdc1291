"""From seats to deputies: who takes each party's seats, and who fills a vacancy.

A party's seats go to its candidates either in list order or by the party's
recorded decision (Kazakhstan 2021: each party's bureau chose, Constitutional Law
"On Elections" art. 97-1 p. 5).  Either way only candidates on the party's list may
take a seat; where the law requires it (``[lists.quota] at_distribution = true``,
Kazakhstan from 2023) the deputies themselves must meet the quota.  A vacancy is
filled from the same list: the next candidate not yet seated, or the party's choice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from saylau.errors import InputError
from saylau.institutions._util import read_csv
from saylau.institutions.candidates import Candidate, CandidateList, ListRules


@dataclass(frozen=True)
class Deputy:
    """A seated deputy and how the seat came to them."""

    candidate: Candidate
    how: (
        str  # "list order" | "party decision" | "vacancy (list order)" | "vacancy (party decision)"
    )
    replaces: str | None = None

    @property
    def party(self) -> str:
        return self.candidate.party

    def to_dict(self) -> dict[str, Any]:
        return {**self.candidate.to_dict(), "how": self.how, "replaces": self.replaces}


@dataclass(frozen=True)
class DeputyAssignment:
    """Every party's deputies, the unfilled seats and the law problems found."""

    seats: dict[str, int]
    deputies: tuple[Deputy, ...]
    lists: dict[str, CandidateList]
    vacant: dict[str, int]  # party -> seats its list could not fill
    problems: tuple[str, ...]  # legal findings (quota at distribution, short lists)
    election_date: date
    rules: ListRules | None = None
    left: tuple[str, ...] = ()  # names of deputies whose mandates ended

    @property
    def ok(self) -> bool:
        return not self.problems

    def by_party(self) -> dict[str, list[Deputy]]:
        out: dict[str, list[Deputy]] = {p: [] for p in self.seats}
        for dep in self.deputies:
            out.setdefault(dep.party, []).append(dep)
        return out

    def reserve(self, party: str) -> list[Candidate]:
        """The party's candidates not seated and not departed, in list order."""
        taken = {d.candidate.key for d in self.deputies} | set(self.left)
        lst = self.lists.get(party)
        return [c for c in (lst.candidates if lst else ()) if c.key not in taken]

    def to_dict(self) -> dict[str, Any]:
        return {
            "seats": self.seats,
            "deputies": [d.to_dict() for d in self.deputies],
            "vacant": self.vacant,
            "ok": self.ok,
            "problems": list(self.problems),
            "left": list(self.left),
        }


def _pick(lst: CandidateList, refs: Sequence[str], party: str) -> tuple[list[Candidate], list[str]]:
    chosen: list[Candidate] = []
    problems: list[str] = []
    for ref in refs:
        cand = lst.find(ref)
        if cand is None:
            problems.append(f"decision of '{party}': '{ref}' is not on the party's list")
        elif cand in chosen:
            problems.append(f"decision of '{party}': '{ref}' is chosen twice")
        else:
            chosen.append(cand)
    return chosen, problems


def assign_deputies(
    seats: Mapping[str, int],
    lists: Mapping[str, CandidateList],
    *,
    election_date: date,
    decisions: Mapping[str, Sequence[str]] | None = None,
    rules: ListRules | None = None,
) -> DeputyAssignment:
    """Give each party's ``seats`` to candidates of its list.

    ``decisions`` maps a party to the candidates (id, name or list position) its
    recorded decision seats; parties without one are seated in list order.  Raises
    ``InputError`` (every problem at once) when a decision names someone not on the
    list, repeats a name or seats a different number of people than the party won.
    """
    decisions = decisions or {}
    bad: list[str] = [
        f"decision of '{p}': the party won no seats" for p in decisions if seats.get(p, 0) == 0
    ]
    deputies: list[Deputy] = []
    vacant: dict[str, int] = {}
    findings: list[str] = []
    for party, won in seats.items():
        if won <= 0:
            continue
        lst = lists.get(party, CandidateList(party, ()))
        if party in decisions:
            chosen, problems = _pick(lst, decisions[party], party)
            bad += problems
            if len(decisions[party]) != won:
                bad.append(
                    f"decision of '{party}': seats {len(decisions[party])} people, "
                    f"the party won {won}"
                )
            deputies += [Deputy(c, "party decision") for c in chosen]
        else:
            chosen = list(lst.candidates[:won])
            deputies += [Deputy(c, "list order") for c in chosen]
            if len(chosen) < won:
                vacant[party] = won - len(chosen)
                findings.append(
                    f"list of '{party}': {len(lst)} candidates for {won} seats; "
                    f"{won - len(chosen)} seat(s) stay vacant"
                )
        if rules is not None and rules.quota_at_distribution and chosen:
            met, counted, required = rules.quota_met(chosen, election_date)
            if not met:
                findings.append(
                    f"deputies of '{party}': {counted} of {len(chosen)} are "
                    f"{' + '.join(rules.quota_categories)}, fewer than the "
                    f"{required} required at distribution"
                )
    if bad:
        raise InputError(bad)
    return DeputyAssignment(
        dict(seats), tuple(deputies), dict(lists), vacant, tuple(findings), election_date, rules
    )


@dataclass(frozen=True)
class Vacancy:
    """The outcome of filling one vacancy."""

    vacated: Deputy
    successor: Deputy | None
    assignment: DeputyAssignment

    def to_dict(self) -> dict[str, Any]:
        return {
            "vacated": self.vacated.to_dict(),
            "successor": self.successor.to_dict() if self.successor else None,
            "assignment": self.assignment.to_dict(),
        }


def fill_vacancy(
    assignment: DeputyAssignment, deputy: str, *, choice: str | None = None
) -> Vacancy:
    """End ``deputy``'s mandate and seat a successor from the same party list.

    The successor is ``choice`` (the party's decision) or else the first candidate
    of the list who has not been seated.  With no one left the seat stays vacant.
    """
    leaving = next(
        (d for d in assignment.deputies if deputy in (d.candidate.id, d.candidate.name)), None
    )
    if leaving is None:
        raise InputError(f"deputy '{deputy}' is not a sitting deputy")
    party = leaving.party
    left = (*assignment.left, leaving.candidate.key)
    interim = replace(
        assignment, left=left, deputies=tuple(d for d in assignment.deputies if d is not leaving)
    )
    reserve = interim.reserve(party)
    successor: Deputy | None = None
    if choice is not None:
        cand = next((c for c in reserve if choice in (c.id, c.name, str(c.position))), None)
        if cand is None:
            raise InputError(
                f"successor '{choice}' is not an unseated candidate on the list of '{party}'"
            )
        successor = Deputy(cand, "vacancy (party decision)", leaving.candidate.name)
    elif reserve:
        successor = Deputy(reserve[0], "vacancy (list order)", leaving.candidate.name)
    deputies = list(interim.deputies)
    vacant = dict(assignment.vacant)
    if successor is not None:
        deputies.append(successor)
    else:
        vacant[party] = vacant.get(party, 0) + 1
    return Vacancy(leaving, successor, replace(interim, deputies=tuple(deputies), vacant=vacant))


def read_decisions(path: str) -> dict[str, list[str]]:
    """A parties' decisions file: CSV with ``party`` and ``candidate`` (id, name or position),
    one row per seat, in the order the party recorded them."""
    out: dict[str, list[str]] = {}
    problems: list[str] = []
    for row_no, row in read_csv(path, ("party", "candidate")):
        if not row["party"] or not row["candidate"]:
            problems.append(f"decisions row {row_no}: party and candidate must not be empty")
            continue
        out.setdefault(row["party"], []).append(row["candidate"])
    if problems:
        raise InputError(problems)
    return out
