"""Fonts, colours, paragraph styles and the small text helpers every summary section uses.

DejaVu Sans is embedded (subset) so names in Latin, Greek, Cyrillic, Hebrew and Arabic scripts print;
runs of Devanagari, Bengali, Gurmukhi, Chinese/Japanese and Korean switch to the Noto, Droid Sans Fallback or
Nanum Gothic fonts in resources/fonts (registered only when a document first needs them: the CJK file alone
takes longer to parse than a whole summary takes to render). Indic scripts are shaped like Arabic.
Arabic and Hebrew need shaping and right-to-left ordering: reportlab shapes a word with uharfbuzz when
the style asks for it, and harfbuzz lays out a right-to-left run in visual order. Paragraph splits at
spaces and would then put the words of an Arabic name in left-to-right order, so consecutive RTL words
are glued with no-break spaces and shaped as one run (see `_rtl_runs`). Only text that needs it is
shaped: shaping every Latin word would cost several times the whole render.
"""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date, datetime
from functools import cache, lru_cache
from typing import Any
from xml.sax.saxutils import escape, unescape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from triage_desk import formatting
from triage_desk.formatting import to_moment
from triage_desk.forms.clock import LONDON  # noqa: F401 - the PDF modules take the zone from here
from triage_desk.paths import resource_path

FONT, FONT_BOLD = "TDSans", "TDSans-Bold"
NOT_RECORDED = "not recorded"


class _NotApplicable:
    """A cell that does not apply (prints a dash), as opposed to a value nobody recorded."""

    def __repr__(self) -> str:
        return "\u2013"


NA = _NotApplicable()

INK = colors.HexColor("#1B2430")
MUTED = colors.HexColor("#5B6675")
ACCENT = colors.HexColor("#1F3A5F")
RULE = colors.HexColor("#AEB6C2")
HEAD_BG = colors.HexColor("#E6EBF2")
BOX_BG = colors.HexColor("#F3F6FA")
MARKING = colors.HexColor("#8B0000")
RAG_COLOURS = {"red": (colors.HexColor("#B71C1C"), colors.white),
               "amber": (colors.HexColor("#F2A900"), INK),
               "green": (colors.HexColor("#2E7D32"), colors.white)}

_RTL_CHAR = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")

# Scripts DejaVu Sans lacks: (font files regular/bold, the characters they take, whether harfbuzz must shape).
_SCRIPT_FONTS = {
    "TDDeva": ("NotoSansDevanagari-Regular.ttf", "NotoSansDevanagari-Bold.ttf", "\u0900-\u097f\ua8e0-\ua8ff", True),
    "TDBeng": ("NotoSansBengali-Regular.ttf", "NotoSansBengali-Bold.ttf", "\u0980-\u09ff", True),
    "TDGuru": ("NotoSansGurmukhi-Regular.ttf", "NotoSansGurmukhi-Bold.ttf", "\u0a00-\u0a7f", True),
    "TDHang": ("NanumGothic-Hangul.ttf", None, "\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3", False),
    "TDCJK": ("DroidSansFallback-CJK.ttf", None,
              "\u2e80-\u2fdf\u3001-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff01-\uffef",
              False),
}
# A run: characters of one script, with the spaces and marks between them (so a name stays one run).
_SCRIPT_RUN = {name: re.compile(f"[{chars}](?:[{chars}\u200c\u200d ]*[{chars}])?")
               for name, (_r, _b, chars, _s) in _SCRIPT_FONTS.items()}
_NEEDS_FALLBACK = re.compile("[" + "".join(chars for _r, _b, chars, _s in _SCRIPT_FONTS.values()) + "]")
_NEEDS_SHAPING = re.compile("[" + "".join(c for _r, _b, c, shape in _SCRIPT_FONTS.values() if shape) + "]")


@lru_cache(maxsize=1)
def register_fonts() -> tuple[str, str]:
    """Register DejaVu Sans (regular + bold) once per process; parsing the TTF files costs ~50 ms."""
    pdfmetrics.registerFont(TTFont(FONT, str(resource_path("fonts", "DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(resource_path("fonts", "DejaVuSans-Bold.ttf"))))
    # no oblique face ships: <i> falls back to the upright faces rather than failing
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)
    return FONT, FONT_BOLD


@lru_cache(maxsize=1)
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, textColor=INK, spaceAfter=3)
    out = {
        "body": body,
        "title": ParagraphStyle("title", parent=body, fontName=FONT_BOLD, fontSize=16, leading=20,
                                textColor=ACCENT, spaceAfter=2),
        "subtitle": ParagraphStyle("subtitle", parent=body, textColor=MUTED, spaceAfter=8),
        "h1": ParagraphStyle("h1", parent=body, fontName=FONT_BOLD, fontSize=11.5, leading=14, textColor=ACCENT,
                             spaceBefore=10, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=body, fontName=FONT_BOLD, fontSize=9.5, leading=12, textColor=INK,
                             spaceBefore=5, spaceAfter=2),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5, spaceAfter=0),
        "cell_head": ParagraphStyle("cell_head", parent=body, fontName=FONT_BOLD, fontSize=8, leading=10,
                                    textColor=ACCENT, spaceAfter=0),
        "label": ParagraphStyle("label", parent=body, fontName=FONT_BOLD, fontSize=8, leading=10.5,
                                textColor=MUTED, spaceAfter=0),
        "box_big": ParagraphStyle("box_big", parent=body, fontName=FONT_BOLD, fontSize=11, leading=13.5,
                                  spaceAfter=0),
        "chip": ParagraphStyle("chip", parent=body, fontName=FONT_BOLD, fontSize=10, leading=12.5,
                               alignment=TA_CENTER, spaceAfter=0),
        "banner": ParagraphStyle("banner", parent=body, fontName=FONT_BOLD, fontSize=9, leading=12,
                                 textColor=MARKING, alignment=TA_CENTER, spaceAfter=0),
        "mono": ParagraphStyle("mono", parent=body, fontSize=8, leading=10.5, spaceAfter=0),
    }
    return out


@lru_cache(maxsize=64)
def _shaped(style: ParagraphStyle) -> ParagraphStyle:
    return ParagraphStyle(style.name + "+shaped", parent=style, shaping=1)


@cache
def _script_font(name: str, bold: bool) -> str:
    """Register one fallback face on first use; returns the name to put in a <font> tag."""
    regular, bold_file, _chars, _shape = _SCRIPT_FONTS[name]
    face, file = (name + "-Bold", bold_file) if bold and bold_file else (name, regular)
    pdfmetrics.registerFont(TTFont(face, str(resource_path("fonts", file))))
    return face


def _script_runs(text: str, bold: bool) -> str:
    """Wrap each run of a script DejaVu lacks in a <font> tag naming a face that has it (text is escaped
    markup: the runs hold no '<' or '&', so tags are never split)."""
    for name, run in _SCRIPT_RUN.items():
        if run.search(text):
            face = _script_font(name, bold)
            text = run.sub(lambda m, f=face: f'<font name="{f}">{m.group(0)}</font>', text)
    return text


def humanise(value: Any) -> str:
    """A stored value as a reader sees it: explicit unknowns spelt out, booleans as yes/no, codes unsnaked."""
    if value is NA:
        return repr(NA)
    if value is None or value == "" or value == [] or value == {}:
        return NOT_RECORDED
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(humanise(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {humanise(v)}" for k, v in value.items())
    text = clean(str(value))
    if text in ("not_known", "not_applicable", "not_sought", "in_person"):
        return text.replace("_", " ")
    return text


def clean(text: str) -> str:
    """JSON may carry lone surrogates (\\ud800); the PDF needs UTF-8, so they print as U+FFFD."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _rtl_runs(text: str) -> str:
    """Glue neighbouring right-to-left words with no-break spaces so each run is shaped as one unit.

    Runs stop at words holding digits or Latin letters (harfbuzz would reverse those too) and at about
    60 characters so that a long passage can still wrap.
    """
    parts = re.split(r"( +)", text)
    out: list[str] = []
    run_len = 0
    prev_rtl = False
    for part in parts:
        if not part:
            continue
        if part.startswith(" "):
            out.append(part)
            continue
        rtl = bool(_RTL_CHAR.search(part)) and not any(
            unicodedata.bidirectional(c) in ("L", "EN", "AN") for c in part)
        if rtl and prev_rtl and out and out[-1] == " " and run_len + len(part) < 60:
            out[-1] = "\u00a0"
            run_len += len(part) + 1
        else:
            run_len = len(part)
        out.append(part)
        prev_rtl = rtl
    return "".join(out)


def markup(value: Any) -> str:
    """Paragraph markup for a user-entered value: escaped, line breaks kept, RTL runs glued."""
    text = escape(humanise(value))
    if _RTL_CHAR.search(text):
        text = _rtl_runs(text)
    return text.replace("\r\n", "\n").replace("\n", "<br/>")


def para(value: Any, style: str | ParagraphStyle = "cell", *, raw: bool = False) -> Paragraph:
    """A Paragraph for one value. `raw=True`: the value is trusted markup built by this package.

    Missing values print as "not recorded" in grey so a reader sees the gap rather than a blank."""
    st = styles()[style] if isinstance(style, str) else style
    if not raw and (value is None or value == "" or value == [] or value == {} or value is NA):
        return Paragraph(f'<font color="#{MUTED.hexval()[2:]}">{repr(NA) if value is NA else NOT_RECORDED}</font>', st)
    text = value if raw else markup(value)
    if _NEEDS_FALLBACK.search(text):
        text = _script_runs(text, bold=st.fontName == FONT_BOLD)
    if _NEEDS_SHAPING.search(text):
        return _ActualTextParagraph(text, _shaped(st))
    if _RTL_CHAR.search(text):
        st = _shaped(st)
    return Paragraph(text, st)


class _ActualTextParagraph(Paragraph):
    """A shaped Indic paragraph that copies out as the text typed.

    Shaping reorders glyphs (a Bengali vowel sign drawn before its consonant) and draws conjuncts as
    glyphs with no character of their own, so text copied from the glyphs would be garbled. The drawing
    is wrapped in a marked-content span whose /ActualText is the paragraph's plain text, which PDF readers
    (and pdftotext) use for copying and search."""

    def draw(self) -> None:
        plain = unescape(re.sub(r"<[^>]*>", "", self.text.replace("<br/>", "\n")))
        hexed = ("\ufeff" + plain).encode("utf-16-be").hex().upper()
        self.canv._code.append(f"/Span <</ActualText <{hexed}>>> BDC")
        super().draw()
        self.canv._code.append("EMC")


def parse_when(value: Any) -> datetime | date | None:
    """An ISO date or date-time from the document (naive = Europe/London, 'Z' = UTC); None if unreadable."""
    return to_moment(value)


def fmt_when(value: Any, *, weekday: bool = False, zone: bool = False) -> str:
    """The app's one date style ('Mon 23/11/2026 14:30', '23/11/2026'); unreadable text is shown as given."""
    if to_moment(value) is None:
        return humanise(value)
    return formatting.fmt_when(value, weekday=weekday, zone=zone)


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    if isinstance(value, list):
        return value
    return [] if value is None or value == "" else [value]


def grid_style(*, header: bool = True, extra: list | None = None) -> TableStyle:
    """Light grid lines, a shaded header row, text at the top of each cell."""
    cmds = [("GRID", (0, 0), (-1, -1), 0.4, RULE), ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 4), ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 3)]
    if header:
        cmds.append(("BACKGROUND", (0, 0), (-1, 0), HEAD_BG))
    return TableStyle(cmds + (extra or []))


def data_table(headers: list[str], rows: list[list[Any]], widths: list[float], total: float) -> Table:
    """A table with a repeated header row; every cell a Paragraph so long text wraps, and rows may
    split across pages (a single household member's notes can be longer than a page)."""
    scale = total / sum(widths)
    data = [[para(h, "cell_head", raw=True) for h in headers]]
    data.extend([c if isinstance(c, Flowable) else para(c) for c in row] for row in rows)
    return Table(data, colWidths=[w * scale for w in widths], repeatRows=1, splitInRow=1, style=grid_style(),
                 hAlign="LEFT", spaceAfter=5)


def field_grid(pairs: list[tuple[str, Any]], total: float, columns: int = 2) -> Table:
    """Label/value pairs laid out `columns` pairs per row (labels grey, values wrap)."""
    label_w, cells = 0.16 * total if columns == 2 else 0.22 * total, []
    value_w = total / columns - label_w
    for label, value in pairs:
        cells += [para(escape(label), "label", raw=True), value if isinstance(value, Flowable) else para(value)]
    width = 2 * columns
    rows = [cells[i:i + width] for i in range(0, len(cells), width)]
    if rows and len(rows[-1]) < width:
        rows[-1] += [""] * (width - len(rows[-1]))
    extra = [("BACKGROUND", (c, 0), (c, -1), BOX_BG) for c in range(0, width, 2)]
    return Table(rows or [["", ""]], colWidths=[label_w, value_w] * columns, splitInRow=1,
                 style=grid_style(header=False, extra=extra), hAlign="LEFT", spaceAfter=5)


MARKING_TEXT = "OFFICIAL-SENSITIVE"


def marked_a4(story: list, *, title: str, footer: str, author: str = "", page_numbers: bool = False) -> bytes:
    """An A4 document with the protective marking at the top and bottom of every page and `footer` above
    the lower marking (" - page N" added when `page_numbers`); the marking is appended to the PDF title."""
    register_fonts()
    buf = io.BytesIO()

    def furniture(canvas, doc) -> None:
        w, h = A4
        canvas.saveState()
        canvas.setFillColor(MARKING)
        canvas.setFont(FONT_BOLD, 10)
        canvas.drawCentredString(w / 2, h - 11 * mm, MARKING_TEXT)
        canvas.drawCentredString(w / 2, 8 * mm, MARKING_TEXT)
        canvas.setFillColor(MUTED)
        canvas.setFont(FONT, 7.5)
        canvas.drawCentredString(w / 2, 12 * mm, f"{footer} - page {doc.page}" if page_numbers else footer)
        canvas.restoreState()

    meta = {"author": author} if author else {}
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=16 * mm, rightMargin=16 * mm, topMargin=18 * mm,
                      bottomMargin=18 * mm, title=f"{title} ({MARKING_TEXT})", subject=MARKING_TEXT,
                      creator="Triage Desk", invariant=True, **meta).build(story, onFirstPage=furniture,
                                                                            onLaterPages=furniture)
    return buf.getvalue()
