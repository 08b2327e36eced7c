"""The case list as a lazy Qt table model over `caselist.fetch_page` (keyset pages, never OFFSET).

Rows arrive 200 at a time as the view scrolls (`canFetchMore`/`fetchMore`); a sort or filter change
starts a new keyset query. Only a window of WINDOW_PAGES pages is kept: the key that starts every page
is remembered, so a page dropped from the window is read again exactly when it scrolls back into view
(memory stays flat whether the view has passed 2,000 rows or 1,000,000).
Time-left texts are worked out at paint time from the stored deadline, so the per-minute refresh
repaints without querying. Locking drops every cached row.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QFont

from triage_desk import case_access, deadlines
from triage_desk.caselist import OPEN_STATUSES, CaseFilters, CaseRow, CaseSort
from triage_desk.errors import InputError
from triage_desk.formatting import fmt_datetime
from triage_desk.ui import operations

PAGE_SIZE = 200
WINDOW_PAGES = 10  # pages of rows kept in memory; the least recently shown is dropped first
COUNT_CAP = 10000
COLUMNS = ("Reference", "Subject", "Received", "Status", "RAG", "Level", "Due", "Checks", "Approval",
           "Referrer agency")
(REFERENCE, SUBJECT, RECEIVED, STATUS, RAG, LEVEL, DUE, CHECKS, APPROVAL, AGENCY) = range(len(COLUMNS))
# Columns backed by an index ending in id (a keyset sort); the others are not sortable.
SORT_KEYS = {REFERENCE: "reference", SUBJECT: "subject", RECEIVED: "received", DUE: "due"}
STATUS_LABELS = {"draft": "Draft", "submitted": "Awaiting decision", "decided": "Decided", "closed": "Closed"}
RAG_LABELS = {"red": "Red", "amber": "Amber", "green": "Green"}
APPROVAL_LABELS = {"pending": "Awaiting lead", "approved": "Approved", "rejected": "Sent back", "not_needed": "",
                   "response": "Awaiting officer", "accepted": "Officer accepted"}
_ROOT = QModelIndex()  # the (invalid) root index, Qt's default parent
ROW_ROLE = Qt.ItemDataRole.UserRole  # the CaseRow behind a row
OVERDUE_ROLE = Qt.ItemDataRole.UserRole + 1  # True when the case's earliest open deadline has passed


def span(minutes: int) -> str:
    """A duration as "2 d 3 h", "2 h 15 m" or "45 m" (the two largest units)."""
    days, rest = divmod(max(minutes, 0), 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} m" if mins else f"{hours} h"
    return f"{mins} m"


def time_left(due: datetime | None, status: str, now: datetime) -> tuple[str, bool]:
    """Time to the case's earliest open deadline: ("2 h 15 m left" | "Overdue 3 h" | "Not submitted" |
    "No deadline" | "—" when nothing is open after the decision, overdue?)."""
    if due is None:
        if status not in OPEN_STATUSES:
            return "—", False
        return ("Not submitted" if status == "draft" else "No deadline"), False
    minutes = int((due - now).total_seconds() // 60)
    if minutes < 0:
        return f"Overdue {span(-minutes)}", True
    return f"{span(minutes)} left", False


def checks_text(row: CaseRow, now: datetime) -> str:
    if not row.checks_open:
        return ""
    text = f"{row.checks_open} open"
    if row.checks_due is not None and row.checks_due < now:
        text += ", overdue"
    return text


def count_text(count: int, capped: bool) -> str:
    if capped:
        return f"{count:,}+ cases"
    return "1 case" if count == 1 else f"{count:,} cases"


class CaseListModel(QAbstractTableModel):
    count_changed = Signal(str)  # "N cases" / "10,000+ cases" once the background count returns
    failed = Signal(str)  # a plain-words problem with the current filters (e.g. search text)
    loading_changed = Signal(bool)  # a page is being read in the background

    def __init__(self, ws, parent=None, *, page_size: int = PAGE_SIZE, window_pages: int = WINDOW_PAGES,
                 clock: Callable[[], datetime] | None = None, background: bool = True):
        from triage_desk.forms.clock import london_now

        super().__init__(parent)
        self.ws = ws
        self.page_size, self.window_pages = page_size, max(window_pages, 2)
        self.clock = clock or london_now
        self.filters = CaseFilters()
        self.sort_key = CaseSort()
        self._empty()
        self._next: tuple | None = None
        self._ended = True
        self._suspended = True  # nothing loaded until reload(); locking suspends again
        self._generation = 0
        self._loading = False
        self.background = background  # False: pages are read on the calling thread (tests, benches)
        self._now = self.clock()
        self._bold = QFont()
        self._bold.setBold(True)
        self._warning_icon = None
        self.ticker = QTimer(self)  # time-left texts age every minute without a query
        self.ticker.setInterval(60_000)
        self.ticker.timeout.connect(self.tick)
        self.ticker.start()

    # ---- loading -----------------------------------------------------------------------------------
    def reload(self) -> None:
        """Start again from the first page with the current filters and sort."""
        self._generation += 1
        self.beginResetModel()
        self._empty()
        self._next, self._ended, self._suspended = None, False, False
        self._set_loading(False)
        self._now = self.clock()
        self.endResetModel()
        self.fetchMore(QModelIndex())
        self._count()

    def clear(self) -> None:
        """Drop every cached row (the window locked): nothing of a case stays in memory for the view."""
        self._generation += 1
        self.beginResetModel()
        self._empty()
        self._next, self._ended, self._suspended = None, True, True
        self._set_loading(False)
        self.endResetModel()
        self.count_changed.emit("")

    def _empty(self) -> None:
        self._pages: OrderedDict[int, list[CaseRow]] = OrderedDict()  # page number -> rows, oldest use first
        self._starts: list[tuple | None] = []  # the keyset key each loaded page starts after
        self._total = 0  # rows loaded so far (the view's row count)
        self._rereading: set[int] = set()

    def set_filters(self, filters: CaseFilters) -> None:
        self.filters = filters
        self.reload()

    def set_sort(self, key: str, descending: bool | None = None) -> None:
        self.sort_key = CaseSort(key, descending)
        self.reload()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:  # Qt override
        if column in SORT_KEYS:
            self.set_sort(SORT_KEYS[column], order == Qt.SortOrder.DescendingOrder)

    def sort_column(self) -> int:
        return next(c for c, k in SORT_KEYS.items() if k == self.sort_key.key)

    def canFetchMore(self, parent=_ROOT) -> bool:  # noqa: N802 - Qt override
        return not parent.isValid() and not self._ended and not self._suspended and not self._loading

    def is_loading(self) -> bool:
        return self._loading

    def fetchMore(self, parent=_ROOT) -> None:  # noqa: N802 - Qt override
        if not self.canFetchMore(parent):
            return
        ws, filters, sort, after, limit = self.ws, self.filters, self.sort_key, self._next, self.page_size

        def work():
            return case_access.case_page(ws, filters, sort, after, limit)

        generation = self._generation
        if not self.background:
            try:
                self._deliver(generation, work())
            except InputError as exc:
                self._fail(generation, exc)
            return
        # Most pages take milliseconds, but some filter and sort pairs have no index to follow at a
        # million referrals: the page is read off the GUI thread so the window never freezes.
        me = weakref.ref(self)
        self._set_loading(True)
        operations.query(work, lambda result: me() and me()._deliver(generation, result),
                         lambda exc: me() and me()._fail(generation, exc), parent=self)

    def _set_loading(self, loading: bool) -> None:
        if loading != self._loading:
            self._loading = loading
            self.loading_changed.emit(loading)

    def _deliver(self, generation: int, result) -> None:
        if generation != self._generation:
            return  # the filters, sort or lock state changed while this page was read
        self._set_loading(False)
        rows, key = result
        start, self._next, self._ended = self._next, key, key is None
        if rows:
            first = self._total
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._starts.append(start)
            self._keep(len(self._starts) - 1, rows)
            self._total += len(rows)
            self.endInsertRows()

    def _keep(self, page: int, rows: list[CaseRow]) -> None:
        self._pages[page] = rows
        self._pages.move_to_end(page)
        while len(self._pages) > self.window_pages:
            self._pages.popitem(last=False)

    def _reread(self, page: int) -> None:
        """Read a dropped page again from the key it started after; its rows repaint when it arrives."""
        if page in self._rereading:
            return
        ws, filters, sort, after, limit = self.ws, self.filters, self.sort_key, self._starts[page], self.page_size
        generation = self._generation

        def work():
            return case_access.case_page(ws, filters, sort, after, limit)[0]

        if not self.background:
            self._reread_done(generation, page, work())
            return
        self._rereading.add(page)
        me = weakref.ref(self)
        operations.query(work, lambda rows: me() and me()._reread_done(generation, page, rows),
                         lambda exc: me() and me()._fail(generation, exc), parent=self)

    def _reread_done(self, generation: int, page: int, rows: list[CaseRow]) -> None:
        if generation != self._generation:
            return
        self._rereading.discard(page)
        # The rows now after that key fill the page's places (a case closed meanwhile leaves a blank).
        first = page * self.page_size
        self._keep(page, rows[:min(self.page_size, self._total - first)])
        self.dataChanged.emit(self.index(first, 0), self.index(min(first + self.page_size, self._total) - 1,
                                                               len(COLUMNS) - 1))

    def _fail(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._set_loading(False)
        self._ended = True
        # InputError words name the problem (e.g. the search text); anything else is a store fault.
        self.failed.emit(str(exc) if isinstance(exc, InputError) else
                         f"the case list could not be read ({exc.__class__.__name__}); press F5 to try again")

    def _count(self) -> None:
        generation, filters, ws = self._generation, self.filters, self.ws
        me = weakref.ref(self)  # the worker must never hold the last reference to a QObject

        def work():
            return case_access.case_count(ws, filters, COUNT_CAP)

        def done(result) -> None:
            model = me()
            if model is not None and generation == model._generation:
                model.count_changed.emit(count_text(*result))

        def error(exc: BaseException) -> None:
            model = me()
            if model is not None and generation == model._generation:
                model.count_changed.emit("")
                if not isinstance(exc, InputError):
                    raise exc

        operations.query(work, done, error, parent=self)

    def refresh_rows(self, referral_ids: list[str]) -> bool:
        """A change made elsewhere (change feed) to cases on loaded pages: read just those rows again and
        repaint them. False when none of them is loaded (a new case: the caller reloads the list); a row that
        no longer matches the filters reloads the list too."""
        places = {r.id: (page, i) for page, rows in self._pages.items() for i, r in enumerate(rows)
                  if r.id in referral_ids}
        if not places:
            return False
        generation, ws, ids, filters = self._generation, self.ws, list(places), self.filters
        me = weakref.ref(self)

        def done(fresh: dict) -> None:
            model = me()
            if model is None or generation != model._generation:
                return
            if set(places) - set(fresh):
                model.reload()  # a row left the filtered list (decided, closed, answered)
                return
            for rid, (page, i) in places.items():
                rows = model._pages.get(page)
                if rows is not None and i < len(rows) and rows[i].id == rid and rid in fresh:
                    rows[i] = fresh[rid]
                    row = page * model.page_size + i
                    model.dataChanged.emit(model.index(row, 0), model.index(row, len(COLUMNS) - 1))

        def work():
            return case_access.case_rows(ws, ids, filters)

        if self.background:
            operations.query(work, done, parent=self)
        else:
            done(work())
        return True

    def tick(self) -> None:
        """Age the time-left texts (no query): repaint the Due and Checks columns."""
        self._now = self.clock()
        if self._total:
            self.dataChanged.emit(self.index(0, DUE), self.index(self._total - 1, CHECKS),
                                  [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.FontRole,
                                   Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.AccessibleTextRole])

    # ---- reading -----------------------------------------------------------------------------------
    def row_at(self, row: int) -> CaseRow | None:
        """The row, or None while its page is being read again (the view shows a blank row meanwhile)."""
        if not 0 <= row < self._total:
            return None
        page, i = divmod(row, self.page_size)
        rows = self._pages.get(page)
        if rows is None:
            self._reread(page)
            rows = self._pages.get(page)
            if rows is None:
                return None
        self._pages.move_to_end(page)
        return rows[i] if i < len(rows) else None

    def loaded_rows(self) -> int:
        return self._total

    def cached_pages(self) -> int:
        return len(self._pages)

    def rowCount(self, parent=_ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent=_ROOT) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return "Click to sort" if section in SORT_KEYS else None
        return None

    def text(self, row: CaseRow, column: int) -> str:
        if column == REFERENCE:
            return row.reference
        if column == SUBJECT:
            return row.subject_name or "(no subject yet)"
        if column == RECEIVED:
            return fmt_datetime(row.received_at)
        if column == STATUS:
            return STATUS_LABELS.get(row.status, row.status)
        if column == RAG:
            return RAG_LABELS.get(row.rag or "", "")
        if column == LEVEL:
            if row.final_level:
                return f"Level {row.final_level}"
            return f"{row.suggested_level} suggested" if row.suggested_level else ""
        if column == DUE:
            return time_left(row.due, row.status, self._now)[0]
        if column == CHECKS:
            return checks_text(row, self._now)
        if column == APPROVAL:
            return APPROVAL_LABELS.get(row.approval or "", row.approval or "")
        return row.referrer_agency or ""

    def is_overdue(self, row: CaseRow) -> bool:
        return time_left(row.due, row.status, self._now)[1]

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        row, column = self.row_at(index.row()) if index.isValid() else None, index.column()
        if row is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self.text(row, column)
        if role == ROW_ROLE:
            return row
        if role == OVERDUE_ROLE:
            return self.is_overdue(row)
        if role == Qt.ItemDataRole.FontRole and column in (DUE, REFERENCE) and self.is_overdue(row):
            return self._bold  # with the "Overdue" words and the icon: never colour alone
        if role == Qt.ItemDataRole.DecorationRole and column == DUE and self.is_overdue(row):
            return self._icon()
        if role == Qt.ItemDataRole.ToolTipRole and column == DUE and row.due is not None:
            return f"{deadlines.KINDS.get(row.due_kind or '', 'Deadline')} due {fmt_datetime(row.due, weekday=True)}"
        return None

    def _icon(self):
        if self._warning_icon is None:
            from PySide6.QtWidgets import QApplication, QStyle

            self._warning_icon = QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        return self._warning_icon
