"""File › Backups: the rotating set of encrypted backups (triage_desk/backup.py) — back up now, check
one, and (administrators) restore one when the app closes. Also installs the automatic backups: one
every 30 minutes while the app is open and one when it closes; and the question asked when the
database's write-ahead log is found damaged at start-up."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage_desk import backup
from triage_desk.formatting import fmt_date
from triage_desk.ui.tasks import run_in_background
from triage_desk.ui.widgets import note


def install(window) -> None:
    """Hook into the main window: File › Backups…, the 30-minute timer and the backup on close."""
    window.ws.backup_on_close = True
    window.add_file_action("&Backups…", "backups", lambda: BackupsDialog(window.ws, window.is_admin(), window).exec())
    timer = window.backup_timer = QTimer(window)
    timer.setInterval(backup.INTERVAL_MINUTES * 60 * 1000)
    timer.timeout.connect(lambda: run_in_background(lambda: backup.auto_backup(window.ws, "timer")))
    timer.start()


class BackupsDialog(QDialog):
    def __init__(self, ws, is_admin: bool, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws, self.is_admin = ws, is_admin
        self.setWindowTitle("Backups")
        self.resize(560, 380)
        layout = QVBoxLayout(self)
        layout.addWidget(note(f"Triage Desk keeps the newest {backup.KEEP} backups of the database, encrypted "
                              f"like the database itself: one every {backup.INTERVAL_MINUTES} minutes while it "
                              f"is open and one when it closes. They are in {backup.backups_dir(ws.data_dir)}."))
        self.items = QListWidget()
        layout.addWidget(self.items)
        self.status = note("")
        layout.addWidget(self.status)
        row = QHBoxLayout()
        self.now_button = QPushButton("Back up &now")
        self.check_button = QPushButton("&Check the selected backup")
        self.restore_button = QPushButton("&Restore the selected backup…")
        self.restore_button.setEnabled(is_admin)
        if not is_admin:
            self.restore_button.setToolTip("Only an administrator can restore a backup.")
        for button, slot in ((self.now_button, self.back_up_now), (self.check_button, self.check_selected),
                             (self.restore_button, self.restore_selected)):
            button.clicked.connect(slot)
            row.addWidget(button)
        layout.addLayout(row)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.reload()

    def reload(self) -> None:
        self.items.clear()
        for b in backup.list_backups(self.ws.data_dir):
            item = QListWidgetItem(f"{fmt_date(b.created)} {b.created:%H:%M:%S}   ({b.size / 1024 / 1024:.1f} MB)")
            item.setData(256, str(b.path))
            self.items.addItem(item)
        if self.items.count():
            self.items.setCurrentRow(0)
        else:
            self.status.setText("There are no backups yet.")

    def _selected(self) -> str | None:
        item = self.items.currentItem()
        return item.data(256) if item is not None else None

    def _busy(self, text: str) -> None:
        self.status.setText(text)
        for b in (self.now_button, self.check_button, self.restore_button):
            b.setEnabled(False)

    def _idle(self) -> None:
        self.now_button.setEnabled(True)
        self.check_button.setEnabled(True)
        self.restore_button.setEnabled(self.is_admin)

    def back_up_now(self) -> None:
        self._busy("Writing a backup…")

        def done(_path) -> None:
            self._idle()
            self.reload()
            self.status.setText("Backup written.")

        def failed(exc) -> None:
            self._idle()
            self.status.setText(f"The backup could not be written: {exc}")

        run_in_background(lambda: backup.create_backup(self.ws), done, failed)

    def check_selected(self) -> None:
        path = self._selected()
        if path is None:
            return
        self._busy("Checking the backup…")
        run_in_background(lambda: backup.verify_backup(path, self.ws.key), self._show_checks,
                          lambda exc: (self._idle(), self.status.setText(f"The backup could not be checked: {exc}")))

    def _show_checks(self, checks) -> None:
        self._idle()
        bad = [c for c in checks if not c.ok]
        self.status.setText("This backup is intact: every page, its structure and its audit trail check out."
                            if not bad else "This backup is damaged and cannot be restored: "
                            + "; ".join(f"{c.name}: {c.detail}" for c in bad))
        self.last_checks = checks

    def restore_selected(self) -> None:
        path = self._selected()
        if path is None or not self.is_admin:
            return
        checks = backup.verify_backup(path, self.ws.key)
        self._show_checks(checks)
        if not all(c.ok for c in checks):
            return
        answer = QMessageBox.question(
            self, "Restore this backup?",
            "Triage Desk will close, put this backup in place of the database and keep the current database "
            "in the backups folder. Everything saved after the backup was taken will not be in the restored "
            "database.\n\nStart Triage Desk again afterwards.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Cancel)
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.ws.restore_on_close = path
        self.accept()
        from PySide6.QtWidgets import QApplication

        QApplication.instance().closeAllWindows()
        QApplication.instance().quit()


def ask_wal_loss(parent: QWidget | None, exc) -> bool:
    """The explicit choice a damaged write-ahead log needs: continue without the unreadable changes
    (a copy is kept) or close and restore a backup."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Some saved changes cannot be read")
    box.setText(f"The database's change log is damaged: at least {exc.lost} saved change(s) cannot be read "
                "back. A copy of the database and the log has been kept in:\n\n"
                f"{exc.copy_dir}\n\nYou can close now and restore a backup (File › Backups, or ask IT), or "
                "continue without those changes.")
    go_on = box.addButton("Continue without them", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("Close Triage Desk", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return box.clickedButton() is go_on
