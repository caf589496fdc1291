"""Shared test fixtures: the shared data folder and the database backends.

The whole store-backed suite runs against SQLite (always) and PostgreSQL: the server
``SAYLAU_TEST_PG_URL`` names, or, when it is unset, a local one at 127.0.0.1:5432
(database ``test``) if it answers.  Set ``SAYLAU_TEST_PG_URL=`` (empty) to skip PostgreSQL.
The pytest header names the server; every run ends with one line of skips by reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from _pytest.terminal import TerminalReporter

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SAYLAU_SHARED", REPO.parent / "shared"))
RU_DUMA_2021 = SHARED / "data" / "ru-duma-2021.csv.zip"
NIST_SCHEMA = SHARED / "specs" / "nist-1500-100-v2-results.schema.json"
LOCAL_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
CHROMIUM = os.environ.get("SAYLAU_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_SHOWN = CHROMIUM if Path(CHROMIUM).exists() else f"not found ({CHROMIUM})"


def _local_pg() -> str:
    """The local server's URL if it accepts a connection within a second, else ''."""
    try:
        import psycopg

        # The tests create their own databases through the server's `postgres` database.
        with psycopg.connect(LOCAL_PG_URL.rsplit("/", 1)[0] + "/postgres", connect_timeout=1):
            return LOCAL_PG_URL
    except Exception:  # any failure means "not reachable": the tests then skip, saying why
        return ""


_PG_ENV = os.environ.get("SAYLAU_TEST_PG_URL")
PG_URL = _PG_ENV if _PG_ENV is not None else _local_pg()
PG_SOURCE = (
    ("SAYLAU_TEST_PG_URL" if PG_URL else "SAYLAU_TEST_PG_URL is empty")
    if _PG_ENV is not None
    else (
        "found on 127.0.0.1:5432"
        if PG_URL
        else "no server answers on 127.0.0.1:5432 and SAYLAU_TEST_PG_URL is unset"
    )
)

# Skip reasons by what enables them: (label, a substring of the skip message, how to enable).
SKIP_KINDS = [
    (
        "PostgreSQL",
        "PostgreSQL not configured",
        "unset SAYLAU_TEST_PG_URL to use a server on 127.0.0.1:5432, or set it to a URL"
        if _PG_ENV == ""
        else "start PostgreSQL on 127.0.0.1:5432 or set SAYLAU_TEST_PG_URL",
    ),
    ("chromium", "chromium", "apt-get install chromium or set SAYLAU_CHROMIUM"),
    (
        "real data",
        "real data file not found",
        f"put {RU_DUMA_2021.name} in {RU_DUMA_2021.parent} or set SAYLAU_SHARED",
    ),
    (
        "NIST schema",
        "NIST schema not found",
        f"put {NIST_SCHEMA.name} in {NIST_SCHEMA.parent} or set SAYLAU_SHARED",
    ),
    ("npm", "npm", "apt-get install npm (fetches axe-core once)"),
    ("dev tools", "could not import", "make setup (installs the dev extras)"),
    ("docs example", "docs example", "see SKIP in tests/test_docs_examples.py"),
]


def _setup_line() -> str:
    pg = PG_URL or "not used"
    return f"saylau: PostgreSQL {pg} ({PG_SOURCE}); chromium {CHROMIUM_SHOWN}; shared data {SHARED}"


def pytest_configure(config: pytest.Config) -> None:
    # Starlette's deprecations (the httpx test client of issue #18, lifespans, status
    # names) fail the test that meets one, so the suite never warns about them again.
    # Guarded: an older Starlette without the class must not break the configuration.
    try:
        from starlette.exceptions import StarletteDeprecationWarning  # noqa: F401
    except ImportError:
        return
    config.addinivalue_line(
        "filterwarnings", "error::starlette.exceptions.StarletteDeprecationWarning"
    )


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [_setup_line()]


def _untracked() -> set[str] | None:
    """The files `git status` shows as new in the checkout (None outside a git checkout)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=all"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0:
        return None
    return {line[3:] for line in done.stdout.splitlines() if line.startswith("?? ")}


_UNTRACKED = pytest.StashKey[set[str] | None]()
_LEFT = pytest.StashKey[list[str]]()


def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workerinput"):
        return
    # What is new in the checkout at the end, the run left there (issue #18 item 14).
    config.stash[_UNTRACKED] = _untracked()
    # `-q` (as `make test` runs) hides the header: say which servers are used anyway.
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if config.option.verbose < 0 and reporter is not None:
        reporter.write_line(_setup_line())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A test run leaves nothing `git status` shows: a file it left fails the run."""
    config = session.config
    before = config.stash.get(_UNTRACKED, None)
    after = _untracked() if before is not None else None
    if before is None or after is None:
        return
    left = sorted(after - before)
    config.stash[_LEFT] = left
    if left and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2])
    return str(longrepr)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter: TerminalReporter) -> Iterator[None]:
    """One plain line: how many tests were skipped for each reason, and how to enable them.

    Outermost wrapper, so the line comes after pytest's short summary, just above the totals.
    """
    yield
    left = terminalreporter.config.stash.get(_LEFT, [])
    if left:
        shown = ", ".join(left[:10]) + (f" and {len(left) - 10} more" if len(left) > 10 else "")
        terminalreporter.write_line(
            f"left in the checkout (git status shows them; write to tmp_path or .gitignore "
            f"them): {shown}",
            red=True,
        )
    counts: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = _skip_reason(report)
        label = next(
            (k for k, needle, _ in SKIP_KINDS if needle.lower() in reason.lower()), "other"
        )
        counts[label] = counts.get(label, 0) + 1
    if not counts:
        terminalreporter.write_line("skipped: none")
        return
    how = {label: enable for label, _, enable in SKIP_KINDS}
    parts = [
        f"{counts[label]} {label}" + (f" ({how[label]})" if label in how else "")
        for label in [*how, "other"]
        if label in counts
    ]
    terminalreporter.write_line("skipped: " + "; ".join(parts))


@pytest.fixture(scope="session")
def ru_duma_2021() -> Path:
    """The real Russian Duma 2021 station protocols (skips where absent)."""
    if not RU_DUMA_2021.exists():
        pytest.skip(
            f"real data file not found: {RU_DUMA_2021} "
            "(README.md, 'Real protocols', says where it comes from)"
        )
    return RU_DUMA_2021


@pytest.fixture(scope="session")
def nist_schema() -> Path:
    if not NIST_SCHEMA.exists():
        pytest.skip(f"NIST schema not found: {NIST_SCHEMA}")
    return NIST_SCHEMA


def _pg_database() -> Iterator[str]:
    import psycopg

    name = f"saylau_t_{uuid.uuid4().hex[:12]}"
    admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: an SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield str(tmp_path / "saylau.db")
        return
    if not PG_URL:
        # Say which: a server that answers is not used when the variable is set empty.
        pytest.skip(f"PostgreSQL not configured: {PG_SOURCE}")
    yield from _pg_database()
