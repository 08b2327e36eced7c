"""The monthly performance report: every figure with its target and trend, the breakdowns and the charts,
as PDF bytes. OFFICIAL-SENSITIVE on every page; no personal data (counts and agency names only)."""

from __future__ import annotations

import io
from datetime import datetime

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Image, KeepTogether

from triage_desk.forms.labels import word
from triage_desk.measures import Report, shown, trend
from triage_desk.measures_defs import BREAKDOWNS, BY_ID, PRIMARY_NEEDS, SOURCES
from triage_desk.reports.pdf_styles import data_table, fmt_when, marked_a4, para, register_fonts

WIDTH = A4[0] - 32 * mm


def _filters(report: Report) -> str:
    s = report.scope
    population = {"child": "children", "adult": "adults"}.get(s.population or "")
    parts = [f"{label}: {value}" for label, value in (("team", s.team), ("officer", s.officer),
                                                      ("referrer agency", s.agency), ("population", population))
             if value]
    return "; ".join(parts) or "all contacts"


def _figures_table(report: Report) -> list:
    rows = []
    for f in report.figures:
        target = BY_ID[f.id].target
        basis = (f"{f.numerator:,} of {f.denominator:,}" if f.denominator
                 else "a count" if BY_ID[f.id].kind == "count" else "nothing to measure")
        rows.append([f.title, shown(f), basis, f"{target:g} %" if target is not None else "none", trend(f)])
    return [para("Figures", "h1"),
            data_table(["Measure", "Figure", "Out of", "Target", "Against the previous period"], rows,
                       [38, 14, 16, 10, 22], WIDTH)]


def _breakdown_tables(report: Report) -> list:
    b = report.breakdowns
    out = []
    named = {"by_source": SOURCES.get, "by_primary_need": PRIMARY_NEEDS.get}
    for key in ("by_source", "by_primary_need", "by_outcome"):
        # DfE codes keep the code beside the words (returns use them); outcomes are words only
        rows = [[f"{code} {named[key](code) or ''}".strip() if key in named else word("outcomes", code), f"{n:,}"]
                for code, n in b.get(key, {}).items()]
        out += [para(BREAKDOWNS[key][0], "h1"), data_table(["", "Contacts"], rows or [["none", "0"]], [70, 30],
                                                           WIDTH * 0.6)]
    rows = [[a, f"{v['decided']:,}", f"{v['nfa']:,}", "" if v["percent"] is None else f"{v['percent']:g} %"]
            for a, v in b.get("nfa_by_agency", {}).items()]
    out += [para(BREAKDOWNS["nfa_by_agency"][0], "h1"),
            data_table(["Referrer agency", "Decided", "NFA", "NFA rate"], rows or [["none", "0", "0", ""]],
                       [52, 16, 16, 16], WIDTH)]
    return out


def _definitions(report: Report) -> list:
    """What each figure counts, as docs/measures.md says it (measures_defs.py holds the one text)."""
    rows = [[f.title, BY_ID[f.id].definition] for f in report.figures]
    rows += [[title, definition] for title, definition in BREAKDOWNS.values()]
    return [para("Definitions", "h1"), data_table(["Figure", "What it counts"], rows, [30, 70], WIDTH)]


def _charts(report: Report) -> list:
    from triage_desk.measures_charts import CHARTS, png

    images = [Image(io.BytesIO(png(chart, report)), width=WIDTH, height=WIDTH * 2.6 / 7.0) for chart in CHARTS]
    return [KeepTogether([para("Charts", "h1"), images[0]]), *images[1:]]


def build_pdf(report: Report, generated_at: datetime) -> bytes:
    """The report as PDF bytes (A4). Nobody is named, not even who made it (the audit log says)."""
    register_fonts()
    s = report.scope
    title = f"Front door performance: {fmt_when(s.start)} to {fmt_when(s.end)}"
    story = [para(title, "title"), para(f"Contacts received in the period; {_filters(report)}. What each figure "
                                        "counts: Definitions, at the end. No personal data.", "subtitle")]
    story += _figures_table(report) + _charts(report) + _breakdown_tables(report) + _definitions(report)
    return marked_a4(story, title=title, footer=f"Generated on {fmt_when(generated_at)}", page_numbers=True)
