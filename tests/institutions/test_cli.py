"""The institutions CLI commands, end to end through `saylau`."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from saylau.cli import main


def run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(args))
    return res.exit_code, res.output


def test_candidates_check_reports_every_problem(tmp_path: Path) -> None:
    f = tmp_path / "lists.csv"
    f.write_text(
        "party,position,name,birth_date,gender\n"
        "A,1,Aigul,1990-01-01,F\nA,2,Bek,1970-01-01,M\nA,3,Bek,1971-01-01,M\n"
        "A,4,Daulet,,M\n",
        encoding="utf-8",
    )
    code, out = run("candidates", "check", str(f), "--law", "kz-maslikhat-2021", "--seats", "3")
    assert code == 1
    assert "problem: list of 'A': 4 candidates, more than the 3 allowed" in out
    assert "problem: list of 'A' position 3 'Bek': duplicate of 'A' position 2" in out
    assert "problem: list of 'A' position 4 'Daulet': birth date missing" in out
    assert "problem: list of 'A': 1 of 4 candidates are women + youth, fewer than the 2" in out


def test_deputies_with_decision_and_vacancy(tmp_path: Path) -> None:
    lists = tmp_path / "lists.csv"
    lists.write_text("party,position,name\nA,1,a1\nA,2,a2\nA,3,a3\nB,1,b1\n", encoding="utf-8")
    seats = tmp_path / "seats.csv"
    seats.write_text("party,seats\nA,2\nB,1\n", encoding="utf-8")
    dec = tmp_path / "dec.csv"
    dec.write_text("party,candidate\nA,a3\nA,a1\n", encoding="utf-8")
    code, out = run(
        "deputies",
        str(lists),
        "--seats",
        str(seats),
        "--decisions",
        str(dec),
        "--vacate",
        "a1",
        "--json",
    )
    assert code == 0, out
    data = json.loads(out)
    assert [(d["name"], d["how"]) for d in data["deputies"]] == [
        ("a3", "party decision"),
        ("b1", "list order"),
        ("a2", "vacancy (list order)"),
    ]
    dec.write_text("party,candidate\nA,zz\nA,a1\n", encoding="utf-8")
    code, out = run("deputies", str(lists), "--seats", str(seats), "--decisions", str(dec))
    assert code == 2 and "error: decision of 'A': 'zz' is not on the party's list" in out


def test_mmp_president_assembly_chamber_observers(tmp_path: Path) -> None:
    votes = tmp_path / "v.csv"
    votes.write_text(
        "party,votes\nNational,1085851\nLabour,767540\nGreen,330907\nACT,246473\n"
        "NZ First,173553\nTe Pāti Māori,87844\nTOP,63344\n",
        encoding="utf-8",
    )
    el = tmp_path / "e.csv"
    el.write_text(
        "party,electorates\nNational,43\nLabour,17\nGreen,3\nACT,2\nTe Pāti Māori,6\n",
        encoding="utf-8",
    )
    code, out = run("mmp", str(votes), str(el))
    # Te Pāti Māori: 6 electorates, 0 list seats, 2 overhang (the 2023 New Zealand result)
    assert code == 0 and out.startswith("MMP seats: 122 in all\n")
    assert re.search(r"│ Te Pāti Māori +│ +6 │ +0 │ +2 │ +6 │", out), out

    pres = tmp_path / "p.csv"
    pres.write_text("candidate,votes\nA,45\nB,40\nC,10\nagainst all,5\n", encoding="utf-8")
    code, out = run("president", str(pres))
    assert code == 0 and ", round 1: runoff required (A v B)\n" in out
    r2 = tmp_path / "r2.csv"
    r2.write_text("candidate,votes\nA,50\nB,48\n", encoding="utf-8")
    code, out = run("president", str(pres), "--runoff", str(r2), "--json")
    assert json.loads(out)["winner"] == "A" and json.loads(out)["round"] == 2

    apk = tmp_path / "a.csv"
    apk.write_text("candidate,votes\nX,298\nY,175\n", encoding="utf-8")
    code, out = run("assembly", str(apk), "--members", "504", "--took-part", "351")
    assert ": valid, 1 of 9 elected (needed 176 of the 351 who took part)\n" in out
    assert re.search(r"│ X +│ +298 │ elected +│", out), out

    seats = tmp_path / "s.csv"
    seats.write_text(
        "party,seats\nNur Otan,76\nAk Zhol,12\nPeople's Party,10\nAssembly,9\n", encoding="utf-8"
    )
    code, out = run("chamber", str(seats), "--year", "2021", "--non-party", "Assembly")
    assert code == 0 and out.startswith("Chamber of the VII convocation: 107 deputies\n")
    assert re.search(r"│ People's Party +│ +10 │ opposition +│ +0 │ +1 │", out), out

    code, out = run("observers", "summary")
    assert code == 0 and re.search(r"│ International observers +│ 398 │", out), out
    assert re.search(r"│   from organisations +│ 322 │", out) and re.search(
        r"│   organisations +│  10 │", out
    )
