"""synth, tabulate and the CLI on synthetic and small hand-made data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from saylau.cli import main
from saylau.tabulate import check, read_protocols, totals
from saylau.tabulate.engine import MethodLaw, tabulate
from saylau.tabulate.synth import split_exact, synth

# Official 2021 Majilis figures (CEC of Kazakhstan, final results of 12 January 2021;
# see tests/data/official/kz-majilis-2021.toml).  Invalid = voted - party votes (derived).
KZ_VOTES = {
    "Nur Otan": 5_148_074,
    "Ak Zhol": 792_828,
    "People's Party of Kazakhstan": 659_019,
    "Auyl": 383_023,
    "Adal": 258_618,
}


@pytest.fixture(scope="module")
def kz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kz") / "kz.csv"
    synth(out, like="kz-majilis-2021", seed=7)
    return out


def test_synth_like_kz_totals_exact_and_consistent(kz: Path) -> None:
    t = read_protocols(kz)
    assert t.synthetic
    assert check(t) == []
    tot = totals(t)
    assert tot.stations == 10_060
    assert tot.registered == 11_919_241
    assert tot.ballots_issued == 7_539_280
    assert tot.ballots_cast == 7_539_280
    assert tot.votes == KZ_VOTES
    assert tot.invalid == 7_539_280 - sum(KZ_VOTES.values()) == 297_718
    abroad = t.frame.filter(t.frame["country"].is_not_null())
    assert abroad.height == 66
    assert abroad["country"].n_unique() == 53
    assert t.frame["region"].drop_nulls().n_unique() == 17
    assert t.frame["registered"].min() > 0  # type: ignore[operator]


def test_synth_deterministic(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    synth(a, like="kz-majilis-2021", seed=1)
    synth(b, like="kz-majilis-2021", seed=1)
    synth(c, like="kz-majilis-2021", seed=2)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()


def test_synth_load(tmp_path: Path) -> None:
    out = tmp_path / "load.csv"
    synth(out, stations=2000, parties=12, seed=3)
    t = read_protocols(out)
    assert t.synthetic and len(t) == 2000 and len(t.parties) == 12
    assert check(t) == []


def test_split_exact_respects_caps() -> None:
    caps = np.array([5, 0, 100, 3])
    out = split_exact(50, np.array([10.0, 5.0, 1.0, 10.0]), caps=caps)
    assert out.sum() == 50
    assert (out <= caps).all()


def test_tabulate_kz_seats(kz: Path) -> None:
    # 76 / 12 / 10 official list-tier seats: Hare, 98 seats, 7% of valid votes
    result = tabulate(kz, MethodLaw("hare", 98, "7", "valid"))
    d = result.to_dict()
    assert d["seats"] == {
        "Nur Otan": 76,
        "Ak Zhol": 12,
        "People's Party of Kazakhstan": 10,
        "Auyl": 0,
        "Adal": 0,
    }
    assert d["synthetic"] is True
    assert set(d["totals"]) == {
        "registered",
        "ballots_issued",
        "ballots_cast",
        "valid",
        "invalid",
        "against_all",
        "turnout",
        "turnout_exact",
    }
    # 7,539,280 ballots issued of 11,919,241 registered (CEC of Kazakhstan, 2021).
    assert d["totals"]["turnout"] == 63.25
    assert d["totals"]["turnout_exact"] == "7539280/11919241"
    # A --method allocation is a one-tier law result, as a law's would be.
    assert [t["name"] for t in d["tiers"]] == ["party-list"] and d["seats_total"] == 98
    assert d["allocation"]["quota"]["exact"] == "6599921/98"
    assert d["problems"] == []


BAD = (
    "station,registered,issued_at_station,invalid,valid,party:A,party:B\n"
    "1,100,60,2,58,40,18\n"
    "2,50,70,0,70,60,10\n"  # registered < issued
    "3,200,150,5,145,100,40\n"  # valid 145 != 140
)


def test_policy_reject_and_flag(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD)
    rejected = tabulate(path, MethodLaw("hare", 10, protocol_policy="reject"))
    assert rejected.totals.registered == 100
    assert rejected.rejected == ["2", "3"]
    flagged = tabulate(path, MethodLaw("hare", 10), policy="flag")
    assert flagged.totals.registered == 350
    assert flagged.flagged == ["2", "3"]
    probs = flagged.to_dict()["problems"]
    assert [p["station"] for p in probs] == ["2", "3"]
    assert probs[0]["status"] == "flagged"
    assert probs[0]["failures"][0]["relation"] == "registered_ge_issued"
    assert (probs[0]["failures"][0]["value"], probs[0]["failures"][0]["expected"]) == (50, 70)


def test_cli_tabulate_json_and_errors(tmp_path: Path, kz: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(
        main,
        ["tabulate", str(kz), "--method", "hare", "--seats", "98", "--threshold", "7", "--json"],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["seats"]["Nur Otan"] == 76
    res = runner.invoke(main, ["tabulate", str(kz), "--method", "hare", "--seats", "98"])
    assert res.exit_code == 0 and "SYNTHETIC DATA" in res.output
    bad = tmp_path / "bad.csv"
    bad.write_text("station,registered,invalid,valid,oops\n1,-1,0,0,0\n")
    res = runner.invoke(main, ["tabulate", str(bad), "--method", "hare", "--seats", "5"])
    assert res.exit_code == 2
    assert res.stderr.splitlines() == [
        "error: bad.csv: unknown column 'oops' (column 5) for profile 'canonical'"
    ]
    assert "Traceback" not in res.output
    res = runner.invoke(main, ["tabulate", str(bad)])
    assert res.exit_code == 2
    assert res.stderr == "error: give --law NAME|FILE, or --method M and --seats N\n"


def test_cli_synth(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "s.csv"
    res = runner.invoke(
        main, ["synth", str(out), "--stations", "10", "--parties", "3", "--seed", "1"]
    )
    assert res.exit_code == 0 and "wrote 10 synthetic protocols" in res.output
    assert out.read_text().startswith("# synthetic: load test, 10 stations x 3 parties")
    res = runner.invoke(main, ["synth", str(out)])
    assert res.exit_code == 2
    assert res.stderr == "error: synth needs --like NAME or both --stations N and --parties K\n"
