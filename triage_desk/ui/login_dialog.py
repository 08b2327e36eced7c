"""Sign in with user name and password. Shown at once on start; the database opens behind it, so
the dialog can be typed into before the workspace is ready (submitting waits for it)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout

from triage_desk import APP_NAME
from triage_desk.ui import operations
from triage_desk.ui.sign_in_form import SignInFields
from triage_desk.ui.widgets import (
    chain_tab_order,
    heading,
    note,
)


class LoginDialog(QDialog):
    signed_in = Signal(object)  # the authenticated models.User

    def __init__(self, data_dir: Path, parent=None, *, username: str = ""):
        super().__init__(parent)
        self.ws = None
        self._pending = False
        self.setWindowTitle(f"Sign in - {APP_NAME}")
        self.title = heading(APP_NAME, 8)
        self.subtitle = note("Safeguarding front-door triage. Sign in with your Triage Desk account.")
        self.marking = QLabel("OFFICIAL-SENSITIVE")
        self.marking.setAccessibleName("Security marking")
        self.marking.setStyleSheet("QLabel { font-weight: bold; letter-spacing: 1px; }")

        self.fields = SignInFields("e.g. j.smith")
        self.username, self.password, self.error = self.fields.username, self.fields.password, self.fields.error
        self.username.setText(username)
        self.status = QLabel("")
        self.status.setAccessibleName("Progress")
        self.location = QLabel(f"Database: {Path(data_dir)}")
        self.location.setWordWrap(True)
        self.location.setAccessibleName("Database location")
        small = self.location.font()
        small.setPointSizeF(max(small.pointSizeF() - 1, 7))
        self.location.setFont(small)

        self.buttons = QDialogButtonBox()
        self.sign_in_button = self.buttons.addButton("&Sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setDefault(True)
        self.quit_button = self.buttons.addButton("&Quit", QDialogButtonBox.ButtonRole.RejectRole)
        self.quit_button.setAutoDefault(False)  # Enter must never mean Quit
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 18)
        layout.setSpacing(10)
        top = QHBoxLayout()  # (a stretch, not Qt.AlignRight: the Qt namespace is slow to load)
        top.addStretch(1)
        top.addWidget(self.marking)
        layout.addLayout(top)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addSpacing(8)
        layout.addLayout(self.fields.form)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(self.location)
        layout.addWidget(self.buttons)
        chain_tab_order(self.username, self.password, self.sign_in_button, self.quit_button)
        self.setMinimumWidth(440)
        (self.password if username else self.username).setFocus()

    def set_workspace(self, ws) -> None:
        """The database is open: sign-in can go ahead (at once, if the user already submitted)."""
        self.ws = ws
        self.status.setText("")
        if self._pending:
            self._pending = False
            self.submit()

    def reset(self, username: str = "") -> None:
        self.username.setText(username)
        self.password.clear()
        self.error.clear_error()
        self.fields.set_editable(True)
        (self.password if username else self.username).setFocus()

    def submit(self) -> None:
        if self._pending:
            return
        typed = self.fields.credentials()
        if typed is None:
            return
        if self.ws is None:  # still opening: finish when set_workspace() arrives
            self._pending = True
            self.fields.set_editable(False)
            self.status.setText("Opening the database…")
            return
        from triage_desk import session_events

        self.error.clear_error()
        self._pending = True  # a second Enter while the password is checked does nothing
        self.fields.set_editable(False)
        ws, (name, password) = self.ws, typed
        operations.change(lambda: session_events.sign_in(ws, name, password),
                          operations.Changes.of(operations.SESSION), self._signed_in, self._refused, parent=self)

    def _signed_in(self, user) -> None:
        self._pending = False
        self.fields.set_editable(True)
        self.password.clear()
        self.signed_in.emit(user)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self._pending = False
        self.fields.set_editable(True)
        self.fields.refused(exc)
