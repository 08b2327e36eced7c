"""Key and password changes: the database passphrase (admins), a new recovery code shown once
(admins), and a user's own password. All through the core (`keys`, `accounts`), which audits."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QMessageBox, QVBoxLayout, QWidget

from triage_desk.errors import InputError, TriageError
from triage_desk.ui import operations
from triage_desk.ui.widgets import (
    ErrorLabel,
    PasswordField,
    RecoveryCodePanel,
    StrengthMeter,
    add_row,
    chain_tab_order,
    heading,
    note,
)


class _SecretChangeDialog(QDialog):
    """Current secret + new secret twice, an in-dialog error label, OK runs `change()`."""

    what = "passphrase"
    current_label = ""  # default: "Current <what>"

    def __init__(self, ws, title: str, explanation: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle(f"{title} - Triage Desk")
        current_label = self.current_label or f"&Current {self.what}"
        self.current = PasswordField(current_label.replace("&", ""))
        self.new = PasswordField(f"New {self.what}")
        self.repeat = PasswordField(f"Repeat new {self.what}")
        form = QFormLayout()
        add_row(form, f"{current_label}:", self.current)
        add_row(form, f"&New {self.what}:", self.new)
        self.meter = StrengthMeter()
        form.addRow("", self.meter)
        self.new.textChanged.connect(self.meter.update_for)
        add_row(form, f"&Repeat new {self.what}:", self.repeat)
        self.error = ErrorLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(f"&Change {self.what}")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.addWidget(heading(title, 2))
        layout.addWidget(note(explanation))
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        chain_tab_order(self.current, self.new, self.repeat, self.ok)
        self.setMinimumWidth(520)

    def change(self) -> Callable[[], object]:
        """The service call that makes the change (run off the GUI thread)."""
        raise NotImplementedError

    def _prepare(self) -> Callable[[], object]:
        if self.new.text() != self.repeat.text():
            raise InputError(f"repeat new {self.what}: the two entries differ")
        return self.change()

    def submit(self) -> None:
        operations.submit(self, self.error, self._prepare, operations.Changes.of(operations.SESSION),
                          lambda result: self.done_message(result))

    def done_message(self, _result=None) -> None:
        QMessageBox.information(self, "Triage Desk", f"Your {self.what} has been changed.")


class PassphraseDialog(_SecretChangeDialog):
    what = "passphrase"

    def __init__(self, ws, parent: QWidget | None = None):
        super().__init__(ws, "Change database passphrase",
                         "The database key is re-wrapped under the new passphrase; the data itself is not "
                         "re-encrypted. The recovery code keeps working.", parent)

    def change(self) -> Callable[[], object]:
        from triage_desk import keys

        ws, current, new = self.ws, self.current.text(), self.new.text()
        return lambda: keys.change_passphrase(ws, current, new)


class ResetPassphraseDialog(_SecretChangeDialog):
    """After unlocking with the recovery code: the admin's own password stands in for the forgotten
    passphrase; the used recovery code is replaced and the new one shown once."""

    what = "passphrase"
    current_label = "&Your password"

    def __init__(self, ws, parent: QWidget | None = None):
        super().__init__(ws, "Set a new database passphrase",
                         "The database was unlocked with the recovery code. Set a new passphrase now; the "
                         "recovery code you used is replaced by a new one, shown once.", parent)
        self.new_code: str | None = None

    def change(self) -> Callable[[], object]:
        from triage_desk import keys

        ws, current, new = self.ws, self.current.text(), self.new.text()
        return lambda: keys.reset_passphrase(ws, current, new)

    def done_message(self, new_code=None) -> None:
        self.new_code = new_code
        RecoveryCodeDialog(new_code, self).exec()


def after_recovery_unlock(ws, parent: QWidget) -> QDialog | None:
    """Unlocked with the recovery code: an admin resets the passphrase now; others are told to ask one."""
    if getattr(ws, "unlocked_with", None) != "recovery_code":
        return None
    if getattr(ws.user, "role", None) != "admin":
        QMessageBox.information(parent, "Recovery code used",
                                "The database was unlocked with the recovery code. Ask an administrator "
                                "to sign in and set a new passphrase.")
        return None
    dialog = ResetPassphraseDialog(ws, parent)
    dialog.open()
    return dialog


class ChangePasswordDialog(_SecretChangeDialog):
    what = "password"

    def __init__(self, ws, parent: QWidget | None = None):
        super().__init__(ws, "Change my password", "Choose a password of at least 10 characters that you do "
                                                   "not use anywhere else.", parent)

    def change(self) -> Callable[[], object]:
        from triage_desk import session_events

        ws, current, new = self.ws, self.current.text(), self.new.text()
        return lambda: session_events.change_own_password(ws, current, new)


class RecoveryCodeDialog(QDialog):
    """Shows a new recovery code once; Close is enabled only after 'I have stored it' is ticked."""

    def __init__(self, code: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("New recovery code - Triage Desk")
        self.panel = RecoveryCodePanel(code)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setEnabled(False)
        self.panel.confirmed_changed.connect(self.close_button.setEnabled)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 14)
        layout.addWidget(heading("New recovery code", 2))
        layout.addWidget(note("The previous recovery code no longer works."))
        layout.addWidget(self.panel)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

    def reject(self) -> None:  # Escape must not skip the confirmation
        if self.panel.is_confirmed():
            super().reject()


def confirm_and_issue_recovery_code(ws, parent: QWidget | None = None,
                                    issued: Callable[[str], None] | None = None) -> None:
    """Ask, replace the recovery code off the GUI thread, then show the new one once (`issued(code)` after)."""
    from triage_desk import keys
    from triage_desk.grants import admin_fingerprint

    answer = QMessageBox.question(parent, "New recovery code",
                                  "Issue a new recovery code? The current code will stop working.")
    if answer != QMessageBox.StandardButton.Yes:
        return

    def show(result: tuple[str, str | None]) -> None:
        code, fingerprint = result
        dialog = RecoveryCodeDialog(code, parent)
        dialog.panel.set_fingerprint(fingerprint)
        dialog.exec()
        if issued is not None:
            issued(code)

    def refused(exc: BaseException) -> None:
        if not isinstance(exc, TriageError):
            raise exc
        QMessageBox.warning(parent, "New recovery code", str(exc))

    operations.change(lambda: (keys.new_recovery_code(ws), admin_fingerprint(ws)),
                      operations.Changes.of(operations.AUDIT), show, refused, parent=parent)
