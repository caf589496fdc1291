"""Profile ru-cik on the header of every year of the dkobak/elections scrape (2000-2026).

The real files (github.com/dkobak/elections, data/20XX.csv.zip) are not in the repo;
each fixture in tests/data/ru-cik/ has the header recovered for one year (its comment
says from which notebook or file) and three made-up protocols whose numbers satisfy the
control relations.  Every count is compared with the fixture's own cell under the
header text that should map to it, read with the csv module, so a pattern that maps
the wrong line (or none) fails here.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from saylau.cli import main
from saylau.errors import InputError
from saylau.tabulate import ProtocolTable, check, get_profile, read_protocols
from saylau.tabulate.fields import party_column

DATA = Path(__file__).parent.parent / "data" / "ru-cik"

REG_V = "Число избирателей, внесенных в список избирателей"
REG_V_END = "Число избирателей, внесенных в список избирателей на момент окончания голосования"
REG_I = "Число избирателей, включенных в список избирателей"
REG_I_END = "Число избирателей, включенных в список избирателей на момент окончания голосования"
RECV = "Число избирательных бюллетеней, полученных участковой избирательной комиссией"
EARLY = "Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно"
AT_OLD = "Число избирательных бюллетеней, выданных избирателям в помещении для голосования"
OUT_OLD = (
    "Число избирательных бюллетеней, выданных избирателям, "
    "проголосовавшим вне помещения для голосования"
)
AT = "Число избирательных бюллетеней, выданных в помещении для голосования в день голосования"
OUTS = "Число избирательных бюллетеней, выданных вне помещения для голосования в день голосования"
CANC = "Число погашенных избирательных бюллетеней"
MOB = "Число избирательных бюллетеней, содержащихся в переносных ящиках для голосования"
STAT = "Число избирательных бюллетеней, содержащихся в стационарных ящиках для голосования"
MOB18 = "Число избирательных бюллетеней в переносных ящиках для голосования"
STAT18 = "Число бюллетеней в стационарных ящиках для голосования"
INV = "Число недействительных избирательных бюллетеней"
VAL = "Число действительных избирательных бюллетеней"
LOST = "Число утраченных избирательных бюллетеней"
UNACC = "Число избирательных бюллетеней, не учтенных при получении"

OLD_FORM = {
    "ballots_received": RECV,
    "issued_early": EARLY,
    "issued_at_station": AT_OLD,
    "issued_outside": OUT_OLD,
    "cancelled": CANC,
    "in_mobile_boxes": MOB,
    "in_stationary_boxes": STAT,
    "invalid": INV,
    "valid": VAL,
}
NEW_FORM = {**OLD_FORM, "issued_at_station": AT, "issued_outside": OUTS}
FORM_2018 = {
    **NEW_FORM,
    "in_mobile_boxes": MOB18,
    "in_stationary_boxes": STAT18,
    "lost": LOST,
    "unaccounted": UNACC,
}
# izbirkom.ru's row labels of 2011 (and, assumed, 2007 and 2012)
FORM_2011 = {
    **OLD_FORM,
    "issued_outside": "Число избирательных бюллетеней, выданных избирателям вне помещения для голосования",
    "in_mobile_boxes": MOB18,
    "in_stationary_boxes": "Число избирательных бюллетеней в стационарных ящиках для голосования",
}
TAIL = {"lost": LOST, "unaccounted": UNACC}


@dataclass(frozen=True)
class Year:
    """What one fixture must read as: canonical field -> its header text, and more."""

    fields: dict[str, str]
    station: str  # the first row's composed station id
    numbered: bool  # the vote columns are "N. Name"
    ids: tuple[str, ...] = ("region", "district")
    against_all: str | None = None
    ignored: int = 0  # header columns the profile skips (not ids, counts or votes)


TVER = "Тверская область / Калининская / УИК №1001"
TVER_OIK = "Тверская область / ОИК №179 / Калининская / УИК №1001"

YEARS: dict[str, Year] = {
    # 2000: 4 absentee-certificate lines and the "... не содержащих отметок" line skipped
    "president-2000.csv": Year(
        {"registered": REG_V, **OLD_FORM}, TVER, False, against_all="Против всех", ignored=5
    ),
    "duma-2003.csv": Year(
        {"registered": REG_V, **OLD_FORM, **TAIL},
        TVER_OIK,
        True,
        against_all="Против всех списков кандидатов",
        ignored=4,
    ),
    "president-2004.csv": Year(
        {"registered": REG_V, **OLD_FORM, **TAIL}, TVER, False, against_all="Против всех", ignored=4
    ),
    "duma-2007.csv": Year({"registered": REG_V, **FORM_2011, **TAIL}, TVER, True, ignored=6),
    "president-2008.csv": Year(
        {"registered": REG_I_END, **NEW_FORM, **TAIL}, TVER, False, ignored=6
    ),
    "duma-2011.csv": Year({"registered": REG_V, **FORM_2011, **TAIL}, TVER, True, ignored=6),
    "president-2012.csv": Year({"registered": REG_I, **FORM_2011, **TAIL}, TVER, False, ignored=6),
    "duma-2016.csv": Year({"registered": REG_V_END, **NEW_FORM, **TAIL}, TVER_OIK, True, ignored=6),
    "president-2018.csv": Year({"registered": REG_I_END, **FORM_2018}, TVER, False),
    # level and url skipped
    "duma-2021.csv": Year({"registered": REG_V_END, **NEW_FORM, **TAIL}, TVER_OIK, True, ignored=2),
    "president-2024.csv": Year(
        {"registered": REG_I, **FORM_2018},
        TVER,
        False,
    ),
    "president-2024-electronic.csv": Year(
        {"registered": REG_I, **FORM_2018},
        "город Москва",
        False,
        ids=("region",),
    ),
    # the pandas index column, two unnamed ids and "turnout" skipped
    "duma-2026.csv": Year(
        {"registered": "registered", "valid": "valid", "invalid": "invalid"},
        TVER,
        False,
        ignored=4,
    ),
}


def _rows(path: Path) -> list[list[str]]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return list(csv.reader(lines))


def _vote_columns(header: list[str], year: Year) -> list[str]:
    """The header cells after the protocol lines that hold votes (not against-all)."""
    known = set(year.fields.values()) | {year.against_all}
    return [
        h
        for h in header
        if h not in known
        and not h.startswith("Число")
        and h not in {"", "level", "region", "reg", "oik", "tik", "uik", "name", "url", "turnout"}
        and not h.islower()
    ]


def _party(cell: str) -> str:
    return re.sub(r"^\d+\s*\.\s*", "", cell).strip()


def _read(path: Path) -> ProtocolTable:
    return read_protocols(path, profile="ru-cik")


@pytest.mark.parametrize("name", sorted(YEARS))
def test_year_reads_with_every_count_in_place(name: str) -> None:
    year = YEARS[name]
    path = DATA / name
    header, *body = _rows(path)
    table = _read(path)
    votes = _vote_columns(header, year)
    # the fixture really is in the form claimed (numbered or not)
    assert all(bool(re.match(r"^\d+\.", v)) == year.numbered for v in votes), votes
    assert table.synthetic is True
    assert len(table) == len(body) == 3
    assert table.parties == [_party(v) for v in votes]
    counted = set(year.fields) | ({"against_all"} if year.against_all else set())
    expected_columns = {"row", "station", *year.ids, *counted}
    expected_columns |= {party_column(p) for p in table.parties}
    assert set(table.frame.columns) == expected_columns
    # every header cell got a role: ids, counts, votes, or one of the skipped columns
    id_cols = sum(h in {"region", "reg", "oik", "tik", "uik"} for h in header)
    roles = id_cols + len(year.fields) + bool(year.against_all) + len(votes) + year.ignored
    assert len(header) == roles
    sources = {**year.fields, **({"against_all": year.against_all} if year.against_all else {})}
    sources |= {party_column(_party(v)): v for v in votes}
    for i, row in enumerate(body):
        got = table.frame.row(i, named=True)
        for target, text in sources.items():
            assert got[target] == int(row[header.index(text)]), (name, i, target)
    assert table.frame["station"][0] == year.station
    assert check(table) == []


@pytest.mark.parametrize("name", sorted(YEARS))
def test_numbered_and_unnumbered_votes_read_alike(name: str) -> None:
    # Which years number their vote columns is not certain from the notebooks: both
    # forms must give the same parties and votes.
    year = YEARS[name]
    path = DATA / name
    header, *body = _rows(path)
    votes = _vote_columns(header, year)
    flipped = [
        (_party(h) if year.numbered else f"{votes.index(h) + 1}. {h}") if h in votes else h
        for h in header
    ]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([flipped, *body])
    other = read_protocols(buf.getvalue().encode(), profile="ru-cik", name=name)
    assert other.parties == _read(path).parties
    assert other.frame.equals(_read(path).frame)


def test_candidates_and_answers_are_votes_but_stray_columns_are_not() -> None:
    prof = get_profile("ru-cik")
    as_vote = {
        "Путин Владимир Владимирович": "Путин Владимир Владимирович",
        "ТУЛЕЕВ АМАН-ГЕЛЬДЫ МОЛДАГАЗЫЕВИЧ": "ТУЛЕЕВ АМАН-ГЕЛЬДЫ МОЛДАГАЗЫЕВИЧ",
        "ДА": "ДА",
        "НЕТ": "НЕТ",
        "ПАРТИЯ ПЕНСИОНЕРОВ": "ПАРТИЯ ПЕНСИОНЕРОВ",
        'Избирательный блок "Родина" (народно-патриотический союз)': (
            'Избирательный блок "Родина" (народно-патриотический союз)'
        ),
        "12 . ЯБЛОКО": "ЯБЛОКО",
        "3.ЛДПР": "ЛДПР",
    }
    for cell, name in as_vote.items():
        assert prof._target(cell) == party_column(name), cell
    assert prof._target("Против всех кандидатов") == "against_all"
    for stray in ("Странная колонка", "Число бюллетеней неустановленной формы", "uik", "oik"):
        assert prof._target(stray) is None, stray


def test_absentee_certificates_do_not_take_ballot_lines() -> None:
    prof = get_profile("ru-cik")
    assert (
        prof._target("Число погашенных на избирательном участке открепительных удостоверений")
        is None
    )
    assert prof._target("Число утраченных открепительных удостоверений") is None
    assert prof._target(CANC) == "cancelled"
    assert prof._target(LOST) == "lost"
    assert prof._target(UNACC) == "unaccounted"
    assert prof._target("Число неучтённых избирательных бюллетеней") == "unaccounted"


REFERENDUM = ("referendum-2020.csv", "referendum-2020-reg.csv")


@pytest.mark.parametrize("name", REFERENDUM)
def test_referendum_2020_maps_all_but_the_missing_valid_line(name: str) -> None:
    # The 2020 protocol has no "valid ballots" line (valid = ДА + НЕТ): the header maps
    # completely, with 'valid' derived from the votes.
    header, *_ = _rows(DATA / name)
    prof = get_profile("ru-cik")
    assert prof.map_header(header, name).derived == ("valid",)
    targets = {h: prof._target(h.strip()) for h in header}
    assert "valid" not in targets.values()
    assert targets[header[header.index("ДА")]] == party_column("ДА")
    assert targets["НЕТ"] == party_column("НЕТ")
    assert targets["Число недействительных бюллетеней"] == "invalid"
    assert targets["Число бюллетеней, выданных участникам голосования"] == "issued_at_station"
    assert targets["Число бюллетеней, содержащихся в ящиках для голосования"] == (
        "in_stationary_boxes"
    )
    reg = "Число участников голосования, включенных в список участников голосования на момент окончания голосования"
    assert targets[reg] == "registered"


@pytest.mark.parametrize("name", REFERENDUM)
def test_referendum_2020_reads(name: str) -> None:
    header, *body = _rows(DATA / name)
    table = _read(DATA / name)
    assert table.parties == ["ДА", "НЕТ"]
    yes, no = header.index("ДА"), header.index("НЕТ")
    assert table.frame["valid"].to_list() == [int(r[yes]) + int(r[no]) for r in body]
    assert table.warnings == [
        f"{name}: no valid-ballots column; valid derived as the sum of the votes (ДА, НЕТ)"
    ]
    # valid sits in its canonical place, after invalid
    cols = table.frame.columns
    assert cols.index("valid") == cols.index("invalid") + 1
    # derived valid still meets the boxes relation: boxes = invalid + valid
    assert check(table) == []


def test_referendum_without_votes_still_needs_valid() -> None:
    header, *body = _rows(DATA / "referendum-2020.csv")
    keep = [i for i, h in enumerate(header) if h not in ("ДА", "НЕТ")]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([[r[i] for i in keep] for r in [header, *body]])
    with pytest.raises(InputError) as err:
        read_protocols(buf.getvalue().encode(), profile="ru-cik", name="x.csv")
    assert err.value.problems == ["x.csv: missing required column 'valid'"]


def test_valid_column_present_is_still_checked_against_the_votes() -> None:
    header, *body = _rows(DATA / "duma-2021.csv")
    body[1][header.index(VAL)] = str(int(body[1][header.index(VAL)]) + 1)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *body])
    table = read_protocols(buf.getvalue().encode(), name="x.csv")
    assert table.warnings[1:] == []
    assert [(p.row, p.relation) for p in check(table)] == [
        (2, "boxes_eq_valid_invalid"),
        (2, "valid_eq_votes"),
    ]


def test_2024_station_without_data_is_skipped() -> None:
    # analysis/2024/2024.ipynb: "Excluded 1725 stations without data" (NaN votes).
    header, *body = _rows(DATA / "president-2024.csv")
    empty = ["Тверская область", "Калининская", "УИК №1999"] + [""] * (len(header) - 3)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *body, empty])
    table = read_protocols(buf.getvalue().encode(), profile="ru-cik", name="2024.csv")
    assert len(table) == 3
    assert table.warnings == [
        "2024.csv: skipped 1 row(s) without data (every count empty): "
        "station 'Тверская область / Калининская / УИК №1999'"
    ]
    # a row with only some counts empty is an error naming the row and the field
    partial = empty[:3] + body[0][3:]
    partial[2] = "УИК №1998"
    partial[header.index(VAL)] = ""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *body, partial])
    with pytest.raises(InputError) as err:
        read_protocols(buf.getvalue().encode(), profile="ru-cik", name="2024.csv")
    assert err.value.problems == [
        "2024.csv row 4 (station 'Тверская область / Калининская / УИК №1998'): valid is empty"
    ]


def test_2024_as_pandas_writes_it_with_missing_stations() -> None:
    # A column with a NaN becomes float in pandas: every count "1234.0", the station
    # without data all empty.
    header, *body = _rows(DATA / "president-2024.csv")
    floats = [r[:3] + [f"{v}.0" for v in r[3:]] for r in body]
    empty = ["Тверская область", "Калининская", "УИК №1999"] + [""] * (len(header) - 3)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *floats, empty])
    table = read_protocols(buf.getvalue().encode(), name="2024.csv")
    assert table.frame.equals(_read(DATA / "president-2024.csv").frame)
    assert table.profile == "ru-cik"


@pytest.mark.parametrize("name", sorted(YEARS) + list(REFERENDUM))
def test_every_year_reads_without_a_profile(name: str) -> None:
    table = read_protocols(DATA / name)
    assert table.profile == "ru-cik"
    assert table.warnings[0] == (
        f"{name}: no profile given; the header is "
        "'Russian CEC (izbirkom.ru) station protocols' (profile 'ru-cik')"
    )
    assert table.frame.equals(_read(DATA / name).frame)


@pytest.mark.parametrize("sep", [";", "\t"])
def test_a_year_saved_with_another_separator_bom_or_cp1251(sep: str) -> None:
    header, *body = _rows(DATA / "duma-2016.csv")
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerows([header, *body])
    want = _read(DATA / "duma-2016.csv").frame
    for raw in (
        ("\ufeff" + buf.getvalue()).encode("utf-8"),
        buf.getvalue().encode("cp1251"),
    ):
        assert read_protocols(raw, name="duma-2016.csv").frame.equals(want)


@pytest.mark.parametrize(
    ("name", "law", "seats"),
    [
        ("duma-2007.csv", "ru-duma-2007", 450),
        ("duma-2011.csv", "ru-duma-2011", 450),
        ("duma-2016.csv", "ru-duma-2016", 225),
        ("duma-2021.csv", "ru-duma-2021", 225),
    ],
)
def test_cli_tabulates_each_duma_year(name: str, law: str, seats: int) -> None:
    header, *body = _rows(DATA / name)
    registered = sum(int(r[header.index(YEARS[name].fields["registered"])]) for r in body)
    valid = sum(int(r[header.index(VAL)]) for r in body)
    res = CliRunner().invoke(
        main, ["tabulate", str(DATA / name), "--profile", "ru-cik", "--law", law, "--json"]
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["problems"] == [] and d["synthetic"] is True
    assert (d["totals"]["registered"], d["totals"]["valid"]) == (registered, valid)
    assert sum(d["seats"].values()) == seats
    assert set(d["seats"]) == set(_read(DATA / name).parties)


def test_cli_reads_2020_without_profile_and_says_what_it_did() -> None:
    header, *body = _rows(DATA / "referendum-2020.csv")
    yes = sum(int(r[header.index("ДА")]) for r in body)
    args = ["--method", "hare", "--seats", "1", "--json"]
    res = CliRunner().invoke(main, ["tabulate", str(DATA / "referendum-2020.csv"), *args])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["profile"] == "ru-cik"
    assert d["votes"]["ДА"] == yes
    assert d["totals"]["valid"] == yes + sum(int(r[header.index("НЕТ")]) for r in body)
    assert [w.split(": ", 1)[1][:30] for w in d["warnings"]] == [
        "no profile given; the header i",
        "no valid-ballots column; valid",
    ]
    # The same notes on standard error, for a reader of the table.
    assert [line[:30] for line in res.stderr.splitlines()] == [
        "note: referendum-2020.csv: no ",
        "note: referendum-2020.csv: no ",
    ]


def test_no_profile_fits_is_one_error_naming_each() -> None:
    text = "region,tik,uik,Число недействительных бюллетеней,1. А\nR,T,1,0,5\n"
    with pytest.raises(InputError) as err:
        read_protocols(text.encode(), name="x.csv")
    assert err.value.problems[0] == (
        "x.csv: no bundled profile reads this header (canonical misses 'invalid', "
        "'registered', 'station', 'valid'; ru-cik misses 'registered'); give --profile NAME|FILE"
    )
    # then the closest profile's own problems
    assert err.value.problems[1:] == ["x.csv: missing required column 'registered'"]


def test_2004_header_as_the_scrape_spells_it() -> None:
    # data/2004.csv.zip of dkobak/elections: "Число полученных избирательных
    # бюллетеней" and "... выданных в день голосования" (the reconstructed fixture
    # spells them as later years do).
    prof = get_profile("ru-cik")
    assert prof._target("Число полученных избирательных бюллетеней") == "ballots_received"
    day = "Число избирательных бюллетеней, выданных в день голосования"
    assert prof._target(day) == "issued_at_station"
    out = (
        "Число избирательных бюллетеней, выданных вне помещений для голосования в день голосования"
    )
    assert prof._target(out) == "issued_outside"
