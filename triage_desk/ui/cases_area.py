"""The Cases area: filter bar, the lazy case list, opened cases as closable tabs, the Referral menu,
and a status-bar deadline summary. `install(window)` is called by the main window (EXTENSIONS).
"""

from __future__ import annotations

import importlib
import weakref

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from triage_desk import deadlines
from triage_desk.caselist import CaseFilters
from triage_desk.errors import TriageError
from triage_desk.ui.case_list_model import (
    COLUMNS,
    RAG_LABELS,
    SORT_KEYS,
    STATUS_LABELS,
    CaseListModel,
)
from triage_desk.ui.widgets import ErrorLabel

SEARCH_DEBOUNCE_MS = 300
STATUS_CHOICES = (("Any status", ()), ("Open (draft or awaiting decision)", ("draft", "submitted")),
                  *((label, (key,)) for key, label in STATUS_LABELS.items()))
SORT_CHOICES = (("Newest first", "received", True), ("Oldest first", "received", False),
                ("Decision due soonest", "decision_due", False), ("Decision due latest", "decision_due", True),
                ("Reference A–Z", "reference", False), ("Reference Z–A", "reference", True),
                ("Subject A–Z", "subject", False), ("Subject Z–A", "subject", True))


def _wizard_module():
    """The referral wizard when it is part of this build (its actions are hidden otherwise)."""
    try:
        return importlib.import_module("triage_desk.ui.referral_wizard")
    except ModuleNotFoundError as exc:
        if exc.name != "triage_desk.ui.referral_wizard":
            raise
        return None


class CaseTable(QTableView):
    """Enter (or Return) opens the selected case."""

    activated_row = Signal(int)

    def keyPressEvent(self, event) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated_row.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


class CasesArea(QWidget):
    case_opened = Signal(str)  # the reference of a case just opened (and audited)
    reloaded = Signal()  # the data may have changed (F5, unlock, a wizard closed, demo data added)

    def __init__(self, ws, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.model = CaseListModel(ws, self)
        self._agencies_loading = False
        self.locked = False
        self._build()
        self.model.count_changed.connect(self.count_label.setText)
        self.model.loading_changed.connect(lambda busy: self.loading_label.setText("Loading…" if busy else ""))
        self.model.failed.connect(self.error.show_error)

    # ---- building ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Case list and open cases")
        self.tabs.setTabsClosable(True)
        self.tabs.tabCloseRequested.connect(self.close_tab)
        self.list_page = QWidget()
        self.tabs.addTab(self.list_page, "All cases")
        self.tabs.tabBar().setTabButton(0, self.tabs.tabBar().ButtonPosition.RightSide, None)  # the list stays
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.tabs)

        self.search = QLineEdit()
        self.search.setPlaceholderText("Name or reference")
        self.search.setAccessibleName("Search cases by subject name or reference")
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(200)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _t: self._debounce.start())
        self.search.returnPressed.connect(self.apply_filters)

        self.status = self._combo("Status filter", [(label, v) for label, v in STATUS_CHOICES])
        self.rag = self._combo("RAG filter", [("Any RAG", ())] + [(label, (k,)) for k, label in RAG_LABELS.items()])
        self.agency = self._combo("Referrer agency filter", [("Any agency", None)])
        self.sort = self._combo("Sort order", [(label, (key, desc)) for label, key, desc in SORT_CHOICES])
        self.overdue = QCheckBox("O&verdue only")
        self.approval = QCheckBox("Awaiting a&pproval")
        self.checks = QCheckBox("Checks o&utstanding")
        self.deadline_kind = self._combo("Deadline kind filter", [("Any deadline", None)] + [
            (label, kind) for kind, label in deadlines.KINDS.items()])  # cases with an open deadline of this kind
        for box, name in ((self.overdue, "Show only cases with a deadline overdue"),
                          (self.approval, "Show only decisions awaiting a practice lead"),
                          (self.checks, "Show only cases with agency checks outstanding")):
            box.setAccessibleName(name)
            box.toggled.connect(self.apply_filters)
        for combo in (self.status, self.rag, self.agency, self.deadline_kind):
            combo.currentIndexChanged.connect(self.apply_filters)
        self.sort.currentIndexChanged.connect(self._sort_chosen)

        search_label = QLabel("&Search:")
        search_label.setBuddy(self.search)
        sort_label = QLabel("S&ort:")
        sort_label.setBuddy(self.sort)
        row1 = QHBoxLayout()
        row1.addWidget(search_label)
        row1.addWidget(self.search, 2)
        for label_text, combo in (("S&tatus:", self.status), ("&RAG:", self.rag), ("A&gency:", self.agency)):
            label = QLabel(label_text)
            label.setBuddy(combo)
            row1.addWidget(label)
            row1.addWidget(combo, 1)
        row2 = QHBoxLayout()
        deadline_label = QLabel("&Deadline:")
        deadline_label.setBuddy(self.deadline_kind)
        row2.addWidget(deadline_label)
        row2.addWidget(self.deadline_kind)
        for box in (self.overdue, self.approval, self.checks):
            row2.addWidget(box)
        row2.addStretch(1)
        row2.addWidget(sort_label)
        row2.addWidget(self.sort)
        self.count_label = QLabel("")
        self.count_label.setAccessibleName("Number of cases")
        self.count_label.setMinimumWidth(110)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.loading_label = QLabel("")
        self.loading_label.setAccessibleName("Loading state")
        row2.addWidget(self.loading_label)
        row2.addWidget(self.count_label)

        self.error = ErrorLabel()
        self.table = CaseTable()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Cases")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSortIndicatorShown(True)
        header.setSectionsClickable(True)
        header.sectionClicked.connect(self._header_clicked)
        header.setStretchLastSection(True)
        widths = {"Reference": 130, "Subject": 230, "Received": 120, "Status": 130, "RAG": 60, "Level": 95,
                  "Due": 175, "Checks": 120, "Approval": 100}
        for i, name in enumerate(COLUMNS):
            if name in widths:
                header.resizeSection(i, widths[name])
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._show_sort_indicator()
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.table.activated_row.connect(self.open_row)

        layout = QVBoxLayout(self.list_page)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        QWidget.setTabOrder(self.search, self.status)
        QWidget.setTabOrder(self.status, self.rag)
        QWidget.setTabOrder(self.rag, self.agency)
        QWidget.setTabOrder(self.agency, self.deadline_kind)
        QWidget.setTabOrder(self.deadline_kind, self.overdue)
        QWidget.setTabOrder(self.overdue, self.approval)
        QWidget.setTabOrder(self.approval, self.checks)
        QWidget.setTabOrder(self.checks, self.sort)
        QWidget.setTabOrder(self.sort, self.table)

    def _combo(self, name: str, items: list) -> QComboBox:
        combo = QComboBox()
        combo.setAccessibleName(name)
        for label, value in items:
            combo.addItem(label, value)
        return combo

    # ---- filters and sorting -----------------------------------------------------------------------
    def filters(self) -> CaseFilters:
        return CaseFilters(status=tuple(self.status.currentData() or ()), rag=tuple(self.rag.currentData() or ()),
                           text=self.search.text().strip(), agency=self.agency.currentData(),
                           overdue=self.overdue.isChecked(), deadline_kind=self.deadline_kind.currentData(),
                           awaiting_approval=self.approval.isChecked(),
                           checks_outstanding=self.checks.isChecked())

    def apply_filters(self) -> None:
        self._debounce.stop()
        self.error.clear_error()
        self.model.filters = self.filters()
        if not self.locked:
            self.count_label.setText("Counting…")
            self.model.reload()

    def reload(self) -> None:
        """Re-query from the first page (F5, after unlock, after a referral is saved)."""
        if self.locked:
            return  # e.g. a wizard closed by the lock: nothing is loaded until unlock
        self.error.clear_error()
        self.count_label.setText("Counting…")
        self.model.reload()
        self._load_agencies()
        for i in range(1, self.tabs.count()):
            view = self.tabs.widget(i)
            if hasattr(view, "refresh_header"):
                view.refresh_header()
        self.reloaded.emit()

    def _header_clicked(self, column: int) -> None:
        if column not in SORT_KEYS:
            self._show_sort_indicator()  # not sortable: keep showing the real order
            return
        key = SORT_KEYS[column]
        if self.model.sort_key.key == key:
            descending = not self.model.sort_key.desc
        else:
            descending = column == 2  # "Received" starts newest first, the others A→Z / soonest
        self.model.set_sort(key, descending)
        self._show_sort_indicator()
        self._match_sort_combo()

    def _sort_chosen(self) -> None:
        key, descending = self.sort.currentData()
        if (self.model.sort_key.key, self.model.sort_key.desc) != (key, descending):
            self.model.set_sort(key, descending)
        self._show_sort_indicator()

    def _match_sort_combo(self) -> None:
        wanted = (self.model.sort_key.key, self.model.sort_key.desc)
        for i in range(self.sort.count()):
            if tuple(self.sort.itemData(i)) == wanted:
                self.sort.blockSignals(True)
                self.sort.setCurrentIndex(i)
                self.sort.blockSignals(False)

    def _show_sort_indicator(self) -> None:
        order = Qt.SortOrder.DescendingOrder if self.model.sort_key.desc else Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(self.model.sort_column(), order)

    def _load_agencies(self) -> None:
        if self._agencies_loading:
            return
        from triage_desk.ui.tasks import run_in_background

        self._agencies_loading = True
        ws, me = self.ws, weakref.ref(self)  # the worker must never hold the last reference to a widget

        def work() -> list[str]:
            from sqlalchemy import select

            from triage_desk.models import Referral

            with ws.session() as s:  # the agency index makes this a walk over distinct keys
                return [a for a in s.execute(select(Referral.referrer_agency).distinct()
                                             .order_by(Referral.referrer_agency)).scalars() if a]

        def done(names: list[str]) -> None:
            area = me()
            if area is None:
                return
            area._agencies_loading = False
            combo = area.agency
            current = combo.currentData()
            combo.blockSignals(True)
            for name in names:
                if combo.findData(name) < 0:
                    combo.addItem(name, name)
            combo.setCurrentIndex(max(0, combo.findData(current)))
            combo.blockSignals(False)

        def failed(_exc: BaseException) -> None:
            if me() is not None:
                me()._agencies_loading = False

        run_in_background(work, done, failed)

    # ---- locking -----------------------------------------------------------------------------------
    def set_locked(self, locked: bool) -> None:
        """Locked: drop every cached row and close open cases (no case data stays in memory for the UI)."""
        self.locked = locked
        if locked:
            self.model.clear()
            while self.tabs.count() > 1:
                self.close_tab(1)
            self.count_label.setText("")
        else:
            self.reload()

    # ---- cases -------------------------------------------------------------------------------------
    def selected_row(self):
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def current_case(self) -> tuple[str, str] | None:
        """(referral_id, reference) of the case in view: an open case tab, else the selected row."""
        view = self.tabs.currentWidget()
        if view is not self.list_page and hasattr(view, "referral_id"):
            return view.referral_id, view.reference
        row = self.selected_row()
        return (row.id, row.reference) if row is not None else None

    def open_row(self, row: int) -> None:
        case = self.model.row_at(row)
        if case is not None:
            self.open_case(case.reference)

    def open_case(self, reference: str):
        """Show a case in its own tab (audited); an already open case is brought forward."""
        from triage_desk.ui.case_view import CaseView

        for i in range(1, self.tabs.count()):
            view = self.tabs.widget(i)
            if getattr(view, "reference", None) == reference.upper() or getattr(view, "referral_id", None) == reference:
                self.tabs.setCurrentIndex(i)
                return view
        try:
            view = CaseView(self.ws, reference, self)
        except TriageError as exc:
            QMessageBox.warning(self, "Open case", str(exc)[:1].upper() + str(exc)[1:])
            return None
        view.wizard_opened.connect(self.watch_wizard)
        view.changed.connect(lambda: self.locked or self.model.reload())  # status, approval, checks follow
        index = self.tabs.addTab(view, view.reference)
        self.tabs.setTabToolTip(index, f"{view.reference} (Ctrl+W closes)")
        self.tabs.setCurrentIndex(index)
        view.document_view.setFocus()
        self.case_opened.emit(view.reference)
        return view

    def watch_wizard(self, wizard) -> None:
        """Reload the list when a referral wizard closes (a draft saved or submitted changes rows)."""
        if wizard is not None and hasattr(wizard, "finished"):
            wizard.finished.connect(lambda _result: self.reload())

    def close_tab(self, index: int) -> None:
        if index <= 0:
            return
        view = self.tabs.widget(index)
        self.tabs.removeTab(index)
        view.deleteLater()

    def close_current(self) -> None:
        self.close_tab(self.tabs.currentIndex())


# ---- the deadline summary in the status bar ---------------------------------------------------------
class DeadlineLabel(QLabel):
    """ "2 decisions overdue · 3 due within 1 h" over the open referrals, refreshed every minute."""

    def __init__(self, ws, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.setAccessibleName("Decision deadlines")
        self.setContentsMargins(6, 0, 6, 0)
        self.timer = QTimer(self)
        self.timer.setInterval(60_000)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self._busy = False

    def refresh(self) -> None:
        if self._busy:
            return
        from triage_desk.ui.tasks import run_in_background

        self._busy = True
        ws, me = self.ws, weakref.ref(self)
        run_in_background(lambda: deadline_counts(ws), lambda counts: me() and me()._show(counts),
                          lambda exc: me() and me()._failed(exc))

    def _show(self, counts: tuple[int, int]) -> None:
        self._busy = False
        overdue, soon = counts
        parts = []
        if overdue:
            parts.append(f"⚠ {overdue} case{'s' if overdue != 1 else ''} with a deadline OVERDUE")
        if soon:
            parts.append(f"{soon} due within 1 h")
        self.setText(" · ".join(parts) or "No deadlines overdue")
        self.setStyleSheet("QLabel { font-weight: bold; color: #8a1c1c; }" if overdue else "")

    def _failed(self, _exc: BaseException) -> None:
        self._busy = False
        self.setText("")


def deadline_counts(ws) -> tuple[int, int]:
    """(cases with a deadline overdue, deadlines due within the next hour): the same deadline rows as
    the case list's "Overdue only" filter and the review area's overdue queue (deadlines.py)."""
    from triage_desk import deadlines
    from triage_desk.referral_rows import local_now

    with ws.session() as s:
        return deadlines.status_counts(s, local_now())


# ---- installing into the main window ----------------------------------------------------------------
def install(window) -> CasesArea:
    area = CasesArea(window.ws, window)
    window.add_area("&Cases", area)
    window.cases_area = area
    window.current_case = area.current_case  # File-menu actions (Print, Export bundle) ask the window

    referral_menu = window.referral_menu = QMenu("&Referral", window)
    window.menuBar().insertMenu(window.admin_menu.menuAction(), referral_menu)
    wizard = _wizard_module()

    def add(text: str, slot, shortcut=None, name: str = "") -> QAction:
        action = QAction(text, window)
        action.setObjectName(name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        referral_menu.addAction(action)
        window.add_data_action(action)
        return action

    def new(variant: str) -> None:
        try:
            area.watch_wizard(wizard.start_new_referral(window.ws, window, variant=variant))
        except TriageError as exc:
            QMessageBox.warning(window, "New referral", str(exc))

    def resume_draft() -> None:
        try:
            if not _has_drafts(window.ws):
                QMessageBox.information(window, "Resume draft", "You have no unfinished referrals.")
                return
            area.watch_wizard(wizard.offer_drafts(window.ws, window))
        except TriageError as exc:
            QMessageBox.warning(window, "Resume draft", str(exc))

    def open_by_reference() -> None:
        ref, ok = QInputDialog.getText(window, "Open case", "Case &reference (for example TD-2026-000123):")
        if ok and ref.strip():
            window.tabs.setCurrentWidget(area)
            area.open_case(ref.strip().upper())

    if wizard is not None:
        window.new_referral_action = add("&New referral…", lambda: new("child"), "Ctrl+N", "new_referral")
        window.new_adult_referral_action = add("New &adult referral…", lambda: new("adult"), None,
                                               "new_adult_referral")
    window.open_case_action = add("&Open case…", open_by_reference, "Ctrl+O", "open_case")
    if wizard is not None:
        window.resume_draft_action = add("Resume &draft…", resume_draft, None, "resume_draft")
    referral_menu.addSeparator()
    window.refresh_action = add("&Refresh", area.reload, "F5", "refresh_cases")
    window.close_case_action = add("&Close case tab", area.close_current, "Ctrl+W", "close_case")

    deadlines = window.deadline_label = DeadlineLabel(window.ws, window)
    window.statusBar().addPermanentWidget(deadlines)

    def lock_changed(locked: bool) -> None:
        area.set_locked(locked)
        if locked:
            deadlines.timer.stop()
            deadlines.setText("")
        else:
            deadlines.timer.start()
            deadlines.refresh()

    window.lock_changed.connect(lock_changed)
    area.reloaded.connect(deadlines.refresh)
    area.reload()
    if wizard is not None:
        # After sign-in, once the window is on screen: offer drafts left unfinished (e.g. after a crash).
        QTimer.singleShot(0, lambda: _offer_drafts_once(window, wizard))
    return area


def _has_drafts(ws) -> bool:
    from triage_desk import intake

    return bool(intake.list_drafts(ws, mine_only=True, limit=1))


def _offer_drafts_once(window, wizard) -> None:
    if getattr(window, "_drafts_offered", False) or window.is_locked() or window.user is None:
        return
    window._drafts_offered = True
    try:
        window.cases_area.watch_wizard(wizard.offer_drafts(window.ws, window))
    except TriageError:
        pass  # e.g. a read-only role: nothing to offer
