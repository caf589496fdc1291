"""Small helpers shared by the institutions modules: exact numbers, CSV reading."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from saylau.core.inputs import check_whole
from saylau.errors import InputError
from saylau.textfile import read_utf8


def frac(value: Fraction | int) -> dict[str, Any]:
    """JSON form of an exact number: ``"p/q"`` plus a float approximation."""
    value = Fraction(value)
    return {"exact": f"{value.numerator}/{value.denominator}", "approx": float(value)}


def percent(part: int, whole: int) -> Fraction:
    """``part`` as an exact percentage of ``whole`` (0 when ``whole`` is 0)."""
    return Fraction(100 * part, whole) if whole else Fraction(0)


def parse_percent(value: object, where: str) -> Fraction:
    """A percentage given as a number or string (``30``, ``"7.5"``), converted exactly."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Fraction):
        raise InputError(f"{where}: '{value}' is not a percentage")
    try:
        result = Fraction(str(value).strip().rstrip("%"))
    except (ValueError, ZeroDivisionError):
        raise InputError(f"{where}: '{value}' is not a percentage") from None
    if not 0 <= result <= 100:
        raise InputError(f"{where}: '{value}' is outside 0..100")
    return result


def read_csv(path: str | Path, required: Sequence[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV file as ``(row number, row)``; the header is row 1.

    Column names are stripped and lower-cased.  Raises ``InputError`` when the file
    cannot be read or lacks a required column.
    """
    path = Path(path)
    text = read_utf8(path)
    if not text.strip():
        raise InputError(f"{path.name}: the file is empty")
    reader = csv.DictReader(text.splitlines())
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in required if name not in header]
    if missing:
        raise InputError([f"{path.name}: missing column '{name}'" for name in missing])
    reader.fieldnames = header
    for number, row in enumerate(reader, start=2):
        yield number, {k: (v or "").strip() for k, v in row.items() if k is not None}


def parse_count(text: str, where: str, problems: list[str]) -> int:
    """A non-negative integer cell; appends a problem and returns 0 when it is not one."""
    try:
        value = int(text)
    except ValueError:
        problems.append(f"{where} '{text}' is not a whole number")
        return 0
    if value < 0:
        problems.append(f"{where} '{text}' is negative")
        return 0
    return value


def check_counts(votes: Mapping[str, int], what: str) -> None:
    """Raise ``InputError`` naming every negative or non-integer count."""
    check_whole(
        votes, lambda name, count: f"{what} '{name}': '{count}' is not a non-negative whole number"
    )


def read_pairs(path: str | Path, key: str, value: str) -> dict[str, int]:
    """A two-column CSV (e.g. ``party,seats`` or ``candidate,votes``) as an ordered dict."""
    name = Path(path).name
    problems: list[str] = []
    out: dict[str, int] = {}
    for row_no, row in read_csv(path, (key, value)):
        if not row[key]:
            problems.append(f"{name} row {row_no}: {key} is empty")
            continue
        if row[key] in out:
            problems.append(f"{name} row {row_no}: {key} '{row[key]}' appears twice")
        out[row[key]] = parse_count(row[value], f"{name} row {row_no}: {value}", problems)
    if problems:
        raise InputError(problems)
    return out
