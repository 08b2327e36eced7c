"""The Cases area: filter bar, the lazy case list, opened cases as closable tabs, the Referral menu,
and a status-bar deadline summary. `install(window)` is called by the main window (EXTENSIONS).
"""

from __future__ import annotations

import weakref
from itertools import pairwise

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QInputDialog,
    QMenu,
    QMessageBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from triage_desk.caselist import CaseFilters
from triage_desk.errors import TriageError
from triage_desk.ui import deadline_label, operations
from triage_desk.ui.case_filter_bar import CaseFilterBar
from triage_desk.ui.case_list_editors import EditorsProxy
from triage_desk.ui.case_list_model import (
    COLUMNS,
    SORT_KEYS,
    CaseListModel,
)
from triage_desk.ui.optional import optional_module
from triage_desk.ui.widgets import ErrorLabel


def _wizard_module():
    """The referral wizard when it is part of this build (its actions are hidden otherwise)."""
    return optional_module("triage_desk.ui.referral_wizard")


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
        operations.events().workspace_changed.connect(self.on_workspace_changed)

    def on_workspace_changed(self, changes: operations.Changes) -> None:
        """A decision, approval or check changes rows' status, approval and check counts."""
        if changes.touches(operations.CASE, operations.DECISION, operations.CHECK) and not self.locked:
            # one known case changed (here or, by the change feed, elsewhere): repaint its row only
            if changes.referral_id is None or not self.model.refresh_rows([changes.referral_id]):
                self.model.reload()

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

        self.filter_bar = bar = CaseFilterBar()
        for name in ("search", "status", "rag", "agency", "sort", "overdue", "approval", "checks", "count_label",
                     "loading_label"):
            setattr(self, name, getattr(bar, name))  # the area's own names for its inputs (tests, shortcuts)
        bar.filters_changed.connect(self.apply_filters)
        bar.sort_chosen.connect(self._sort_chosen)
        self.error = ErrorLabel()
        self._build_table()
        layout = QVBoxLayout(self.list_page)
        layout.addWidget(bar)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        for first, second in pairwise([*bar.tab_chain(), self.table]):
            QWidget.setTabOrder(first, second)

    def _build_table(self) -> None:
        self.table = CaseTable()
        self.editors = EditorsProxy(self.ws, self.model, self)  # "being edited by" marks over the rows
        self.table.setModel(self.editors)
        self.editors.watch(self.table)
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

    # ---- filters and sorting -----------------------------------------------------------------------
    def filters(self) -> CaseFilters:
        return self.filter_bar.filters()

    def apply_filters(self) -> None:
        self.filter_bar.debounce.stop()
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
        self.filter_bar.show_sort(key, descending)

    def _sort_chosen(self, key: str, descending: bool) -> None:
        if (self.model.sort_key.key, self.model.sort_key.desc) != (key, descending):
            self.model.set_sort(key, descending)
        self._show_sort_indicator()

    def _show_sort_indicator(self) -> None:
        order = Qt.SortOrder.DescendingOrder if self.model.sort_key.desc else Qt.SortOrder.AscendingOrder
        self.table.horizontalHeader().setSortIndicator(self.model.sort_column(), order)

    def _load_agencies(self) -> None:
        if self._agencies_loading:
            return
        from triage_desk import case_access

        self._agencies_loading = True
        ws = self.ws

        def done(names: list[str]) -> None:
            area = me()
            if area is None:
                return
            area._agencies_loading = False
            area.filter_bar.add_agencies(names)

        def failed(_exc: BaseException) -> None:
            if me() is not None:
                me()._agencies_loading = False

        me = weakref.ref(self)
        operations.query(lambda: case_access.referrer_agencies(ws), done, failed, parent=self)

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

    def _open_view(self, reference: str):
        for i in range(1, self.tabs.count()):
            view = self.tabs.widget(i)
            if getattr(view, "reference", None) == reference.upper() or getattr(view, "referral_id", None) == reference:
                return i, view
        return None, None

    def open_case(self, reference: str):
        """Show a case in its own tab: an open one is brought forward (and returned); otherwise it is read,
        and its viewing audited, off the GUI thread, and shown when it arrives (`case_opened`)."""
        from triage_desk import intake

        index, view = self._open_view(reference)
        if view is not None:
            self.tabs.setCurrentIndex(index)
            return view
        ws = self.ws
        operations.change(lambda: intake.open_case(ws, reference), operations.Changes.of(operations.AUDIT),
                          lambda doc: self._show_case(reference, doc), self._open_failed, parent=self)
        return None

    def _open_failed(self, exc: BaseException) -> None:
        if not isinstance(exc, TriageError):
            raise exc
        QMessageBox.warning(self, "Open case", str(exc)[:1].upper() + str(exc)[1:])

    def _show_case(self, reference: str, doc: dict) -> None:
        from triage_desk.ui.case_view import CaseView

        if self.locked:
            return  # locked while the case was read: nothing is shown
        index, view = self._open_view(doc.get("reference") or reference)
        if view is None:
            view = CaseView(self.ws, doc, self)
            view.wizard_opened.connect(self.watch_wizard)
            index = self.tabs.addTab(view, view.reference)
            self.tabs.setTabToolTip(index, f"{view.reference} (Ctrl+W closes)")
        self.tabs.setCurrentIndex(index)
        view.document_view.setFocus()
        self.case_opened.emit(view.reference)

    def watch_wizard(self, wizard) -> None:
        """Reload the list when a referral wizard closes (a draft saved or submitted changes rows); a
        submitted referral opens as a case at once."""
        if wizard is not None and hasattr(wizard, "finished"):
            wizard.finished.connect(lambda _result: self.reload())
        if wizard is not None and hasattr(wizard, "submitted"):
            wizard.submitted.connect(lambda doc: doc.get("reference") and self.open_case(doc["reference"]))

    def close_tab(self, index: int) -> None:
        if index <= 0:
            return
        view = self.tabs.widget(index)
        self.tabs.removeTab(index)
        view.deleteLater()

    def close_current(self) -> None:
        self.close_tab(self.tabs.currentIndex())


# ---- installing into the main window ----------------------------------------------------------------
def install(window) -> CasesArea:
    area = CasesArea(window.ws, window)
    window.add_area("&Cases", area)
    window.cases_area = area
    window.current_case = area.current_case  # File-menu actions (Print, Export bundle) ask the window
    wizard = _wizard_module()
    _install_referral_menu(window, area, wizard)
    window.deadline_label = deadline_label.install(window)
    window.lock_changed.connect(area.set_locked)
    area.reloaded.connect(window.deadline_label.refresh)
    area.reload()
    if wizard is not None:
        # After sign-in, once the window is on screen: offer drafts left unfinished (e.g. after a crash).
        QTimer.singleShot(0, lambda: _offer_drafts_once(window, wizard))
    return area


def _install_referral_menu(window, area: CasesArea, wizard) -> None:
    referral_menu = window.referral_menu = QMenu("&Referral", window)
    window.menuBar().insertMenu(window.admin_menu.menuAction(), referral_menu)

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
        wizard.start_new_referral(window.ws, window, variant=variant, opened=area.watch_wizard,
                                  refused=_warning(window, "New referral"))

    def resume_draft() -> None:
        wizard.offer_drafts(window.ws, window, opened=area.watch_wizard, refused=_warning(window, "Resume draft"),
                            empty=lambda: QMessageBox.information(window, "Resume draft",
                                                                  "You have no unfinished referrals."))

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


def _warning(window, title: str):
    """A refusal (TriageError) as a warning box titled `title`; anything else is a fault and propagates."""

    def show(exc: BaseException) -> None:
        if not isinstance(exc, TriageError):
            raise exc
        QMessageBox.warning(window, title, str(exc))

    return show


def _offer_drafts_once(window, wizard) -> None:
    if getattr(window, "_drafts_offered", False) or window.is_locked() or window.user is None:
        return
    window._drafts_offered = True
    wizard.offer_drafts(window.ws, window, opened=window.cases_area.watch_wizard,
                        refused=_quietly)


def _quietly(exc: BaseException) -> None:
    """e.g. a read-only role: no drafts to offer at sign-in, and nothing to say about it."""
    if not isinstance(exc, TriageError):
        raise exc
