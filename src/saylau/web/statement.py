"""The official statement of results of a contest as PDF (fpdf2, DejaVu Sans).

DejaVu Sans (shipped with matplotlib) covers Latin, Cyrillic and the Kazakh
letters (ә ғ қ ң ө ұ ү һ і).  Names are data: invisible format characters (e.g.
right-to-left overrides) are dropped and very long names are shortened, so no
name can reorder or swamp the statement.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fpdf import FPDF

from saylau.web.i18n import Formatter

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


def statement_pdf(ctx: Mapping[str, Any], lang: str) -> bytes:
    """The PDF statement of the statement context ``ctx`` (see ``model.statement``)."""
    fmt = Formatter(lang)
    _ = fmt.gettext
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(font_path()))
    pdf.add_font("DejaVu", "B", str(font_path(bold=True)))
    pdf.add_page()
    contest = ctx["contest"]
    totals = ctx["totals"]
    width = pdf.epw

    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(
        width, 9, _("Official statement of results"), align="C", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("DejaVu", "", 12)
    pdf.multi_cell(
        width,
        7,
        f"{clean(contest['election'])} — {clean(contest['title'])}",
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
    counted = fmt.stations(contest["stations_reporting"], contest["stations_expected"])
    line += f" · {_('Stations counted')}: {counted}"
    pdf.multi_cell(width, 6, line, new_x="LMARGIN", new_y="NEXT")
    if contest.get("certified_at"):
        line = f"{_('Certified')}: {fmt.datetime(contest['certified_at'])}"
        if contest.get("certified_by"):
            line += f" · {clean(contest['certified_by'])}"
        pdf.multi_cell(width, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    pdf.set_font("DejaVu", "B", 11)
    pdf.cell(width, 7, _("Ballots"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 10)
    for label, value in ballot_rows(ctx, fmt):
        pdf.cell(width * 0.6, 6, label, border=1)
        pdf.cell(width * 0.4, 6, value, border=1, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

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
                    clean(p["name"]),
                    fmt.number(p["votes"]),
                    fmt.percent(p["percent"]),
                    _("yes") if p["passed"] else _("no"),
                    fmt.number(p["seats"]),
                ]
            )
        for g in ctx["seat_groups"]:
            if g["reserved"]:
                table.row([clean(_(str(g["label"]))), "", "", "", fmt.number(g["seats"])])
        table.row([_("Total"), fmt.number(totals["valid"]), "", "", fmt.number(ctx["seats_total"])])
    pdf.ln(4)
    observers = observer_rows(ctx, fmt)
    if observers:
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(width, 7, _("Accredited observers"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        for label, value in observers:
            pdf.cell(width * 0.6, 6, label, border=1)
            pdf.cell(width * 0.4, 6, value, border=1, align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(width, 5, f"{_('Generated')}: {fmt.datetime(ctx.get('generated'))}")
    return bytes(pdf.output())
