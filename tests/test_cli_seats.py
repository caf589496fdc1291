"""`saylau seats` and `saylau laws` from the command line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from saylau.cli import main
from saylau.law import load_law, preset_names
from saylau.methods import REGISTRY

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "kz-majilis-2021.csv"


def run(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def test_seats_law_json() -> None:
    code, out, _ = run("seats", str(EXAMPLE), "--law", "kz-majilis-2021", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["seats"] == {
        "Nur Otan": 76,
        "Ak Zhol": 12,
        "People's Party of Kazakhstan": 10,
        "Auyl": 0,
        "Adal": 0,
    }
    assert data["total_seats"] == 107
    assert [t["seats"] for t in data["tiers"]] == [98, 9]
    assert data["allocation"]["quota"]["exact"] == "6599921/98"


def cells(text: str) -> str:
    """The table's cells in reading order, rules and padding dropped."""
    return " ".join(re.sub(r"[│┃┏┓┗┛┡┩└┘┌┐├┤┳┻╇┼━─]", " ", text).split())


def test_seats_table_output() -> None:
    # Official: Nur Otan 76 of the 98 list seats (77.55 %) and of the 107 deputies
    # (71.03 %, the site's share); both shares are shown, each naming its base.
    result = CliRunner(env={"COLUMNS": "120"}).invoke(
        main, ["seats", str(EXAMPLE), "--law", "kz-majilis-2021"]
    )
    assert result.exit_code == 0
    flat = cells(result.stdout)
    assert "% of 98 list seats % of 107 seats" in flat
    assert "Nur Otan 5,148,074 71.09 76 77.55 71.03" in flat
    assert "Total 7,241,562 100.00 107 100.00 100.00" in flat


def test_seats_method_from_stdin_with_hostile_names() -> None:
    text = 'party,votes\n"Comma, Inc.",600\n"Quote ""Q""",300\nҚазақстан,100\n'
    code, out, _ = run("seats", "-", "--method", "dhondt", "--seats", "10", "--json", input=text)
    assert code == 0
    assert json.loads(out)["seats"] == {"Comma, Inc.": 6, 'Quote "Q"': 3, "Қазақстан": 1}


def test_seats_threshold_base_cast() -> None:
    text = "party,votes\nA,900\nB,52\nC,48\n"
    code, out, _ = run(
        "seats",
        "-",
        "--method",
        "hare",
        "--seats",
        "10",
        "--threshold",
        "5",
        "--threshold-base",
        "cast",
        "--invalid",
        "50",
        "--json",
        input=text,
    )
    assert code == 0
    assert json.loads(out)["seats"] == {"A": 10, "B": 0, "C": 0}  # 52 / 1050 < 5%


@pytest.mark.parametrize(
    ("csv", "args", "message"),
    [
        (
            "party,votes\nA,-5\n",
            ["--method", "hare", "--seats", "3"],
            "row 2: votes '-5' is negative",
        ),
        (
            "party,votes\nA,1.5\n",
            ["--method", "hare", "--seats", "3"],
            "row 2: votes '1.5' is not a whole number",
        ),
        (
            "party,votes\nA,many\n",
            ["--method", "hare", "--seats", "3"],
            "row 2: votes 'many' is not a number",
        ),
        (
            "party,votes\nA,1\nA,2\n",
            ["--method", "hare", "--seats", "3"],
            "row 3: duplicate party 'A' (first on row 2)",
        ),
        ("", ["--method", "hare", "--seats", "3"], "the file is empty"),
        ("party,votes\nA,1\n", ["--method", "hare", "--seats", "0"], "--seats: 0 must be ≥ 1"),
        (
            "party,votes\nA,1\n",
            ["--method", "hare", "--seats", "3", "--threshold", "100"],
            "--threshold: '100' is outside [0, 100)",
        ),
        (
            "party,votes\nA,1\n",
            ["--method", "dhont", "--seats", "3"],
            "--method: unknown method 'dhont' (did you mean 'dhondt'?)",
        ),
        ("party,votes\nA,1\n", ["--law", "nope"], "unknown law 'nope'"),
        ("party,vote\nA,1\n", ["--method", "hare", "--seats", "3"], "missing column 'votes'"),
    ],
)
def test_bad_input_one_line_exit_2(csv: str, args: list[str], message: str) -> None:
    code, out, err = run("seats", "-", *args, input=csv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and out == ""


def test_every_problem_of_a_file_at_once() -> None:
    code, _, err = run(
        "seats", "-", "--method", "hare", "--seats", "3", input="party,votes\nA,-1\nB,x\nA,2\n"
    )
    assert code == 2
    assert len(err.strip().splitlines()) == 3


def test_bad_law_file_message(tmp_path: Path) -> None:
    law = tmp_path / "bad.toml"
    law.write_text('[[tiers]]\nseats = 10\nmethod = "hare"\ntreshold = "5"\n', encoding="utf-8")
    code, _, err = run("seats", str(EXAMPLE), "--law", str(law))
    assert code == 2
    assert (
        err.strip()
        == "error: law file bad.toml: unknown key 'tiers[0].treshold' (did you mean 'threshold'?)"
    )


def test_laws_lists_presets() -> None:
    code, out, _ = run("laws", "--json")
    assert code == 0
    names = {law["name"]: law for law in json.loads(out)}
    assert names["kz-majilis-2021"]["total_seats"] == 107


def test_real_process_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "v.csv"
    bad.write_bytes("party,votes\nÄ,1\n".encode("latin-1"))
    proc = subprocess.run(
        [sys.executable, "-m", "saylau", "seats", str(bad), "--method", "hare", "--seats", "2"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: v.csv: not UTF-8")
    assert "Traceback" not in proc.stderr


def test_options_and_file_problems_in_one_run() -> None:
    # Issue #14 §3: every problem of the options and of the file, in one run.
    code, out, err = run(
        "seats", "-", "--seats", "0", "--threshold", "100", input="party,votes\nA,-1\nB,x\n"
    )
    assert code == 2 and out == ""
    assert err.splitlines() == [
        "error: give either --law NAME|FILE or --method NAME with --seats N",
        "error: --seats: 0 must be ≥ 1",
        "error: --threshold: '100' is outside [0, 100)",
        "error: <stdin> row 2: votes '-1' is negative",
        "error: <stdin> row 3: votes 'x' is not a number",
    ]


def test_unknown_method_names_the_option_and_lists_the_methods() -> None:
    code, _, err = run("seats", "-", "--method", "foo", "--seats", "3", input="party,votes\nA,1\n")
    assert code == 2
    assert err.startswith("error: --method: unknown method 'foo'")
    assert "tiers[0]" not in err
    for name in REGISTRY:
        assert name in err


def test_percent_column_says_its_base_when_the_threshold_uses_another() -> None:
    args = ["seats", "-", "--method", "hare", "--seats", "10", "--threshold", "5"]
    text = "party,votes\nA,900\nB,52\nC,48\n"
    _, plain, _ = run(*args, input=text)
    assert "= share of" not in plain
    code, out, _ = run(*args, "--threshold-base", "cast", "--invalid", "50", input=text)
    assert code == 0
    flat = " ".join(out.split())
    assert "% of party votes = share of the 1,000 votes for parties; the threshold is 5% of" in flat
    assert "ballots cast (valid + invalid)" in flat


def test_elected_by_is_not_repeated() -> None:
    # Issue #18 item 9: "… elected by the Assembly of People of Kazakhstan (Assembly of …)".
    result = CliRunner(env={"COLUMNS": "200"}).invoke(
        main, ["seats", str(EXAMPLE), "--law", "kz-majilis-2021"]
    )
    assert result.exit_code == 0
    out = result.stdout
    flat = cells(out)
    assert "Deputies elected by the Assembly of People of Kazakhstan, not by list vote 9" in flat
    assert "(Assembly of People of Kazakhstan)" not in out


@pytest.mark.parametrize("width", ["80", "100"])
def test_laws_never_cut_a_key(width: str) -> None:
    result = CliRunner(env={"COLUMNS": width}).invoke(main, ["laws"])
    assert result.exit_code == 0
    assert "…" not in result.stdout
    for name in preset_names():
        assert name in result.stdout
        assert load_law(name).list_tier.method in result.stdout


def test_new_rules_from_the_command_line() -> None:
    text = "party,votes\nA,1000\nB,10\nC,5\n"
    code, out, _ = run(
        "seats",
        "-",
        "--method",
        "webster",
        "--seats",
        "10",
        "--min-seats",
        "1",
        "--json",
        input=text,
    )
    assert code == 0 and json.loads(out)["seats"] == {"A": 8, "B": 1, "C": 1}
    code, out, _ = run(
        "seats",
        "-",
        "--method",
        "fixed-quota",
        "--votes-per-seat",
        "400",
        "--remainder-over",
        "199",  # 1,000 = 2 × 400 + 200: a remainder over 199 wins a third seat
        "--json",
        input=text,
    )
    assert code == 0 and json.loads(out)["seats"] == {"A": 3, "B": 0, "C": 0}
    code, _, err = run(
        "seats", "-", "--method", "hare", "--seats", "10", "--min-seats", "1", input=text
    )
    assert code == 2 and "--min-seats: method 'hare' is a largest-remainder method" in err
    code, _, err = run("seats", "-", "--law", "us-house-1910", "--seats", "5", input=text)
    assert code == 2 and "--seats: only with --method (the law sets it)" in err


def test_laws_state_thresholds_exactly() -> None:
    # The Dutch threshold is one full quota of 150 seats: 100/150 = 2/3 %, not 0.666667;
    # a law without one says so rather than "0% of valid".
    out = CliRunner(env={"COLUMNS": "120"}).invoke(main, ["laws"]).stdout
    flat = " ".join(out.split())
    assert "dhondt: 150 seats, 2/3% of valid" in flat
    assert "huntington-hill: 435 seats, no threshold" in flat
    assert "dhondt: 120 seats, 3.25% of valid" in flat
    assert "0.666667" not in flat and not re.search(r"(?<![\d.])0% of", flat)


def test_base_seats_option_reproduces_the_cambridge_compromise(tmp_path: Path) -> None:
    """`--base-seats 5 --max-seats 96` with Adams gives the published EU28 column
    (tests/data/ep-cambridge-compromise/README.md), as the law file does."""
    import tomllib

    data = tomllib.loads(
        (Path(__file__).parent / "data" / "ep-cambridge-compromise" / "eu-2012.toml").read_text(
            encoding="utf-8"
        )
    )
    want: dict[str, int] = data["seats_eu28"]
    votes = tmp_path / "eu28.csv"
    votes.write_text(
        "party,votes\n" + "".join(f"{p},{data['population'][p]}\n" for p in want),
        encoding="utf-8",
    )
    args = ["--method", "adams", "--seats", "751", "--base-seats", "5", "--max-seats", "96"]
    code, out, err = run("seats", str(votes), *args, "--json")
    assert code == 0, err
    assert json.loads(out)["seats"] == want
    code, _out, err = run("seats", str(votes), "--method", "adams", "--seats", "751",
                          "--base-seats", "5", "--min-seats", "6", "--max-seats", "4")  # fmt: skip
    assert code == 2
    assert err.splitlines() == [
        "error: --min-seats: 6 is more than --max-seats 4",
        "error: --base-seats: not with --min-seats (base seats come before the method;"
        " a minimum bounds what the method gives)",
        "error: --base-seats: 5 is more than --max-seats 4",
    ]
