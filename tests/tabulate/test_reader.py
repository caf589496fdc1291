"""The protocol reader: canonical CSV, zip, JSON, and every structural error."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from saylau.errors import InputError, NotFoundError
from saylau.tabulate import read_protocols, read_protocols_json

GOOD = (
    "station,region,registered,issued_at_station,invalid,valid,party:A,party:B\n"
    "1,North,100,60,2,58,40,18\n"
    "2,South,200,150,5,145,100,45\n"
)


def problems(data: bytes | str, **kw: str) -> list[str]:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(InputError) as err:
        read_protocols(raw, name="p.csv", **kw)
    return err.value.problems


def test_reads_canonical_csv() -> None:
    t = read_protocols(GOOD.encode(), name="p.csv")
    assert t.parties == ["A", "B"]
    assert t.synthetic is False
    assert t.frame.columns == [
        "row",
        "station",
        "region",
        "registered",
        "issued_at_station",
        "invalid",
        "valid",
        "party:A",
        "party:B",
    ]
    assert t.frame["registered"].dtype == pl.Int64
    assert t.frame["party:A"].to_list() == [40, 100]
    assert t.row_numbers.to_list() == [1, 2]


def test_bom_crlf_zip_and_path_read_alike(tmp_path: Path) -> None:
    crlf = ("\ufeff" + GOOD).replace("\n", "\r\n").encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("inner.csv", crlf)
    path = tmp_path / "p.csv.zip"
    path.write_bytes(buf.getvalue())
    plain = read_protocols(GOOD.encode())
    for other in (read_protocols(crlf), read_protocols(path)):
        assert other.frame.equals(plain.frame)
    assert read_protocols(path).source == "p.csv.zip:inner.csv"


def test_synthetic_label() -> None:
    t = read_protocols(("# synthetic: test data\n" + GOOD).encode())
    assert t.synthetic is True
    assert t.note == "test data"
    assert t.frame.height == 2


def test_unknown_and_missing_columns_all_reported() -> None:
    errs = problems("station,votes,valid,party:A\n1,3,3,3\n")
    assert "p.csv: unknown column 'votes' (column 2) for profile 'canonical'" in errs
    assert "p.csv: missing required column 'invalid'" in errs
    assert "p.csv: missing required column 'registered'" in errs


def test_duplicate_header() -> None:
    errs = problems("station,registered,invalid,valid,valid\n1,1,1,1,1\n")
    assert errs == ["p.csv: columns 4 and 5 both give 'valid' ('valid', 'valid')"]


def test_empty_file_and_header_only() -> None:
    assert problems(b"") == ["p.csv: empty file (no header, no protocol rows)"]
    assert problems("station,registered,invalid,valid\n") == [
        "p.csv: no protocol rows after the header"
    ]


def test_windows_1251_is_recoded_with_a_warning() -> None:
    text = "station,region,registered,invalid,valid\n1,Алматы,5,0,5\n"
    t = read_protocols(text.encode("cp1251"), name="p.csv")
    assert t.frame["region"].to_list() == ["Алматы"]
    assert t.warnings == ["p.csv: not UTF-8, read as Windows-1251 (cp1251)"]
    assert t.frame.equals(read_protocols(text.encode()).frame)


def test_utf16_is_recoded() -> None:
    t = read_protocols(GOOD.encode("utf-16"), name="p.csv")
    assert t.warnings == ["p.csv: not UTF-8, read as UTF-16"]
    assert t.frame.equals(read_protocols(GOOD.encode()).frame)


def test_damaged_utf8_and_latin1_are_one_clear_error() -> None:
    # valid UTF-8 Cyrillic with one stray byte: broken UTF-8, not a cp1251 file
    damaged = "station,region,registered,invalid,valid\n1,Алматы,5,0,5\n2,x\xff,5,0,5\n"
    errs = problems(damaged.encode("utf-8", errors="surrogateescape").replace(b"\xc3\xbf", b"\xff"))
    assert errs == [
        "p.csv row 2: not UTF-8 (byte b'\\xff'); neither UTF-8 nor Windows-1251 text: "
        "save the file as UTF-8"
    ]
    latin1 = "station,region,registered,invalid,valid\n1,Zürich,5,0,5\n".encode("latin-1")
    assert problems(latin1) == [
        "p.csv row 1: not UTF-8 (byte b'\\xfc'); neither UTF-8 nor Windows-1251 text: "
        "save the file as UTF-8"
    ]
    header = "station,régión,registered,invalid,valid\n1,x,5,0,5\n".encode("latin-1")
    assert problems(header) == [
        "p.csv: not UTF-8 (byte 9: b'\\xe9'); neither UTF-8 nor Windows-1251 text: "
        "save the file as UTF-8"
    ]


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolon_and_tab_separated_with_bom(sep: str) -> None:
    text = "\ufeff" + GOOD.replace(",", sep)
    t = read_protocols(text.encode(), name="p.csv")
    assert t.frame.equals(read_protocols(GOOD.encode()).frame)


def test_separator_from_the_rows_when_header_cells_hold_commas() -> None:
    # semicolon file whose (unquoted) header cells have more commas than semicolons
    header = "region;tik;uik;Число избирателей, внесенных в список, всего;" + (
        "Число недействительных бюллетеней;Число действительных бюллетеней;1. А, Б, В и Г"
    )
    t = read_protocols(f"{header}\nR;T;1;10;1;5;5\n".encode(), name="p.csv", profile="ru-cik")
    assert t.frame.row(0, named=True)["registered"] == 10
    assert t.parties == ["А, Б, В и Г"]


def test_whole_floats_as_written_by_pandas() -> None:
    text = GOOD.replace(",100,60,", ",100.0,60.0,").replace(",18\n", ",18.0\n")
    t = read_protocols(text.encode(), name="p.csv")
    assert t.frame.equals(read_protocols(GOOD.encode()).frame)
    bad = GOOD.replace(",100,60,", ",12.5,60.0,")
    assert problems(bad) == [
        "p.csv row 1 (station '1'): registered '12.5' is fractional, not a whole number"
    ]


def test_row_without_any_count_is_skipped_with_a_warning() -> None:
    text = GOOD + "3,East,,,,,,\n" + "4,West,,,,,,\n"
    t = read_protocols(text.encode(), name="p.csv")
    assert t.frame.equals(read_protocols(GOOD.encode()).frame)
    assert t.warnings == [
        "p.csv: skipped 2 row(s) without data (every count empty): stations '3', '4'"
    ]
    assert t.warnings[0].details == (  # type: ignore[attr-defined]
        "p.csv row 3 (station '3'): no data, skipped",
        "p.csv row 4 (station '4'): no data, skipped",
    )
    # one count present: the empty ones are errors, with row and field
    assert problems(GOOD + "3,East,,,,,7,\n") == [
        "p.csv row 3 (station '3'): registered is empty",
        "p.csv row 3 (station '3'): issued_at_station is empty",
        "p.csv row 3 (station '3'): invalid is empty",
        "p.csv row 3 (station '3'): valid is empty",
        "p.csv row 3 (station '3'): party:B is empty",
    ]
    header = GOOD.splitlines()[0]
    assert problems(f"{header}\n1,North,,,,,,\n") == [
        "p.csv: no protocol with data (every row's counts are empty)"
    ]


def test_malformed_csv_rows() -> None:
    errs = problems("station,registered,invalid,valid\n1,5,0,5\n2,5,0,5,9\n")
    assert errs == ["p.csv row 2: 5 fields, the header has 4"]


def test_bad_values_every_one_reported() -> None:
    text = (
        "station,registered,invalid,valid,party:A\n"
        "s1,-5,0,5,5\n"
        "s2,1.5,0,5,5\n"
        "s3,abc,0,5,5\n"
        "s4,99999999999999999999,0,5,5\n"
        "s5,100000001,0,5,\n"
    )
    assert problems(text) == [
        "p.csv row 1 (station 's1'): registered '-5' is negative",
        "p.csv row 2 (station 's2'): registered '1.5' is fractional, not a whole number",
        "p.csv row 3 (station 's3'): registered 'abc' is not an integer",
        "p.csv row 4 (station 's4'): registered '99999999999999999999' is absurdly large (over 100,000,000)",
        "p.csv row 5 (station 's5'): registered '100000001' is absurdly large (over 100,000,000)",
        "p.csv row 5 (station 's5'): party:A is empty",
    ]


def test_negative_found_on_the_typed_path() -> None:
    # all values parse as Int64, so the fast path must still catch the sign
    assert problems("station,registered,invalid,valid\n1,5,-1,5\n") == [
        "p.csv row 1 (station '1'): invalid '-1' is negative"
    ]


def test_duplicate_station_names_both_rows() -> None:
    errs = problems("station,registered,invalid,valid\n7,5,0,5\n8,5,0,5\n7,6,0,6\n")
    assert errs == ["p.csv: duplicate station '7' in rows 1, 3"]


def test_empty_station() -> None:
    assert problems("station,registered,invalid,valid\n,5,0,5\n") == [
        "p.csv row 1: station is empty"
    ]


def test_zip_with_two_files() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.csv", GOOD)
        zf.writestr("b.csv", GOOD)
    assert problems(buf.getvalue()) == [
        "p.csv: a zip must hold exactly one .csv file, found a.csv, b.csv"
    ]


def test_unknown_profile() -> None:
    with pytest.raises(NotFoundError, match="unknown profile 'xx'"):
        read_protocols(GOOD.encode(), profile="xx")


def test_json_same_validation() -> None:
    t = read_protocols_json(
        [
            {"station": "1", "registered": 100, "invalid": 2, "valid": 58, "party:A": 58},
            {"station": "2", "registered": "200", "invalid": 0, "valid": 1, "party:A": 1},
        ]
    )
    assert t.frame["registered"].to_list() == [100, 200]
    with pytest.raises(InputError) as err:
        read_protocols_json(
            [
                {"station": "1", "registered": 1.5, "invalid": True, "valid": 5, "x": 1},
            ]
        )
    assert err.value.problems == [
        "protocols: unknown column 'x' (column 5) for profile 'canonical'"
    ]
    with pytest.raises(InputError) as err:
        read_protocols_json([{"station": "1", "registered": 1.5, "invalid": True, "valid": -5}])
    assert err.value.problems == [
        "protocols row 1 (station '1'): registered '1.5' is fractional, not a whole number",
        "protocols row 1 (station '1'): invalid 'True' is not an integer",
        "protocols row 1 (station '1'): valid '-5' is negative",
    ]


def test_ru_cik_word_forms() -> None:
    # Another year's wording, "N.Name" without a space, an absentee-certificate column
    # to ignore, no oik column and no "lost"/"unaccounted" lines.
    header = [
        "region",
        "tik",
        "uik",
        "Число избирателей, включенных в списки избирателей",
        "Число открепительных удостоверений, полученных участковой комиссией",
        "Число недействительных избирательных бюллетеней",
        "Число действительных избирательных бюллетеней",
        "1.Партия А",
        "2. Партия Б",
    ]
    buf = io.StringIO()
    csv.writer(buf).writerows([header, ["R", "T", "УИК №1", 100, 0, 1, 9, 5, 4]])
    t = read_protocols(buf.getvalue().encode(), profile="ru-cik", name="old.csv")
    assert t.parties == ["Партия А", "Партия Б"]
    assert t.frame["station"].to_list() == ["R / T / УИК №1"]
    assert t.frame.row(0, named=True) == {
        "row": 1,
        "station": "R / T / УИК №1",
        "region": "R",
        "district": "T",
        "registered": 100,
        "invalid": 1,
        "valid": 9,
        "party:Партия А": 5,
        "party:Партия Б": 4,
    }


def test_ru_cik_unknown_column_named() -> None:
    data = "region,tik,uik,Число действительных бюллетеней,Странная колонка\nR,T,1,5,5\n"
    with pytest.raises(InputError) as err:
        read_protocols(data.encode(), profile="ru-cik", name="x.csv")
    assert err.value.problems == [
        "x.csv: unknown column 'Странная колонка' (column 5) for profile 'ru-cik'",
        "x.csv: missing required column 'invalid'",
        "x.csv: missing required column 'registered'",
    ]


def test_several_profiles_fitting_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from saylau.tabulate import profile as profile_mod

    bundled = profile_mod._bundled()
    twin = replace(bundled["ru-cik"], code="ru-cik-copy")
    monkeypatch.setattr(profile_mod, "_bundled", lambda: {**bundled, "ru-cik-copy": twin})
    text = (
        "region,uik,Число избирателей внесенных в список,Число недействительных бюллетеней,"
        "Число действительных бюллетеней,1. А\nR,1,9,0,5,5\n"
    )
    assert problems(text) == [
        "p.csv: the header fits several profiles (ru-cik, ru-cik-copy); give --profile"
    ]
    # an explicit profile settles it
    assert read_protocols(text.encode(), profile="ru-cik").frame["valid"].to_list() == [5]


def test_canonical_header_with_a_typo_keeps_canonical_errors() -> None:
    # every canonical required column is there: no other profile is tried
    assert problems("station,registered,invalid,valid,party:A,partyB\n1,5,0,5,5,0\n") == [
        "p.csv: unknown column 'partyB' (column 6) for profile 'canonical'"
    ]
