"""Unlock the database with the passphrase (or the recovery code) when no usable keyring holds the
data key. A wrong secret leaves the dialog open with a message, the field cleared and focused.

With no keyring this is the first dialog a person can use, so it is built without PySide's `Qt`
namespace (its enums cost ~12 ms to build): the same rule as the sign-in window (ui/widgets.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from triage_desk.errors import KeyError_, TriageError
from triage_desk.ui.tasks import run_in_background
from triage_desk.ui.widgets import ErrorLabel, PasswordField, add_row, chain_tab_order, heading, line_edit, note

# opener(passphrase=..., recovery_code=...) -> Workspace; runs in a worker thread.
Opener = Callable[..., object]


class UnlockDialog(QDialog):
    unlocked = Signal(object)  # the opened Workspace
    fatal = Signal(object)  # a TriageError that unlocking cannot fix (damaged database, second instance)

    def __init__(self, data_dir: Path, opener: Opener, parent=None):
        super().__init__(parent)
        self._opener = opener
        self._recovery_mode = False
        self.setWindowTitle("Unlock database - Triage Desk")
        self.setModal(True)

        self.title = heading("Unlock the database")
        self.explain = note("No system keyring holds this workstation's database key, so the database "
                            "passphrase is needed to open it.")
        self.location = note(f"Database: {Path(data_dir)}")

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.passphrase = PasswordField("Database passphrase")
        self.passphrase_label = add_row(form, "&Passphrase:", self.passphrase)
        self.recovery = line_edit("Recovery code", "XXXXX-XXXXX-XXXXX-XXXXX-XXXXX")
        self.recovery_label = add_row(form, "&Recovery code:", self.recovery)
        self.recovery.hide()
        self.recovery_label.hide()

        self.switch_button = QPushButton("Use the recovery code &instead")
        self.switch_button.setFlat(True)
        self.switch_button.setAutoDefault(False)
        self.switch_button.setAccessibleName("Switch between passphrase and recovery code")
        self.switch_button.clicked.connect(self.toggle_mode)
        self.error = ErrorLabel()
        self.status = QLabel("")
        self.status.setAccessibleName("Progress")
        self.status.hide()

        self.buttons = QDialogButtonBox()
        self.unlock_button = self.buttons.addButton("&Unlock", QDialogButtonBox.ButtonRole.AcceptRole)
        self.unlock_button.setDefault(True)
        self.quit_button = self.buttons.addButton("&Quit", QDialogButtonBox.ButtonRole.RejectRole)
        self.quit_button.setAutoDefault(False)  # Enter must never mean Quit
        self._busy = False
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        layout.addWidget(self.title)
        layout.addWidget(self.explain)
        layout.addWidget(self.location)
        layout.addSpacing(6)
        layout.addLayout(form)
        switch_row = QHBoxLayout()  # the button at the left, as wide as its words
        switch_row.addWidget(self.switch_button)
        switch_row.addStretch(1)
        layout.addLayout(switch_row)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        chain_tab_order(self.passphrase, self.recovery, self.switch_button, self.unlock_button, self.quit_button)
        self.setMinimumWidth(460)
        self.passphrase.setFocus()

    # ---- modes --------------------------------------------------------------------------------
    def toggle_mode(self) -> None:
        self.set_recovery_mode(not self._recovery_mode)

    def set_recovery_mode(self, on: bool) -> None:
        self._recovery_mode = on
        self.passphrase.setVisible(not on)
        self.passphrase_label.setVisible(not on)
        self.recovery.setVisible(on)
        self.recovery_label.setVisible(on)
        self.switch_button.setText("Use the &passphrase instead" if on else "Use the recovery code &instead")
        self.error.clear_error()
        (self.recovery if on else self.passphrase).setFocus()

    def current_field(self):
        return self.recovery if self._recovery_mode else self.passphrase

    # ---- unlocking ----------------------------------------------------------------------------
    def submit(self) -> None:
        if self._busy:
            return
        field = self.current_field()
        secret = field.text()
        if not secret:
            what = "recovery code" if self._recovery_mode else "passphrase"
            self.error.show_error(f"Enter the {what}.")
            field.setFocus()
            return
        kwargs = {"recovery_code": secret} if self._recovery_mode else {"passphrase": secret}
        self._set_busy(True)
        run_in_background(lambda: self._opener(**kwargs), self._on_opened, self._on_failed)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        # Read-only, not disabled: focus stays in the field, so Enter keeps meaning Unlock.
        self.passphrase.setReadOnly(busy)
        self.recovery.setReadOnly(busy)
        self.switch_button.setEnabled(not busy)
        self.status.setText("Unlocking and opening the database…" if busy else "")
        self.status.setVisible(busy)
        if busy:
            self.error.clear_error()

    def _on_opened(self, ws) -> None:
        self._set_busy(False)
        self.unlocked.emit(ws)
        self.accept()

    def _on_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, KeyError_):
            field = self.current_field()
            field.clear()
            self.error.show_error(f"{exc}. Try again.")
            field.setFocus()
        elif isinstance(exc, TriageError):
            self.fatal.emit(exc)
        else:
            raise exc
