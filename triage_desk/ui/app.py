"""QApplication bootstrap and the start-up flow.

Start fast: the first window (first-run wizard or sign-in) is shown before SQLAlchemy, Alembic or
cryptography are imported; the database opens in a worker thread while the user types. Problems the
user cannot fix from a dialog (second instance, damaged database or key file, read-only directory)
end in one clear message box naming the file or directory, and a clean exit that changes nothing.

Test/benchmark hook: TRIAGE_DESK_EXIT_AFTER_SHOW=1 prints `TRIAGE_DESK_SHOWN <unix time> loaded=<heavy
modules already imported>` when the first window has been shown and quits without opening the database.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from triage_desk import APP_NAME
from triage_desk.errors import StoreError, TriageError
from triage_desk.ui import operations

EXIT_AFTER_SHOW = "TRIAGE_DESK_EXIT_AFTER_SHOW"


class _FirstShow(QObject):
    """Calls `callback` once, on the event-loop turn after the watched window's first Show event."""

    def __init__(self, window: QWidget, callback):
        super().__init__(window)
        self._callback = callback
        window.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Show:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self._callback)
        return False


def _looks_initialised(data_dir: Path) -> bool:
    # Mirrors workspace.is_initialised without importing the workspace stack (~30 ms) before the
    # first window; tests/test_ui_login.py checks the two agree.
    from triage_desk import policy
    from triage_desk.paths import DB_FILE, KEY_FILE, TEAM_SERVER_FILE

    return ((data_dir / KEY_FILE).exists() or (data_dir / DB_FILE).exists() or (data_dir / TEAM_SERVER_FILE).exists()
            or bool(policy.current().get(policy.TEAM_SERVER_URL)))


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


class AppController(QObject):
    """Owns the workspace and moves between wizard, unlock, sign-in and the main window."""

    def __init__(self, data_dir: Path, *, demo: bool = False, background: bool = True, on_first_show=None,
                 exit_app=None, open_path: str | None = None):
        super().__init__()
        # Tests pass their own: QApplication.exit() outside exec() would stall pytest-qt's event processing.
        self.exit_app = exit_app or (lambda code: QApplication.instance().exit(code))
        self.quit_requested = False
        self.data_dir = Path(data_dir)
        self.demo = demo
        self.open_path = open_path  # a .tdcase given on the command line: its verify view opens after sign-in
        self.background = background  # False in the start-up benchmark: show, report, quit
        self.on_first_show = on_first_show
        self.on_ready = None  # called once the first dialog a person can act on is up (start-up bench)
        self.ws = None
        self.accept_wal_loss = False  # set only by the person's answer to the damaged-log question
        self.wizard = self.login = self.unlock = self.main = None
        self.exit_code = 0
        QApplication.instance().aboutToQuit.connect(self.shutdown)

    # ---- start ------------------------------------------------------------------------------------
    def start(self) -> QWidget | None:
        """Show the first window and return it (None when start-up failed with a message).
        A damaged key file or database is reported by the background open, after the window is up."""
        if not _looks_initialised(self.data_dir):
            return self._start_first_run()
        return self._start_sign_in()

    def _start_first_run(self) -> QWidget | None:
        from triage_desk.ui.first_run_wizard import FirstRunWizard

        target = _nearest_existing(self.data_dir)
        if not os.access(target, os.W_OK | os.X_OK) or (target == self.data_dir and not target.is_dir()):
            self.fatal(StoreError(f"data directory {self.data_dir} cannot be created or written "
                                  f"({target} is not writable)"))
            return None
        self.wizard = FirstRunWizard(self.data_dir)
        self.wizard.accepted.connect(lambda: self._signed_in_after_wizard())
        self.wizard.rejected.connect(self._quit)
        self._after_show(self.wizard, self._prewarm)
        self.wizard.show()
        return self.wizard

    def _start_sign_in(self) -> QWidget:
        from triage_desk.ui.login_dialog import LoginDialog

        self.login = LoginDialog(self.data_dir)
        self.login.signed_in.connect(self._on_signed_in)
        self.login.rejected.connect(self._quit)
        self._after_show(self.login, self._open_with_keyring)
        self.login.show()
        return self.login

    def _after_show(self, window: QWidget, then) -> None:
        # Installed before show(): the Show event is delivered synchronously inside show().
        if self.background:
            _FirstShow(window, then)
        if self.on_first_show is not None:
            _FirstShow(window, self.on_first_show)
            self.on_first_show = None

    def _prewarm(self) -> None:
        from triage_desk.ui.tasks import prewarm, run_in_background

        _load_wheel_guard()  # a short import beside the long one below
        # The stack and the main window's modules on one worker, not two side by side: two long importing
        # threads and the GUI thread took turns at the GIL, and the window answered typing late. An import
        # problem surfaces later, in context.
        run_in_background(lambda: (prewarm(), _prewarm_main_window()), None, lambda _exc: None)

    def _open(self, **secret):
        """Runs in the worker thread, so even importing the workspace stack stays off the GUI thread."""
        if not secret and _keyring_has_no_key(self.data_dir):
            from triage_desk import vault

            # Said before the database stack is imported (~0.5 s): the unlock dialog is the first thing
            # the person can use, and it comes up now; the stack loads while they type (_prewarm).
            raise vault.NeedsPassphrase("no usable keyring entry for this database: the passphrase is needed")
        from triage_desk.workspace import open_workspace

        return open_workspace(self.data_dir, accept_wal_loss=self.accept_wal_loss, **secret)

    def _open_with_keyring(self) -> None:
        from triage_desk.ui.tasks import run_in_background

        # The main window's imports wait for the open's answer: run beside it, they held the GIL and
        # delayed the unlock dialog (with no keyring, the first thing the person can use).
        run_in_background(self._open, self._opened_with_keyring, self._on_open_failed)

    def _opened_with_keyring(self, ws) -> None:
        from triage_desk.ui.tasks import run_in_background

        _load_wheel_guard()
        run_in_background(_prewarm_main_window, None, lambda _exc: None)  # while the password is typed
        self._on_opened(ws)

    def _on_opened(self, ws) -> None:
        self.ws = ws
        if self.login is not None:
            self.login.set_workspace(ws)
            if self.on_ready is not None and self.unlock is None:  # opened with the keyring: sign-in is ready
                QTimer.singleShot(0, self.on_ready)

    def _on_open_failed(self, exc: BaseException) -> None:
        from triage_desk import vault

        if isinstance(exc, vault.NeedsPassphrase):
            self._show_unlock()
        elif isinstance(exc, TriageError):
            self.fatal(exc)
        else:
            raise exc

    def _show_unlock(self) -> None:
        from triage_desk.ui.unlock_dialog import UnlockDialog

        self.unlock = UnlockDialog(self.data_dir, self._open, self.login)
        self.unlock.unlocked.connect(self._on_opened)
        self.unlock.fatal.connect(self.fatal)
        self.unlock.rejected.connect(self._quit)
        # The database stack loads while the passphrase is typed, from once the dialog is up: started
        # before, its imports held the GIL while the dialog was built and shown.
        _FirstShow(self.unlock, self._prewarm)
        if self.on_ready is not None:
            _FirstShow(self.unlock, self.on_ready)
        self.unlock.show()
        self.unlock.raise_()
        self.unlock.activateWindow()

    # ---- signed in ----------------------------------------------------------------------------------
    def _signed_in_after_wizard(self) -> None:
        if self.wizard.joined is not None:  # joined a team server: the officer signs in there
            self.wizard.deleteLater()
            self.wizard = None
            self._start_sign_in()
            return
        self.ws = self.wizard.workspace
        self._on_signed_in(self.ws.user)
        self.wizard.deleteLater()
        self.wizard = None

    def _on_signed_in(self, _user) -> None:
        from triage_desk.ui.main_window import MainWindow

        _install_wheel_guard()  # already there unless the window came straight after the first-run wizard
        self.main = MainWindow(self.ws, lazy=True)
        self.main.signed_out.connect(self._on_signed_out)
        operations.follow(self.ws)  # team server: other workstations' changes refresh this one's views
        self.main.show()
        if self.login is not None:
            self.login.hide()
        if self.demo:
            self._load_demo()
        if self.open_path:
            path, self.open_path = self.open_path, None
            from triage_desk.ui.bundle_view import open_bundle_flow

            QTimer.singleShot(0, lambda: self.main is not None and open_bundle_flow(self.ws, self.main, path))
        from triage_desk.ui.passphrase_dialog import after_recovery_unlock

        self.recovery_reset = after_recovery_unlock(self.ws, self.main)

    def _on_signed_out(self) -> None:
        from triage_desk.ui.login_dialog import LoginDialog

        old, self.main = self.main, None
        if self.login is None:
            self.login = LoginDialog(self.data_dir)
            self.login.signed_in.connect(self._on_signed_in)
            self.login.rejected.connect(self._quit)
            self.login.set_workspace(self.ws)
        self.login.reset()
        self.login.show()  # shown before the main window closes, so the app does not quit
        old.deleteLater()

    def _load_demo(self) -> None:
        import importlib.util

        self.demo = False  # once per run
        bar = self.main.statusBar()
        if importlib.util.find_spec("triage_desk.demo") is None:
            bar.showMessage("Demo data arrives with the referral model: nothing was added.", 15000)
            return
        from triage_desk.demo import ensure_demo_data
        from triage_desk.demo_accounts import demo_accounts_text, ensure_demo_accounts
        from triage_desk.ui.tasks import run_in_background

        bar.showMessage("Adding synthetic demo data…")

        def load() -> tuple[int, str]:
            added = ensure_demo_data(self.ws)
            return added, demo_accounts_text(ensure_demo_accounts(self.ws))

        def ready(result: tuple[int, str]) -> None:
            added, who = result
            print(who, flush=True)  # the sign-in details, for whoever started the app from a terminal
            if self.main is None:
                return
            bar.showMessage(f"Demo data ready: {added} synthetic records added. {who.replace(chr(10), ' ')}", 60000)
            area = getattr(self.main, "cases_area", None)
            if area is not None:
                area.reload()  # the list was empty when the window opened

        run_in_background(load, ready, lambda exc: self.main and bar.showMessage(f"Demo data failed: {exc}", 15000))

    # ---- leaving ------------------------------------------------------------------------------------
    def fatal(self, exc: TriageError) -> None:
        """One clear message naming the file or directory, then a clean exit."""
        from triage_desk.db import WalDamaged

        if isinstance(exc, WalDamaged) and not self.accept_wal_loss and not os.environ.get(EXIT_AFTER_SHOW):
            from triage_desk.ui.backups_dialog import ask_wal_loss

            if ask_wal_loss(self.login or self.unlock, exc):
                self.accept_wal_loss = True
                self._open_with_keyring()
                return
        self.exit_code = getattr(exc, "exit_code", 1)
        parent = next((w for w in (self.unlock, self.login, self.wizard) if w is not None and w.isVisible()), None)
        if not os.environ.get(EXIT_AFTER_SHOW):
            QMessageBox.critical(parent, f"{APP_NAME} cannot start", f"{str(exc)[:1].upper()}{str(exc)[1:]}"
                                 "\n\nNothing was changed. The application will now close.")
        print(f"triage-desk: {exc}", file=sys.stderr)
        self._quit()

    def _quit(self) -> None:
        self.quit_requested = True
        QTimer.singleShot(0, lambda: self.exit_app(self.exit_code))

    def shutdown(self) -> None:
        operations.unfollow()
        if self.main is not None:
            self.main.close()  # records the logout
        if self.ws is not None:
            self.ws.close()
            self.ws = None


def _install_wheel_guard() -> None:
    """The wheel guard (no silent changes to an unfocused field), installed once the first dialog is up:
    its Qt classes cost 15-50 ms before it otherwise, and the sign-in dialogs have no field it guards."""
    from triage_desk.ui.wheel_guard import install_wheel_guard

    install_wheel_guard()


def _load_wheel_guard() -> None:
    """Import the wheel guard on a worker (its module builds PySide's `Qt` namespace: 12-25 ms that held the
    GUI thread on the turn the first dialog came up), then install it on the GUI thread. The main window
    installs it too (`_on_signed_in`), so a quick sign-in never goes without it."""
    from triage_desk.ui.tasks import run_in_background

    run_in_background(lambda: importlib.import_module("triage_desk.ui.wheel_guard"),
                      lambda _module: _install_wheel_guard(), lambda _exc: None)


def _keyring_has_no_key(data_dir: Path) -> bool:
    """True only when the store is there, free to open, and the keyring holds no key for it: a cheap
    look (the key file, and the keyring only where the key file says one may hold the key; no database
    stack). Anything unusual is left to the full open, which reports it in words."""
    from triage_desk import vault
    from triage_desk.db import InstanceLock
    from triage_desk.paths import DB_FILE, LOCK_FILE

    try:
        if not (data_dir / DB_FILE).is_file():
            return False
        lock = InstanceLock(data_dir, LOCK_FILE)
        if not lock.try_acquire():
            return False  # open elsewhere: the full open says so before asking for anything
        lock.release()
        return vault.KeyFile.load(data_dir).key_from_keyring() is None
    except Exception:  # noqa: BLE001 - the full open reports every problem properly
        return False


def _prewarm_main_window() -> None:
    """Import the main window's modules (no widgets made here) so building it after sign-in does not
    stall the GUI thread for the ~0.3 s these imports cost."""
    from triage_desk.ui import main_window
    from triage_desk.ui.optional import optional_module

    # The referral wizard and case view too: the cases area imports them while it is built (intake, the
    # document schema: a stall of the GUI thread at the first paint).
    # Sign-in itself (session_events), the window (preferences) and the after-sign-in check
    # (passphrase_dialog) were imported on the GUI thread at the moment of signing in.
    for name in (*main_window.EXTENSIONS, "triage_desk.ui.referral_wizard", "triage_desk.ui.case_view",
                 "triage_desk.session_events", "triage_desk.preferences", "triage_desk.ui.passphrase_dialog"):
        optional_module(name)  # an optional area may be absent: install_extensions skips it too


def _report_shown() -> None:
    heavy = [m for m in ("sqlalchemy", "alembic", "reportlab", "cryptography", "keyring") if m in sys.modules]
    print(f"TRIAGE_DESK_SHOWN {time.time():.6f} loaded={','.join(heavy) or '-'}", flush=True)
    QApplication.instance().exit(0)


def run(data_dir_arg: str | None = None, *, demo: bool = False, self_test: bool = False,
        open_path: str | None = None) -> int:
    """Entry point behind `triage-desk` / `triage-desk gui` / `open FILE` / `--self-test`."""
    from triage_desk.paths import resolve_data_dir

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    if self_test:
        os.environ[EXIT_AFTER_SHOW] = "1"  # a start-up problem is printed, never a modal box nobody can close
    exit_after_show = bool(os.environ.get(EXIT_AFTER_SHOW))
    # "ready": report when the first dialog a person can use is up (the unlock dialog with no keyring).
    until_ready = os.environ.get(EXIT_AFTER_SHOW) == "ready" and not self_test
    if self_test:
        from triage_desk.ui.self_test import report_first_window as on_show
    else:
        on_show = _report_shown if exit_after_show else None
    controller = AppController(resolve_data_dir(data_dir_arg), demo=demo,
                               background=until_ready or not exit_after_show,
                               on_first_show=None if until_ready else on_show, open_path=open_path)
    if until_ready:
        controller.on_ready = _report_shown
    if controller.start() is None:
        return controller.exit_code or 1
    code = app.exec()
    return controller.exit_code or code
