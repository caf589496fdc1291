"""Reading a votes file: UTF-8 CSV with the header ``party,votes``.

Optional columns feed the rules a law may use: ``region`` (one row per party
and region; regional thresholds), ``alliance`` (list alliances), ``members``
(parties in an electoral coalition), ``exempt`` and ``minority`` (yes/no) and
``candidates`` (list length, for list exhaustion).  Every problem of a file is
reported at once, each naming the row, the column and the value.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from saylau.errors import InputError
from saylau.textfile import read_utf8

OPTIONAL = ("region", "alliance", "members", "exempt", "minority", "candidates")
_TRUE = {"yes", "true", "1", "y", "x"}
_FALSE = {"no", "false", "0", "n", ""}
_INT = re.compile(r"^\d+$")
MAX_VOTES = 10**12


@dataclass
class VotesFile:
    """The parsed votes of one list tier, in file (registration) order."""

    votes: dict[str, int]
    regions: dict[str, dict[str, int]] = field(default_factory=dict)
    alliances: dict[str, str] = field(default_factory=dict)
    members: dict[str, int] = field(default_factory=dict)
    exempt: set[str] = field(default_factory=set)
    minority: set[str] = field(default_factory=set)
    list_sizes: dict[str, int] = field(default_factory=dict)


def read_votes_csv(source: str | Path | io.TextIOBase, *, label: str | None = None) -> VotesFile:
    """Read a votes CSV from a path, ``-``-style text stream or path string."""
    if isinstance(source, io.TextIOBase):
        name = label or "<stdin>"
        text = source.read()
    else:
        path = Path(source)
        name = label or path.name
        text = read_utf8(path, name)
    return parse_votes_csv(text, name)


def parse_votes_csv(text: str, name: str = "votes") -> VotesFile:
    """Parse the text of a votes CSV; see the module docstring."""
    text = text.lstrip("\ufeff")
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as err:  # e.g. a NUL byte or an unterminated quote
        raise InputError(f"{name}: not a readable CSV ({err})") from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise InputError(f"{name}: the file is empty (expected a header 'party,votes')")
    header = [h.strip().lower() for h in rows[0]]
    problems: list[str] = []
    for col in ("party", "votes"):
        if col not in header:
            problems.append(f"{name}: missing column '{col}' (header is {','.join(rows[0])})")
    for col in header:
        if col not in ("party", "votes", *OPTIONAL):
            problems.append(
                f"{name}: unknown column '{col}' (valid: party, votes, {', '.join(OPTIONAL)})"
            )
    if len(set(header)) != len(header):
        problems.append(f"{name}: duplicate column in header {','.join(rows[0])}")
    if problems:
        raise InputError(problems)
    if len(rows) == 1:
        raise InputError(f"{name}: no data rows after the header")
    idx = {h: i for i, h in enumerate(header)}
    out = VotesFile(votes={})
    seen: dict[tuple[str, str], int] = {}
    for n, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            problems.append(f"{name} row {n}: {len(row)} fields, expected {len(header)}")
            continue
        party = row[idx["party"]].strip()
        if not party:
            problems.append(f"{name} row {n}: empty party name")
            continue
        region = row[idx["region"]].strip() if "region" in idx else ""
        key = (party, region)
        if key in seen:
            where = f" in region '{region}'" if region else ""
            problems.append(
                f"{name} row {n}: duplicate party '{party}'{where} (first on row {seen[key]})"
            )
            continue
        seen[key] = n
        v = _count(row[idx["votes"]], f"{name} row {n}: votes", problems)
        if v is None:
            continue
        out.votes[party] = out.votes.get(party, 0) + v
        if region:
            out.regions.setdefault(party, {})[region] = v
        elif "region" in idx:
            problems.append(f"{name} row {n}: empty region for party '{party}'")
        if "alliance" in idx and row[idx["alliance"]].strip():
            out.alliances[party] = row[idx["alliance"]].strip()
        for col, target in (("members", out.members), ("candidates", out.list_sizes)):
            if col in idx and row[idx[col]].strip():
                c = _count(row[idx[col]], f"{name} row {n}: {col}", problems)
                if c is not None:
                    target[party] = c
        for col, flags in (("exempt", out.exempt), ("minority", out.minority)):
            if col in idx:
                cell = row[idx[col]].strip().lower()
                if cell in _TRUE:
                    flags.add(party)
                elif cell not in _FALSE:
                    problems.append(f"{name} row {n}: {col} '{row[idx[col]]}' is not yes/no")
    if problems:
        raise InputError(problems)
    return out


def _count(cell: str, where: str, problems: list[str]) -> int | None:
    s = cell.strip().replace("\u00a0", "").replace(" ", "")
    if _INT.match(s):
        v = int(s)
        if v > MAX_VOTES:
            problems.append(f"{where} '{cell}' is absurdly large (over {MAX_VOTES:,})")
            return None
        return v
    if s.startswith("-") and _INT.match(s[1:]):
        problems.append(f"{where} '{cell}' is negative")
    elif re.match(r"^-?\d*[.,]\d+$", s):
        problems.append(f"{where} '{cell}' is not a whole number")
    else:
        problems.append(f"{where} '{cell}' is not a number")
    return None
