"""The protocol reader on hostile input: any bytes give a table or one ``InputError``
(never another exception), and the CLI's ``tabulate`` and ``ingest`` refuse an
over-long cell, full-width digits and invisible or reordering characters with one
line naming row and column (the same rule the API applies)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from saylau.cli import main
from saylau.errors import InputError
from saylau.tabulate.fields import MAX_CELL_BYTES, text_problem
from saylau.tabulate.reader import read_protocols

HEADER = "station,region,registered,valid,invalid,party:A,party:B"
#: Bounded: the whole module stays within a few seconds per strategy.
FUZZ = settings(
    max_examples=150,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _read_or_refuse(data: bytes, name: str = "fuzz.csv") -> None:
    try:
        table = read_protocols(data, name=name)
    except InputError as err:
        assert err.problems and all(isinstance(p, str) and p for p in err.problems)
        assert all("\n" not in p for p in err.problems), err.problems
        return
    assert table.frame.height >= 1


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes(data: bytes) -> None:
    _read_or_refuse(data)


#: Cells a protocol file might hold, hostile ones included.
CELLS = st.one_of(
    st.integers(-5, 10**10).map(str),
    st.sampled_from(["", " ", "1.0", "1,5", "１２３", "٣", "1e3", "NaN", '"', '""', "\x00", "\u202e1", "S\u200b1", "\ufeff"]),
    st.text(max_size=12),
)  # fmt: skip


@FUZZ
@given(
    st.lists(st.lists(CELLS, min_size=0, max_size=9), min_size=0, max_size=6),
    st.sampled_from([",", ";", "\t"]),
    st.booleans(),
)
def test_csv_like_rows(rows: list[list[str]], sep: str, zipped: bool) -> None:
    text = "\n".join([HEADER.replace(",", sep), *(sep.join(r) for r in rows)]) + "\n"
    data = text.encode("utf-8", errors="surrogatepass")
    if zipped:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr("p.csv", data)
        data = out.getvalue()
    _read_or_refuse(data, "fuzz.zip" if zipped else "fuzz.csv")


def test_the_name_rule() -> None:
    assert text_problem("Алматы облысы") is None and text_problem("S 1-a") is None
    for bad in ("S\x00", "S\u202e", "S\u200b", "S\u2066x", "\ufeffS", "a\u2028b"):
        assert text_problem(bad) is not None, repr(bad)


ROWS = ["S1,North,1000,600,10,400,200", "S2,North,1000,500,10,300,200"]


def _file(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "p.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


CASES = {
    "long cell, first rows": (["S1," + "x" * (MAX_CELL_BYTES + 1) + ",1000,600,10,400,200", ROWS[1]], "row 1: region is longer than 131,072 bytes"),
    "long cell, deep": ([*ROWS, *(f"S{n},N,9,5,1,3,2" for n in range(3, 12)), "S99,N,9,5,1,3," + "7" * (MAX_CELL_BYTES + 1)], "row 12 (station 'S99'): party:B is longer than 131,072 bytes"),
    "full-width digits": ([ROWS[0], "S2,North,１０００,500,10,300,200"], "row 2 (station 'S2'): registered '１０００' is not an integer (digits must be ASCII 0-9)"),
    "bidi override": ([ROWS[0], "S2,Nor\u202eth,1000,500,10,300,200"], "row 2: region 'Nor\\u202eth' contains U+202E"),
    "zero width": (["S\u200b1,North,1000,600,10,400,200", ROWS[1]], "row 1: station 'S\\u200b1' contains U+200B"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("command", ["tabulate", "ingest"])
def test_cli_refuses_with_one_line(tmp_path: Path, case: str, command: str) -> None:
    rows, said = CASES[case]
    path = _file(tmp_path, rows)
    runner = CliRunner()
    if command == "tabulate":
        args = ["tabulate", str(path), "--law", "kz-majilis-2021"]
    else:
        db = str(tmp_path / "s.db")
        made = runner.invoke(
            main, ["init", db, "--election", "E", "--contest", "c", "--law", "kz-majilis-2021"]
        )
        assert made.exit_code == 0, made.output
        args = ["ingest", db, str(path), "--contest", "c"]
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: p.csv ") and said in lines[0], lines
    assert "Traceback" not in result.output
    if command == "ingest":  # nothing written
        after = runner.invoke(main, ["results", db, "--contest", "c", "--json"])
        assert after.exit_code == 0 and json.loads(after.output)["children"] == [], after.output
