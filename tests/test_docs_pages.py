"""The docs as pages: measured figures live in the README's table and the pages link
there, synopses name real commands and options, the README lists every bundled law,
and links between the pages lead somewhere.  (The examples themselves run in
tests/test_docs_examples.py, whose parser of the fenced blocks this module shares.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from test_docs_examples import BLOCKS, COMMAND, DOCS, REPO

# Benchmark figures live in one place, the README's performance table (with the machine and
# the date); a docs section about a benchmark links there instead of quoting its own.
TIMING = re.compile(r"\d[\d,.]*\s?(?:µs|ms|s|req/s)\b")
NOT_YET: dict[str, str] = {}  # a page still quoting figures of its own, with the reason


def _sections(path: Path) -> Iterator[tuple[str, str]]:
    title, body = "", []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            yield title, "\n".join(body)
            title, body = line, []
        else:
            body.append(line)
    yield title, "\n".join(body)


DOC_PAGES = [
    pytest.param(
        p,
        marks=pytest.mark.xfail(reason=NOT_YET[name], strict=True) if name in NOT_YET else (),
        id=name,
    )
    for p in DOCS[1:]
    for name in [str(p.relative_to(REPO))]
]


#: A section about measured speed: it names a benchmark (in its title or text) or says
#: it measured something ("measured on the 2-core box …").
ABOUT_SPEED = re.compile(r"bench_|\bbenchmark|\bmeasured\b|\btook\b", re.IGNORECASE)


@pytest.mark.parametrize("path", DOC_PAGES)
def test_benchmark_figures_live_in_the_readme(path: Path) -> None:
    for title, body in _sections(path):
        if not ABOUT_SPEED.search(title + "\n" + body):
            continue
        figures = TIMING.findall(body)
        assert not figures, f"{path.name} {title!r} quotes measured figures {figures}"
        if "bench_" in title + body:
            assert "../README.md#performance" in body, f"{path.name} {title!r}: link the README"


def test_the_readme_performance_table_names_machine_and_date() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Performance", 1)[1].split("\n## ", 1)[0]
    assert "bench_projection.py" in section and "bench_forensics.py" in section
    assert re.search(r"\b20\d\d\b", section) and "core" in section


def _synopsis_lines() -> Iterator[tuple[str, str]]:
    for b in BLOCKS:
        if b.lang != "text":
            continue
        for line in b.text.splitlines():
            code = line.split("#", 1)[0]
            if found := COMMAND.search(code):
                yield b.id, code[found.start() :].lstrip("|;& ")


def test_synopses_name_real_commands_and_options() -> None:
    """A synopsis does not run, so a renamed or removed option would rot in it silently:
    every command it names exists and every ``--option`` is one that command takes."""
    import click

    from saylau.cli import main

    wrong = []
    for where, line in _synopsis_lines():
        words = line.split()[1:]
        command: click.Command = main
        ctx = click.Context(main, info_name="saylau")
        while isinstance(command, click.Group) and words and words[0] in command.list_commands(ctx):
            found = command.get_command(ctx, words.pop(0))
            assert found is not None
            command = found
        if command is main:
            wrong.append(f"{where}: no such command: {line.strip()}")
            continue
        known = {o for p in command.params for o in p.opts if o.startswith("--")} | {"--help"}
        for option in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", line):
            if option not in known:
                wrong.append(f"{where}: {command.name} has no {option}")
    assert not wrong, "\n".join(wrong)


def readme_presets() -> set[str]:
    """The law keys the README's preset table names (`kz-majilis-2021`, `-2016` is
    kz-majilis-2016)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("Bundled presets (`saylau laws`)", 1)[1].split("\n\n", 2)[1]
    names: set[str] = set()
    for row in table.splitlines()[2:]:
        stem = ""
        for key in re.findall(r"`([^`]+)`", row.split("|")[1]):
            name = stem + key if key.startswith("-") else key
            stem = name.rsplit("-", 1)[0]
            names.add(name)
    return names


def test_the_readme_lists_every_bundled_law() -> None:
    """What `saylau laws` prints, the README's table explains (a preset added without a
    row would leave a newcomer with a key nothing describes)."""
    from saylau.law import list_presets

    bundled = {law.name for law in list_presets()}
    listed = readme_presets()
    assert "kz-majilis-2016" in listed and "ru-duma-2007" in listed  # the parser expands '-2016'
    assert bundled - listed == set(), f"bundled laws the README does not list: {bundled - listed}"
    assert listed - bundled == set(), f"README lists laws not bundled: {listed - bundled}"


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _prose(path: Path) -> str:
    return re.sub(r"^```.*?^```", "", path.read_text(encoding="utf-8"), flags=re.S | re.M)


def test_links_between_the_docs_lead_somewhere() -> None:
    """A relative link names a file of the repository, and its #anchor a heading there."""
    anchors = {
        p.resolve(): {_slug(h) for h in re.findall(r"^#+\s+(.*)$", _prose(p), re.M)} for p in DOCS
    }
    broken = []
    for doc in DOCS:
        for link in re.findall(r"\]\(([^)\s]+)\)", _prose(doc)):
            if re.match(r"[a-z]+:", link):
                continue
            path, _, anchor = link.partition("#")
            target = (doc.parent / path).resolve() if path else doc.resolve()
            if not target.exists():
                broken.append(f"{doc.name}: {link} (no such file)")
            elif anchor and target in anchors and anchor not in anchors[target]:
                broken.append(f"{doc.name}: {link} (no such heading)")
    assert not broken, broken
    assert _slug("## Tabulation: protocols in, results and seats out".lstrip("# ")) == (
        "tabulation-protocols-in-results-and-seats-out"
    )
