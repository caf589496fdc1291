"""The official statement of results of a contest as PDF (fpdf2, DejaVu Sans).

DejaVu Sans (shipped with matplotlib) covers Latin, Cyrillic and the Kazakh
letters (ә ғ қ ң ө ұ ү һ і).  Names are data: invisible format characters (e.g.
right-to-left overrides) are dropped and very long names are shortened, so no
name can reorder or swamp the statement.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fpdf import FPDF

from saylau.web.i18n import Formatter
from saylau.web.names import local_name

MAX_NAME = 160


def font_path(bold: bool = False) -> Path:
    """DejaVu Sans from matplotlib's data directory."""
    import matplotlib

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


def clean(text: object) -> str:
    """A name fit for print: no format/control characters, at most MAX_NAME long."""
    value = "".join(ch for ch in str(text) if unicodedata.category(ch) not in ("Cf", "Cc", "Cs"))
    return value if len(value) <= MAX_NAME else value[: MAX_NAME - 1] + "…"


def ballot_rows(ctx: Mapping[str, Any], fmt: Formatter) -> list[tuple[str, str]]:
    """The ballot figures of a statement (label, formatted value), page and PDF alike:
    the figures a commission publishes, against all only where the ballot has it."""
    _ = fmt.gettext
    totals = ctx["totals"]
    rows = [
        (_("Registered voters"), fmt.number(totals["registered"])),
        (_("Ballots issued"), fmt.number(totals["ballots_issued"])),
        (_("Ballots cast"), fmt.number(totals["ballots_cast"])),
        (_("Turnout"), fmt.percent(totals["turnout"])),
        (_("Valid ballots"), fmt.number(totals["valid"])),
        (_("Invalid ballots"), fmt.number(totals["invalid"])),
    ]
    if totals.get("against_all"):
        rows.append((_("Against all"), fmt.number(totals["against_all"])))
    return rows


def observer_rows(ctx: Mapping[str, Any], fmt: Formatter) -> list[tuple[str, str]]:
    """The observer figures of a statement; empty while no observer is accredited."""
    _ = fmt.gettext
    obs = ctx.get("observers")
    if not obs:
        return []
    return [
        (_("Accredited observers"), fmt.number(obs["total"])),
        (_("International observers"), fmt.number(obs["international"])),
        (_("of them from international organisations"), fmt.number(obs["from_organisations"])),
        (_("International organisations"), fmt.number(obs["organisation_count"])),
        (_("Countries"), fmt.number(obs["countries"])),
        (_("Domestic observers"), fmt.number(obs["domestic"])),
    ] + (
        # Registries whose names are not public hold placeholders: say how many.
        [(_("Synthetic placeholder records"), fmt.number(obs["synthetic_records"]))]
        if obs.get("synthetic_records")
        else []
    )


def _named(text: object, fmt: Formatter) -> str:
    """A stored name (contest, election, party, tier, division) in the document's language."""
    return clean(local_name(str(text), fmt.lang))


def new_pdf(created: object = None) -> FPDF:
    """An A4 document with DejaVu Sans (regular and bold) and its first page: the
    statement and the commission's protocol share their set-up.  ``created`` (ISO
    text) is the document's CreationDate."""
    pdf = FPDF(format="A4")
    if created:
        # The data's time, not the clock's: same data, same bytes.
        pdf.set_creation_date(dt.datetime.fromisoformat(str(created)))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(font_path()))
    pdf.add_font("DejaVu", "B", str(font_path(bold=True)))
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, ctx: Mapping[str, Any], fmt: Formatter, subtitle: str) -> None:
    """Title, election and ``subtitle``, the synthetic-data warning and the status line."""
    _ = fmt.gettext
    contest = ctx["contest"]
    width = pdf.epw
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(
        width, 9, _("Official statement of results"), align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("DejaVu", "", 12)
    pdf.multi_cell(
        width,
        7,
        f"{_named(contest['election'], fmt)} — {subtitle}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    if contest.get("synthetic"):
        pdf.set_font("DejaVu", "B", 11)
        text = _("Synthetic data: these are not real election results.")
        pdf.multi_cell(width, 7, text, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    status = _(str(contest["status"]))
    line = f"{_('Status')}: {status}"
    if contest.get("date"):
        line += f" · {_('Election date')}: {fmt.date(contest['date'])}"
    counted = ctx.get("division") or contest
    stations = fmt.stations(counted["stations_reporting"], counted["stations_expected"])
    line += f" · {_('Stations counted')}: {stations}"
    pdf.multi_cell(width, 6, line, new_x="LMARGIN", new_y="NEXT")
    if contest.get("certified_at"):
        line = f"{_('Certified')}: {fmt.datetime(contest['certified_at'])}"
        if contest.get("certified_by"):
            line += f" · {clean(contest['certified_by'])}"
        pdf.multi_cell(width, 6, line, new_x="LMARGIN", new_y="NEXT")


def _figures(pdf: FPDF, title: str, rows: list[tuple[str, str]]) -> None:
    """A captioned two-column table of figures (ballots, observers)."""
    width = pdf.epw
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(width, 7, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    for label, value in rows:
        pdf.cell(width * 0.6, 6, label, border=1)
        pdf.cell(width * 0.4, 6, value, border=1, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _footer(pdf: FPDF, ctx: Mapping[str, Any], fmt: Formatter, label: str = "Generated") -> bytes:
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(pdf.epw, 5, f"{fmt.gettext(label)}: {fmt.datetime(ctx.get('generated'))}")
    return bytes(pdf.output())


def statement_pdf(ctx: Mapping[str, Any], lang: str) -> bytes:
    """The PDF statement of the statement context ``ctx`` (see ``model.statement``)."""
    fmt = Formatter(lang)
    _ = fmt.gettext
    pdf = new_pdf(ctx.get("generated"))
    totals = ctx["totals"]
    width = pdf.epw
    _heading(pdf, ctx, fmt, _named(ctx["contest"]["title"], fmt))
    pdf.ln(3)
    _figures(pdf, _("Ballots"), ballot_rows(ctx, fmt))

    pdf.set_font("DejaVu", "B", 11)
    caption = _("Votes and seats by party")
    if ctx.get("threshold") is not None:
        caption += f" · {_('Threshold')}: {fmt.percent(ctx['threshold'])}"
    pdf.multi_cell(width, 7, caption, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    with pdf.table(
        col_widths=(46, 18, 12, 12, 12),
        text_align=("LEFT", "RIGHT", "RIGHT", "CENTER", "RIGHT"),
        first_row_as_headings=True,
    ) as table:
        table.row([_("Party"), _("Votes"), "%", _("Passed the threshold"), _("Seats")])
        for p in ctx["parties"]:
            table.row(
                [
                    _named(p["name"], fmt),
                    fmt.number(p["votes"]),
                    fmt.percent(p["percent"]),
                    _("yes") if p["passed"] else _("no"),
                    fmt.number(p["seats"]),
                ]
            )
        for g in ctx["seat_groups"]:
            if g["reserved"]:
                table.row([_named(_(str(g["label"])), fmt), "", "", "", fmt.number(g["seats"])])
        table.row([_("Total"), fmt.number(totals["valid"]), "", "", fmt.number(ctx["seats_total"])])
    pdf.ln(4)
    observers = observer_rows(ctx, fmt)
    if observers:
        _figures(pdf, _("Accredited observers"), observers)
    return _footer(pdf, ctx, fmt, "Last update")


def territory_pdf(ctx: Mapping[str, Any], lang: str) -> bytes:
    """The statement of results of one territory (a division's subtree), from its
    approved results: ``ctx`` as ``saylau.web.model.division_page`` builds it, with
    ``approval`` (who approved, when, the results hash) and ``generated``.  Votes
    only: seats are allocated for the whole contest."""
    fmt = Formatter(lang)
    _ = fmt.gettext
    pdf = new_pdf()
    division = ctx["division"]
    _heading(
        pdf,
        ctx,
        fmt,
        f"{_named(ctx['contest']['title'], fmt)} — {_named(division['name'], fmt)}",
    )
    approval = ctx["approval"]
    pdf.multi_cell(
        pdf.epw,
        6,
        f"{_('Approved')}: {fmt.datetime(approval['at'])} · {clean(approval['actor'])}"
        f" ({clean(approval['scope'])})",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(3)
    _figures(pdf, _("Ballots"), ballot_rows(ctx, fmt))
    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(pdf.epw, 7, _("Votes by party"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    with pdf.table(
        col_widths=(60, 24, 16), text_align=("LEFT", "RIGHT", "RIGHT"), first_row_as_headings=True
    ) as table:
        table.row([_("Party"), _("Votes"), "%"])
        for p in ctx["parties"]:
            table.row([_named(p["name"], fmt), fmt.number(p["votes"]), fmt.percent(p["percent"])])
        table.row([_("Total"), fmt.number(ctx["totals"]["valid"]), ""])
    pdf.ln(3)
    digest = str(approval["results_hash"])
    pdf.set_font("DejaVu", "", 8)
    pdf.multi_cell(
        pdf.epw,
        5,
        f"{_('Results hash')}: {' '.join(digest[i : i + 4] for i in range(0, len(digest), 4))}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return _footer(pdf, ctx, fmt)
