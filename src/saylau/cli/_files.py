"""Checks on the files a command is given, before a reader parses them.

A results database handed where a CSV is expected (``saylau observers summary
saylau-demo.db``) failed deep in the CSV reader with "not UTF-8 (byte 0xb9 …)";
the user needs to hear which kind of file was expected and which one was given.
"""

from __future__ import annotations

from pathlib import Path

from saylau.errors import InputError

#: The first bytes of a file, by the kind of file they mark.
_MAGIC = {
    b"SQLite format 3\x00": "a SQLite database",
    b"PK\x03\x04": "a ZIP archive",
    b"%PDF-": "a PDF document",
}


def kind_of(path: str | Path) -> str | None:
    """What a binary file is, by its first bytes (None: not one saylau knows, or no file)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except OSError:
        return None  # the reader reports a missing file in its own words
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def expect_csv(path: str, argument: str) -> str:
    """``path`` when it may be a CSV file; an :class:`InputError` naming the argument
    and what the file is when it is a database, an archive or a PDF."""
    kind = kind_of(path)
    if kind is not None:
        raise InputError(f"{argument} {path}: expected a CSV file, got {kind}")
    return path
