"""First run: set up the administrator, the database passphrase, then show the recovery code once; or
instead join the team's server (ui/join_server.py), after which the app asks for the officer's sign-in.

The core does the work (`workspace.init_workspace`); the wizard only collects and checks input.
After Finish, `wizard.workspace` is the opened workspace signed in as the new administrator.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QFormLayout,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from triage_desk import APP_NAME
from triage_desk.errors import InputError, TriageError
from triage_desk.ui.widgets import (
    ErrorLabel,
    PasswordField,
    RecoveryCodePanel,
    StrengthMeter,
    add_row,
    busy_cursor,
    chain_tab_order,
    line_edit,
    note,
)


class IntroPage(QWizardPage):
    def __init__(self, data_dir: Path):
        super().__init__()
        self.setTitle(f"Welcome to {APP_NAME}")
        self.setSubTitle("This workstation has no Triage Desk database yet. Setting one up takes a minute.")
        layout = QVBoxLayout(self)
        layout.addWidget(note("You will choose:\n"
                              "  •  the first administrator account (you), and\n"
                              "  •  a database passphrase, which protects the encryption key.\n\n"
                              "You will then be shown a recovery code once. Keep it somewhere safe: with the "
                              "passphrase, it is the only way to open the database on another computer or "
                              "if the system keyring is lost."))
        where = QLabel(f"The encrypted database will be created in:\n{data_dir}")
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        where.setAccessibleName("Database location")
        layout.addSpacing(10)
        layout.addWidget(where)
        layout.addSpacing(10)
        self.own = QRadioButton("Set up a &database on this PC")
        self.own.setChecked(True)
        self.team = QRadioButton("&Join my team's server (IT gives you its address and certificate)")
        self.team.setAccessibleName("Join my team's server")
        layout.addWidget(self.own)
        layout.addWidget(self.team)
        layout.addStretch(1)

    def nextId(self) -> int:  # noqa: N802 - Qt override
        return FirstRunWizard.JOIN if self.team.isChecked() else FirstRunWizard.ADMIN


class JoinPage(QWizardPage):
    """The team server instead of a database here: the profile is written, then the sign-in asks for the
    officer's own account on the server (`wizard.joined`; no workspace is made here)."""

    def __init__(self, wizard: FirstRunWizard):
        from triage_desk.ui.join_server import JoinServerForm

        super().__init__()
        self._wizard = wizard
        self.setTitle("Join my team's server")
        self.setSubTitle("This workstation will keep no database of its own: the team's records stay on the server.")
        self.setFinalPage(True)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Join")
        self.form = JoinServerForm(wizard.data_dir)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)

    def nextId(self) -> int:  # noqa: N802 - Qt override
        return -1

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self.form.address.setFocus()

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        # Joining runs off the GUI thread: Finish starts it, and its success finishes the wizard.
        if self._wizard.joined is not None:
            return True
        self.form.join(self._joined)
        return False

    def _joined(self, joined) -> None:
        self._wizard.joined = joined
        self._wizard.accept()


class AdminPage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle("Administrator account")
        self.setSubTitle("The administrator adds the other users and looks after the database key.")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.username = line_edit("Administrator user name", "lower case, e.g. it.admin")
        add_row(form, "&User name:", self.username)
        self.display_name = line_edit("Administrator display name", "e.g. Alex Example")
        add_row(form, "&Display name:", self.display_name)
        self.password = PasswordField("Administrator password")
        add_row(form, "&Password:", self.password)
        self.password2 = PasswordField("Repeat administrator password")
        add_row(form, "&Repeat password:", self.password2)
        self.error = ErrorLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note("Passwords need at least 10 characters."))
        layout.addWidget(self.error)
        layout.addStretch(1)
        chain_tab_order(self.username, self.display_name, self.password, self.password2)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self.username.setFocus()

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        from triage_desk import accounts

        try:
            with busy_cursor():
                accounts.check_username(self.username.text().strip())
                if not self.display_name.text().strip():
                    raise InputError("display name: required")
                accounts.check_password_strength(self.password.text())
                if self.password.text() != self.password2.text():
                    raise InputError("repeat password: the two passwords differ")
        except TriageError as exc:
            self.error.show_error(str(exc))
            return False
        self.error.clear_error()
        return True


class PassphrasePage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard):
        super().__init__()
        self._wizard = wizard
        self.setTitle("Database passphrase")
        self.setSubTitle("The passphrase unlocks the database when no system keyring holds its key, and "
                         "is needed to change keys later. A few unrelated words make a good passphrase.")
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, "&Create database")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.passphrase = PasswordField("Database passphrase")
        add_row(form, "&Passphrase:", self.passphrase)
        self.meter = StrengthMeter()
        form.addRow("", self.meter)
        self.passphrase.textChanged.connect(self.meter.update_for)
        self.passphrase2 = PasswordField("Repeat database passphrase")
        add_row(form, "&Repeat passphrase:", self.passphrase2)
        self.error = ErrorLabel()
        self.status = QLabel("")
        self.status.setAccessibleName("Progress")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.status)
        layout.addStretch(1)
        chain_tab_order(self.passphrase, self.passphrase2)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self.passphrase.setFocus()

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        from triage_desk import vault

        try:
            vault.check_passphrase_strength(self.passphrase.text())
            if self.passphrase.text() != self.passphrase2.text():
                raise InputError("repeat passphrase: the two passphrases differ")
            self.status.setText("Creating the encrypted database…")
            QApplication.processEvents()
            with busy_cursor():
                self._wizard.create(self.passphrase.text())
        except TriageError as exc:
            self.status.setText("")
            self.error.show_error(str(exc))
            return False
        self.status.setText("")
        self.passphrase.clear()
        self.passphrase2.clear()
        return True


class RecoveryPage(QWizardPage):
    def __init__(self):
        super().__init__()
        self.setTitle("Your recovery code")
        self.setSubTitle("The database has been created. Store this code before you continue.")
        self.panel = RecoveryCodePanel()
        self.panel.confirmed_changed.connect(lambda _on: self.completeChanged.emit())
        # The first administrator's key, pinned now: IT keeps it with the code and compares it in Help > About.
        self.pin = QLabel("")
        self.pin.setWordWrap(True)
        self.pin.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addWidget(self.panel)
        layout.addWidget(self.pin)
        layout.addStretch(1)

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return self.panel.is_confirmed()

    def nextId(self) -> int:  # noqa: N802 - Qt override
        return -1  # the join page follows only the intro's "Join my team's server"

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        self.panel.copy_button.setFocus()


class FirstRunWizard(QWizard):
    INTRO, ADMIN, PASSPHRASE, RECOVERY, JOIN = range(5)

    def __init__(self, data_dir: Path, parent=None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.workspace = None
        self.joined = None  # team_join.Joined when this workstation joined a team server instead
        self.setWindowTitle(f"Set up {APP_NAME}")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.intro = IntroPage(self.data_dir)
        self.admin = AdminPage()
        self.passphrase = PassphrasePage(self)
        self.recovery = RecoveryPage()
        self.join = JoinPage(self)
        for page_id, page in enumerate((self.intro, self.admin, self.passphrase, self.recovery, self.join)):
            self.setPage(page_id, page)
        self.setMinimumSize(640, 500)
        self.currentIdChanged.connect(self._buttons_for)

    def _buttons_for(self, page_id: int) -> None:
        # After the recovery code there is no going back; joining a server can still go back or cancel.
        joining = page_id == self.JOIN
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, not joining)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, not joining)

    def create(self, passphrase: str) -> None:
        """Create the database and the administrator (the one irreversible step)."""
        from triage_desk import session_events
        from triage_desk.ui import operations
        from triage_desk.workspace import init_workspace

        username = self.admin.username.text().strip()
        ws, code = init_workspace(self.data_dir, admin_username=username,
                                  admin_display_name=self.admin.display_name.text().strip(),
                                  admin_password=self.admin.password.text(), passphrase=passphrase)
        operations.change(lambda: session_events.record_first_run_sign_in(ws),
                          operations.Changes.of(operations.SESSION))
        self.admin.password.clear()
        self.admin.password2.clear()
        self.workspace = ws
        self.recovery.panel.set_code(code)
        from triage_desk.grants import admin_fingerprint

        fingerprint = admin_fingerprint(ws)
        self.recovery.panel.set_fingerprint(fingerprint)
        self.recovery.pin.setText("Administrator key fingerprint (keep it with the code; Help › About shows it so "
                                  f"IT can compare):\n{fingerprint}")

    def reject(self) -> None:
        # Once the database exists, leaving is only allowed after the recovery code was stored.
        if self.workspace is not None and not self.recovery.panel.is_confirmed():
            self.recovery.panel.stored.setFocus()
            return
        super().reject()
