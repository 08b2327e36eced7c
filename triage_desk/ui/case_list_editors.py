""""Being edited by NAME since TIME" in the case list: a row someone else has open for editing on another
workstation gets an edit icon by its reference and the words as its tooltip (and for screen readers).

The case list model stays as it is; this proxy lays the marks over it. Who is editing what is read in
one query for the rows in view (edit_leases.editors), after scrolling, a reload, a lease change from the
change feed, and every 30 s (a crashed workstation's lease lapses without a note) — never while painting.
"""

from __future__ import annotations

from PySide6.QtCore import QIdentityProxyModel, QModelIndex, QPersistentModelIndex, Qt, QTimer
from PySide6.QtWidgets import QApplication, QTableView

from triage_desk import edit_leases
from triage_desk.ui import operations
from triage_desk.ui.case_list_model import REFERENCE

DEBOUNCE_MS = 150
EDIT_COLOUR = "#a04a00"  # the banner's amber family, dark enough on white and on the selection


class EditorsProxy(QIdentityProxyModel):
    """The case list model (`source`) as the table shows it, with others' edit leases marked."""

    def __init__(self, ws, source, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.setSourceModel(source)
        self.editors: dict[str, list] = {}  # referral id -> [edit_leases.Editor] for the rows last looked at
        self.view: QTableView | None = None
        self._icon = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.refresh)
        self._lapse = QTimer(self)
        self._lapse.setInterval(int(edit_leases.RENEW_EVERY.total_seconds() * 1000))
        self._lapse.timeout.connect(self.refresh_soon)
        self._lapse.start()
        for signal in (source.modelReset, source.rowsInserted, source.layoutChanged):
            signal.connect(self.refresh_soon)
        operations.events().workspace_changed.connect(self._changed)

    def watch(self, view: QTableView) -> None:
        """The table showing this model: its visible rows are the ones looked up."""
        self.view = view
        view.verticalScrollBar().valueChanged.connect(self.refresh_soon)

    def _changed(self, changes: operations.Changes) -> None:
        if changes.touches(operations.LEASE):
            self.refresh_soon()

    def refresh_soon(self, *_args) -> None:
        self._timer.start()

    def visible_ids(self) -> list[str]:
        source = self.sourceModel()
        if self.view is None or source.rowCount() == 0:
            return []
        first = max(self.view.rowAt(0), 0)
        last = self.view.rowAt(self.view.viewport().height() - 1)
        last = source.rowCount() - 1 if last < 0 else last
        rows = (source.row_at(r) for r in range(first, last + 1))
        return [row.id for row in rows if row is not None]

    def refresh(self) -> None:
        ids = self.visible_ids()
        if not ids and not self.editors:
            return
        ws = self.ws
        operations.query(lambda: edit_leases.editors(ws, ids) if ids else {}, self._show, lambda _exc: None,
                         parent=self)

    def _show(self, found: dict) -> None:
        changed = set(found) | set(self.editors)
        self.editors = found
        source = self.sourceModel()
        for row in range(source.rowCount()):
            case = source.row_at(row)
            if case is not None and case.id in changed:
                self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1),
                                      [Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole,
                                       Qt.ItemDataRole.AccessibleTextRole])

    def banner(self, row: int) -> str | None:
        case = self.sourceModel().row_at(row)
        found = self.editors.get(case.id) if case is not None else None
        return "; ".join(e.banner() for e in found) if found else None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if role in (Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole,
                    Qt.ItemDataRole.AccessibleTextRole) and index.isValid() and self.editors:
            words = self.banner(index.row())
            if words is not None:
                if role == Qt.ItemDataRole.ToolTipRole:
                    return words
                if role == Qt.ItemDataRole.AccessibleTextRole:
                    return f"{super().data(index, role) or ''} ({words})"
                if index.column() == REFERENCE:
                    return self.icon()
        return super().data(index, role)

    def icon(self):
        """A pencil (the glyph drawn, so it does not depend on an icon theme)."""
        if self._icon is None:
            from PySide6.QtGui import QColor, QFontMetrics, QIcon, QPainter, QPixmap

            size = QFontMetrics(QApplication.font()).height() * 2  # drawn large, shown at the row's icon size: crisp
            pixmap = QPixmap(size, size)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            font = QApplication.font()
            font.setPixelSize(size)
            font.setBold(True)
            painter.setFont(font)
            painter.setPen(QColor(EDIT_COLOUR))
            painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, "✎")
            painter.end()
            self._icon = QIcon(pixmap)
        return self._icon
