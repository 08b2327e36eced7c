"""The GUI thread never does the slow start-up work: key derivation, opening, sign-in and the main
window's imports run on workers while the windows stay responsive."""

from __future__ import annotations

import threading

from conftest import ADMIN_PASSWORD, PASSPHRASE
from PySide6.QtCore import Qt
from ui_helpers import close_workspace_keep_dir

from triage_desk import session_events
from triage_desk import workspace as workspace_module
from triage_desk.ui import app as app_module
from triage_desk.ui import tasks
from triage_desk.ui.app import AppController
from triage_desk.ui.operations import settle


def test_unlock_sign_in_and_imports_run_off_the_gui_thread(qtbot, workspace, no_keyring, monkeypatch):
    threads: dict[str, str] = {}
    gui = threading.current_thread().name

    def spy(module, name):
        real = getattr(module, name)

        def wrapped(*args, **kwargs):
            threads[name] = threading.current_thread().name
            return real(*args, **kwargs)
        monkeypatch.setattr(module, name, wrapped)

    spy(workspace_module, "open_workspace")
    spy(session_events, "sign_in")
    spy(app_module, "_prewarm_main_window")

    app = AppController(close_workspace_keep_dir(workspace), exit_app=lambda code: None)
    try:
        app.start()
        qtbot.waitUntil(lambda: app.unlock is not None and app.unlock.isVisible(), timeout=10000)
        app.unlock.passphrase.setText(PASSPHRASE)
        qtbot.keyClick(app.unlock.passphrase, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: app.login.ws is not None, timeout=10000)
        app.login.username.setText("admin")
        app.login.password.setText(ADMIN_PASSWORD)
        qtbot.keyClick(app.login.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: app.main is not None and app.main.isVisible(), timeout=10000)
        settle()
        tasks.wait_for_workers()
    finally:
        app.shutdown()
    assert set(threads) == {"open_workspace", "sign_in", "_prewarm_main_window"}
    assert gui not in threads.values(), threads
