"""Join my team's server: the server address, its CA certificate, the database user name and password;
"Test connection" tries them (off the GUI thread) and says what is wrong in words, naming the field at
fault. Joining writes the same profile as `triage-desk server join` (team_join.py; the password goes to
the OS keyring only). Used as a page of the first-run wizard and, for an administrator, as
File › Connect to a team server…."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from triage_desk.ui import operations
from triage_desk.ui.widgets import ErrorLabel, PasswordField, add_file_row, add_row, heading, line_edit, note

ADDRESS_HINT = "db.council.local/triage   (host, optional :port, then /database)"


class JoinServerForm(QWidget):
    """The four fields, a Test connection button and what the test found."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.address = line_edit("Server address", ADDRESS_HINT)
        add_row(form, "Server &address:", self.address)
        self.ca_file = line_edit("CA certificate file", "the .pem or .crt file IT gave you")
        add_file_row(form, "&CA certificate file:", self.ca_file, "Choose the CA certificate file", self._browse)
        self.user = line_edit("User name", "the database user name IT gave you, e.g. triage_app")
        add_row(form, "&User name:", self.user)
        self.password = PasswordField("Password")
        add_row(form, "&Password:", self.password)
        self.fields = {"address": self.address, "ca_file": self.ca_file, "user": self.user, "password": self.password}
        self.test_button = QPushButton("&Test connection")
        self.test_button.clicked.connect(lambda: self.test())
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Connection test result")
        self.error = ErrorLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(note("IT gives you these four things. The password is kept in this computer's credential "
                              "store (never in a file); afterwards each officer signs in with their own Triage "
                              "Desk account, and the records live on the server only."))
        layout.addLayout(form)
        row = QHBoxLayout()
        row.addWidget(self.test_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(self.error)
        layout.addStretch(1)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "The team server's CA certificate", str(Path.home()),
                                              "Certificates (*.pem *.crt *.cer);;All files (*)")
        if path:
            self.ca_file.setText(path)

    def _read(self):
        """On the GUI thread: the profile for what was typed (a JoinProblem names the field) and the password."""
        from triage_desk import team_join

        profile = team_join.profile_for(self.address.text(), self.ca_file.text(), self.user.text())
        return profile, self.password.text() or None

    def _start(self, doing: str) -> tuple | None:
        from triage_desk.team_join import JoinProblem

        self.error.clear_error()
        try:
            read = self._read()
        except JoinProblem as exc:
            self.show_problem(exc)
            return None
        self.status.setText(doing)
        self.setEnabled(False)
        return read

    def show_problem(self, exc: BaseException) -> None:
        """A JoinProblem in words, the cursor in the field at fault; anything else is a fault."""
        from triage_desk.team_join import JoinProblem

        self.setEnabled(True)
        self.status.setText("")
        if not isinstance(exc, JoinProblem):
            raise exc
        self.error.show_error(str(exc))
        field = self.fields.get(exc.field or "")
        if field is not None:
            field.setFocus()
            field.selectAll()

    def test(self) -> None:
        from triage_desk import team_join

        read = self._start("Trying the server…")
        if read is None:
            return
        profile, password = read

        def worked(_none) -> None:
            self.setEnabled(True)
            self.status.setText(f"✔ Connected to {profile.where}: the server answered, its certificate is trusted "
                                "and its records are this version's.")

        operations.query(lambda: team_join.test_connection(profile, password), worked, self.show_problem,
                         parent=self)

    def join(self, joined: Callable[[object], None]) -> None:
        """Test, keep the password in the keyring, write the profile; `joined(team_join.Joined)` on success."""
        from triage_desk import team_join

        read = self._start("Joining…")
        if read is None:
            return
        profile, password = read
        data_dir = self.data_dir

        def done(result) -> None:
            self.setEnabled(True)
            self.password.clear()
            self.status.setText(f"✔ This workstation has joined the team server {result.profile.where}.")
            joined(result)

        operations.query(lambda: team_join.join(data_dir, profile, password), done, self.show_problem, parent=self)


class JoinServerDialog(QDialog):
    """File › Connect to a team server… (administrators): join, then restart to sign in on the server."""

    def __init__(self, data_dir: Path, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Connect to a team server - Triage Desk")
        self.form = JoinServerForm(data_dir, self)
        self.after = note("")
        self.after.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.join_button = self.buttons.addButton("&Join", QDialogButtonBox.ButtonRole.AcceptRole)
        self.join_button.setDefault(True)
        self.buttons.accepted.connect(lambda: self.form.join(self._joined))
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Connect this workstation to your team's server", 3))
        layout.addWidget(note("From the next start this workstation works on the team server, and only there. "
                              f"This PC's own database stays in {data_dir}, unused: IT can move it onto the "
                              "server with `triage-desk server import`."))
        layout.addWidget(self.form, 1)
        layout.addWidget(self.after)
        layout.addWidget(self.buttons)
        self.resize(640, 480)

    def _joined(self, _result) -> None:
        self.after.setText("Quit Triage Desk and start it again to sign in on the team server with your own "
                           "account.")
        self.after.show()
        self.join_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("&Close")


def install(window) -> None:
    """File › Connect to a team server… for an administrator of a single-PC database (a workstation already
    on the server has nothing to join)."""
    from triage_desk.models import Role

    if getattr(window.ws, "server", None) is not None:
        return

    def open_dialog() -> None:
        dialog = JoinServerDialog(window.ws.data_dir, window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    window.add_file_action("Connect to a &team server…", "join_server", open_dialog, roles=(Role.ADMIN,))
