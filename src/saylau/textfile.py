"""Reading a UTF-8 input file with one clear line for each way it can fail."""

from __future__ import annotations

from pathlib import Path

from saylau.errors import InputError


def read_utf8(path: str | Path, name: str | None = None) -> str:
    """The text of ``path`` (a leading BOM dropped); ``InputError`` naming ``name``
    (default: the file's name) when it is missing, unreadable or not UTF-8."""
    path = Path(path)
    name = name or path.name
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{name}: file not found") from None
    except OSError as err:
        raise InputError(f"{name}: cannot be read: {err.strerror or err}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            f"{name}: not UTF-8 (byte 0x{raw[err.start]:02x} at offset {err.start});"
            " save the file as UTF-8"
        ) from None
