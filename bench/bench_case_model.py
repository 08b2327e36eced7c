"""The Qt case list model at 1,000,000 referrals (the cached database of bench_caselist.py).

case_list_model_first_page  `CaseListModel.reload()` (first keyset page of 200, read on a worker thread
                            and handed to the model through the event loop) plus the display text of the
                            first 40 rows × every column (what the view paints on opening); floor: the bare
                            `caselist.fetch_page` of the same page in the same run.
"""

from __future__ import annotations

import os

from _harness import Figure, best_of

VISIBLE_ROWS = 40


def case_list_model_first_page() -> Figure:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from bench_caselist import workspace
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from triage_desk.caselist import fetch_page
    from triage_desk.ui.case_list_model import COLUMNS, CaseListModel

    app = QApplication.instance() or QApplication([])
    ws = workspace()
    model = CaseListModel(ws)
    model._count = lambda: None  # the count runs in the background; it is not part of the first paint

    def shown() -> None:
        model.reload()  # the page is read on a worker thread and handed back through the event loop
        while model.rowCount() == 0:
            app.processEvents()
        for row in range(min(VISIBLE_ROWS, model.rowCount())):
            for column in range(len(COLUMNS)):
                model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)

    def floor() -> None:
        with ws.session() as s:
            fetch_page(s)

    shown()
    assert model.rowCount() == 200, "the first page holds 200 rows"
    return Figure("case_list_model_first_page", best_of(shown, 9) * 1000, "ms", best_of(floor, 9) * 1000,
                  "value <= 300 ms")


FIGURES = {"case_list_model_first_page": case_list_model_first_page}


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def scroll_1m() -> Figure:
    """scroll_1m: the case list (model and table view) scrolled from the first row to the last of every
    referral, painting what a screen shows of each page; value: the process's largest resident size
    seen, floor: its resident size with the workspace open and the first page shown. Goal < 300 MB."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from bench_caselist import workspace
    from PySide6.QtCore import QModelIndex, Qt
    from PySide6.QtWidgets import QApplication, QTableView

    from triage_desk.ui.case_list_model import COLUMNS, CaseListModel

    app = QApplication.instance() or QApplication([])
    ws = workspace()
    model = CaseListModel(ws, background=False)
    model._count = lambda: None
    view = QTableView()
    view.setModel(model)
    model.reload()
    app.processEvents()
    base = peak = _rss_mb()
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
        view.scrollToBottom()
        for row in range(max(0, model.rowCount() - VISIBLE_ROWS), model.rowCount()):
            for column in range(len(COLUMNS)):
                model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)
        if model.rowCount() % 20000 == 0:
            app.processEvents()
            peak = max(peak, _rss_mb())
    peak = max(peak, _rss_mb())
    print(f"  scrolled {model.rowCount():,} rows; {model.cached_pages()} pages kept", flush=True)
    return Figure("scroll_1m", peak, "MB", base, "value < 300 MB")


FIGURES["scroll_1m"] = scroll_1m
