"""Every test run ends with one plain line counting the skipped tests by reason and
saying how to enable each (tests/conftest.py), right above pytest's totals."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_last_lines_count_the_skips_by_reason(tmp_path: Path) -> None:
    # PostgreSQL switched off and an empty shared folder: the store schema tests skip
    # on PostgreSQL, the real-data tests skip, and the line says how to enable both.
    env = {**os.environ, "SAYLAU_TEST_PG_URL": "", "SAYLAU_SHARED": str(tmp_path)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/store/test_schema.py",
            "tests/tabulate/test_real_ru.py",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.rstrip().splitlines()
    # -q hides pytest's header: the first line still says which servers are used.
    assert lines[0].startswith("saylau: PostgreSQL not used (SAYLAU_TEST_PG_URL is empty)")
    skips, totals = lines[-2], lines[-1]
    skipped = int(re.search(r"(\d+) skipped", totals).group(1))  # type: ignore[union-attr]
    assert skips.startswith("skipped: "), lines[-3:]
    parts = re.findall(r"(\d+) (PostgreSQL|real data) \(", skips)
    assert {label for _, label in parts} == {"PostgreSQL", "real data"}, skips
    assert sum(int(n) for n, _ in parts) == skipped, (skips, totals)
    assert "unset SAYLAU_TEST_PG_URL" in skips and str(tmp_path) in skips
