"""The threshold review meeting pack (issue 13 point 6): the sample, agreement between officers and the
reviewing leads, and every case that disagreed with both rationales side by side."""

from __future__ import annotations

from triage_desk.agreement import LEVELS, Agreement
from triage_desk.reports.pdf_casework import _document, _width
from triage_desk.reports.pdf_styles import data_table, para


def render_meeting_pack(result: Agreement, *, generated_by: str, generated_at) -> bytes:
    w = _width()
    story = [para("Threshold review meeting pack", "title"), para(result.scope.capitalize(), "subtitle")]
    samples = [[s["created"], "blind" if s["blind"] else "not blind", s["spec"] or "chosen by hand",
                s["seed"] or "-"] for s in result.samples]
    story += [para("Sample", "h1"),
              data_table(["Pack made", "Scoring", "Sample", "Seed (re-draw)"], samples or [["-", "", "", ""]],
                         [18, 14, 48, 20], w)]
    story += [para("Agreement", "h1")]
    story += [para(line, "body") for line in result.lines()[1:5]]
    if result.pairs:
        rows = [[f"Officer level {lv}", *map(str, row)] for lv, row in zip(LEVELS, result.matrix(), strict=True)]
        story += [para("Officer level (rows) against the lead's level (columns)", "h2"),
                  data_table(["", *(f"Lead level {lv}" for lv in LEVELS)], rows, [24, 19, 19, 19, 19], w)]
        for title, head, groups in (("By officer", "Officer", result.by_officer), ("By team", "Team", result.by_team),
                                    ("By month of decision", "Month", result.by_month)):
            rows = [[name, str(len(p)), str(sum(a == b for a, b in p))] for name, p in sorted(groups.items())]
            story += [para(title, "h2"), data_table([head, "Reviewed", "Agreed"], rows, [50, 25, 25], w)]
    if result.indicators:
        story += [para("Indicators that differ most", "h2"),
                  data_table(["Indicator", "Cases"], [[c, str(n)] for c, n in result.indicators.most_common(10)],
                             [75, 25], w)]
    story += [para("Cases that disagreed", "h1")]
    rows = [[d["reference"], f"{d['officer_level']} → {d['lead_level']}", d["officer_rationale"] or "none written",
             d["lead_rationale"] or "none written"] for d in result.disagreed]
    story.append(data_table(["Case", "Level", "Officer's rationale", "Lead's rationale"],
                            rows or [["none", "", "", ""]], [20, 10, 35, 35], w))
    return _document("Threshold review meeting pack", "Threshold review", story, generated_by, generated_at)


def write_meeting_pack(ws, result: Agreement, out) -> None:
    from triage_desk import audit
    from triage_desk.forms.clock import london_now
    from triage_desk.private_files import write_new

    data = render_meeting_pack(result, generated_by=ws.user.username, generated_at=london_now())
    write_new(out, data, "--pdf")
    with ws.session() as s:
        audit.record(s, ws.user.username, "review.meeting_pack", "review_pack", None, cases=result.n)
