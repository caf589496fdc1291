"""Observers registry and reports; maslikhats (saylau.institutions)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from saylau.errors import InputError
from saylau.institutions.maslikhats import decide, read_contests, read_results
from saylau.institutions.observers import (
    by_station,
    check_reports,
    read_registry,
    read_reports,
)


def test_kz_2021_bundled_registry_reproduces_the_cec_summary() -> None:
    # CEC of Kazakhstan, 2021 Majilis election: 398 international observers, 322 from 10
    # organisations and 31 countries (CIS 179; CIS IPA 48; OSCE/ODIHR 42; SCO 15; PA of
    # Turkic-speaking countries 9; OSCE PA 9; CSTO PA 7; Turkic Council 7; OIC 4; EU
    # Delegation 2) and 76 individual observers.  The records are SYNTHETIC placeholders
    # (names and the per-observer countries are not public); the totals are the CEC's.
    reg = read_registry("kz-2021")
    s = reg.summary()
    assert (s.international, s.from_organisations, s.individual) == (398, 322, 76)
    assert len(s.organisations) == 10 and s.countries == 31
    assert s.organisations == {
        "Commonwealth of Independent States": 179,
        "CIS Interparliamentary Assembly": 48,
        "OSCE/ODIHR": 42,
        "Shanghai Cooperation Organisation": 15,
        "OSCE Parliamentary Assembly": 9,
        "Parliamentary Assembly of Turkic-speaking Countries": 9,
        "CSTO Parliamentary Assembly": 7,
        "Turkic Council": 7,
        "Organisation of Islamic Cooperation": 4,
        "EU Delegation": 2,
    }
    assert s.synthetic == 398 and s.domestic == 0
    assert s.lines()[0].startswith(
        "398 international observers: 322 from 10 organisations and "
        "31 countries (Commonwealth of Independent States 179;"
    )


def _registry(tmp_path: Path) -> Path:
    f = tmp_path / "obs.csv"
    f.write_text(
        "id,name,kind,affiliation,organisation,country,contests,stations,accredited_from,accredited_to\n"
        "O1,Ann,international,organisation,OSCE/ODIHR,Germany,,101;102,2021-01-01,2021-01-12\n"
        "O2,Bek,domestic,individual,,KZ,,,2021-01-01,\n",
        encoding="utf-8",
    )
    return f


def test_reports_attach_to_stations_and_are_checked(tmp_path: Path) -> None:
    reg = read_registry(_registry(tmp_path))
    rep = tmp_path / "rep.csv"
    rep.write_text(
        "id,observer,station,contest,reported_at,category,description\n"
        "R1,O1,101,kz-majilis-2021,2021-01-10T11:00,ballot stuffing,two ballots seen\n"
        "R2,O1,999,kz-majilis-2021,2021-01-10T12:00,obstruction,denied entry\n"
        "R3,O2,999,kz-majilis-2021,2021-01-10T13:00,obstruction,denied entry\n"
        "R4,O9,101,,2021-01-10T13:00,other,unknown observer\n",
        encoding="utf-8",
    )
    reports = read_reports(rep)
    assert [r.id for r in by_station(reports)["999"]] == ["R2", "R3"]
    assert check_reports(reg, reports) == [
        "report 'R2': observer 'O1' is not accredited for station '999' on 2021-01-10",
        "report 'R4': observer 'O9' is not accredited",
    ]
    late = read_reports(rep)[0]
    assert reg.get("O1").may_observe("101", late.reported_at.date())
    assert not reg.get("O1").may_observe("101", datetime(2021, 1, 13).date())


def test_registry_reports_every_bad_row(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text(
        "id,kind,affiliation,organisation,country,accredited_from,accredited_to\n"
        "X,alien,organisation,,Mars,2021-02-01,2021-01-01\nX,international,solo,,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        read_registry(f)
    assert err.value.problems == [
        "bad.csv row 2: kind 'alien' is not one of international, domestic",
        "bad.csv row 2: organisation is empty for an organisation's observer",
        "bad.csv row 2: accredited_to '2021-01-01' is before accredited_from '2021-02-01'",
        "bad.csv row 3: id 'X' appears twice",
        "bad.csv row 3: affiliation 'solo' is not one of organisation, individual",
        "bad.csv row 3: country is empty for an international observer",
    ]


def test_maslikhats_per_contest_and_combined(tmp_path: Path) -> None:
    contests = tmp_path / "contests.csv"
    contests.write_text(
        "id,name,level,region,parent,seats,law\n"
        "almaty-city,Almaty city,city,Almaty,,39,kz-maslikhat-2021\n"
        "akmola,Akmola regional,regional,Akmola,,32,kz-maslikhat-2021\n"
        "kokshetau,Kokshetau city,district,Akmola,akmola,20,kz-maslikhat-2021\n",
        encoding="utf-8",
    )
    results = tmp_path / "results.csv"
    results.write_text(
        "contest,party,votes\n"
        "almaty-city,Nur Otan,60000\nalmaty-city,Ak Zhol,25000\nalmaty-city,Adal,6000\n"
        "almaty-city,against all,0\n"
        "akmola,Nur Otan,90000\nakmola,Ak Zhol,6000\nakmola,Auyl,4000\n",
        encoding="utf-8",
    )
    cs = read_contests(contests)
    res = decide(cs, read_results(results))
    # Almaty: Adal 6000/91000 = 6.6% < 7%; Hare 39 over 85,000: 27.53 / 11.47 -> 28 + 11.
    assert res.results["almaty-city"].seats == {"Nur Otan": 28, "Ak Zhol": 11, "Adal": 0}
    # Akmola: only Nur Otan passes 7% (6% and 4%): all 32 seats.
    assert res.results["akmola"].seats["Nur Otan"] == 32
    assert res.missing == ("kokshetau",)
    comb = res.combined()
    assert comb["Nur Otan"]["seats"] == 60 and comb["Nur Otan"]["represented"] == 2
    assert comb["Ak Zhol"]["by_level"] == {"regional": 0, "city": 11, "district": 0}
    assert res.to_dict()["total_seats"] == 71


def test_contests_file_errors_all_at_once(tmp_path: Path) -> None:
    f = tmp_path / "c.toml"
    f.write_text(
        '[[contests]]\nid = "a"\nlevel = "village"\nseats = 0\nlaw = "x"\n'
        '[[contests]]\nid = "b"\nlevel = "city"\nseats = 5\nlaw = "no-such-law"\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        read_contests(f)
    assert err.value.problems[:2] == [
        "c.toml contests[0]: level 'village' is not one of regional, city, district",
        "c.toml contests[0]: seats '0' is not a whole number >= 1",
    ]
