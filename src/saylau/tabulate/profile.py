"""Profiles: how a real-world protocol export's header maps to the canonical fields.

A profile is data, a TOML file in ``saylau/tabulate/profiles/`` (see docs/tabulate.md):
regular-expression patterns for each canonical field, one pattern whose first capture
group is a party name, patterns of columns to ignore, and optionally the columns whose
values are joined into the station id.  Patterns are matched case-insensitively with
``re.search`` against the header cell stripped of whitespace, so one profile reads the
word forms and optional columns of several years.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from saylau.errors import InputError, NotFoundError
from saylau.tabulate.fields import FIELDS, REQUIRED, STATION, party_column

DEFAULT_PROFILE = "canonical"


@dataclass(frozen=True)
class HeaderMap:
    """The result of matching a file header against a profile.

    ``columns`` maps a source column index to its canonical column (``party:<name>``
    for parties); ``station_parts`` lists the source column indices joined (with
    ``separator``) into the station id when the profile composes it.
    """

    columns: dict[int, str]
    station_parts: tuple[int, ...]
    separator: str
    parties: list[str]
    #: Canonical fields the file lacks that the reader computes (``valid`` from the
    #: votes, for profiles with ``valid_from_votes``).
    derived: tuple[str, ...] = ()


@dataclass(frozen=True)
class HeaderMatch:
    """How well a header fits a profile: the map (``None`` when there are problems),
    every problem, and the required fields the header lacks."""

    hmap: HeaderMap | None
    problems: list[str]
    missing: list[str]


@dataclass(frozen=True)
class Profile:
    """A header layout: field patterns, the party pattern, ignored columns, station id."""

    code: str
    title: str
    fields: dict[str, tuple[re.Pattern[str], ...]]
    party: re.Pattern[str]
    ignore: tuple[re.Pattern[str], ...] = ()
    station_parts: tuple[re.Pattern[str], ...] = ()
    separator: str = " / "
    #: A file without a "valid ballots" column gets valid = sum of the votes (+ against
    #: all): the 2020 Russian constitutional vote has no such protocol line.
    valid_from_votes: bool = False
    source: str = field(default="", compare=False)

    def map_header(self, header: list[str], name: str) -> HeaderMap:
        """Assign every header cell a role, or raise ``InputError`` with every problem."""
        found = self.match_header(header, name)
        if found.hmap is None:
            raise InputError(found.problems)
        return found.hmap

    def match_header(self, header: list[str], name: str) -> HeaderMatch:
        """Match a header without raising: the map, or every problem and missing field."""
        problems: list[str] = []
        missing: list[str] = []
        columns: dict[int, str] = {}
        seen: dict[str, int] = {}
        parties: list[str] = []
        parts: list[int | None] = [None] * len(self.station_parts)
        for index, raw in enumerate(header):
            cell = raw.strip()
            used = False
            for k, pattern in enumerate(self.station_parts):
                if parts[k] is None and pattern.search(cell):
                    parts[k] = index
                    used = True
                    break
            target = self._target(cell)
            if target is None:
                if not used and not any(p.search(cell) for p in self.ignore):
                    problems.append(
                        f"{name}: unknown column {raw!r} (column {index + 1}) for profile {self.code!r}"
                    )
                continue
            if target in seen:
                problems.append(
                    f"{name}: columns {seen[target] + 1} and {index + 1} both give {target!r} "
                    f"({header[seen[target]]!r}, {raw!r})"
                )
                continue
            seen[target] = index
            columns[index] = target
            if target.startswith("party:"):
                parties.append(target[len("party:") :])
        # Id parts absent in some years (e.g. no oik column) are skipped; one must exist.
        if self.station_parts and all(idx is None for idx in parts):
            wanted = ", ".join(repr(p.pattern) for p in self.station_parts)
            problems.append(f"{name}: no station id column (profile {self.code!r} wants {wanted})")
            missing.append(STATION)
        composed = bool(self.station_parts)
        derived: tuple[str, ...] = ()
        for required in sorted(REQUIRED):
            if required == STATION and composed:
                continue
            if required == "valid" and self.valid_from_votes and parties and required not in seen:
                derived = ("valid",)
                continue
            if required not in seen:
                missing.append(required)
                problems.append(f"{name}: missing required column {required!r}")
        if problems:
            return HeaderMatch(None, problems, sorted(missing))
        hmap = HeaderMap(
            columns, tuple(i for i in parts if i is not None), self.separator, parties, derived
        )
        return HeaderMatch(hmap, [], [])

    def _target(self, cell: str) -> str | None:
        for fname, patterns in self.fields.items():
            if any(p.search(cell) for p in patterns):
                return fname
        match = self.party.search(cell)
        if match:
            pname = (match.group(1) if match.groups() else cell).strip()
            if pname:
                return party_column(pname)
        return None


def _compile(pattern: object, where: str) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise InputError(f"{where}: pattern {pattern!r} is not a string")
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as err:
        raise InputError(f"{where}: bad pattern {pattern!r}: {err}") from None


def parse_profile(text: str, source: str) -> Profile:
    """Parse a profile TOML document (raises ``InputError`` naming every problem)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{source}: not valid TOML: {err}") from None
    problems: list[str] = []
    code = data.get("code")
    if not isinstance(code, str) or not code:
        problems.append(f"{source}: 'code' must be a non-empty string")
    raw_fields = data.get("fields", {})
    fields: dict[str, tuple[re.Pattern[str], ...]] = {}
    if not isinstance(raw_fields, dict):
        problems.append(f"{source}: [fields] must be a table")
        raw_fields = {}
    for fname, pats in raw_fields.items():
        if fname not in FIELDS:
            problems.append(f"{source}: [fields] {fname!r} is not a canonical field")
            continue
        pats = [pats] if isinstance(pats, str) else pats
        if not isinstance(pats, list):
            problems.append(f"{source}: [fields] {fname!r} must be a pattern or a list of them")
            continue
        try:
            fields[fname] = tuple(_compile(p, f"{source} fields.{fname}") for p in pats)
        except InputError as err:
            problems.extend(err.problems)
    station = data.get("station", {})
    if not isinstance(station, dict):
        problems.append(f"{source}: [station] must be a table")
        station = {}
    try:
        party = _compile(data.get("party", ""), f"{source} party")
        ignore = tuple(_compile(p, f"{source} ignore") for p in data.get("ignore", []))
        parts = tuple(_compile(p, f"{source} station.compose") for p in station.get("compose", []))
    except InputError as err:
        problems.extend(err.problems)
    valid_from_votes = data.get("valid_from_votes", False)
    if not isinstance(valid_from_votes, bool):
        problems.append(f"{source}: 'valid_from_votes' must be true or false")
    if not data.get("party"):
        problems.append(f"{source}: 'party' pattern is missing")
    if problems:
        raise InputError(problems)
    assert isinstance(code, str)
    return Profile(
        code=code,
        title=str(data.get("title", code)),
        fields=fields,
        party=party,
        ignore=ignore,
        station_parts=parts,
        separator=str(station.get("separator", " / ")),
        valid_from_votes=valid_from_votes is True,
        source=source,
    )


@cache
def _bundled() -> dict[str, Profile]:
    found: dict[str, Profile] = {}
    for entry in resources.files("saylau.tabulate").joinpath("profiles").iterdir():
        if entry.name.endswith(".toml"):
            prof = parse_profile(entry.read_text(encoding="utf-8"), entry.name)
            found[prof.code] = prof
    return dict(sorted(found.items()))


def profiles() -> dict[str, Profile]:
    """The bundled profiles by code."""
    return dict(_bundled())


def get_profile(name: str | None) -> Profile:
    """A bundled profile by code, or a profile TOML file by path (``None``: canonical)."""
    name = name or DEFAULT_PROFILE
    bundled = _bundled()
    if name in bundled:
        return bundled[name]
    path = Path(name)
    if path.suffix == ".toml" and path.is_file():
        return parse_profile(path.read_text(encoding="utf-8"), str(path))
    raise NotFoundError(f"unknown profile {name!r} (known: {', '.join(bundled)})")


def _unfit(code: str, found: HeaderMatch) -> str:
    """One profile's misfit, short: its missing required columns or first problems."""
    if found.missing:
        return f"{code} misses " + ", ".join(repr(m) for m in found.missing)
    shown = [p.split(": ", 1)[-1] for p in found.problems[:2]]
    more = f" and {len(found.problems) - 2} more" if len(found.problems) > 2 else ""
    return f"{code}: " + "; ".join(shown) + more


def detect_profile(header: list[str], name: str) -> tuple[Profile, HeaderMap]:
    """The bundled profile that reads ``header`` (no ``--profile`` given).

    Canonical first; a header with every canonical required column stays canonical
    (its other problems are raised as they are).  Otherwise every other bundled
    profile is tried and the one that maps the whole header is used.  None or several:
    one ``InputError`` naming each candidate and what it misses, followed by the
    problems of the closest candidate.
    """
    bundled = _bundled()
    canonical = bundled[DEFAULT_PROFILE]
    first = canonical.match_header(header, name)
    if first.hmap is not None:
        return canonical, first.hmap
    if not first.missing:
        raise InputError(first.problems)
    tried: dict[str, HeaderMatch] = {DEFAULT_PROFILE: first}
    fits: list[tuple[Profile, HeaderMap]] = []
    for code, prof in bundled.items():
        if code == DEFAULT_PROFILE:
            continue
        found = prof.match_header(header, name)
        tried[code] = found
        if found.hmap is not None:
            fits.append((prof, found.hmap))
    if len(fits) == 1:
        return fits[0]
    if fits:
        codes = ", ".join(p.code for p, _ in fits)
        raise InputError(f"{name}: the header fits several profiles ({codes}); give --profile")
    # closest: fewest missing required columns, then fewest problems (canonical on ties)
    closest = min(tried, key=lambda c: (len(tried[c].missing), len(tried[c].problems)))
    summary = "; ".join(_unfit(c, m) for c, m in tried.items())
    return_problems = [
        f"{name}: no bundled profile reads this header ({summary}); give --profile NAME|FILE",
        *tried[closest].problems,
    ]
    raise InputError(return_problems)
