"""The measures' charts as matplotlib Figures (no pyplot, no Qt): the dashboard wraps them in the Qt canvas,
the monthly report renders them with Agg to PNG bytes in memory. Imported only when a chart is wanted,
so start-up never loads matplotlib (tests/test_dashboard.py checks the main window's imports)."""

from __future__ import annotations

import io

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from triage_desk.formatting import fmt_day_month
from triage_desk.forms.labels import word as labels_word
from triage_desk.measures import Report

CHARTS = {
    "weekly": "Contacts per week",
    "timeliness": "Decided within 1 working day, per week, against target",
    "outcomes": "Outcomes of decisions",
    "re_referrals": "Re-referrals per week",
    "nfa_by_agency": "No further action by referrer agency",
}
ACCENT, MUTED, TARGET = "#1F3A5F", "#8895A7", "#B71C1C"
WEEK_LABELS = 8  # the most week labels under a chart (a chart is about 450 px wide on a 1024 px screen)


def _axes(fig: Figure, title: str):
    ax = fig.add_subplot(1, 1, 1)
    ax.set_title(title, fontsize=10, loc="left", color=ACCENT)
    ax.tick_params(labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return ax


def _weeks(report: Report) -> tuple[list[str], list[dict]]:
    weeks = report.breakdowns.get("weekly", [])
    return [fmt_day_month(w["week"]) for w in weeks], weeks


def _short(label: str, most: int = 48) -> str:
    return label if len(label) <= most else label[:most - 1].rstrip() + "…"


def _nothing(ax) -> None:
    ax.text(0.5, 0.5, "nothing in this period", ha="center", va="center", transform=ax.transAxes, color=MUTED)


def draw(fig: Figure, chart: str, report: Report) -> None:
    """Draw one chart (a key of CHARTS) onto `fig`, replacing what was there."""
    fig.clear()
    ax = _axes(fig, CHARTS[chart])
    labels, weeks = _weeks(report)
    b = report.breakdowns
    if chart in ("weekly", "re_referrals", "timeliness") and not weeks:
        _nothing(ax)
    elif chart in ("weekly", "re_referrals"):
        ax.bar(labels, [w["contacts" if chart == "weekly" else "re_referrals"] for w in weeks], color=ACCENT)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts of contacts: never 0.25
    elif chart == "timeliness":
        ax.plot(labels, [w["percent_in_time"] if w["percent_in_time"] is not None else float("nan")
                         for w in weeks], marker="o", color=ACCENT, label="decided in time (%)",
                clip_on=False)  # a week at 100 % shows its whole point on the top edge
        target = report.figure("decided_in_time").target
        ax.axhline(target, color=TARGET, linestyle="--", linewidth=1, label=f"target {target:g} %")
        ax.set_ylim(0, 100)
        ax.set_xlim(-0.5, len(labels) - 0.5)  # every week, even when few had decisions due
        ax.legend(fontsize=7, loc="lower left")
    elif chart == "outcomes":
        items = sorted(b.get("by_outcome", {}).items(), key=lambda kv: -kv[1])
        names = [_short(labels_word("outcomes", k)) for k, _ in items]
        ax.barh(names[::-1], [v for _, v in items][::-1], color=ACCENT) if items else _nothing(ax)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # counts of decisions: never 2.5
    elif chart == "nfa_by_agency":
        items = [(a, v["percent"] or 0) for a, v in b.get("nfa_by_agency", {}).items()]
        ax.barh([a[:28] for a, _ in items][::-1], [p for _, p in items][::-1], color=ACCENT) if items \
            else _nothing(ax)
        ax.set_xlabel("% of decided contacts", fontsize=7)
    if len(labels) > WEEK_LABELS and chart in ("weekly", "re_referrals", "timeliness"):
        step = -(-len(labels) // WEEK_LABELS)  # a label every few weeks: they never run into each other
        ax.set_xticks(range(0, len(labels), step), labels[::step])
    fig.tight_layout()


def png(chart: str, report: Report, width_in: float = 7.0, height_in: float = 2.6) -> bytes:
    """One chart as PNG bytes (Agg, in memory: never a temporary file)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = Figure(figsize=(width_in, height_in), dpi=150)
    FigureCanvasAgg(fig)
    draw(fig, chart, report)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
