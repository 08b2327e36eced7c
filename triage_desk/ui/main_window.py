"""The main window shell: menus, status bar (user, role, lock state, database location), a central
area later issues fill through `add_area(title, widget)`, and the idle auto-lock."""

from __future__ import annotations

from PySide6.QtCore import QSize, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from triage_desk import APP_NAME, __version__
from triage_desk.ui import operations
from triage_desk.ui.idle_lock import IdleLock, LockScreen
from triage_desk.ui.widgets import heading, make_plain, note

MARKING = "OFFICIAL-SENSITIVE"

# Modules that add areas, menus and actions to the main window; each has `install(window)`. A feature
# that has not landed yet is simply absent (no dead buttons).
EXTENSIONS = (
    "triage_desk.ui.cases_area",
    "triage_desk.ui.review_area",
    "triage_desk.ui.dashboard_area",
    "triage_desk.ui.bundle_actions",
    "triage_desk.ui.partner_admin",
    "triage_desk.ui.backups_dialog",
    "triage_desk.ui.review_pack_dialog",
    "triage_desk.ui.review_import",
    "triage_desk.ui.review_export",
    "triage_desk.ui.agreement_dialog",
    "triage_desk.ui.rescore_dialog",
    "triage_desk.ui.join_server",
)


def install_extensions(window, *, lazy: bool = False) -> None:
    """Each extension's `install(window)`, in order. `lazy`: each in its own later turn of the event
    loop, the case list (what a person sees) first, so building the window never holds the GUI thread
    for long at sign-in: the window's frame is shown in one turn, the case list comes in the next (the
    two together were ~45 ms of GUI-thread CPU), then the other areas in the same order as eagerly."""
    names = list(EXTENSIONS)
    if not lazy:
        for name in names:
            _install_one(window, name)
        return
    window.content.setCurrentWidget(window.tabs)  # an empty frame for a moment, not the welcome text

    def next_one() -> None:
        _install_one(window, names.pop(0))
        if names:  # the window is the timer's context: nothing fires once it is gone (signed out)
            QTimer.singleShot(0, window, next_one)
        elif not window.tabs.count():
            window.content.setCurrentWidget(window.welcome)  # no area in this build

    QTimer.singleShot(0, window, next_one)


def _install_one(window, name: str) -> None:
    from triage_desk.ui.optional import optional_module

    module = optional_module(name)
    if module is not None:  # an optional area may be left out of a build
        module.install(window)


class MainWindow(QMainWindow):
    signed_out = Signal()  # the user chose File > Sign out; the controller shows the login dialog
    lock_changed = Signal(bool)  # True when locked: areas may drop cached data, reload on False
    user_changed = Signal(object)  # an administrator took over the session at the lock screen

    def __init__(self, ws, parent: QWidget | None = None, *, lazy: bool = False):
        from triage_desk import preferences

        super().__init__(parent)
        self.ws = ws
        self._locked = False
        self._closing_quietly = False
        self.setWindowTitle(f"{APP_NAME} - {MARKING}")
        from triage_desk.ui.window_state import restore_window

        restore_window(self, self._username(), "main", QSize(1280, 800))

        self.stack = QStackedWidget()
        self.content = QStackedWidget()  # welcome page until the first area arrives, then the tabs
        self.welcome = self._make_welcome()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.setAccessibleName("Work areas")
        self.content.addWidget(self.welcome)
        self.content.addWidget(self.tabs)
        self.lock_screen = LockScreen(ws)
        self.lock_screen.unlocked.connect(self._on_unlocked)
        self.stack.addWidget(self.content)
        self.stack.addWidget(self.lock_screen)
        self.setCentralWidget(self.stack)

        self._make_menus()
        self._make_status_bar()
        install_extensions(self, lazy=lazy)
        self.idle = IdleLock(preferences.DEFAULT_IDLE_LOCK_MINUTES, self)  # the stored time follows
        operations.query(lambda: preferences.get_int(ws, preferences.IDLE_LOCK_MINUTES,
                                                     preferences.DEFAULT_IDLE_LOCK_MINUTES),
                         self._idle_minutes_read, parent=self)
        self.idle.timed_out.connect(lambda: self.lock("idle"))
        self.idle.start()
        self.refresh_user()

    # ---- building ---------------------------------------------------------------------------------
    def _make_welcome(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(48, 40, 48, 40)
        self.welcome_title = make_plain(heading("Welcome", 8))  # shows the display name
        self.welcome_text = make_plain(note(""))
        self.welcome_text.setMaximumWidth(680)
        layout.addWidget(self.welcome_title)
        layout.addSpacing(8)
        layout.addWidget(self.welcome_text)
        layout.addStretch(1)
        return page

    def _action(self, menu, text: str, slot, shortcut=None, name: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        action.setObjectName(name or text)
        menu.addAction(action)
        return action

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = self.file_menu = bar.addMenu("&File")
        self.lock_action = self._action(file_menu, "&Lock", lambda: self.lock("manual"), "Ctrl+L", "lock")
        self.password_action = self._action(file_menu, "Change my &password…", self.open_change_password,
                                            name="change_password")
        self.sign_out_action = self._action(file_menu, "Sign &out", self.sign_out, name="sign_out")
        file_menu.addSeparator()
        self.file_extras = file_menu.addSeparator()  # extensions insert Print, Open bundle… before this
        self.quit_action = self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit, "quit")

        self.admin_menu = bar.addMenu("&Admin")
        self.users_action = self._action(self.admin_menu, "&Users…", self.open_users, name="users")
        self.passphrase_action = self._action(self.admin_menu, "Change &passphrase…", self.open_passphrase,
                                              name="passphrase")
        self.recovery_action = self._action(self.admin_menu, "New &recovery code…", self.open_recovery_code,
                                            name="recovery_code")
        self.admin_menu.addSeparator()
        self.settings_action = self._action(self.admin_menu, "&Settings…", self.open_settings, name="settings")

        self.admin_extras = self.admin_menu.addSeparator()
        help_menu = self.help_menu = bar.addMenu("&Help")
        self.about_action = self._action(help_menu, "&About Triage Desk", self.open_about, name="about")
        # Actions that reveal or change data are off while locked.
        self._data_actions = [self.password_action, self.users_action, self.passphrase_action,
                              self.recovery_action, self.settings_action]

    def _make_status_bar(self) -> None:
        bar = self.statusBar()
        self.user_label = make_plain(QLabel())
        self.user_label.setAccessibleName("Signed-in user")
        self.role_label = QLabel()
        self.role_label.setAccessibleName("Role")
        self.lock_label = QLabel()
        self.lock_label.setAccessibleName("Lock state")
        self.db_label = QLabel(f"Database: {self.ws.location}")
        self.db_label.setAccessibleName("Database location")
        self.db_label.setToolTip(self.ws.location)
        self.marking_label = QLabel(MARKING)
        self.marking_label.setAccessibleName("Security marking")
        self.marking_label.setStyleSheet("QLabel { font-weight: bold; padding: 0 8px; }")
        for widget in (self.user_label, self.role_label, self.lock_label, self.db_label):
            widget.setContentsMargins(6, 0, 6, 0)
            bar.addWidget(widget)
        bar.addPermanentWidget(self.marking_label)

    # ---- state ------------------------------------------------------------------------------------
    @property
    def user(self):
        return self.ws.user

    def is_admin(self) -> bool:
        return getattr(self.user, "role", None) == "admin"

    def is_locked(self) -> bool:
        return self._locked

    def refresh_user(self) -> None:
        from triage_desk.models import Role

        user = self.user
        role = Role(user.role)
        self.user_label.setText(f"Signed in: {user.display_name}")
        self.role_label.setText(f"Role: {role.label}")
        self.lock_label.setText("Locked" if self._locked else "Unlocked")
        self.admin_menu.menuAction().setVisible(self.is_admin())
        self.welcome_title.setText(f"Welcome, {user.display_name}")
        text = ("Cases, the review queue and the dashboard will appear here as they are added to this "
                "build of Triage Desk. Every sign-in, lock and change you make is recorded in the "
                "tamper-evident audit trail.")
        minutes = max(1, round(self.idle.timeout_ms() / 60_000))
        text += (f"\n\nStepping away? Press Ctrl+L (File › Lock) to lock the screen. Triage Desk also locks "
                 f"itself after {minutes} minute{'s' if minutes != 1 else ''} without keyboard or mouse activity.")
        if self.is_admin():
            text += ("\n\nAs an administrator you can add and manage users, change the database passphrase, "
                     "issue a new recovery code and set the idle auto-lock from the Admin menu.")
        self.welcome_text.setText(text)

    def add_file_action(self, text: str, name: str, triggered, roles: tuple[str, ...] | None = None) -> QAction:
        """An extension's File-menu entry (before Quit), shown only to `roles` when given; it becomes the
        window's `<name>_action` attribute."""
        action = QAction(text, self)
        action.setObjectName(name)
        action.triggered.connect(triggered)
        if roles is not None:
            action.setVisible(getattr(self.ws.user, "role", None) in roles)
        self.file_menu.insertAction(self.file_extras, action)
        setattr(self, f"{name}_action", action)
        return action

    def add_data_action(self, action: QAction) -> None:
        """An action that shows or changes case data: disabled while the window is locked."""
        self._data_actions.append(action)
        action.setEnabled(not self._locked)

    def add_area(self, title: str, widget: QWidget) -> None:
        """Add a work area (Cases, Review, Dashboard…) as a tab; the welcome page then gives way."""
        widget.setAccessibleName(title.replace("&", ""))
        self.tabs.addTab(widget, title)
        self.content.setCurrentWidget(self.tabs)

    def area(self, title: str) -> QWidget | None:
        for i in range(self.tabs.count()):
            if self.tabs.tabText(i) == title:
                return self.tabs.widget(i)
        return None

    # ---- locking ----------------------------------------------------------------------------------
    def lock(self, reason: str = "manual") -> None:
        """Hide everything that may show data: the content, and any open dialog."""
        if self._locked or self.user is None:
            return
        from triage_desk import session_events

        self._locked = True
        self.idle.stop()
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible():
                widget.done(QDialog.DialogCode.Rejected)  # done(): also closes dialogs that refuse reject()
        self.stack.setCurrentWidget(self.lock_screen)
        minutes = max(1, round(self.idle.timeout_ms() / 60_000))
        why = (f"Locked after {minutes} minute{'s' if minutes != 1 else ''} without activity."
               if reason == "idle" else "Locked.")
        self.lock_screen.lock(self.user, f"{why} Signed in: {self.user.display_name}.")
        for action in self._data_actions:
            action.setEnabled(False)
        self.lock_label.setText("Locked")
        ws = self.ws
        operations.change(lambda: session_events.lock(ws, reason), operations.Changes.of(operations.SESSION))
        self.lock_changed.emit(True)

    def _on_unlocked(self, user) -> None:
        switched = user.username != self.user.username
        if switched:
            self.ws.user = user  # an administrator took over the session
        self._locked = False
        for action in self._data_actions:
            action.setEnabled(True)
        self.stack.setCurrentWidget(self.content)
        self.refresh_user()
        self.idle.start()
        if switched:
            self.user_changed.emit(user)
        self.lock_changed.emit(False)

    def _idle_minutes_read(self, minutes: int) -> None:
        from triage_desk import preferences

        if self.idle.timeout_ms() == preferences.DEFAULT_IDLE_LOCK_MINUTES * 60_000:  # not set since
            self.idle.set_minutes(minutes)
            if self.user is not None:
                self.refresh_user()  # the welcome text names the time

    def apply_idle_minutes(self, minutes: int) -> None:
        self.idle.set_minutes(minutes)
        self.refresh_user()

    # ---- dialogs ----------------------------------------------------------------------------------
    def open_users(self) -> None:
        from triage_desk import session_events
        from triage_desk.ui.users_dialog import UsersDialog

        UsersDialog(self.ws, self).exec()
        if self.user is not None:  # the admin may have changed their own role or name
            ws = self.ws
            operations.query(lambda: session_events.reload_user(ws), lambda _user: self.refresh_user(), parent=self)

    def open_settings(self) -> None:
        from triage_desk.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.ws, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.apply_idle_minutes(dialog.minutes())

    def open_passphrase(self) -> None:
        from triage_desk.ui.passphrase_dialog import PassphraseDialog

        PassphraseDialog(self.ws, self).exec()

    def open_recovery_code(self) -> None:
        from triage_desk.ui.passphrase_dialog import confirm_and_issue_recovery_code

        confirm_and_issue_recovery_code(self.ws, self)

    def open_change_password(self) -> None:
        from triage_desk.ui.passphrase_dialog import ChangePasswordDialog

        ChangePasswordDialog(self.ws, self).exec()

    def open_about(self) -> None:
        from triage_desk.grants import admin_fingerprint

        ws = self.ws
        operations.query(lambda: admin_fingerprint(ws), self._show_about, parent=self)

    def _show_about(self, pin: str | None) -> None:
        pinned = (f"<p>Administrator key fingerprint (pinned at set-up; compare with the one printed then):<br>"
                  f"<tt>{pin}</tt></p>" if pin else "<p>No administrator key is pinned yet.</p>")
        QMessageBox.about(self, f"About {APP_NAME}",
                          f"<h3>{APP_NAME} {__version__}</h3>"
                          "<p>Desktop triage workstation for safeguarding front doors.</p>"
                          f"<p>Database: {self.ws.location}</p>"
                          "<p>The database is encrypted (SQLCipher, AES-256); every action is recorded in a "
                          "tamper-evident audit trail.</p>" + pinned)

    # ---- leaving ----------------------------------------------------------------------------------
    def _username(self) -> str:
        return self.ws.user.username if self.ws.user is not None else ""

    def _save_layout(self) -> None:
        from triage_desk.ui.window_state import save_window

        save_window(self, self._username(), "main")

    def sign_out(self) -> None:
        self._save_layout()
        self._record_logout()
        self._closing_quietly = True
        self.signed_out.emit()
        self.close()

    def _record_logout(self) -> None:
        if self.user is None:
            return
        from triage_desk import session_events

        ws = self.ws
        operations.change(lambda: session_events.sign_out(ws), operations.Changes.of(operations.SESSION))
        operations.settle()  # leaving: the sign-out is on record before the workspace can close

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if not self._closing_quietly:
            self._save_layout()
            self._record_logout()
        self.idle.remove()
        self.lock_screen.setEnabled(False)
        super().closeEvent(event)
