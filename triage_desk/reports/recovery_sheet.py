"""The one-page recovery-code sheet: the code, the pinned administrator key fingerprint and what to do
with the paper. Made in memory and sent to the printer (never written to disk: the code opens the data)."""

from __future__ import annotations

import io
from datetime import datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from triage_desk import APP_NAME
from triage_desk.formatting import fmt_datetime
from triage_desk.reports.pdf_styles import clean, styles

KEEP = ("Keep this sheet somewhere safe away from this computer (for example the IT safe). With the passphrase "
        "forgotten and no keyring, this code is the only way to open the database. Anyone holding it and a copy "
        "of the database can read the data. When a new recovery code is issued, this one stops working: "
        "shred this sheet then.")
COMPARE = ("Help › About in the app shows the administrator key fingerprint: it must match the one printed here. "
           "If it does not, the list of who may do what has been tampered with; call IT.")


def recovery_sheet(code: str, fingerprint: str | None, made_at: datetime, data_dir: str = "") -> bytes:
    """The sheet as PDF bytes (A4, one page)."""
    s = styles()
    code_style = ParagraphStyle("code", parent=s["title"], fontSize=20, leading=28, textColor=s["body"].textColor)
    story = [Paragraph(f"{APP_NAME} - recovery code", s["title"]),
             Paragraph(f"Issued {fmt_datetime(made_at, zone=True)}", s["subtitle"]),
             Paragraph("OFFICIAL-SENSITIVE", s["banner"]), Spacer(1, 8 * mm),
             Paragraph("Recovery code", s["h1"]), Paragraph(clean(code), code_style), Spacer(1, 6 * mm),
             Paragraph("Administrator key fingerprint", s["h1"]),
             Paragraph(clean(fingerprint or "not yet pinned"), s["box_big"]), Spacer(1, 6 * mm),
             Paragraph("What to do with this sheet", s["h1"]), Paragraph(KEEP, s["body"]),
             Paragraph(COMPARE, s["body"])]
    if data_dir:
        story.append(Paragraph(f"Database folder: {clean(data_dir)}", s["body"]))
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=20 * mm,
                      bottomMargin=20 * mm, title=f"{APP_NAME} recovery code").build(story)
    return out.getvalue()
