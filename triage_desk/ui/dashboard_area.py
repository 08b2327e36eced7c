"""The Measures area: filters (period, team, officer, agency, population), a tile per figure with its
target and trend (each opens to the cases behind it), and charts. Figures come from the measures service
(triage_desk/measures.py) off the GUI thread. The charts need matplotlib, which loads only when the area
is first shown (ui/dashboard_charts.py), so starting the app never pays for it.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from triage_desk import measures_export
from triage_desk.errors import Cancelled, TriageError
from triage_desk.formatting import QT_DATE, fmt_date
from triage_desk.measures import Figure, Report, Scope, shown, trend
from triage_desk.measures_defs import BY_ID
from triage_desk.ui import operations
from triage_desk.ui.widgets import ErrorLabel, heading, make_plain, note

TITLE = "&Measures"
PERIODS = ("This month", "Last month", "Last 3 months", "Last 12 months", "Chosen dates")
TILE_COLUMNS = 4


def period_dates(choice: str, today: date) -> tuple[date, date] | None:
    """The days a period choice covers (None for "Chosen dates")."""
    first = today.replace(day=1)
    if choice == "This month":
        return first, today
    if choice == "Last month":
        end = first - timedelta(days=1)
        return end.replace(day=1), end
    if choice == "Last 3 months":
        return (first - timedelta(days=62)).replace(day=1), today
    if choice == "Last 12 months":
        return today.replace(year=today.year - 1) + timedelta(days=1), today
    return None


def _combo(name: str, items: list[tuple[str, object]]) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    for text, value in items:
        box.addItem(text, value)
    return box


MIN_TILE_WIDTH = 220


class Tile(QFrame):
    """One figure: title, value, target, trend, and a button to the cases behind it."""

    def __init__(self, fig: Figure, on_open, parent: QWidget | None = None):
        super().__init__(parent)
        self.measure_id = fig.id
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # never squeezed below its wrapped text: on a small screen the tile grid scrolls instead
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.setToolTip(BY_ID[fig.id].definition)
        box = QVBoxLayout(self)
        box.addWidget(make_plain(QLabel(fig.title)))
        value = heading(shown(fig), 6)
        value.setAccessibleName(f"{fig.title}: {shown(fig)}")
        box.addWidget(value)
        self.value_label = value
        target = BY_ID[fig.id].target
        extra = f"target {target:g} %" if target is not None else "no target"
        if fig.denominator:
            extra = f"{fig.numerator:,} of {fig.denominator:,} · {extra}"
        box.addWidget(note(extra))
        box.addWidget(note(f"Against the previous period: {trend(fig)}"))
        if fig.id != "review_agreement" and fig.numerator:
            button = QPushButton("Show the cases…")
            button.setAccessibleName(f"Show the cases behind {fig.title}")
            button.clicked.connect(lambda: on_open(fig))
            box.addWidget(button)
        # the narrowest a tile gets (four columns at 1024 px): its wrapped lines keep their height and the
        # tile grid scrolls instead of squeezing them
        self.setMinimumHeight(self.heightForWidth(MIN_TILE_WIDTH))


class DashboardArea(QWidget):
    def __init__(self, ws, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.report: Report | None = None
        self.charts = None  # ui/dashboard_charts.DashboardCharts, made on first reload
        self._options_loaded = False
        outer = QVBoxLayout(self)
        outer.addWidget(heading("How the front door is doing"))
        outer.addLayout(self._filter_bar())
        self.error = ErrorLabel()
        outer.addWidget(self.error)
        self.status = note("")
        outer.addWidget(self.status)
        outer.addWidget(self._progress_row())
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        body = QWidget()
        self.body = QVBoxLayout(body)
        self.tiles = QGridLayout()
        self.body.addLayout(self.tiles)
        self.charts_box = QVBoxLayout()
        self.body.addLayout(self.charts_box)
        self.body.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)
        operations.events().workspace_changed.connect(self.on_workspace_changed)

    def _progress_row(self) -> QWidget:
        """While figures are worked out (off the GUI thread): the step under way, how far, and Stop."""
        self.working: operations.Progress | None = None
        self.progress_row = QWidget()
        row = QHBoxLayout(self.progress_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.progress_label = QLabel("")
        self.progress_label.setWordWrap(True)  # never squeezed on a small screen: it wraps
        self.progress_label.setMinimumWidth(200)
        self.progress_bar = QProgressBar()
        self.progress_bar.setAccessibleName("Working out the figures")
        self.progress_bar.setMaximumWidth(200)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setAccessibleName("Stop working out the figures")
        self.stop_button.clicked.connect(self.stop)
        row.addWidget(self.progress_label, 1)
        row.addWidget(self.progress_bar)
        row.addWidget(self.stop_button)
        self.progress_row.setVisible(False)
        return self.progress_row

    def _moved(self, step: str, done: int, total: int) -> None:
        self.progress_label.setText(f"{step}…" if done < total else "Drawing the tiles and charts…")
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)

    def stop(self) -> None:
        if self.working is not None:
            self.working.stop()
            self.progress_label.setText("Stopping…")
            self.stop_button.setEnabled(False)

    def _finished(self, working: operations.Progress) -> bool:
        """Whether `working` is still the latest run (an earlier, replaced run's result is dropped)."""
        if working is not self.working:
            return False
        self.working = None
        self.progress_row.setVisible(False)
        return True

    def on_workspace_changed(self, _changes: operations.Changes) -> None:
        if self.isVisible():
            self.reload()

    def _filter_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.period = _combo("Period", [(p, p) for p in PERIODS])
        self.start, self.end = QDateEdit(), QDateEdit()
        for edit, name in ((self.start, "From"), (self.end, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat(QT_DATE)
            edit.setAccessibleName(name)
            edit.setVisible(False)
        self.team = _combo("Team", [("All teams", None)])
        self.officer = _combo("Officer", [("All officers", None)])
        self.agency = _combo("Referrer agency", [("All agencies", None)])
        self.population = _combo("Population", [("Children and adults", None), ("Children", "child"),
                                                ("Adults", "adult")])
        for label, widget in (("Period", self.period), ("From", self.start), ("To", self.end), ("Team", self.team),
                              ("Officer", self.officer), ("Agency", self.agency), ("Population", self.population)):
            if label in ("From", "To"):
                bar.addWidget(widget)
                continue
            bar.addWidget(QLabel(label))
            bar.addWidget(widget)
        bar.addStretch(1)
        self.period.currentIndexChanged.connect(self._period_changed)
        for box in (self.team, self.officer, self.agency, self.population):
            box.currentIndexChanged.connect(self.reload)
        for edit in (self.start, self.end):
            edit.dateChanged.connect(self.reload)
        return bar

    def _period_changed(self) -> None:
        chosen = self.period.currentData() == "Chosen dates"
        if chosen:
            start, end = self.scope().start, self.scope().end
            self.start.setDate(QDate(start.year, start.month, start.day))
            self.end.setDate(QDate(end.year, end.month, end.day))
        self.start.setVisible(chosen)
        self.end.setVisible(chosen)
        self.reload()

    def scope(self) -> Scope:
        from triage_desk.forms.clock import london_now

        today = london_now().date()
        dates = period_dates(self.period.currentData() or PERIODS[0], today)
        if dates is None:
            dates = (self.start.date().toPython(), self.end.date().toPython())
        return Scope(dates[0], dates[1], self.team.currentData(), self.officer.currentData(),
                     self.agency.currentData(), self.population.currentData(), now=None)

    def _fill_options(self, options: dict) -> None:
        self._options_loaded = True
        for box, items in ((self.team, [(t, t) for t in options["teams"]]),
                           (self.officer, [(n, u) for u, n in options["officers"]]),
                           (self.agency, [(a, a) for a in options["agencies"]])):
            box.blockSignals(True)
            for text, value in items:
                box.addItem(text, value)
            box.blockSignals(False)

    def reload(self) -> None:
        if not self._options_loaded:
            operations.query(lambda: measures_export.filter_options(self.ws), self._fill_options,
                             self._failed, parent=self)
        try:
            scope = self.scope()
            scope.check()
        except TriageError as exc:
            self.error.show_error(str(exc))
            return
        if self.working is not None:
            self.working.stop()  # a newer choice replaces a run still under way
        working = self.working = operations.Progress(self)
        working.moved.connect(self._moved)
        self.progress_label.setText("Waiting to start…")
        self.progress_bar.setRange(0, 0)  # busy until the first step is heard
        self.stop_button.setEnabled(True)
        self.progress_row.setVisible(True)
        self.status.setText("Working out the figures…")
        operations.query(lambda: measures_export.report(self.ws, scope, progress=working.report,
                                                        stop=working.stop_event),
                         lambda report: self._show(report) if self._finished(working) else None,
                         lambda exc: self._failed(exc) if self._finished(working) else None, parent=self)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self.status.setText("Stopped before the figures were worked out. Change a filter or the period to "
                                "work them out again.")
            return
        self.status.setText("")
        self.error.show_error(str(exc) if isinstance(exc, TriageError) else "The figures could not be worked out.")

    def _show(self, report: Report) -> None:
        self.report = report
        self.error.clear_error()
        s = report.scope
        self.status.setText(f"Contacts received {fmt_date(s.start)} to {fmt_date(s.end)}. Hover over a figure for "
                            "its definition (docs/measures.md).")
        while self.tiles.count():
            item = self.tiles.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        for i, fig in enumerate(report.figures):
            self.tiles.addWidget(Tile(fig, self.open_cases), i // TILE_COLUMNS, i % TILE_COLUMNS)
        if self.charts is None:
            from triage_desk.ui.dashboard_charts import DashboardCharts  # loads matplotlib, first time only

            self.charts = DashboardCharts()
            self.charts_box.addWidget(self.charts)
        self.charts.show_report(report)

    def tile(self, measure_id: str) -> Tile | None:
        widgets = (self.tiles.itemAt(i).widget() for i in range(self.tiles.count()))
        return next((w for w in widgets if isinstance(w, Tile) and w.measure_id == measure_id), None)

    def open_cases(self, fig: Figure) -> None:
        from triage_desk.ui.dashboard_cases import CasesBehindDialog

        dialog = CasesBehindDialog(self.ws, self.report.scope, fig, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()


def install(window) -> None:
    """Add the Measures area; figures are worked out when the tab is first opened, never at start-up."""
    area = DashboardArea(window.ws)
    window.add_area(TITLE, area)
    window.dashboard_area = area
    window.tabs.currentChanged.connect(lambda i: area.reload() if window.tabs.widget(i) is area else None)
    window.lock_changed.connect(lambda locked: None if locked or window.tabs.currentWidget() is not area
                                else area.reload())
