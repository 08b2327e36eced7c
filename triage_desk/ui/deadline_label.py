"""The status bar's deadline summary over the open referrals, refreshed every minute and after changes."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

from triage_desk.ui import operations


class DeadlineLabel(QLabel):
    """ "2 cases with a deadline overdue · 3 due within 1 h" (deadline rows), refreshed every minute."""

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
        operations.events().workspace_changed.connect(self.on_workspace_changed)

    def on_workspace_changed(self, changes: operations.Changes) -> None:
        if changes.touches(operations.CASE, operations.DECISION) and self.timer.isActive():  # not while locked
            self.refresh()

    def refresh(self) -> None:
        if self._busy:
            return
        from triage_desk import case_access

        self._busy = True
        ws = self.ws
        operations.query(lambda: case_access.deadline_counts(ws), self._show, self._failed, parent=self)

    def _show(self, counts: tuple[int, int]) -> None:
        self._busy = False
        if not self.timer.isActive():
            return  # locked while the counts were read: the bar stays blank
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


def install(window) -> DeadlineLabel:
    """In the main window's status bar; blank and still while the window is locked."""
    label = DeadlineLabel(window.ws, window)
    window.statusBar().addPermanentWidget(label)

    def lock_changed(locked: bool) -> None:
        if locked:
            label.timer.stop()
            label.setText("")
        else:
            label.timer.start()
            label.refresh()

    window.lock_changed.connect(lock_changed)
    return label
