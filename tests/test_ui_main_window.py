"""Main window shell: role-dependent menus, work areas, idle auto-lock and who may unlock."""

from __future__ import annotations

import pytest
from conftest import ADMIN_PASSWORD, USER_PASSWORD
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget
from ui_helpers import audit_actions, on_next_modal, user

from triage_desk.ui.main_window import MainWindow
from triage_desk.ui.operations import settle


@pytest.fixture
def window_as(qtbot, workspace):
    def make(username: str) -> MainWindow:
        workspace.user = user(workspace, username)
        win = MainWindow(workspace)
        qtbot.addWidget(win)
        win.show()
        return win

    return make


def _unlock(qtbot, win, username, password):
    win.lock_screen.username.clear()
    qtbot.keyClicks(win.lock_screen.username, username)
    qtbot.keyClicks(win.lock_screen.password, password)
    qtbot.keyClick(win.lock_screen.password, Qt.Key.Key_Return)
    settle()  # the password is checked off the GUI thread


def test_admin_menu_only_for_admins(window_as):
    officer = window_as("officer")
    assert not officer.admin_menu.menuAction().isVisible()
    assert "Front-door officer" in officer.role_label.text()
    officer.close()
    admin = window_as("admin")
    assert admin.admin_menu.menuAction().isVisible()
    assert [a.text() for a in admin.admin_menu.actions() if a.text()][:4] == [  # extensions may add more
        "&Users…", "Change &passphrase…", "New &recovery code…", "&Settings…"]


def test_add_area_replaces_welcome(window_as, monkeypatch):
    from triage_desk.ui import main_window

    monkeypatch.setattr(main_window, "EXTENSIONS", ())  # a build with no work areas yet
    win = window_as("lead")
    assert win.content.currentWidget() is win.welcome
    assert "Test Lead" in win.welcome_title.text()
    cases = QLabel("cases go here")
    win.add_area("Examples", cases)
    assert win.content.currentWidget() is win.tabs and win.area("Examples") is cases


def test_idle_lock_hides_content_and_same_user_unlocks(qtbot, window_as, workspace):
    win = window_as("officer")
    secret = QLabel("synthetic case data")
    win.add_area("Secrets", secret)
    win.tabs.setCurrentWidget(secret)  # extensions may have added areas before it
    assert secret.isVisible()
    win.idle.set_timeout_ms(50)
    qtbot.waitUntil(win.is_locked, timeout=5000)
    assert not secret.isVisible() and not win.content.isVisible()
    assert win.lock_screen.isVisible() and win.lock_label.text() == "Locked"
    assert not win.users_action.isEnabled()
    assert "without activity" in win.lock_screen.reason.text()

    win.idle.set_timeout_ms(60_000)
    _unlock(qtbot, win, "officer", "wrong password 1")
    assert win.is_locked() and "wrong" in win.lock_screen.error.text().lower()
    _unlock(qtbot, win, "officer", USER_PASSWORD)
    assert not win.is_locked() and secret.isVisible()
    actions = audit_actions(workspace)
    assert ("officer", "lock") in actions and ("officer", "unlock") in actions and (None, "unlock.failed") in actions


def test_activity_resets_idle_timer(qtbot, window_as):
    win = window_as("officer")
    win.idle.set_timeout_ms(60_000)
    qtbot.wait(500)
    assert win.idle.remaining_ms() < 59_700
    qtbot.keyClick(win, Qt.Key.Key_Shift)
    assert win.idle.remaining_ms() > 59_800
    assert not win.is_locked()


def test_other_officer_refused_admin_takes_over(qtbot, window_as, workspace):
    win = window_as("officer")
    changes = []
    win.lock_changed.connect(changes.append)
    win.user_changed.connect(lambda u: changes.append(u.username))
    win.lock_action.trigger()  # File > Lock
    assert win.is_locked()
    _unlock(qtbot, win, "lead", USER_PASSWORD)
    assert win.is_locked()
    assert "only the signed-in user or an administrator" in win.lock_screen.error.text().lower()
    _unlock(qtbot, win, "admin", ADMIN_PASSWORD)
    assert not win.is_locked()
    assert workspace.user.username == "admin" and "Test Admin" in win.user_label.text()
    assert win.admin_menu.menuAction().isVisible()
    assert changes == [True, "admin", False]
    assert (None, "unlock.refused") in audit_actions(workspace)
    assert ("admin", "unlock") in audit_actions(workspace)


def test_lock_closes_open_dialogs(qtbot, window_as):
    win = window_as("admin")
    seen = []

    def lock_while_open(dialog):
        seen.append(type(dialog).__name__)
        win.lock("manual")

    on_next_modal(lock_while_open, qtbot)
    win.users_action.trigger()  # returns only when the dialog has closed
    assert seen == ["UsersDialog"] and win.is_locked()
    visible = [w for w in win.findChildren(QWidget) if w.isWindow() and w.isVisible() and w is not win]
    assert visible == []


def test_close_records_logout(window_as, workspace):
    win = window_as("lead")
    win.close()
    assert ("lead", "logout") in audit_actions(workspace)


def test_stored_idle_time_and_about_fingerprint_arrive_from_the_store(window_as, workspace, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from triage_desk import preferences

    workspace.user = user(workspace, "admin")
    preferences.set_idle_lock_minutes(workspace, workspace.user, 17)
    win = window_as("officer")
    settle()  # read off the GUI thread
    assert win.idle.timeout_ms() == 17 * 60_000 and "after 17 minutes" in win.welcome_text.text()
    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda _parent, _title, text: shown.append(text))
    win.open_about()
    settle()
    assert shown and "Administrator key fingerprint" in shown[0]


def test_a_window_built_lazily_shows_the_case_list_first_then_every_area_in_order(qtbot, window_as):
    # found: the whole window (every area, menu and dialog module) was built in one GUI-thread turn at
    # sign-in, the longest stall of unlocking (151 ms at 100,000 referrals)
    eager = window_as("officer")
    titles = [eager.tabs.tabText(i) for i in range(eager.tabs.count())]
    menus = [a.text() for a in eager.menuBar().actions()]
    lazy = MainWindow(eager.ws, lazy=True)
    qtbot.addWidget(lazy)
    assert lazy.tabs.count() == 0  # the frame first (one turn), then the areas one turn each
    qtbot.waitUntil(lambda: lazy.tabs.count() >= 1)
    assert len(titles) > 1 and lazy.tabs.tabText(0) == titles[0] == "&Cases"
    qtbot.waitUntil(lambda: lazy.tabs.count() == len(titles))
    assert [lazy.tabs.tabText(i) for i in range(lazy.tabs.count())] == titles
    assert [a.text() for a in lazy.menuBar().actions()] == menus
