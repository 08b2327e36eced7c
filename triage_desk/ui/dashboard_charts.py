"""The Measures area's charts on matplotlib's Qt canvas. Importing this module loads matplotlib: only the
dashboard does, the first time it shows figures (start-up stays fast)."""

from __future__ import annotations

from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtWidgets import QGridLayout, QWidget

from triage_desk.measures import Report
from triage_desk.measures_charts import CHARTS, draw


class DashboardCharts(QWidget):
    """One canvas per chart in measures_charts.CHARTS, redrawn for each report."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        grid = QGridLayout(self)
        self.canvases: dict[str, FigureCanvasQTAgg] = {}
        for i, (chart, title) in enumerate(CHARTS.items()):
            canvas = FigureCanvasQTAgg(Figure(figsize=(5.5, 2.6), dpi=90))
            canvas.setMinimumHeight(220)
            canvas.setAccessibleName(f"Chart: {title}")
            grid.addWidget(canvas, i // 2, i % 2)
            self.canvases[chart] = canvas

    def show_report(self, report: Report) -> None:
        for chart, canvas in self.canvases.items():
            draw(canvas.figure, chart, report)
            canvas.draw_idle()
