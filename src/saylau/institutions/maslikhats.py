"""Maslikhats: many local contests on one election day, and a combined party view.

Each regional, city and district maslikhat is its own contest with its own seats,
law and stations.  A contests file lists them (CSV or TOML)::

    id,name,level,region,parent,seats,law,stations
    almaty-city,Almaty city maslikhat,city,Almaty,,39,kz-maslikhat-2021,1..412

``law`` names a law preset or file whose party-list tier (method, threshold, base,
ties) applies with the contest's own ``seats``; ``level`` is ``regional``,
``city`` or ``district``.  Results come as ``contest,party,votes`` rows; rows for
the party ``against all`` or ``invalid`` feed the law's threshold base.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from saylau.errors import InputError, SaylauError
from saylau.institutions._util import frac, parse_count, percent, read_csv
from saylau.jsonable import json_fields
from saylau.law import load_law
from saylau.law.model import Law

LEVELS = ("regional", "city", "district")


@dataclass(frozen=True)
class MaslikhatContest:
    """One maslikhat election."""

    id: str
    name: str
    level: str
    seats: int
    law: str
    region: str = ""
    parent: str = ""
    stations: str = ""

    def to_dict(self) -> dict[str, Any]:
        return json_fields(self)


def _contest(raw: Mapping[str, Any], where: str, problems: list[str]) -> MaslikhatContest | None:
    before = len(problems)
    cid = str(raw.get("id", "")).strip()
    if not cid:
        problems.append(f"{where}: id is empty")
    level = str(raw.get("level", "")).strip()
    if level not in LEVELS:
        problems.append(f"{where}: level '{level}' is not one of {', '.join(LEVELS)}")
    seats_raw = raw.get("seats", "")
    try:
        seats = int(str(seats_raw))
        if seats < 1:
            raise ValueError
    except ValueError:
        problems.append(f"{where}: seats '{seats_raw}' is not a whole number >= 1")
        seats = 0
    law = str(raw.get("law", "")).strip()
    if not law:
        problems.append(f"{where}: law is empty")
    if len(problems) > before:
        return None
    return MaslikhatContest(
        cid,
        str(raw.get("name", cid)) or cid,
        level,
        seats,
        law,
        str(raw.get("region", "")),
        str(raw.get("parent", "")),
        str(raw.get("stations", "")),
    )


def read_contests(path: str | Path) -> list[MaslikhatContest]:
    """Read a contests file (``.csv`` or ``.toml`` with ``[[contests]]`` tables)."""
    path = Path(path)
    problems: list[str] = []
    out: list[MaslikhatContest] = []
    if path.suffix == ".toml":
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as err:
            raise InputError(f"{path.name}: cannot read ({err})") from None
        rows: Iterable[tuple[str, Mapping[str, Any]]] = (
            (f"{path.name} contests[{i}]", t) for i, t in enumerate(data.get("contests", []))
        )
    else:
        rows = (
            (f"{path.name} row {n}", r) for n, r in read_csv(path, ("id", "level", "seats", "law"))
        )
    seen: set[str] = set()
    for where, raw in rows:
        contest = _contest(raw, where, problems)
        if contest is None:
            continue
        if contest.id in seen:
            problems.append(f"{where}: id '{contest.id}' appears twice")
        seen.add(contest.id)
        out.append(contest)
    if not out and not problems:
        problems.append(f"{path.name}: no contests")
    if problems:
        raise InputError(problems)
    laws: dict[str, str] = {}
    for c in out:
        if c.law not in laws:
            try:
                resolve_law(c.law, path.parent)
            except SaylauError as err:
                laws[c.law] = str(err).splitlines()[0]
            else:
                laws[c.law] = ""
        if laws[c.law]:
            problems.append(f"contest '{c.id}': law '{c.law}': {laws[c.law]}")
    if problems:
        raise InputError(problems)
    return out


def resolve_law(name: str, base: Path | None = None) -> Law:
    """A law by preset name (``kz-maslikhat-2021``) or file path; a relative path is
    taken from ``base`` (the contests file's folder) where the file is there."""
    if base is not None and not Path(name).is_absolute() and (base / name).exists():
        return load_law(base / name)
    return load_law(name)


def law_for(contest: MaslikhatContest, law: Law | None = None) -> Law:
    """The contest's law with its party-list tier resized to the contest's seats."""
    return (law or resolve_law(contest.law)).resized(contest.seats)


class Seated(Protocol):
    """Anything with a party -> seats mapping (a ``LawResult``, a stored result)."""

    @property
    def seats(self) -> dict[str, int]: ...


@dataclass(frozen=True)
class StoredSeats:
    """A maslikhat's seats as the results store computed them."""

    seats: dict[str, int]


@dataclass(frozen=True)
class MaslikhatsResult:
    """Results of every maslikhat and each party's combined representation."""

    contests: tuple[MaslikhatContest, ...]
    results: Mapping[str, Seated]
    missing: tuple[str, ...]  # contests without results

    def combined(self) -> dict[str, dict[str, Any]]:
        """Party -> seats in all maslikhats, by level, maslikhats won seats in, contested."""
        out: dict[str, dict[str, Any]] = {}
        total = sum(c.seats for c in self.contests if c.id in self.results)
        for c in self.contests:
            res = self.results.get(c.id)
            if res is None:
                continue
            for party, n in res.seats.items():
                row = out.setdefault(
                    party,
                    {
                        "seats": 0,
                        "contested": 0,
                        "represented": 0,
                        "by_level": dict.fromkeys(LEVELS, 0),
                    },
                )
                row["contested"] += 1
                row["seats"] += n
                row["by_level"][c.level] += n
                row["represented"] += n > 0
        for row in out.values():
            row["share"] = frac(percent(row["seats"], total))
        return dict(sorted(out.items(), key=lambda kv: -int(kv[1]["seats"])))

    def to_dict(self) -> dict[str, Any]:
        return {
            "contests": [
                {
                    **c.to_dict(),
                    "seats_won": self.results[c.id].seats if c.id in self.results else None,
                }
                for c in self.contests
            ],
            "missing": list(self.missing),
            "combined": self.combined(),
            "total_seats": sum(c.seats for c in self.contests if c.id in self.results),
        }


def read_results(path: str | Path) -> dict[str, dict[str, int]]:
    """``contest,party,votes`` rows → contest → party → votes (special rows kept by name)."""
    name = Path(path).name
    problems: list[str] = []
    out: dict[str, dict[str, int]] = {}
    for row_no, row in read_csv(path, ("contest", "party", "votes")):
        where = f"{name} row {row_no}:"
        if not row["contest"] or not row["party"]:
            problems.append(f"{where} contest and party must not be empty")
            continue
        votes = parse_count(row["votes"], f"{where} votes", problems)
        contest = out.setdefault(row["contest"], {})
        if row["party"] in contest:
            problems.append(f"{where} party '{row['party']}' appears twice in '{row['contest']}'")
        contest[row["party"]] = votes
    if problems:
        raise InputError(problems)
    return out


def decide(
    contests: Iterable[MaslikhatContest], votes: Mapping[str, Mapping[str, int]]
) -> MaslikhatsResult:
    """Allocate every maslikhat with its own law and seats; every problem reported at once."""
    contests = tuple(contests)
    known = {c.id for c in contests}
    problems = [
        f"results: contest '{c}' is not in the contests file" for c in votes if c not in known
    ]
    results: dict[str, Seated] = {}
    laws: dict[str, Law] = {}
    for c in contests:
        if c.id not in votes:
            continue
        raw = dict(votes[c.id])
        against_all, invalid = raw.pop("against all", 0), raw.pop("invalid", 0)
        if c.law not in laws:
            laws[c.law] = resolve_law(c.law)
        try:
            results[c.id] = law_for(c, laws[c.law]).allocate(
                raw, against_all=against_all, invalid=invalid
            )
        except InputError as err:
            problems += [f"contest '{c.id}': {p}" for p in err.problems]
    if problems:
        raise InputError(problems)
    missing = tuple(c.id for c in contests if c.id not in votes)
    return MaslikhatsResult(contests, results, missing)
