"""docs/security.md points each claim to its test: every test it cites exists.

A cited file must exist; a cited ``file::name`` must define ``name``; a cited
``[case]`` must be a case id of the tamper suite (or of the named test's file); a
bare ``test_name`` must be a test of the tamper suite.  A renamed or deleted test
then fails here instead of leaving the threat model pointing at nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "security.md"
SUITE = REPO / "tests" / "trust" / "test_tamper_suite.py"


def _spans() -> list[str]:
    """Every backticked span of the page, its line breaks folded to spaces."""
    text = DOC.read_text(encoding="utf-8")
    return [re.sub(r"\s+", " ", m) for m in re.findall(r"`([^`]+)`", text)]


def _file(cited: str) -> Path:
    path = REPO / cited if "/" in cited else REPO / "tests" / "trust" / cited
    return path


def test_every_cited_test_exists() -> None:
    problems: list[str] = []
    cited = 0
    suite = SUITE.read_text(encoding="utf-8")
    for span in _spans():
        ref = re.fullmatch(r"((?:[\w/]+/)?(?:test|bench)_\w+\.py)(?:::(\w+))?(?:\[(.+)\])?", span)
        if ref is not None:
            cited += 1
            path, name, case = ref.groups()
            source = _file(path)
            if not source.exists():
                problems.append(f"{span}: no file {source.relative_to(REPO)}")
                continue
            text = source.read_text(encoding="utf-8")
            if name and not re.search(rf"^def {name}\(", text, re.M):
                problems.append(f"{span}: no test {name} in {path}")
            if case and f'("{case}"' not in text:
                problems.append(f"{span}: no case {case!r} in {path}")
        elif re.fullmatch(r"\[[\w' -]+\]", span):
            cited += 1
            if f'("{span[1:-1]}"' not in suite:
                problems.append(f"{span}: no such case in the tamper suite")
        elif re.fullmatch(r"test_\w+", span):
            cited += 1
            if not re.search(rf"^def {span}\(", suite, re.M):
                problems.append(f"{span}: no such test in the tamper suite")
    assert problems == []
    assert cited >= 40, cited  # the page cites its tests (a parsing slip would find none)
