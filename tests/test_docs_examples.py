"""Every example in README.md and docs/*.md runs, so the docs cannot rot.

Also checked: what the README's quickstart says the make targets do, that law files shown
load, and that the examples leave nothing `git status` shows (the pages themselves:
tests/test_docs_pages.py).

A doctest-style runner over the fenced blocks:

- ```python: executed statement by statement in a fresh temp dir; an expression followed
  by a comment that is itself a Python expression (``a.seats  # {'Nur Otan': 76, …}``)
  must equal it.
- ```bash / ```sh: run by ``bash -e`` in a fresh temp dir; every command must succeed.
- ```console: each ``$ command`` is run; when the transcript shows ``error: …`` lines the
  command must fail with exit status 2 and print them, otherwise it must succeed.
- ``text`` (synopses with placeholders such as ``DB`` or ``[--json]``), ``toml``, ``csv``
  and ``json`` are read, not run.  Every block names its language: an untagged block
  could hide an example from the runner, and a ``text`` block may not hold a concrete
  ``saylau`` command (one without a placeholder), which would then never run.

Each temp dir holds ``examples/`` (the repository's) and a copy of ``saylau-demo.db``,
built once per session by ``saylau demo`` with the virtual environment *not* on PATH,
as ``make demo`` leaves a newcomer.  ``saylau`` is on PATH while the examples run, as
after ``source .venv/bin/activate`` (the README says to).  A few blocks are skipped,
each named with its reason in :data:`SKIP`; inputs an example takes for granted are
declared in :data:`GIVEN`.
"""

from __future__ import annotations

import ast
import fcntl
import io
import os
import re
import shutil
import subprocess
import sys
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
BIN = Path(sys.executable).parent  # the virtual environment's bin/
RUN = {"python", "bash", "sh", "console"}
READ_ONLY = {"text", "toml", "csv", "json"}

# (document, a substring of the block) -> why it is not run here.
SKIP: dict[tuple[str, str], str] = {
    ("README.md", "make demo"): "the quickstart itself: builds .venv and runs the whole suite",
    ("README.md", "../shared/data/ru-duma-2021.csv.zip"): (
        "needs the real-data file ../shared/data/ru-duma-2021.csv.zip (see the README)"
    ),
    ("README.md", "source .venv/bin/activate"): "the test runs with the venv's bin/ on PATH",
    ("docs/analysis.md", "ru-duma-2021.csv.zip"): "needs the real-data file and a long run",
    ("docs/web.md", "APIRouter"): "a sketch of a view with '...' placeholders",
    ("docs/tabulate.md", "protocols.csv.zip"): "needs a protocol file in the Russian CEC layout",
}

EXAMPLE_VOTES = (REPO / "examples" / "kz-majilis-2021.csv").read_text(encoding="utf-8")
BAD_LAW = """\
[law]
name = "my-law"
title = "A law with a typo"

[[tiers]]
name = "party-list"
seats = 10
method = "hare"
treshold = "5"
"""
POLLS = """\
pollster,end_date,sample_size,Nur Otan,Ak Zhol,People's Party of Kazakhstan,Auyl,Adal
A,2021-01-05,1200,70,11,10,5,4
B,2021-01-07,1000,72,10,9,5,4
"""

# (document, a substring of the block) -> files the example takes for granted.
GIVEN: dict[tuple[str, str], dict[str, str]] = {
    ("README.md", "my-law.toml"): {"v.csv": EXAMPLE_VOTES, "my-law.toml": BAD_LAW},
    ("docs/analysis.md", "kz2021.csv"): {"kz2021.csv": EXAMPLE_VOTES},
    ("docs/analysis.md", "polls.csv"): {"polls.csv": POLLS},
    ("docs/tabulate.md", "no bundled profile"): {"x.csv": "station,registered,party:A\n1,100,50\n"},
}


@dataclass(frozen=True)
class Block:
    doc: str  # path relative to the repository
    line: int  # of the opening fence
    lang: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"

    def matches(self, key: tuple[str, str]) -> bool:
        return key[0] == self.doc and key[1] in self.text


FENCE = re.compile(r"^```\s*([\w+-]*)\s*$")


def _blocks(path: Path) -> Iterator[Block]:
    lang: str | None = None
    start, body = 0, []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fence = FENCE.match(line)
        if lang is None and fence:
            lang, start, body = fence.group(1).lower(), number, []
        elif lang is not None and line.startswith("```"):
            text = "\n".join(body) + "\n"
            yield Block(str(path.relative_to(REPO)), start, lang, text)
            lang = None
        elif lang is not None:
            body.append(line)


BLOCKS = [b for doc in DOCS for b in _blocks(doc)]
RUNNABLE = [b for b in BLOCKS if b.lang in RUN]


def test_every_block_is_known() -> None:
    unknown = [f"{b.id} ```{b.lang}" for b in BLOCKS if b.lang not in RUN | READ_ONLY]
    assert not unknown, f"fenced blocks without a language the runner runs or reads: {unknown}"
    assert len(RUNNABLE) >= 8  # README alone has several: a parser that found none would pass


#: A placeholder in a synopsis: an upper-case word (DB, FILE, NAME.csv) or an option
#: in brackets.
PLACEHOLDER = re.compile(r"\b[A-Z][A-Z0-9_]+\b|\[")
COMMAND = re.compile(r"(?:^|[|;&]\s*)saylau\s")


def concrete_commands(block: Block) -> list[str]:
    """The lines of a read-only block that run saylau with no placeholder at all."""
    return [
        line.strip()
        for line in block.text.splitlines()
        if COMMAND.search(line.split("#", 1)[0]) and not PLACEHOLDER.search(line.split("#", 1)[0])
    ]


def test_read_only_blocks_hide_no_example() -> None:
    """A concrete command in a ``text`` block would never run: tag it bash or console."""
    hidden = {b.id: concrete_commands(b) for b in BLOCKS if b.lang in READ_ONLY}
    hidden = {k: v for k, v in hidden.items() if v}
    assert not hidden, f"examples in blocks the runner does not run: {hidden}"


def test_the_hidden_example_check_can_fail() -> None:
    synopsis = Block("x.md", 1, "text", "saylau results DB [--contest ID]\n")
    example = Block("x.md", 1, "text", "saylau demo   # builds saylau-demo.db\n")
    piped = Block("x.md", 1, "text", "echo pw | saylau users passwd demo.db op1\n")
    assert concrete_commands(synopsis) == []
    assert concrete_commands(example) == ["saylau demo   # builds saylau-demo.db"]
    assert concrete_commands(piped) == ["echo pw | saylau users passwd demo.db op1"]


@pytest.mark.parametrize("key", [*SKIP, *GIVEN], ids=lambda k: f"{k[0]}:{k[1]}")
def test_skip_and_given_lists_name_real_blocks(key: tuple[str, str]) -> None:
    assert any(b.matches(key) for b in RUNNABLE), f"no runnable block in {key[0]} holds {key[1]!r}"


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``saylau demo`` run once per session (xdist workers share it through a lock)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this run, fresh for every run
    db = root / "docs-demo" / "saylau-demo.db"
    db.parent.mkdir(exist_ok=True)
    with (db.parent / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (db.parent / "done").exists():
            _build_demo(db)
            (db.parent / "done").write_text("ok")
    return db


def _build_demo(db: Path) -> None:
    # As `make demo` runs it: from the repository, by path, the venv not on PATH.
    env = {**os.environ, "PATH": _path_without_venv()}
    exe = os.path.relpath(BIN / "saylau", REPO)
    done = subprocess.run(
        [exe, "demo", "--db", str(db)], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    (db.parent / "output.txt").write_text(done.stdout)


def _path_without_venv() -> str:
    parts = os.environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(p for p in parts if Path(p).resolve() != BIN.resolve())


def test_the_demo_hints_are_commands_the_user_can_type(demo_db: Path) -> None:
    """After `make demo` (venv not activated) the hints must name a saylau that runs."""
    output = (demo_db.parent / "output.txt").read_text()
    hints = re.findall(r"(\S+) (?:serve|maslikhats results) ", output)
    assert len(hints) >= 2, output
    for prog in hints:
        assert (REPO / prog).exists() or shutil.which(prog, path=_path_without_venv()), (
            f"the demo says to run {prog!r}, which is not on PATH after `make demo`"
        )


@pytest.fixture
def workdir(block: Block, tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    (tmp_path / "examples").symlink_to(REPO / "examples")
    if "saylau-demo.db" in block.text:
        shutil.copy(request.getfixturevalue("demo_db"), tmp_path / "saylau-demo.db")
    for key, files in GIVEN.items():
        if block.matches(key):
            for name, content in files.items():
                (tmp_path / name).write_text(content, encoding="utf-8")
    return tmp_path


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def _skip_reason(block: Block) -> str | None:
    return next((why for key, why in SKIP.items() if block.matches(key)), None)


@pytest.fixture(params=RUNNABLE, ids=[b.id for b in RUNNABLE])
def block(request: pytest.FixtureRequest) -> Block:
    b: Block = request.param
    reason = _skip_reason(b)
    if reason:
        pytest.skip(f"docs example {b.id}: {reason}")
    return b


def test_example_runs(block: Block, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _files(workdir)
    _run(block, workdir, monkeypatch)
    # Run in a checkout, an example must leave nothing `git status` shows.
    written = sorted(_files(workdir) - before)
    shown = [p for p in written if not _ignored(p)]
    assert not shown, f"{block.id} writes files .gitignore does not cover: {shown}"


def _files(root: Path) -> set[str]:
    """Paths under root, relative (directories end in '/'); examples/ is the repo's."""
    found: set[str] = set()
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if rel == "examples" or rel.startswith("examples/"):
            continue
        found.add(rel + "/" if path.is_dir() else rel)
    return found


def _ignored(rel: str) -> bool:
    done = subprocess.run(["git", "-C", str(REPO), "check-ignore", "-q", "--no-index", rel])
    return done.returncode == 0


def _run(block: Block, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if block.lang == "python":
        monkeypatch.chdir(workdir)
        _run_python(block)
    elif block.lang == "console":
        _run_console(block, workdir)
    else:
        done = subprocess.run(
            ["bash", "-e", "-c", block.text],
            cwd=workdir,
            env=_env(),
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"{block.id} failed:\n{done.stdout}\n{done.stderr}"


def test_a_missing_protocol_file_is_named_as_typed(tmp_path: Path) -> None:
    """The README's real-data example, run where the file is absent: the error names the
    path as the user typed it, directory included, so they know where it was looked for."""
    typed = "../shared/data/ru-duma-2021.csv.zip"
    done = subprocess.run(
        ["saylau", "tabulate", typed, "--law", "ru-duma-2021"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {typed}: cannot read: No such file"), done.stderr


def _run_console(block: Block, workdir: Path) -> None:
    for command, expected in _transcript(block.text):
        # As wide as the transcript's widest line, so tables are laid out as shown.
        width = max([80, *(len(line) for line in expected)])
        env = {**_env(), "COLUMNS": str(width)}
        done = subprocess.run(
            ["bash", "-c", command], cwd=workdir, env=env, capture_output=True, text=True
        )
        errors = [line.strip() for line in expected if line.startswith("error:")]
        shown = " ".join((done.stdout + done.stderr).split())
        if errors:
            assert done.returncode == 2, f"{block.id}: `{command}` should fail:\n{shown}"
            for line in errors:
                assert " ".join(line.split()) in shown, f"{block.id}: `{command}`: {shown}"
        else:
            assert done.returncode == 0, f"{block.id}: `{command}` failed:\n{done.stderr}"
        missing = unprinted(expected, (done.stdout + done.stderr).splitlines())
        assert not missing, (
            f"{block.id}: `{command}` does not print the lines the docs show:\n"
            + "\n".join(missing)
            + f"\n--- it printed:\n{done.stdout}{done.stderr}"
        )


def _norm(line: str) -> str:
    return " ".join(line.split())


def unprinted(shown: list[str], printed: list[str]) -> list[str]:
    """The lines of a transcript that the command did not print, in that order (a
    transcript may leave lines out; '…' in a shown line stands for any text)."""
    missing: list[str] = []
    rest = [_norm(p) for p in printed]
    for line in shown:
        want = _norm(line)
        if not want:
            continue
        pattern = re.compile(".*".join(re.escape(part) for part in want.split("…")))
        at = next((i for i, got in enumerate(rest) if pattern.fullmatch(got)), None)
        if at is None:
            missing.append(line)
        else:
            rest = rest[at + 1 :]
    return missing


def test_the_transcript_check_can_fail() -> None:
    printed = ["Title", "│ Nur Otan │ 76 │", "│ Ak Zhol │ 12 │", "criteria: x (a, b, c)"]
    assert unprinted(["│ Nur Otan │ 76 │", "criteria: x (a, …)"], printed) == []
    assert unprinted(["│ Ak Zhol │ 12 │", "│ Nur Otan │ 76 │"], printed) == ["│ Nur Otan │ 76 │"]
    assert unprinted(["│ Nur Otan │ 77 │"], printed) == ["│ Nur Otan │ 77 │"]


def _transcript(text: str) -> Iterator[tuple[str, list[str]]]:
    """(command, the output lines shown after it) for each ``$ `` prompt."""
    command: str | None = None
    output: list[str] = []
    continued = False
    for line in text.splitlines():
        if line.startswith("$ ") or continued:
            if line.startswith("$ "):
                if command is not None:
                    yield command, output
                command, output = "", []
                line = line[2:]
            assert command is not None
            continued = line.rstrip().endswith("\\")
            command += line.rstrip().removesuffix("\\") + " "
        elif command is not None:
            output.append(line)
    if command is not None:
        yield command, output


def _run_python(block: Block) -> None:
    import numpy as np

    namespace: dict[str, Any] = {"__name__": "__docs__"}
    comments = _comments(block.text)
    lines = block.text.splitlines()
    for node in ast.parse(block.text).body:
        module = ast.Module(body=[node], type_ignores=[])
        if not isinstance(node, ast.Expr):
            exec(compile(module, block.id, "exec"), namespace)
            continue
        got = eval(compile(ast.Expression(node.value), block.id, "eval"), namespace)
        want_text = _expected(comments, node.end_lineno or node.lineno, len(lines))
        want = _evaluate(want_text, {**namespace, "Fraction": Fraction, "array": np.array})
        if want is _NOT_A_VALUE:
            continue
        same = np.array_equal(got, want) if isinstance(got, np.ndarray) else got == want
        assert same, f"{block.id} line {node.lineno}: got {got!r}, the docs say {want_text}"


_NOT_A_VALUE = object()


def _comments(text: str) -> dict[int, tuple[str, bool]]:
    """Line -> (comment text, whether the comment is the whole line)."""
    found: dict[int, tuple[str, bool]] = {}
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            whole = not tok.line[: tok.start[1]].strip()
            found[tok.start[0]] = (tok.string[1:].strip(), whole)
    return found


def _expected(comments: dict[int, tuple[str, bool]], end: int, last: int) -> str:
    """The comment after an expression (on its last line, or on the lines right below it),
    with the whole-line comments continuing it."""
    parts = [comments[end][0]] if end in comments and not comments[end][1] else []
    for line in range(end + 1, last + 1):
        if line not in comments or not comments[line][1]:
            break
        parts.append(comments[line][0])
    return " ".join(parts)


def _evaluate(text: str, namespace: dict[str, Any]) -> Any:
    """The value a comment states, or _NOT_A_VALUE when the comment is prose."""
    if not text:
        return _NOT_A_VALUE
    try:
        return eval(compile(text, "<docs>", "eval"), namespace)
    except Exception:  # prose ("107 with the Assembly tier"), not a stated value
        return _NOT_A_VALUE


LAW_BLOCKS = [b for b in BLOCKS if b.lang == "toml" and "[law]" in b.text]


@pytest.mark.parametrize("block", LAW_BLOCKS, ids=[b.id for b in LAW_BLOCKS])
def test_law_file_examples_load(block: Block, tmp_path: Path) -> None:
    """A whole law file shown in the docs is one saylau reads without complaint."""
    import saylau

    path = tmp_path / "law.toml"
    path.write_text(block.text, encoding="utf-8")
    law = saylau.load_law(path)
    assert law.allocate({"A": 600, "B": 300, "C": 100}).total_seats > 0


def test_some_law_file_example_exists() -> None:
    assert LAW_BLOCKS, "README.md shows a law file: the parser should find it"


def _make_plan(target: str, tmp_path: Path) -> str:
    """What `make TARGET` would run on a fresh clone (no .venv yet), without running it."""
    done = subprocess.run(
        ["make", "-n", "-C", str(REPO), target, f"VENV={tmp_path / 'venv'}"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_demo_installs_the_runtime_only(tmp_path: Path) -> None:
    demo = _make_plan("demo", tmp_path)
    assert "pip install --progress-bar on -e .\n" in demo  # progress shown, not -q
    assert "[dev]" not in demo and " -q " not in demo
    assert "saylau demo" in demo


def test_make_test_adds_the_dev_tools(tmp_path: Path) -> None:
    plan = _make_plan("test", tmp_path)
    assert "-e '.[dev]'" in plan and "pytest" in plan


def test_make_serve_serves_the_demo(tmp_path: Path) -> None:
    plan = _make_plan("serve", tmp_path)
    assert "saylau serve saylau-demo.db" in plan and "[dev]" not in plan
