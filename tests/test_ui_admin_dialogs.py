"""Administrator dialogs: users, settings (idle lock minutes), passphrase and recovery code."""

from __future__ import annotations

import pytest
from conftest import PASSPHRASE, USER_PASSWORD
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from ui_helpers import audit_actions, on_next_modal, user

from triage_desk.ui.operations import settle
from triage_desk.ui.users_dialog import UsersDialog


@pytest.fixture
def quiet_boxes(monkeypatch):
    monkeypatch.setattr(QMessageBox, "information", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Yes))


def _rows(dialog):
    return {dialog.table.item(r, 0).text(): dialog.table.item(r, 3).text() for r in range(dialog.table.rowCount())}


def test_users_dialog_adds_and_disables_a_user(qtbot, workspace):
    from triage_desk import accounts

    dialog = UsersDialog(workspace)
    qtbot.addWidget(dialog)
    dialog.show()
    settle()
    assert set(_rows(dialog)) == {"admin", "officer", "lead"}

    def fill(add):
        qtbot.keyClicks(add.username, "new.officer")
        qtbot.keyClicks(add.display_name, "Sam Sample")
        qtbot.keyClicks(add.password, USER_PASSWORD)
        qtbot.keyClicks(add.password2, USER_PASSWORD)
        qtbot.keyClick(add.password2, Qt.Key.Key_Return)
        settle()

    on_next_modal(fill, qtbot)
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    settle()
    assert _rows(dialog)["new.officer"] == "Active"
    assert dialog.selected()[0] == "new.officer"

    qtbot.mouseClick(dialog.toggle_button, Qt.MouseButton.LeftButton)
    settle()
    assert _rows(dialog)["new.officer"] == "Disabled"
    assert dialog.toggle_button.text() == "&Enable"
    with workspace.session() as s, pytest.raises(Exception, match="disabled"):
        accounts.authenticate(s, "new.officer", USER_PASSWORD)
    assert ("admin", "user.disable") in audit_actions(workspace)


def test_users_dialog_shows_core_errors_in_dialog(qtbot, workspace):
    dialog = UsersDialog(workspace)
    qtbot.addWidget(dialog)
    dialog.show()
    settle()
    dialog.select_user("admin")
    qtbot.mouseClick(dialog.toggle_button, Qt.MouseButton.LeftButton)  # cannot disable yourself / last admin
    settle()
    assert dialog.error.isVisible() and "administrator" in dialog.error.text()
    assert _rows(dialog)["admin"] == "Active"


def test_add_user_dialog_keeps_bad_input_open(qtbot, workspace):
    from triage_desk.ui.users_dialog import AddUserDialog

    add = AddUserDialog(workspace)
    qtbot.addWidget(add)
    add.show()
    settle()
    qtbot.keyClicks(add.username, "Bad Name")
    qtbot.keyClicks(add.display_name, "X")
    qtbot.keyClicks(add.password, USER_PASSWORD)
    qtbot.keyClicks(add.password2, USER_PASSWORD)
    qtbot.keyClick(add.password2, Qt.Key.Key_Return)
    settle()
    assert add.isVisible() and "user name" in add.error.text().lower()


def test_settings_dialog_stores_idle_minutes(qtbot, workspace):
    from triage_desk import preferences
    from triage_desk.ui.settings_dialog import SettingsDialog

    assert preferences.get_int(workspace, preferences.IDLE_LOCK_MINUTES, 5) == 5
    dialog = SettingsDialog(workspace)
    qtbot.addWidget(dialog)
    dialog.idle_minutes.setValue(12)
    dialog.save()
    settle()
    assert preferences.get_int(workspace, preferences.IDLE_LOCK_MINUTES, 5) == 12
    assert ("admin", "setting.change") in audit_actions(workspace)


def test_preferences_require_admin(workspace):
    from triage_desk import preferences
    from triage_desk.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        preferences.set_value(workspace, user(workspace, "officer"), preferences.IDLE_LOCK_MINUTES, 1)
    assert preferences.get_int(workspace, "no-such-setting", 7) == 7


def test_passphrase_dialog_changes_passphrase(qtbot, workspace, quiet_boxes):
    from triage_desk import vault
    from triage_desk.ui.passphrase_dialog import PassphraseDialog

    dialog = PassphraseDialog(workspace)
    qtbot.addWidget(dialog)
    dialog.show()
    settle()
    qtbot.keyClicks(dialog.current, "wrong passphrase 1")
    qtbot.keyClicks(dialog.new, "new passphrase 456")
    qtbot.keyClicks(dialog.repeat, "new passphrase 456")
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)
    settle()
    assert dialog.isVisible() and "wrong passphrase" in dialog.error.text().lower()
    dialog.current.clear()
    qtbot.keyClicks(dialog.current, PASSPHRASE)
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)
    settle()
    assert not dialog.isVisible()
    vault.KeyFile.load(workspace.data_dir).unwrap(vault.SLOT_PASSPHRASE, "new passphrase 456")


def test_new_recovery_code_shown_once_and_needs_confirmation(qtbot, workspace, quiet_boxes):
    from triage_desk import vault
    from triage_desk.ui.passphrase_dialog import confirm_and_issue_recovery_code

    seen = []

    def check(dialog):
        seen.append(dialog.panel.code())
        assert not dialog.close_button.isEnabled()
        dialog.reject()  # refused until ticked
        assert dialog.isVisible()
        dialog.panel.stored.setChecked(True)
        qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
        settle()

    on_next_modal(check, qtbot)
    issued = []
    confirm_and_issue_recovery_code(workspace, issued=issued.append)  # the code is made off the GUI thread
    settle()
    code, = issued
    assert seen == [code]
    vault.KeyFile.load(workspace.data_dir).unwrap(vault.SLOT_RECOVERY, vault.normalise_recovery_code(code))
