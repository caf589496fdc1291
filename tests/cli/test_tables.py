"""Every table-printing command, run on the demo database at 80 and 60 columns.

The kinds of mistake issue #18 found in single commands are checked for all of them
at once: a table without a title, a figure cut to fit ("507,4…"), headers in
another style (lower case).  Each command declares which figures of its ``--json``
document its table shows; every one of them must appear whole in the text.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from saylau.cli import main

REPO = Path(__file__).resolve().parents[2]
VOTES = REPO / "examples" / "kz-majilis-2021.csv"
URI = REPO / "tests" / "data" / "biproportional" / "uri-landrat-2020"
CZECH = REPO / "tests" / "data" / "two_level" / "cz-poslanecka-snemovna-2021.csv"
POLLS = (
    "pollster,end_date,sample_size,Nur Otan,Ak Zhol,People's Party,Auyl,Adal\n"
    "A,2021-01-05,1200,70.5,11.0,9.2,5.6,3.7\n"
)
#: Small input files of the commands that read files, not the demo database: the
#: 2023 New Zealand party votes and electorates, the 2021 Majilis as a chamber.
FILES = {
    "nz_votes": "party,votes\nNational,1085851\nLabour,767540\nGreen,330907\nACT,246473\n"
    "NZ First,173553\nTe Pāti Māori,87844\nTOP,63344\n",
    "nz_electorates": "party,electorates\nNational,43\nLabour,17\nGreen,3\nACT,2\n"
    "Te Pāti Māori,6\n",
    "chamber": "party,seats\nNur Otan,76\nAk Zhol,12\nPeople's Party,10\nAssembly,9\n",
    "president": "candidate,votes\nA,4500000\nB,4000000\nC,1000000\n",
    "assembly": "candidate,votes\nX,298\nY,175\n",
    "lists": "party,position,name\nA,1,a1\nA,2,a2\nA,3,a3\nB,1,b1\n",
    "seats": "party,seats\nA,2\nB,1\n",
    "registry": "id,name,kind,affiliation,organisation,country,contests,stations,"
    "accredited_from,accredited_to\n"
    "O1,Ann,international,organisation,OSCE/ODIHR,Germany,,101;102,2021-01-01,2021-01-12\n"
    "O2,Bek,domestic,individual,,KZ,,,2021-01-01,\n",
    "reports": "id,observer,station,contest,reported_at,category,description\n"
    "R1,O1,101,c1,2021-01-10T11:00,ballot stuffing,two ballots seen\n"
    "R2,O2,101,c1,2021-01-10T09:30,obstruction,denied entry for 20 minutes\n",
    "districts": "district,candidate,party,votes\nD1,x,A,1200\nD1,y,B,1100\n"
    "D2,z,B,2500\nD2,w,,1000\n",
    # Station protocols, the last one failing a control relation (valid 8,900 against
    # 8,800 party votes): `tabulate` and `ingest` list it in a table of problems.
    "protocols": "station,region,district,registered,issued_at_station,in_stationary_boxes,"
    "invalid,valid,party:Nur Otan,party:Ak Zhol,party:People's Party of Kazakhstan\n"
    "S-0001,North Kazakhstan Region,N1,12000,8000,8000,100,7900,6000,1100,800\n"
    "S-0002,North Kazakhstan Region,N1,11000,7000,7000,100,6900,5000,1100,800\n"
    "S-0003,West Kazakhstan Region,W1,13000,9000,9000,100,8900,7000,1100,800\n"
    "S-0004,West Kazakhstan Region,W1,14000,9000,9000,100,8900,7000,1000,800\n",
}
WIDTHS = (80, 60)
#: Lines of a table's border and body: what may not stand where its title should.
BORDER = tuple("┏┌╭┃│┡├└┗╰━─")


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``saylau demo`` once per session (xdist workers share it through a lock)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    db = root / "tables-demo" / "saylau-demo.db"
    db.parent.mkdir(exist_ok=True)
    with (db.parent / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (db.parent / "done").exists():
            done = CliRunner().invoke(main, ["demo", "--db", str(db)])
            assert done.exit_code == 0, done.output
            (db.parent / "done").write_text("ok")
    return db


def whole(value: int) -> str:
    return f"{value:,}"


def _results(doc: dict[str, Any]) -> Iterator[str]:
    for party, votes in doc["votes"].items():
        yield whole(votes)
        yield whole(doc["seats"].get(party, 0))
    yield whole(doc["totals"]["registered"])


def _regions(doc: dict[str, Any]) -> Iterator[str]:
    for row in doc["divisions"]:
        yield whole(row["totals"]["registered"])
        # The demo registers its stations ahead, as the CEC does: every one reported.
        assert row["stations_expected"] == row["stations_reporting"]
        yield whole(row["stations_reporting"])


def _seats(doc: dict[str, Any]) -> Iterator[str]:
    for row in doc["allocation"]["rows"]:
        yield whole(row["votes"])
        yield whole(row["seats"])
    yield whole(doc["total_seats"])


def _regional(doc: dict[str, Any]) -> Iterator[str]:
    yield from _seats(doc)
    extra = doc["allocation"]["extra"]
    if "biproportional" in extra:
        matrix = extra["biproportional"]["lower"]["seats"]
    else:
        matrix = extra["two_level"]["regional_seats"]
    for party, regions in matrix.items():
        if doc["seats"].get(party):
            yield from (whole(n) for n in regions.values())


def _laws(doc: list[dict[str, Any]]) -> Iterator[str]:
    for law in doc:
        yield law["name"]  # the key the user types: never cut either


def _maslikhats(doc: dict[str, Any]) -> Iterator[str]:
    for c in doc["contests"]:
        yield whole(c["seats"])
    for row in doc["combined"].values():
        yield whole(row["seats"])
    yield whole(doc["total_seats"])


def _whatif(doc: dict[str, Any]) -> Iterator[str]:
    for s in doc["scenarios"]:
        yield from (whole(n) for n in s["seats"].values())


def _project(doc: dict[str, Any]) -> Iterator[str]:
    for p in doc["parties"]:
        yield whole(p["seats_median"])


def _forensics(doc: dict[str, Any]) -> Iterator[str]:
    yield whole(doc["stations"])
    yield whole(doc["integer_observed"])
    top = sorted(doc["regions"].values(), key=lambda r: r["integer_excess"], reverse=True)
    for region in top[:10]:
        yield whole(region["stations"])
        yield whole(region["integer_observed"])


def _observers(doc: dict[str, Any]) -> Iterator[str]:
    for key in ("total", "international", "domestic", "individual", "countries"):
        yield whole(doc[key])
    for org in doc["organisations"]:
        yield whole(org["observers"])


def _mmp(doc: dict[str, Any]) -> Iterator[str]:
    for p in doc["parties"]:
        if p["seats"]:
            yield from (whole(p[k]) for k in ("district_seats", "list_seats", "seats"))
    yield whole(doc["total_seats"])


def _chamber(doc: dict[str, Any]) -> Iterator[str]:
    for f in doc["factions"]:
        yield from (whole(f[k]) for k in ("deputies", "committee_chairs", "committee_secretaries"))


def _president(doc: dict[str, Any]) -> Iterator[str]:
    for c in doc["candidates"]:
        yield whole(c["votes"])
        yield f"{c['share']['approx']:.2f}"


def _assembly(doc: dict[str, Any]) -> Iterator[str]:
    yield from (whole(c["votes"]) for c in doc["candidates"])
    yield whole(doc["needed"])


def _lists(doc: dict[str, Any]) -> Iterator[str]:
    for row in doc["lists"]:
        yield from (whole(row[k]) for k in ("length", "in_quota", "quota_required"))


def _deputies(doc: dict[str, Any]) -> Iterator[str]:
    yield from (d["name"] for d in doc["deputies"])


def _reports(doc: None) -> Iterator[str]:
    yield from ("2021-01-10T11:00:00", "2021-01-10T09:30:00", "O1", "O2")


def _tabulated(doc: dict[str, Any]) -> Iterator[str]:
    yield from _results(doc)
    for station in doc["problems"]:
        yield whole(station["row"])
        yield station["station"]
        for failure in station["failures"]:
            yield failure["relation"]  # the name the docs explain: never cut


def _districts(doc: dict[str, Any]) -> Iterator[str]:
    yield from (d["district"] for d in doc["districts"])


@dataclass(frozen=True)
class Case:
    """A table-printing command: its arguments (``{db}``, ``{votes}``, ``{polls}``
    filled in) and the figures of its JSON its table must show whole."""

    name: str
    args: tuple[str, ...]
    figures: Callable[[Any], Iterator[str]]
    json_flag: str | None = "--json"  # None: the command has no --json
    exit_code: int = 0  # 1: the command reports problems it found (and prints them)


CASES = [
    Case("results", ("results", "{db}", "--contest", "majilis"), _results),
    Case(
        "results-region",
        ("results", "{db}", "--contest", "majilis", "--level", "region"),
        _regions,
    ),
    Case("results-maslikhat", ("results", "{db}", "--contest", "almaty-city"), _results),
    Case("seats", ("seats", "{votes}", "--law", "kz-majilis-2021"), _seats),
    Case("seats-adhoc", ("seats", "{votes}", "--method", "dhondt", "--seats", "98"), _seats),
    Case("seats-biproportional", ("seats", f"{URI}.csv", "--law", f"{URI}.toml"), _regional),
    Case(
        "seats-two-level", ("seats", str(CZECH), "--law", "cz-poslanecka-snemovna-2021"), _regional
    ),
    Case("tabulate", ("tabulate", "{protocols}", "--law", "kz-majilis-2021"), _tabulated),
    Case("laws", ("laws",), _laws),
    Case("maslikhats", ("maslikhats", "results", "{db}"), _maslikhats),
    Case(
        "whatif",
        ("whatif", "{db}", "--contest", "majilis", "--vary", "threshold=7,5"),
        _whatif,
    ),
    Case(
        "project",
        ("project", "{polls}", "--law", "kz-majilis-2021", "--sims", "2000"),
        _project,
    ),
    Case(
        "forensics",
        ("forensics", "{db}", "--contest", "majilis", "--leader", "Nur Otan", "--draws", "20"),
        _forensics,
    ),
    Case("observers", ("observers", "summary"), _observers),
    Case("mmp", ("mmp", "{nz_votes}", "{nz_electorates}"), _mmp),
    Case(
        "chamber", ("chamber", "{chamber}", "--year", "2021", "--non-party", "Assembly"), _chamber
    ),
    Case("president", ("president", "{president}"), _president),
    Case(
        "assembly", ("assembly", "{assembly}", "--members", "504", "--took-part", "351"), _assembly
    ),
    Case("deputies", ("deputies", "{lists}", "--seats", "{seats}"), _deputies),
    Case(
        "candidates-check",
        ("candidates", "check", "{lists}", "--law", "kz-maslikhat-2021", "--seats", "3"),
        _lists,
        exit_code=1,
    ),
    Case("districts", ("districts", "{districts}"), _districts),
    Case(
        "observers-reports",
        ("observers", "reports", "{registry}", "{reports}"),
        _reports,
        json_flag=None,
    ),
]


def _run(args: list[str], width: int, exit_code: int = 0) -> str:
    result = CliRunner().invoke(main, args, env={"COLUMNS": str(width)})
    assert result.exit_code == exit_code, result.output
    return result.output


def _args(case: Case, demo: Path, tmp_path: Path) -> list[str]:
    values = {"db": str(demo), "votes": str(VOTES)}
    for name, text in {**FILES, "polls": POLLS}.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(text, encoding="utf-8")
        values[name] = str(path)
    return [a.format(**values) for a in case.args]


def table_starts(lines: list[str]) -> list[int]:
    """Indexes of the first line of every table: a top border, or (for the borderless
    ``laws`` table) the header line above a rule of ``━``."""
    starts = [i for i, line in enumerate(lines) if line.startswith(("┏", "┌"))]
    starts += [
        i - 1
        for i, line in enumerate(lines)
        if i
        and set(line.strip()) <= set("━─ ")
        and line.strip()
        and not lines[i - 1].startswith("┃")
        and not lines[i - 1].startswith(("┏", "┌"))
    ]
    return sorted(starts)


def title_above(lines: list[str], start: int) -> str:
    """The line a table's title should be on: the one above its top border, or above
    the blank top row of a borderless table."""
    i = start - 1
    if not lines[start].startswith(("┏", "┌")):
        while i >= 0 and not lines[i].strip():
            i -= 1
    return lines[i] if i >= 0 else ""


def header_cells(lines: list[str], start: int) -> list[str]:
    """Each header cell's first non-blank line (a long figure header may take two
    lines, the other cells of that row then start blank) of the table at ``start``."""
    if not lines[start].startswith(("┏", "┌")):
        return [c.strip() for c in re.split(r"\s{2,}", lines[start].strip())]
    rows = []
    for line in lines[start + 1 :]:
        if not line.startswith(("┃", "│")):
            break
        rows.append([c.strip() for c in re.split("[┃│]", line)[1:-1]])
        if line.startswith("│"):  # a table without a header row: its first body row
            break
    return [next((row[i] for row in rows if row[i]), "") for i in range(len(rows[0]))]


def figure_is_whole(figure: str, text: str) -> bool:
    """``figure`` stands in ``text`` whole: no digit or separator glued to either side."""
    pattern = rf"(?<![\w,.]){re.escape(figure)}(?![\w]|[,.]\d)"
    return re.search(pattern, text) is not None


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_tables_are_titled_whole_and_alike(
    case: Case, width: int, demo: Path, tmp_path: Path
) -> None:
    args = _args(case, demo, tmp_path)
    text = _run(args, width, case.exit_code)
    doc = (
        json.loads(_run([*args, case.json_flag], width, case.exit_code)) if case.json_flag else None
    )
    _check_tables(case.name, text, width, list(case.figures(doc)))


def _check_tables(name: str, text: str, width: int, figures: list[str]) -> None:
    """Every table of ``text`` fits ``width``, has a title and sentence-case headers,
    and shows each of ``figures`` whole; nothing is cut with an ellipsis."""
    lines = text.splitlines()
    assert all(len(line) <= width for line in lines if line[:1] in BORDER), (
        f"a table is wider than {width} columns:\n{text}"
    )
    starts = table_starts(lines)
    assert starts, f"{name}: no table in\n{text}"
    for start in starts:
        title = title_above(lines, start)
        assert title.strip() and not title.startswith(BORDER), (
            f"{name}: a table without a title at line {start + 1}:\n{text}"
        )
        for cell in header_cells(lines, start):
            assert not cell[:1].islower(), f"{name}: header {cell!r} is not in sentence case"
    cut = [f for f in figures if not figure_is_whole(f, text)]
    assert not cut, f"{name} at {width} columns cuts or omits {cut}:\n{text}"
    assert "…" not in text, f"{name}: something is cut at {width} columns:\n{text}"


@pytest.mark.parametrize("width", WIDTHS)
def test_ingest_lists_its_problems_in_the_table_style(width: int, tmp_path: Path) -> None:
    """`ingest` is not in CASES (it writes to its database): the same checks on a
    fresh database, with the file's rejected protocol listed."""
    db = str(tmp_path / "ingest.db")
    init = ["init", db, "--election", "E", "--contest", "majilis", "--law", "kz-majilis-2021"]
    _run(init, width)
    protocols = tmp_path / "protocols.csv"
    protocols.write_text(FILES["protocols"], encoding="utf-8")
    text = _run(["ingest", db, str(protocols)], width)
    assert text.startswith("protocols.csv: 4 protocols: accepted 3, flagged 0, rejected 1"), text
    _check_tables("ingest", text, width, ["4", "S-0004", "valid_eq_votes", "8900", "8800"])


def test_the_figures_check_catches_a_cut_number() -> None:
    # The check must be able to fail: a truncated figure is not "whole".
    assert figure_is_whole("507,412", "│ Almaty │ 507,412 │")
    assert not figure_is_whole("507,412", "│ Almaty │ 507,4… │")
    assert not figure_is_whole("12", "│ Nur Otan │ 112 │")
    assert not figure_is_whole("1,050", "1,050,000")


def test_users_list_says_when_there_are_no_accounts(demo: Path) -> None:
    text = _run(["users", "list", str(demo)], 80)
    assert text == "No accounts yet: add one with `saylau users add`.\n", text


def test_a_database_where_a_csv_is_expected_is_named(demo: Path) -> None:
    result = CliRunner().invoke(main, ["observers", "summary", str(demo)])
    assert result.exit_code == 2
    assert result.output == (
        f"error: REGISTRY {demo}: expected a CSV file, got a SQLite database\n"
    )


@pytest.mark.parametrize(
    ("count", "word", "text"),
    [
        (0, "protocol", "0 protocols"),
        (1, "audit entry", "1 audit entry"),
        (2, "audit entry", "2 audit entries"),
        (1050, "station", "1,050 stations"),
        (2, "day", "2 days"),
    ],
)
def test_plural_agrees_with_its_count(count: int, word: str, text: str) -> None:
    from saylau.cli._table import plural

    assert plural(count, word) == text


def test_every_cli_table_is_drawn_by_the_table_module() -> None:
    """The kind of mistake behind the cut problem list of `ingest`: a command that
    builds its own rich Table escapes the one style (titles, whole figures, wrapping)
    and the checks above.  Only cli/_table.py may construct one."""
    import ast

    offenders = []
    for path in sorted((REPO / "src" / "saylau" / "cli").glob("*.py")):
        if path.name == "_table.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name == "Table":
                offenders.append(f"{path.name}:{node.lineno}")
    assert not offenders, f"tables built outside cli/_table.py: {offenders}"


@pytest.mark.parametrize("command", ["results", "export", "whatif", "forensics"])
def test_an_unknown_contest_is_answered_with_the_ones_there(demo: Path, command: str) -> None:
    # A typo in --contest names the contests the database holds (every command that
    # takes one goes through cli/_db.pick_contest).
    result = CliRunner().invoke(main, [command, str(demo), "--contest", "majilis2"])
    assert result.exit_code == 2
    assert result.output == (
        "error: contest 'majilis2' not found (contests in the database: majilis, "
        "nur-sultan-city, almaty-city, shymkent-city, petropavlovsk-city)\n"
    ), result.output
