"""read_utf8: the text of a file, or one line naming the file and what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from saylau.errors import InputError
from saylau.textfile import read_utf8


def test_text_without_its_bom(tmp_path: Path) -> None:
    f = tmp_path / "v.csv"
    f.write_bytes("\ufeffparty,votes\nА,1\n".encode())
    assert read_utf8(f) == "party,votes\nА,1\n"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "v.csv: file not found"),
        (lambda p: p.mkdir(), "v.csv: cannot be read: Is a directory"),
        (
            lambda p: p.write_bytes("party\nА\n".encode("cp1251")),
            "v.csv: not UTF-8 (byte 0xc0 at offset 6); save the file as UTF-8",
        ),
    ],
)
def test_one_line_per_failure(tmp_path: Path, make: object, message: str) -> None:
    f = tmp_path / "v.csv"
    make(f)  # type: ignore[operator]
    with pytest.raises(InputError) as err:
        read_utf8(f)
    assert str(err.value) == message
