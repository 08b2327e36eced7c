"""Open every window and dialog once (Orange's habit) and check the basics a keyboard or
screen-reader user relies on: named inputs, labels bound to their fields, a default button."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLabel, QLineEdit, QPushButton, QWidget
from ui_helpers import user


def _factories(ws, tmp_path):
    from triage_desk.ui import (
        first_run_wizard,
        login_dialog,
        main_window,
        passphrase_dialog,
        settings_dialog,
        unlock_dialog,
        users_dialog,
    )

    return {
        "first_run_wizard": lambda: first_run_wizard.FirstRunWizard(tmp_path / "fresh"),
        "unlock_dialog": lambda: unlock_dialog.UnlockDialog(ws.data_dir, lambda **kw: None),
        "login_dialog": lambda: login_dialog.LoginDialog(ws.data_dir),
        "main_window": lambda: main_window.MainWindow(ws),
        "users_dialog": lambda: users_dialog.UsersDialog(ws),
        "add_user": lambda: users_dialog.AddUserDialog(ws),
        "reset_password": lambda: users_dialog.ResetPasswordDialog(ws, "officer"),
        "change_role": lambda: users_dialog.ChangeRoleDialog(ws, "officer", "officer"),
        "settings_dialog": lambda: settings_dialog.SettingsDialog(ws),
        "passphrase_dialog": lambda: passphrase_dialog.PassphraseDialog(ws),
        "change_password": lambda: passphrase_dialog.ChangePasswordDialog(ws),
        "recovery_code": lambda: passphrase_dialog.RecoveryCodeDialog("ABCDE-FGHJK-LMNPQ-RSTUV-WXYZ2"),
    }


NAMES = list(_factories(None, None))


@pytest.mark.parametrize("name", NAMES)
def test_opens_and_is_keyboard_and_screen_reader_friendly(qtbot, workspace, tmp_path, name):
    workspace.user = user(workspace, "admin")
    widget: QWidget = _factories(workspace, tmp_path)[name]()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    assert widget.isVisible() and widget.windowTitle()
    for field in widget.findChildren(QLineEdit) + widget.findChildren(QComboBox) + \
            widget.findChildren(QAbstractSpinBox):
        if isinstance(field.parent(), (QComboBox, QAbstractSpinBox)):
            continue  # the editor inside a combo or spin box is named through its owner
        assert field.accessibleName(), f"{name}: an input has no accessible name"
    for label in widget.findChildren(QLabel):
        if "&" in label.text() and not label.text().startswith("<"):
            assert label.buddy() is not None, f"{name}: label {label.text()!r} has no buddy"
    buttons = [b for b in widget.findChildren(QPushButton) if b.isVisible()]
    assert all(b.text() or b.accessibleName() for b in buttons)
    widget.close()
