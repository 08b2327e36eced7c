"""Administrators manage accounts: list, add, disable/enable, reset password, change role.
Every action goes through `accounts.*` (which checks the role and audits); errors stay in the dialog."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
)

from triage_desk.errors import TriageError
from triage_desk.ui import operations
from triage_desk.ui.form_dialog import FormDialog
from triage_desk.ui.widgets import (
    ErrorLabel,
    PasswordField,
    add_row,
    chain_tab_order,
    heading,
    line_edit,
    record_table,
)

ROLES = (("officer", "Front-door officer"), ("lead", "Practice lead"), ("admin", "Administrator"))


class Column(IntEnum):
    USERNAME = 0
    NAME = 1
    ROLE = 2
    STATUS = 3


def _role_combo(current: str = "officer") -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName("Role")
    for value, label in ROLES:
        combo.addItem(label, value)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


class _FormDialog(FormDialog):
    """`prepare()` reads the form and returns the service call, which runs through ui/operations."""

    def __init__(self, title: str, parent=None):
        super().__init__(title, parent, header=title)

    def prepare(self) -> Callable[[], object]:
        raise NotImplementedError

    def _ok(self) -> None:
        operations.submit(self, self.error, self.prepare, operations.Changes.of(operations.USER))


class AddUserDialog(_FormDialog):
    def __init__(self, ws, parent=None):
        super().__init__("Add user", parent)
        self.ws = ws
        self.username = line_edit("User name", "lower case, e.g. j.smith")
        add_row(self.form, "&User name:", self.username)
        self.display_name = line_edit("Display name", "as shown in the app and on records")
        add_row(self.form, "&Display name:", self.display_name)
        self.role = _role_combo()
        add_row(self.form, "&Role:", self.role)
        self.password = PasswordField("Initial password")
        add_row(self.form, "&Password:", self.password)
        self.password2 = PasswordField("Repeat initial password")
        add_row(self.form, "R&epeat password:", self.password2)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Add user")
        chain_tab_order(self.username, self.display_name, self.role, self.password, self.password2, ok)

    def prepare(self) -> Callable[[], object]:
        from triage_desk import user_admin

        args = (self.ws, self.username.text(), self.display_name.text(), self.role.currentData(),
                self.password.text(), self.password2.text())
        return lambda: user_admin.create_user(*args)


class ResetPasswordDialog(_FormDialog):
    def __init__(self, ws, username: str, parent=None):
        super().__init__("Reset password", parent)
        self.ws, self.target = ws, username
        self.form.addRow(QLabel("User:"), QLabel(username))
        self.password = PasswordField("New password")
        add_row(self.form, "&New password:", self.password)
        self.password2 = PasswordField("Repeat new password")
        add_row(self.form, "R&epeat password:", self.password2)

    def prepare(self) -> Callable[[], object]:
        from triage_desk import user_admin

        args = (self.ws, self.target, self.password.text(), self.password2.text())
        return lambda: user_admin.reset_password(*args)


class ChangeRoleDialog(_FormDialog):
    def __init__(self, ws, username: str, current: str, parent=None):
        super().__init__("Change role", parent)
        self.ws, self.target = ws, username
        self.form.addRow(QLabel("User:"), QLabel(username))
        self.role = _role_combo(current)
        add_row(self.form, "&Role:", self.role)

    def prepare(self) -> Callable[[], object]:
        from triage_desk import user_admin

        ws, target, role = self.ws, self.target, self.role.currentData()
        return lambda: user_admin.set_role(ws, target, role)


class UsersDialog(QDialog):
    def __init__(self, ws, parent=None):
        super().__init__(parent)
        self.ws = ws
        self.setWindowTitle("Users - Triage Desk")
        self.resize(720, 420)
        self.table = record_table(["User name", "Display name", "Role", "Status"], "Users")
        self.table.horizontalHeader().setSectionResizeMode(Column.NAME, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.add_button = QPushButton("&Add user…")
        self.toggle_button = QPushButton("&Disable")
        self.reset_button = QPushButton("&Reset password…")
        self.role_button = QPushButton("Change r&ole…")
        self.close_button = QPushButton("&Close")
        for button, slot, name in ((self.add_button, self.add_user, "Add user"),
                                   (self.toggle_button, self.toggle_active, "Disable or enable user"),
                                   (self.reset_button, self.reset_password, "Reset password"),
                                   (self.role_button, self.change_role, "Change role"),
                                   (self.close_button, self.accept, "Close")):
            button.setAutoDefault(False)
            button.setAccessibleName(name)
            button.clicked.connect(slot)
        self.error = ErrorLabel()
        self.info = QLabel("")
        self.info.setAccessibleName("Result")

        side = QVBoxLayout()
        for button in (self.add_button, self.toggle_button, self.reset_button, self.role_button):
            side.addWidget(button)
        side.addStretch(1)
        side.addWidget(self.close_button)
        body = QHBoxLayout()
        body.addWidget(self.table, 1)
        body.addLayout(side)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 14)
        layout.addWidget(heading("Users", 4))
        layout.addLayout(body, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.info)
        chain_tab_order(self.table, self.add_button, self.toggle_button, self.reset_button, self.role_button,
                        self.close_button)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        """Re-read the accounts off the GUI thread; `select` is chosen once they are shown."""
        from triage_desk import user_admin

        ws = self.ws
        operations.query(lambda: user_admin.list_users(ws), lambda users: self._show(users, select),
                         lambda exc: self._failed(exc), parent=self)

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, TriageError):
            raise exc
        self.info.clear()
        self.error.show_error(str(exc))

    def _show(self, users: list, select: str | None) -> None:
        from triage_desk.models import Role

        self.table.setRowCount(len(users))
        for row, (username, name, role, active) in enumerate(users):
            values = {Column.USERNAME: username, Column.NAME: name, Column.ROLE: Role(role).label,
                      Column.STATUS: "Active" if active else "Disabled"}
            for col, text in values.items():
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, (username, role, active))
                self.table.setItem(row, col, item)
            if username == select:
                self.table.selectRow(row)
        self.table.resizeColumnToContents(Column.USERNAME)
        self.table.resizeColumnToContents(Column.ROLE)
        self._update_buttons()

    def selected(self) -> tuple[str, str, bool] | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.table.item(rows[0].row(), Column.USERNAME).data(Qt.ItemDataRole.UserRole)

    def select_user(self, username: str) -> None:
        for row in range(self.table.rowCount()):
            if self.table.item(row, Column.USERNAME).text() == username:
                self.table.selectRow(row)

    def _update_buttons(self) -> None:
        sel = self.selected()
        for button in (self.toggle_button, self.reset_button, self.role_button):
            button.setEnabled(sel is not None)
        self.toggle_button.setText("&Enable" if sel and not sel[2] else "&Disable")

    def _done(self, message: str, username: str | None) -> None:
        self.error.clear_error()
        self.info.setText(message)
        self.reload(select=username)

    def add_user(self) -> None:
        dialog = AddUserDialog(self.ws, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            name = dialog.username.text().strip()
            self._done(f"User {name} added.", name)

    def toggle_active(self) -> None:
        from triage_desk import user_admin

        sel = self.selected()
        if sel is None:
            return
        username, _role, active = sel
        ws = self.ws
        operations.change(lambda: user_admin.set_active(ws, username, not active),
                          operations.Changes.of(operations.USER),
                          lambda _user: self._done(f"User {username} {'disabled' if active else 'enabled'}.", username),
                          self._failed, parent=self)

    def reset_password(self) -> None:
        sel = self.selected()
        if sel and ResetPasswordDialog(self.ws, sel[0], self).exec() == QDialog.DialogCode.Accepted:
            self._done(f"Password for {sel[0]} reset; they can sign in with the new password.", sel[0])

    def change_role(self) -> None:
        sel = self.selected()
        if sel and ChangeRoleDialog(self.ws, sel[0], sel[1], self).exec() == QDialog.DialogCode.Accepted:
            self._done(f"Role of {sel[0]} changed.", sel[0])
