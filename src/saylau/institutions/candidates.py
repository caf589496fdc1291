"""Candidate lists: ordered per party and contest, checked against the law's list rules.

The rules are law data (the ``[lists]`` table of a law file)::

    [lists]
    max_length = "seats + 30%"      # an integer, "seats", "seats + N" or "seats + P%"
    min_length = 1
    min_age = 25                    # on election day
    [lists.quota]
    share = 30                      # percent of the list, at least
    categories = ["women", "youth"] # 2023 adds "disability"
    youth_under = 29                # "youth" means younger than this on election day
    at_distribution = false         # 2023: the quota also binds the deputies chosen

A candidate who belongs to several categories counts once.  Every problem of every
list is reported at once, each naming the party, the position and the value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

from saylau.errors import InputError, LawError
from saylau.institutions._util import frac, parse_percent, read_csv
from saylau.jsonable import Record
from saylau.law.model import Law

#: Quota categories saylau knows how to decide from a candidate record.
CATEGORIES = ("women", "youth", "disability")
_FEMALE = {"f", "female", "woman", "w", "ж", "әйел"}
_MALE = {"m", "male", "man", "м", "ер"}
_LENGTH = re.compile(r"^\s*seats\s*(?:\+\s*(\d+(?:\.\d+)?)\s*(%?))?\s*$")


@dataclass(frozen=True)
class Candidate(Record):
    """One person on a party list."""

    name: str
    party: str
    position: int
    contest: str = ""
    id: str = ""
    birth_date: date | None = None
    gender: str | None = None  # "female" / "male"
    categories: frozenset[str] = frozenset()  # e.g. {"disability"}

    @property
    def key(self) -> str:
        """The identity used to detect duplicates: ``id`` when given, else the name."""
        return self.id or self.name.casefold()

    def age_on(self, day: date) -> int | None:
        """Full years of age on ``day`` (None when the birth date is unknown)."""
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class CandidateList:
    """A party's ordered list in one contest."""

    party: str
    candidates: tuple[Candidate, ...]
    contest: str = ""

    def __len__(self) -> int:
        return len(self.candidates)

    def find(self, ref: str) -> Candidate | None:
        """The candidate named or identified by ``ref`` (id, name or position number)."""
        for cand in self.candidates:
            if ref in (cand.id, cand.name) or cand.name.casefold() == ref.casefold():
                return cand
        if ref.isdigit():
            for cand in self.candidates:
                if cand.position == int(ref):
                    return cand
        return None


@dataclass(frozen=True)
class ListRules:
    """The law's rules for candidate lists (see the module docstring for the TOML keys)."""

    max_length: str | int | None = None
    min_length: int = 1
    min_age: int | None = None
    quota_share: Fraction | None = None
    quota_categories: tuple[str, ...] = ()
    youth_under: int = 29
    quota_at_distribution: bool = False

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], where: str = "[lists]") -> ListRules:
        """Rules from a law file's ``[lists]`` table; every bad key is reported at once."""
        problems: list[str] = []
        known = {"max_length", "min_length", "min_age", "quota"}
        problems += [f"{where}: unknown key '{k}'" for k in table if k not in known]
        max_length = table.get("max_length")
        if max_length is not None:
            try:
                _max_for(max_length, 1)
            except LawError as err:
                problems += [f"{where} max_length: {p}" for p in err.problems]
        ints: dict[str, int | None] = {}
        for key, default in (("min_length", 1), ("min_age", None)):
            value = table.get(key, default)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                problems.append(f"{where} {key}: '{value}' is not a whole number")
                value = default
            ints[key] = value
        quota = table.get("quota", {})
        share: Fraction | None = None
        cats: tuple[str, ...] = ()
        youth_under, at_dist = 29, False
        if not isinstance(quota, Mapping):
            problems.append(f"{where} quota: '{quota}' is not a table")
            quota = {}
        qknown = {"share", "categories", "youth_under", "at_distribution"}
        problems += [f"{where} quota: unknown key '{k}'" for k in quota if k not in qknown]
        if "share" in quota:
            try:
                share = parse_percent(quota["share"], f"{where} quota.share")
            except InputError as err:
                problems += err.problems
        raw_cats = quota.get("categories", [])
        if not isinstance(raw_cats, list):
            problems.append(f"{where} quota.categories: '{raw_cats}' is not a list")
            raw_cats = []
        for cat in raw_cats:
            if cat not in CATEGORIES:
                problems.append(
                    f"{where} quota.categories: '{cat}' is not one of {', '.join(CATEGORIES)}"
                )
        cats = tuple(c for c in raw_cats if c in CATEGORIES)
        if share is not None and not cats:
            problems.append(f"{where} quota: 'share' given without 'categories'")
        yu = quota.get("youth_under", 29)
        if isinstance(yu, bool) or not isinstance(yu, int):
            problems.append(f"{where} quota.youth_under: '{yu}' is not a whole number")
        else:
            youth_under = yu
        ad = quota.get("at_distribution", False)
        if not isinstance(ad, bool):
            problems.append(f"{where} quota.at_distribution: '{ad}' is not true/false")
        else:
            at_dist = ad
        if problems:
            raise LawError(problems)
        return cls(
            max_length=max_length,
            min_length=ints["min_length"] or 0,
            min_age=ints["min_age"],
            quota_share=share,
            quota_categories=cats,
            youth_under=youth_under,
            quota_at_distribution=at_dist,
        )

    @classmethod
    def from_law(cls, law: Law) -> ListRules:
        """The ``[lists]`` rules of a loaded law (no rules when the law has none)."""
        return cls.from_mapping(law.sections.get("lists", {}), f"law '{law.name}' [lists]")

    def max_for(self, seats: int) -> int | None:
        """The longest list allowed for a contest of ``seats`` seats (None: no limit)."""
        return None if self.max_length is None else _max_for(self.max_length, seats)

    def counts_for_quota(self, cand: Candidate, day: date) -> bool:
        """Whether ``cand`` belongs to at least one quota category on election ``day``."""
        if "women" in self.quota_categories and cand.gender == "female":
            return True
        if "youth" in self.quota_categories:
            age = cand.age_on(day)
            if age is not None and age < self.youth_under:
                return True
        return "disability" in self.quota_categories and "disability" in cand.categories

    def quota_met(self, people: Sequence[Candidate], day: date) -> tuple[bool, int, int]:
        """``(met, in quota, required)`` for a group of people (a list or the deputies)."""
        counted = sum(self.counts_for_quota(c, day) for c in people)
        if self.quota_share is None or not people:
            return True, counted, 0
        needed = self.quota_share * len(people) / 100
        required = needed.numerator // needed.denominator + (needed.denominator != 1)
        return counted >= required, counted, required

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_length": self.max_length,
            "min_length": self.min_length,
            "min_age": self.min_age,
            "quota": None
            if self.quota_share is None
            else {
                "share": frac(self.quota_share),
                "categories": list(self.quota_categories),
                "youth_under": self.youth_under,
                "at_distribution": self.quota_at_distribution,
            },
        }


def _max_for(expr: str | int, seats: int) -> int:
    if isinstance(expr, bool):
        raise LawError(f"'{expr}' is not a length")
    if isinstance(expr, int):
        return expr
    match = _LENGTH.match(str(expr))
    if not match:
        raise LawError(f"'{expr}' is not a length (use N, 'seats', 'seats + N' or 'seats + P%')")
    amount, pct = match.groups()
    if amount is None:
        return seats
    extra = Fraction(amount)
    # "may not exceed the seats by more than 30%": the bound is rounded down.
    total = seats + (seats * extra / 100 if pct else extra)
    return total.numerator // total.denominator


@dataclass(frozen=True)
class ListProblem(Record):
    """One problem with one list or candidate."""

    party: str
    position: int | None
    code: str  # too-long, too-short, quota, duplicate, position, missing-birth-date, …
    message: str


@dataclass(frozen=True)
class ListCheck:
    """The outcome of checking every list of a contest."""

    contest: str
    seats: int
    election_date: date
    rules: ListRules
    lists: tuple[CandidateList, ...]
    problems: tuple[ListProblem, ...]
    quota: dict[str, tuple[int, int]] = field(default_factory=dict)  # party -> (in quota, required)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "contest": self.contest,
            "seats": self.seats,
            "election_date": self.election_date.isoformat(),
            "rules": self.rules.to_dict(),
            "max_length": self.rules.max_for(self.seats),
            "ok": self.ok,
            "lists": [
                {
                    "party": lst.party,
                    "length": len(lst),
                    "in_quota": self.quota.get(lst.party, (0, 0))[0],
                    "quota_required": self.quota.get(lst.party, (0, 0))[1],
                }
                for lst in self.lists
            ],
            "problems": [p.to_dict() for p in self.problems],
        }


def check_lists(
    lists: Iterable[CandidateList],
    rules: ListRules,
    *,
    seats: int,
    election_date: date,
    contest: str = "",
) -> ListCheck:
    """Check every list of one contest against ``rules``; every problem is returned."""
    lists = tuple(lists)
    problems: list[ListProblem] = []
    quota: dict[str, tuple[int, int]] = {}
    longest = rules.max_for(seats)
    seen: dict[str, tuple[str, int]] = {}
    for lst in lists:
        p = lst.party
        if longest is not None and len(lst) > longest:
            problems.append(
                ListProblem(
                    p,
                    None,
                    "too-long",
                    f"list of '{p}': {len(lst)} candidates, more than the {longest} allowed "
                    f"({rules.max_length} with {seats} seats)",
                )
            )
        if len(lst) < rules.min_length:
            problems.append(
                ListProblem(
                    p,
                    None,
                    "too-short",
                    f"list of '{p}': {len(lst)} candidates, fewer than {rules.min_length}",
                )
            )
        positions = [c.position for c in lst.candidates]
        if sorted(positions) != list(range(1, len(positions) + 1)):
            problems.append(
                ListProblem(
                    p,
                    None,
                    "position",
                    f"list of '{p}': positions {sorted(positions)} are not 1..{len(positions)}",
                )
            )
        for cand in lst.candidates:
            where = f"list of '{p}' position {cand.position} '{cand.name}'"
            if cand.key in seen:
                other_party, other_pos = seen[cand.key]
                problems.append(
                    ListProblem(
                        p,
                        cand.position,
                        "duplicate",
                        f"{where}: duplicate of '{other_party}' position {other_pos}",
                    )
                )
            else:
                seen[cand.key] = (p, cand.position)
            needs_age = rules.min_age is not None or "youth" in rules.quota_categories
            age = cand.age_on(election_date)
            if needs_age and age is None:
                problems.append(
                    ListProblem(
                        p, cand.position, "missing-birth-date", f"{where}: birth date missing"
                    )
                )
            if rules.min_age is not None and age is not None and age < rules.min_age:
                problems.append(
                    ListProblem(
                        p,
                        cand.position,
                        "too-young",
                        f"{where}: age {age} on {election_date} is under {rules.min_age}",
                    )
                )
            if "women" in rules.quota_categories and cand.gender is None:
                problems.append(
                    ListProblem(p, cand.position, "missing-gender", f"{where}: gender missing")
                )
        met, counted, required = rules.quota_met(lst.candidates, election_date)
        quota[p] = (counted, required)
        if not met:
            cats = " + ".join(rules.quota_categories)
            problems.append(
                ListProblem(
                    p,
                    None,
                    "quota",
                    f"list of '{p}': {counted} of {len(lst)} candidates are {cats}, "
                    f"fewer than the {required} required ({rules.quota_share}%)",
                )
            )
    return ListCheck(contest, seats, election_date, rules, lists, tuple(problems), quota)


def read_lists(path: str | Path) -> list[CandidateList]:
    """Read candidate lists from CSV.

    Columns: ``party``, ``position``, ``name`` (required); ``contest``, ``id``,
    ``birth_date`` (YYYY-MM-DD), ``gender`` (female/male, F/M), ``categories``
    (``;``-separated, e.g. ``disability``).  Lists keep the order of first appearance.
    """
    name = Path(path).name
    problems: list[str] = []
    groups: dict[tuple[str, str], list[Candidate]] = {}
    for row_no, row in read_csv(path, ("party", "position", "name")):
        where = f"{name} row {row_no}"
        party, cname = row["party"], row["name"]
        if not party:
            problems.append(f"{where}: party is empty")
        if not cname:
            problems.append(f"{where}: name is empty")
        try:
            position = int(row["position"])
            if position < 1:
                raise ValueError
        except ValueError:
            problems.append(f"{where}: position '{row['position']}' is not a whole number >= 1")
            position = 0
        born: date | None = None
        if row.get("birth_date"):
            try:
                born = date.fromisoformat(row["birth_date"])
            except ValueError:
                problems.append(f"{where}: birth_date '{row['birth_date']}' is not YYYY-MM-DD")
        gender: str | None = None
        raw_gender = row.get("gender", "").casefold()
        if raw_gender in _FEMALE:
            gender = "female"
        elif raw_gender in _MALE:
            gender = "male"
        elif raw_gender:
            problems.append(f"{where}: gender '{row['gender']}' is not female/male")
        cats = frozenset(
            c.strip().casefold() for c in row.get("categories", "").split(";") if c.strip()
        )
        contest = row.get("contest", "")
        groups.setdefault((contest, party), []).append(
            Candidate(cname, party, position, contest, row.get("id", ""), born, gender, cats)
        )
    if problems:
        raise InputError(problems)
    return [
        CandidateList(party, tuple(sorted(cands, key=lambda c: c.position)), contest)
        for (contest, party), cands in groups.items()
    ]
