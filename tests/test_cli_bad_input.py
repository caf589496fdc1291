"""Hostile input at the CLI edge: one `error:` line naming the value, exit 2, nothing left.

The project's standard: bad input gets a clear one-line error naming the
row/field/key and the value, a non-zero exit, no traceback, and nothing
half-written.  Each case below was a traceback, a multi-line usage dump, a hang,
or an empty database created as a side effect before the CLI edge handled it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from saylau.cli import main

#: Nothing listens on port 1: the connection is refused at once.
DEAD_PG = "postgresql://postgres@127.0.0.1:1/x"

VOTES = "party,votes\nA,600\nB,300\nC,100\n"


def invoke(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), input=input, prog_name="saylau")


def assert_one_line(result: Result, *named: str) -> str:
    """Exit 2, no traceback, stderr is exactly one `error:` line naming every ``named``."""
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    line = lines[0]
    assert line.startswith("error: "), line
    assert "Traceback" not in result.output
    for value in named:
        assert value in line, (value, line)
    return line


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a store (one contest), a not-a-database file and a sub-directory."""
    root = tmp_path_factory.mktemp("bad-input")
    res = invoke(
        "init", str(root / "ok.db"), "--election", "E", "--contest", "c", "--law", "kz-majilis-2021"
    )
    assert res.exit_code == 0, res.output
    (root / "notdb.db").write_text("not a database at all", encoding="utf-8")
    (root / "adir").mkdir()
    (root / "dir.db").mkdir()  # named like a store, so `whatif` takes it for one
    (root / "votes.csv").write_text(VOTES, encoding="utf-8")
    return root


# --------------------------------------------------------------------------- the seats issue


@pytest.mark.parametrize(
    ("csv", "options", "named"),
    [
        (VOTES.replace("600", "-600"), ["--method", "hare", "--seats", "3"], ["row 2", "'-600'"]),
        (VOTES.replace("600", "600.5"), ["--method", "hare", "--seats", "3"], ["row 2", "'600.5'"]),
        (VOTES.replace("600", "lots"), ["--method", "hare", "--seats", "3"], ["row 2", "'lots'"]),
        (VOTES + "A,5\n", ["--method", "hare", "--seats", "3"], ["row 5", "duplicate party 'A'"]),
        ("", ["--method", "hare", "--seats", "3"], ["the file is empty"]),
        (VOTES, ["--method", "hare", "--seats", "0"], ["--seats", "0"]),
        (VOTES, ["--method", "hare", "--seats", "-4"], ["--seats", "-4"]),
        (VOTES, ["--method", "hare", "--seats", "1.5"], ["--seats", "'1.5'"]),
        (VOTES, ["--method", "hare", "--seats", "99999999999"], ["--seats", "99999999999"]),
        (VOTES, ["--method", "hare", "--seats", "3", "--threshold", "100"], ["threshold", "'100'"]),
        (VOTES, ["--method", "hare", "--seats", "3", "--threshold", "-1"], ["threshold", "'-1'"]),
        (VOTES, ["--method", "hare", "--seats", "3", "--threshold", "abc"], ["threshold", "'abc'"]),
        (VOTES, ["--method", "dhont", "--seats", "3"], ["'dhont'", "did you mean 'dhondt'"]),
        (VOTES, ["--law", "no-such-law"], ["'no-such-law'"]),
        (VOTES, ["--law", "kz-majilis-2021", "--seed", "x"], ["--seed", "'x'"]),
    ],
)
def test_seats_bad_input(csv: str, options: list[str], named: list[str]) -> None:
    assert_one_line(invoke("seats", "-", *options, input=csv), *named)


def test_seats_law_file_unknown_key(tmp_path: Path) -> None:
    law = tmp_path / "typo.toml"
    law.write_text(
        '[law]\nname = "t"\n\n[[tiers]]\nname = "pl"\nseats = 10\nmethod = "dhondt"\ntreshold = 5\n',
        encoding="utf-8",
    )
    line = assert_one_line(invoke("seats", "-", "--law", str(law), input=VOTES))
    assert line.endswith("unknown key 'tiers[0].treshold' (did you mean 'threshold'?)")


# --------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--bogus"], ["'--bogus'", "saylau -h"]),
        (["no-such-command"], ["'no-such-command'"]),
        (["tabulate", "-", "--policy", "maybe"], ["--policy", "'maybe'", "saylau tabulate -h"]),
        (["users", "add", "x.db", "bob", "--role", "king"], ["--role", "'king'"]),
        (["chamber", "s.csv", "--year", "MMXXI"], ["--year", "'MMXXI'"]),
    ],
)
def test_usage_error_is_one_line(args: list[str], named: list[str]) -> None:
    """Click's three-line usage dump becomes one `error:` line (exit 2 as before)."""
    assert_one_line(invoke(*args), *named)


def test_tabulate_absurd_seats(world: Path) -> None:
    res = invoke(
        "tabulate", str(world / "votes.csv"), "--method", "dhondt", "--seats", "99999999999"
    )
    assert_one_line(res, "--seats", "99999999999", "100,000")


@pytest.mark.parametrize(
    ("size", "named"),
    [
        (["--stations", "99999999999", "--parties", "2"], ["--stations", "99999999999"]),
        (["--stations", "5", "--parties", "5000"], ["--parties", "5000"]),
        (["--stations", "1000000", "--parties", "500"], ["1000000", "500", "500,000,000"]),
    ],
)
def test_synth_absurd_size_writes_nothing(
    tmp_path: Path, size: list[str], named: list[str]
) -> None:
    out = tmp_path / "load.csv"
    assert_one_line(invoke("synth", str(out), *size), *named)
    assert list(tmp_path.iterdir()) == []


def test_assembly_zero_denominator_quorum(world: Path) -> None:
    votes = world / "assembly.csv"
    votes.write_text("candidate,votes\nX,9\n", encoding="utf-8")
    res = invoke("assembly", str(votes), "--members", "10", "--took-part", "9", "--quorum", "1/0")
    assert_one_line(res, "--quorum", "'1/0'")


# --------------------------------------------------------------------------- databases

#: Commands reading a store, as argument lists around the DB.
READERS: dict[str, Callable[[str], list[str]]] = {
    "results": lambda db: ["results", db],
    "ingest": lambda db: ["ingest", db, "PROTOCOLS"],
    "users list": lambda db: ["users", "list", db],
    "users add": lambda db: ["users", "add", db, "bob", "--role", "cec"],
    "audit verify": lambda db: ["audit", "verify", db],
    "whatif": lambda db: ["whatif", db],
    "forensics": lambda db: ["forensics", db, "--leader", "A"],
    "deputies": lambda db: ["deputies", db],
    "president": lambda db: ["president", "--db", db],
    "maslikhats results": lambda db: ["maslikhats", "results", db],
    "candidates decide": lambda db: ["candidates", "decide", db, "X", "--party", "A"],
    "export": lambda db: ["export", db],
    "statement": lambda db: ["statement", db, "--out", db + ".pdf"],
    # Every case here fails before the server would start.
    "serve": lambda db: ["serve", db, "--port", "1"],
}


def _args(world: Path, name: str, db: str) -> list[str]:
    protocols = world / "protocols.csv"
    if not protocols.exists():
        res = invoke("synth", str(protocols), "--stations", "3", "--parties", "2")
        assert res.exit_code == 0, res.output
    return [str(protocols) if a == "PROTOCOLS" else a for a in READERS[name](db)]


@pytest.mark.parametrize("name", sorted(READERS))
def test_missing_db_is_not_created(world: Path, name: str) -> None:
    db = world / f"missing-{name.replace(' ', '-')}.db"
    assert_one_line(invoke(*_args(world, name, str(db))), f"DB '{db}'", "no such file")
    assert not db.exists()


@pytest.mark.parametrize("name", sorted(READERS))
def test_not_a_database(world: Path, name: str) -> None:
    db = str(world / "notdb.db")
    assert_one_line(invoke(*_args(world, name, db)), f"DB '{db}'", "file is not a database")


@pytest.mark.parametrize("name", ["results", "audit verify", "users list", "whatif"])
def test_directory_as_db(world: Path, name: str) -> None:
    db = str(world / "dir.db")
    assert_one_line(invoke(*_args(world, name, db)), f"DB '{db}'", "is a directory")


@pytest.mark.parametrize("name", ["results", "users list", "ingest", "forensics"])
def test_unreachable_postgres(world: Path, name: str) -> None:
    assert_one_line(invoke(*_args(world, name, DEAD_PG)), f"DB '{DEAD_PG}'", "port 1", "refused")


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--law", "no-such-law"], ["'no-such-law'"]),
        (["--law", "kz-majilis-2021", "--date", "2021-13-45"], ["'2021-13-45'"]),
        (["--law", "kz-majilis-2021", "--divisions", "NOFILE"], ["NOFILE"]),
    ],
)
def test_failed_init_leaves_no_database(tmp_path: Path, extra: list[str], named: list[str]) -> None:
    db = tmp_path / "new.db"
    extra = [str(tmp_path / "nope.csv") if a == "NOFILE" else a for a in extra]
    named = ["nope.csv" if n == "NOFILE" else n for n in named]
    res = invoke("init", str(db), "--election", "E", "--contest", "c", *extra)
    assert_one_line(res, *named)
    assert list(tmp_path.iterdir()) == []


def test_failed_init_keeps_an_existing_database(world: Path) -> None:
    db = world / "ok.db"
    res = invoke("init", str(db), "--election", "E", "--contest", "c", "--law", "kz-majilis-2021")
    assert_one_line(res, "contest 'c' already exists")
    assert invoke("results", str(db), "--json").exit_code == 0


@pytest.mark.parametrize(
    "command",
    [["init", "--election", "E", "--contest", "c", "--law", "kz-majilis-2021"], ["demo", "--db"]],
)
def test_directory_given_to_a_creating_command(world: Path, command: list[str]) -> None:
    db = str(world / "adir")
    args = [command[0], db, *command[1:]] if command[0] == "init" else [*command, db]
    assert_one_line(invoke(*args), f"'{db}'", "is a directory")
    assert list((world / "adir").iterdir()) == []


def test_init_unreachable_postgres() -> None:
    res = invoke("init", DEAD_PG, "--election", "E", "--contest", "c", "--law", "kz-majilis-2021")
    assert_one_line(res, f"DB '{DEAD_PG}'", "refused")


# --------------------------------------------------------------------------- output paths


def test_keygen_into_missing_folder(tmp_path: Path) -> None:
    out = tmp_path / "no" / "k"
    assert_one_line(invoke("keygen", "--out", str(out)), f"{out}.key", "No such file")
    assert list(tmp_path.iterdir()) == []


def test_audit_export_into_missing_folder(world: Path) -> None:
    out = world / "no-such-folder" / "audit.json"
    res = invoke("audit", "export", str(world / "ok.db"), "--out", str(out))
    assert_one_line(res, str(out), "cannot write")
    assert not out.parent.exists()


def test_sign_into_missing_folder(tmp_path: Path) -> None:
    assert invoke("keygen", "--out", str(tmp_path / "k")).exit_code == 0
    snapshot = tmp_path / "snap.json"
    snapshot.write_text('{"seats": {"A": 3}}', encoding="utf-8")
    out = tmp_path / "no" / "snap.sig"
    res = invoke("sign", str(snapshot), "--key", str(tmp_path / "k.key"), "--out", str(out))
    assert_one_line(res, str(out), "cannot write")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["k.key", "k.pub", "snap.json"]


def test_project_out_under_a_file(world: Path) -> None:
    polls = world / "polls.csv"
    polls.write_text(
        "pollster,end_date,sample_size,Nur Otan,Ak Zhol\nX,2021-01-01,1000,70,30\n",
        encoding="utf-8",
    )
    out = world / "votes.csv" / "charts"
    res = invoke(
        "project", str(polls), "--law", "kz-majilis-2021", "--sims", "10", "--out", str(out)
    )
    assert_one_line(res, str(out), "Not a directory")


def test_zip_that_is_not_a_zip(tmp_path: Path) -> None:
    (tmp_path / "x.zip").write_text("hello\n", encoding="utf-8")
    res = invoke("tabulate", str(tmp_path / "x.zip"), "--law", "kz-majilis-2021")
    assert_one_line(res, "x.zip", "not a zip file")


@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b"", "the file is empty"),
        ("party,seats\nА,1\n".encode("cp1251"), "not UTF-8 (byte 0xc0 at offset 12)"),
    ],
)
def test_institution_tables_unreadable(tmp_path: Path, content: bytes, named: str) -> None:
    (tmp_path / "d.csv").write_bytes(content)
    (tmp_path / "v.csv").write_text(VOTES, encoding="utf-8")
    res = invoke("mmp", str(tmp_path / "v.csv"), str(tmp_path / "d.csv"))
    assert_one_line(res, "d.csv", named)


def test_institution_table_missing(tmp_path: Path) -> None:
    (tmp_path / "v.csv").write_text(VOTES, encoding="utf-8")
    res = invoke("mmp", str(tmp_path / "v.csv"), str(tmp_path / "nope.csv"))
    # the same line as for a missing votes file (saylau.textfile)
    assert_one_line(res, "nope.csv: file not found")
