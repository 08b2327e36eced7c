"""Start-up flow driven like a user: unlock dialog, sign-in dialog, main window, fatal start-up errors."""

from __future__ import annotations

import pytest
from conftest import ADMIN_PASSWORD, PASSPHRASE, USER_PASSWORD
from PySide6.QtCore import Qt
from ui_helpers import audit_actions, close_workspace_keep_dir

from triage_desk.ui.app import AppController
from triage_desk.ui.operations import settle


@pytest.fixture
def messages(monkeypatch):
    """Record fatal message boxes instead of blocking on them."""
    from PySide6.QtWidgets import QMessageBox

    seen: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda parent, title, text, *a: seen.append(text)))
    return seen


@pytest.fixture
def controller_for(qtbot):
    made = []

    def make(data_dir):
        controller = AppController(data_dir, exit_app=lambda code: None)
        made.append(controller)
        return controller

    yield make
    for controller in made:
        controller.shutdown()


def _type_enter(qtbot, widget, text):
    widget.clear()
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, Qt.Key.Key_Return)
    settle()  # a password is checked off the GUI thread


def test_unlock_dialog_then_login_appears(qtbot, workspace, no_keyring, controller_for):
    data_dir = close_workspace_keep_dir(workspace)
    app = controller_for(data_dir)
    app.start()
    assert app.login.isVisible()  # the sign-in window is up before the database is opened
    qtbot.waitUntil(lambda: app.unlock is not None and app.unlock.isVisible(), timeout=10000)

    _type_enter(qtbot, app.unlock.passphrase, "not the passphrase")
    qtbot.waitUntil(lambda: app.unlock.error.isVisible(), timeout=10000)
    assert "wrong passphrase" in app.unlock.error.text().lower()
    assert app.unlock.isVisible()
    assert app.unlock.passphrase.text() == ""
    assert app.unlock.focusWidget() is app.unlock.passphrase

    _type_enter(qtbot, app.unlock.passphrase, PASSPHRASE)
    qtbot.waitUntil(lambda: app.login.ws is not None, timeout=10000)
    assert not app.unlock.isVisible()
    assert app.login.isVisible() and not app.login.username.isReadOnly()


def test_unlock_with_recovery_code(qtbot, workspace, no_keyring, controller_for):
    code = workspace.recovery_code
    app = controller_for(close_workspace_keep_dir(workspace))
    app.start()
    qtbot.waitUntil(lambda: app.unlock is not None and app.unlock.isVisible(), timeout=10000)
    qtbot.mouseClick(app.unlock.switch_button, Qt.MouseButton.LeftButton)
    assert app.unlock.recovery.isVisible() and not app.unlock.passphrase.isVisible()
    _type_enter(qtbot, app.unlock.recovery, code.lower().replace("-", " "))
    qtbot.waitUntil(lambda: app.login.ws is not None, timeout=10000)


def test_admin_resets_the_passphrase_after_a_recovery_unlock(qtbot, workspace, no_keyring, controller_for,
                                                             monkeypatch):
    from triage_desk import vault
    from triage_desk.errors import KeyError_
    from triage_desk.ui.passphrase_dialog import RecoveryCodeDialog

    shown = []
    monkeypatch.setattr(RecoveryCodeDialog, "exec", lambda self: shown.append(self.panel) or 0)
    code = workspace.recovery_code
    data_dir = close_workspace_keep_dir(workspace)
    app = controller_for(data_dir)
    app.start()
    qtbot.waitUntil(lambda: app.unlock is not None and app.unlock.isVisible(), timeout=10000)
    qtbot.mouseClick(app.unlock.switch_button, Qt.MouseButton.LeftButton)
    _type_enter(qtbot, app.unlock.recovery, code)
    qtbot.waitUntil(lambda: app.login.ws is not None, timeout=10000)
    qtbot.keyClicks(app.login.username, "admin")
    _type_enter(qtbot, app.login.password, ADMIN_PASSWORD)
    qtbot.waitUntil(lambda: app.main is not None and app.recovery_reset is not None, timeout=10000)
    dialog = app.recovery_reset
    assert dialog.isVisible()
    qtbot.keyClicks(dialog.current, "wrong admin password")
    qtbot.keyClicks(dialog.new, "fresh passphrase 2026")
    qtbot.keyClicks(dialog.repeat, "fresh passphrase 2026")
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)
    settle()  # the passphrase is changed off the GUI thread
    assert dialog.isVisible() and "not your password" in dialog.error.text()
    dialog.current.clear()
    qtbot.keyClicks(dialog.current, ADMIN_PASSWORD)
    qtbot.keyClick(dialog.repeat, Qt.Key.Key_Return)
    settle()  # the passphrase is changed off the GUI thread
    assert not dialog.isVisible() and len(shown) == 1
    kf = vault.KeyFile.load(data_dir)
    assert kf.unwrap(vault.SLOT_PASSPHRASE, "fresh passphrase 2026") == app.ws.key
    with pytest.raises(KeyError_):
        vault.unlock(kf, recovery_code=code)  # the code that was typed in is used up


def test_login_opens_main_window_with_status(qtbot, workspace, controller_for):
    app = controller_for(close_workspace_keep_dir(workspace))
    app.start()
    qtbot.keyClicks(app.login.username, "officer")  # typed while the database opens in the background
    _type_enter(qtbot, app.login.password, USER_PASSWORD)
    qtbot.waitUntil(lambda: app.main is not None and app.main.isVisible(), timeout=10000)
    assert not app.login.isVisible()
    status = " | ".join(w.text() for w in (app.main.user_label, app.main.role_label, app.main.lock_label,
                                           app.main.db_label))
    assert "Test Officer" in status and "Front-door officer" in status and "Unlocked" in status
    assert str(app.ws.db_path) in status
    assert "OFFICIAL-SENSITIVE" in app.main.marking_label.text()
    # Sign out returns to the login dialog and is audited.
    app.main.sign_out_action.trigger()
    assert app.login.isVisible() and app.login.username.text() == ""
    assert ("officer", "logout") in audit_actions(app.ws)


def test_wrong_password_keeps_dialog_and_throttles(qtbot, workspace):
    from triage_desk.ui.login_dialog import LoginDialog

    dialog = LoginDialog(workspace.data_dir)
    qtbot.addWidget(dialog)
    dialog.set_workspace(workspace)
    dialog.show()
    signed = []
    dialog.signed_in.connect(signed.append)
    qtbot.keyClicks(dialog.username, "lead")
    for _ in range(5):
        _type_enter(qtbot, dialog.password, "wrong password 123")
        assert "wrong user name or password" in dialog.error.text().lower()
        assert dialog.isVisible() and dialog.password.text() == ""
    _type_enter(qtbot, dialog.password, USER_PASSWORD)  # right password, but held back now
    assert "too many failed attempts" in dialog.error.text().lower()
    assert dialog.isVisible() and not signed
    dialog.username.clear()
    qtbot.keyClicks(dialog.username, "admin")
    _type_enter(qtbot, dialog.password, ADMIN_PASSWORD)
    assert [u.username for u in signed] == ["admin"]


def test_second_instance_is_refused_with_message(qtbot, workspace, messages, controller_for):
    app = controller_for(workspace.data_dir)  # the fixture still holds the database open
    app.start()
    qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    assert str(workspace.data_dir) in messages[0] and "already open" in messages[0]
    assert app.exit_code == 4 and app.ws is None


def test_damaged_key_file_and_corrupt_database(qtbot, workspace, messages, controller_for):
    data_dir = close_workspace_keep_dir(workspace)
    key_file, db_file = data_dir / "keys.json", data_dir / "triage.db"
    good_key = key_file.read_bytes()
    key_file.write_text("{ not json")
    controller_for(data_dir).start()
    qtbot.waitUntil(lambda: len(messages) == 1, timeout=10000)
    assert str(key_file) in messages[-1] and "damaged" in messages[-1]
    assert key_file.read_text() == "{ not json"  # nothing was changed

    key_file.write_bytes(good_key)
    db_file.write_bytes(b"\x00garbage" * 512)
    app = controller_for(data_dir)
    app.start()
    qtbot.waitUntil(lambda: len(messages) == 2, timeout=10000)
    assert str(db_file) in messages[-1]
    assert db_file.read_bytes() == b"\x00garbage" * 512


def test_unwritable_data_dir_on_first_run(qtbot, tmp_path, messages, controller_for):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    app = controller_for(blocker / "data")
    assert app.start() is None
    assert str(blocker / "data") in messages[0]
    assert not (blocker / "data").exists()


def test_start_up_check_agrees_with_core(tmp_path, workspace):
    from triage_desk.ui.app import _looks_initialised
    from triage_desk.workspace import is_initialised

    for path in (tmp_path / "missing", workspace.data_dir):
        assert _looks_initialised(path) == is_initialised(path)
