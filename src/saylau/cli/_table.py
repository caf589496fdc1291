"""One table style for the CLI: titled tables, headers in sentence case, figures
right-aligned with thousands separators, and tables that fit the terminal.

A table wider than the terminal is split into several, each repeating the first
column, rather than cutting its cells: a figure is never truncated.  Names wrap
within their column.  When the output is not a terminal, lines are not wrapped
(a pipe gets whole sentences), and tables are laid out at 80 columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.markup import escape
from rich.table import Table

#: The narrowest a wrapped (name) column gets before a table is split.
MIN_NAME = 16


def console(*, stderr: bool = False) -> Console:
    """The CLI's console: no syntax highlighting; no soft wrapping into a pipe."""
    probe = Console(stderr=stderr)
    return Console(stderr=stderr, highlight=False, soft_wrap=not probe.is_terminal)


def number(value: int) -> str:
    """A count with thousands separators: ``1,050``."""
    return f"{value:,}"


def percent(value: float) -> str:
    """A display percentage, 2 places: ``71.09``."""
    return f"{value:.2f}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 audit entry``, ``2 audit entries``: the count with separators and the noun
    agreeing with it (``many`` for an irregular plural)."""
    if count == 1:
        return f"1 {word}"
    if many is None:
        many = (
            word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else word + "s"
        )
    return f"{count:,} {many}"


def of(part: int, whole: int | None) -> str:
    """``1,040 of 1,050``; ``1,040 reported`` when the whole is unknown (no station
    list was registered, so the stations that reported are all that is known)."""
    return f"{part:,} reported" if whole is None else f"{part:,} of {whole:,}"


@dataclass(frozen=True)
class Column:
    """A column: its header, and whether it holds figures (right-aligned, never
    wrapped) or text (left-aligned, wrapped)."""

    header: str
    figure: bool = False


def _width(column: Column, cells: Sequence[str]) -> int:
    if not column.figure:
        longest = max([len(column.header), *(len(c) for c in cells)])
        return min(longest, MIN_NAME)
    # A figure column is never wrapped; its header only where it was broken in two.
    header = max(len(line) for line in column.header.split("\n"))
    return max([header, *(len(c) for c in cells)])


def _two_lines(header: str) -> str:
    """``% of 98 list seats`` as ``% of 98`` over ``list seats``: broken at the space
    that leaves the longer line shortest."""
    spaces = [i for i, ch in enumerate(header) if ch == " "]
    if not spaces:
        return header
    at = min(spaces, key=lambda i: max(i, len(header) - i - 1))
    return header[:at] + "\n" + header[at + 1 :]


def _groups(widths: Sequence[int], width: int) -> list[list[int]]:
    """Indexes of the columns after the first, in groups that fit ``width`` together
    with the first column (each column costs its cells + 3 for padding and rule)."""
    budget = width - 1 - (widths[0] + 3)
    groups: list[list[int]] = [[]]
    used = 0
    for i, w in enumerate(widths[1:], start=1):
        if groups[-1] and used + w + 3 > budget:
            groups.append([])
            used = 0
        groups[-1].append(i)
        used += w + 3
    return groups


def tables(
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    width: int,
    bold_last: bool = False,
) -> list[Table]:
    """``rows`` under ``columns`` as one table, or as several that each fit ``width``
    (the first column repeated in each).  Cells are plain text (markup is escaped)."""
    widths = [_width(c, [r[i] for r in rows]) for i, c in enumerate(columns)]
    groups = _groups(widths, width)
    if len(groups) > 1:
        # Before splitting the table, let long figure headers take two lines.
        short = [Column(_two_lines(c.header), True) if c.figure else c for c in columns]
        narrow = [_width(c, [r[i] for r in rows]) for i, c in enumerate(short)]
        if len(fewer := _groups(narrow, width)) < len(groups):
            columns, widths, groups = short, narrow, fewer
    out = []
    for n, group in enumerate(groups, start=1):
        part = f" ({n}/{len(groups)})" if len(groups) > 1 else ""
        table = Table(title=escape(title + part), title_justify="left")
        for i in [0, *group]:
            c = columns[i]
            if c.figure:
                table.add_column(escape(c.header), justify="right", no_wrap=True)
            else:
                table.add_column(escape(c.header), overflow="fold", min_width=widths[i])
        for k, row in enumerate(rows):
            style = "bold" if bold_last and k == len(rows) - 1 else None
            table.add_row(*[escape(row[i]) for i in [0, *group]], style=style)
        out.append(table)
    return out


def facts(title: str, lines: Sequence[tuple[str, str]]) -> Table:
    """A titled two-column table of labelled figures (no header row)."""
    table = Table(title=escape(title), title_justify="left", show_header=False)
    table.add_column("what", overflow="fold")
    table.add_column("figure", justify="right", no_wrap=True)
    for label, value in lines:
        table.add_row(escape(label), escape(value))
    return table


def keyed(title: str, columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> Table:
    """A titled list whose first column is a key the user types (``saylau laws``): the
    key is never wrapped or cut, the text columns wrap.  No vertical rules: their width
    goes to the columns, so 80 columns hold the longest key and its description."""
    from rich import box

    table = Table(title=escape(title), title_justify="left", box=box.SIMPLE_HEAD)
    key = max([len(columns[0].header), *(len(r[0]) for r in rows)])
    table.add_column(escape(columns[0].header), no_wrap=True, min_width=key)
    for c in columns[1:]:
        if c.figure:
            table.add_column(escape(c.header), justify="right", no_wrap=True)
        else:
            table.add_column(escape(c.header), overflow="fold")
    for row in rows:
        table.add_row(*[escape(cell) for cell in row])
    return table


def show(out: Console, items: Sequence[Table]) -> None:
    """Print tables one after the other."""
    for item in items:
        out.print(item)
