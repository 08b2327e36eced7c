"""The Measures area: tiles with figure, target and trend from the measures service, filters that narrow
them, cases behind a figure (names only for case workers), charts drawn with matplotlib — which the
main window never imports at start-up."""

from __future__ import annotations

import subprocess
import sys

from checks_helpers import act_as
from measures_history import build
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QLabel

from triage_desk.ui.operations import settle


def test_importing_the_main_window_does_not_load_matplotlib():
    code = ("import sys; import triage_desk.ui.main_window, triage_desk.ui.dashboard_area; "
            "print(any(m == 'matplotlib' or m.startswith('matplotlib.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _area(qtbot, ws):
    from triage_desk.ui.dashboard_area import DashboardArea

    area = DashboardArea(ws)
    qtbot.addWidget(area)
    area.show()
    area.period.setCurrentIndex(area.period.findData("Chosen dates"))
    settle()
    area.start.setDate(QDate(2026, 2, 1))
    area.end.setDate(QDate(2026, 5, 31))
    settle()
    return area


def test_tiles_filters_and_charts(qtbot, workspace):
    truths = build(workspace, 800, seed=3)
    act_as(workspace, "lead")
    area = _area(qtbot, workspace)
    rows = [t for t in truths if t.status != "draft" and "2026-02-01" <= t.received.date().isoformat() <= "2026-05-31"]
    assert area.tile("contacts").value_label.text() == f"{len(rows):,}"
    assert "target 95 %" in " ".join(lbl.text() for lbl in area.tile("decided_in_time").findChildren(QLabel))
    assert "no reviews yet" in area.tile("review_agreement").value_label.text()
    assert set(area.charts.canvases) == {"weekly", "timeliness", "outcomes", "re_referrals", "nfa_by_agency"}
    assert area.charts.canvases["weekly"].figure.axes[0].patches  # bars drawn
    area.population.setCurrentIndex(area.population.findData("adult"))
    settle()
    adults = [t for t in rows if t.variant == "adult"]
    assert area.tile("contacts").value_label.text() == f"{len(adults):,}"
    area.agency.setCurrentIndex(area.agency.findData("Testford Police"))
    settle()
    both = [t for t in adults if t.agency == "Testford Police"]
    assert area.tile("contacts").value_label.text() == f"{len(both):,}"


def test_cases_behind_a_figure_show_names_only_to_case_workers(qtbot, workspace):
    from triage_desk.ui.dashboard_cases import CasesBehindDialog

    truths = build(workspace, 300, seed=5)
    for user, named in (("lead", True), ("admin", False)):
        act_as(workspace, user)
        area = _area(qtbot, workspace)
        fig = area.report.figure("nfa")
        dialog = CasesBehindDialog(workspace, area.report.scope, fig)
        qtbot.addWidget(dialog)
        settle()
        refs = {dialog.tree.topLevelItem(i).text(0) for i in range(dialog.tree.topLevelItemCount())}
        assert refs == {t.reference for t in truths if t.status != "draft" and "NFA" in t.outcomes
                        and "2026-02-01" <= t.received.date().isoformat() <= "2026-05-31"}
        assert dialog.tree.isColumnHidden(2) is not named
        assert (dialog.tree.topLevelItem(0).text(2) == "SYNTH, Case") is named


def test_progress_while_figures_are_worked_out_and_stop_ends_the_run(qtbot, workspace, monkeypatch):
    """The step under way and a Stop button show while the worker is busy; the GUI thread keeps running
    (it repaints the progress row while the scan is held); Stop ends the run without new tiles."""
    import threading

    from triage_desk import measures_summary

    build(workspace, 200, seed=9)
    act_as(workspace, "lead")
    area = _area(qtbot, workspace)
    shown_before = area.tile("contacts").value_label.text()
    gate, held = threading.Event(), threading.Event()
    real = measures_summary.weekly_sums

    def held_scan(*args, **kwargs):
        held.set()
        gate.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(measures_summary, "weekly_sums", held_scan)
    area.population.setCurrentIndex(area.population.findData("child"))  # a new choice: figures again
    qtbot.waitUntil(held.is_set, timeout=5000)
    qtbot.waitUntil(lambda: area.progress_label.text().startswith("Counting the period"), timeout=5000)
    assert area.progress_row.isVisible() and area.stop_button.isEnabled()
    assert area.progress_bar.maximum() == 4 and area.progress_bar.value() == 0
    qtbot.mouseClick(area.stop_button, Qt.MouseButton.LeftButton)
    assert area.progress_label.text() == "Stopping…"
    gate.set()
    settle()
    assert not area.progress_row.isVisible()
    assert area.status.text().startswith("Stopped before the figures were worked out")
    assert area.tile("contacts").value_label.text() == shown_before  # the earlier tiles stay
    monkeypatch.setattr(measures_summary, "weekly_sums", real)
    area.population.setCurrentIndex(area.population.findData(None))
    settle()
    assert area.status.text().startswith("Contacts received")


def _codes() -> set[str]:
    """Outcome, primary-need and DfE source codes (those with a letter: a bare number could be a count),
    less any a label itself spells (MARAC is the meeting's name)."""
    import re

    from triage_desk.forms.labels import tables
    from triage_desk.measures_defs import PRIMARY_NEEDS, SOURCES

    outcomes = tables()["outcomes"]
    codes = {*outcomes, *PRIMARY_NEEDS, *(k for k in SOURCES if not k.isdigit())}
    return codes - {c for c in outcomes if c in re.findall(r"\w+", outcomes[c])}


def _shown(widget) -> list[str]:
    """Every text a person reads on `widget`: labels, buttons, choices, tree cells, and its charts' words."""
    from matplotlib.text import Text
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QTreeWidget

    texts = [w.text() for w in widget.findChildren(QLabel) + widget.findChildren(QAbstractButton) if w.isVisible()]
    texts += [w.itemText(i) for w in widget.findChildren(QComboBox) for i in range(w.count())]
    for tree in widget.findChildren(QTreeWidget):
        texts += [tree.headerItem().text(c) for c in range(tree.columnCount())]
        texts += [tree.topLevelItem(i).text(c) for i in range(tree.topLevelItemCount())
                  for c in range(tree.columnCount())]
    for canvas in getattr(getattr(widget, "charts", None), "canvases", {}).values():
        canvas.draw()
        texts += [t.get_text() for t in canvas.figure.findobj(Text) if t.get_visible() and t.get_text()]
    return texts


def test_the_dashboard_shows_words_never_codes(qtbot, workspace):
    """Tiles, the charts' titles, axes and legends, and the cases behind a figure: no outcome, need or
    source code as text (README's screenshot once showed outcome codes on the chart)."""
    import re

    from triage_desk.ui.dashboard_cases import CasesBehindDialog

    build(workspace, 400, seed=11)
    act_as(workspace, "lead")
    area = _area(qtbot, workspace)
    dialogs = []
    for fig in area.report.figures:
        if fig.numerator and fig.id != "review_agreement":
            dialogs.append(CasesBehindDialog(workspace, area.report.scope, fig))
            qtbot.addWidget(dialogs[-1])
    settle()
    shown = _shown(area) + [t for d in dialogs for t in _shown(d)]
    assert not {(tok, t) for t in shown for tok in re.findall(r"\w+", t) if tok in _codes()}
    assert any("Early help assessment" in t for t in shown)  # the outcomes chart is among the texts read


def test_weekly_charts_span_every_week_with_labels_that_do_not_collide():
    """A year in which one week had decisions due: the timeliness line still spans the year (it showed that
    one week alone), and at most eight week labels sit under a chart (at 1024 px they ran together)."""
    from datetime import date, timedelta

    from matplotlib.figure import Figure as Canvas

    from triage_desk.measures import Figure, Report, Scope
    from triage_desk.measures_charts import draw

    mondays = [date(2025, 12, 1) + timedelta(weeks=i) for i in range(52)]
    weekly = [{"week": d.isoformat(), "contacts": 12, "decided_in_time": 0, "decisions_due": 1 if i == 40 else 0,
               "percent_in_time": 0.0 if i == 40 else None, "re_referrals": 2} for i, d in enumerate(mondays)]
    report = Report(Scope(mondays[0], mondays[-1] + timedelta(days=6)),
                    [Figure("decided_in_time", "Decided within 1 working day", 0.0, 0, 1, 95.0)], {"weekly": weekly})
    for chart in ("timeliness", "weekly", "re_referrals"):
        fig = Canvas(figsize=(5.5, 2.6))
        draw(fig, chart, report)
        ax = fig.axes[0]
        low, high = ax.get_xlim()
        assert low <= 0 and high >= 51, chart
        assert 2 <= len([t for t in ax.get_xticklabels() if t.get_text() and t.get_visible()]) <= 8, chart


def test_counts_are_whole_numbers_and_a_week_at_target_is_drawn_whole():
    """A quiet period (one to three contacts a week): the count axes read 0, 1, 2, 3 (they read 0.25, 0.5…),
    and a week where every decision was in time shows its whole point on the 100 % edge (half was cut off)."""
    from datetime import date, timedelta

    from matplotlib.figure import Figure as Canvas

    from triage_desk.measures import Figure, Report, Scope
    from triage_desk.measures_charts import draw

    mondays = [date(2026, 1, 5) + timedelta(weeks=i) for i in range(6)]
    weekly = [{"week": d.isoformat(), "contacts": 1 + i % 3, "decided_in_time": 1, "decisions_due": 1,
               "percent_in_time": 100.0, "re_referrals": i % 2} for i, d in enumerate(mondays)]
    report = Report(Scope(mondays[0], mondays[-1] + timedelta(days=6)),
                    [Figure("decided_in_time", "Decided within 1 working day", 100.0, 6, 6, 95.0)],
                    {"weekly": weekly, "by_outcome": {"NFA": 1, "EH": 2}})
    for chart, axis in (("weekly", "y"), ("re_referrals", "y"), ("outcomes", "x")):
        fig = Canvas(figsize=(5.5, 2.6))
        draw(fig, chart, report)
        ax = fig.axes[0]
        (lo, hi), shown = (ax.get_ylim(), ax.get_yticks()) if axis == "y" else (ax.get_xlim(), ax.get_xticks())
        ticks = [v for v in shown if lo <= v <= hi]
        assert ticks and all(float(v).is_integer() for v in ticks), (chart, ticks)
    fig = Canvas(figsize=(5.5, 2.6))
    draw(fig, "timeliness", report)
    (line,) = [ln for ln in fig.axes[0].get_lines() if ln.get_marker() == "o"]
    assert max(line.get_ydata()) == 100.0 and not line.get_clip_on()
