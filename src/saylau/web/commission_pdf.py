"""The entered protocol of one station as PDF, to print and lay beside the paper one.

Line by line as the form shows it, the checks that still fail, the warnings the
commission accepted with their explanations, and the CEC decisions (corrigenda)
on the station.  Fonts and name cleaning are those of the statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from saylau.web.i18n import Formatter
from saylau.web.statement import clean, new_pdf


def protocol_pdf(doc: Mapping[str, Any], lang: str) -> bytes:
    """The PDF of ``doc`` (``saylau.trust.desk.Desk.protocol_document``) in ``lang``."""
    fmt = Formatter(lang)
    _ = fmt.gettext
    pdf = new_pdf()
    width = pdf.epw

    def para(text: str, size: int = 10, bold: bool = False, h: int = 6) -> None:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        pdf.multi_cell(width, h, text, new_x="LMARGIN", new_y="NEXT")

    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(
        width,
        8,
        _("Protocol of station") + f" {clean(doc['station'])}",
        align="C",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    para(clean(doc["title"]), 11)
    line = f"{_('Version')}: {doc['version'] or '–'} · {_('State')}: {_(str(doc['status'] or 'not-entered'))}"
    para(line)
    if doc.get("certificate"):
        c = doc["certificate"]
        para(f"{_('Certified')}: {_('CEC decision')} {clean(c['number'])}, {fmt.date(c['date'])}")
    pdf.ln(2)
    pdf.set_font("DejaVu", "", 10)
    with pdf.table(
        col_widths=(8, 62, 20), text_align=("RIGHT", "LEFT", "RIGHT"), first_row_as_headings=True
    ) as table:
        table.row([_("Line"), _("What the paper says"), _("Number")])
        for ln, value in doc["lines"]:
            label = clean(ln.label) if ln.party else _(ln.label)
            table.row([str(ln.number), label, fmt.number(value) if value is not None else "–"])
    pdf.ln(3)
    messages = doc.get("messages") or []
    if messages:
        para(_("Checks"), 11, bold=True)
        for m in messages:
            para(f"{m.code} {_(m.text)} ({m.detail})")
    notes = doc.get("explanations") or []
    if notes:
        para(_("Accepted warnings"), 11, bold=True)
        for e in notes:
            para(f"{e['code']} {clean(e['text'])} — {clean(e['account'])}, {fmt.datetime(e['at'])}")
    decisions = doc.get("decisions") or []
    if decisions:
        para(_("CEC decisions (corrigenda)"), 11, bold=True)
        for d in decisions:
            para(f"{fmt.datetime(d['at'])} · {clean(d['actor'])}: {clean(d['reason'])}")
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 8)
    if doc.get("hash"):
        digest = str(doc["hash"])
        groups = " ".join(digest[i : i + 4] for i in range(0, len(digest), 4))
        pdf.multi_cell(width, 5, f"{_('Content hash')}: {groups}", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
