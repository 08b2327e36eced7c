"""Fixtures shared by every test: an in-memory keyring (autouse), cheap key stretching, and a
temporary encrypted workspace with synthetic users. No real people anywhere."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The developer's or CI machine's own IT policy file must not change what tests see: an empty policy.
# Tests of the policy point this variable at their own file (monkeypatch).
os.environ["TRIAGE_DESK_POLICY_FILE"] = os.devnull

pytest_plugins = ["pg_fixtures"]  # PostgreSQL server fixtures (issue 15)

ADMIN_PASSWORD = "admin-password-1"
PASSPHRASE = "test passphrase 123"
USER_PASSWORD = "user-password-1"


class MemoryKeyring(KeyringBackend):
    priority = 10

    def __init__(self):
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.store.get((service, username))

    def set_password(self, service, username, password):
        self.store[(service, username)] = password

    def delete_password(self, service, username):
        if (service, username) not in self.store:
            raise PasswordDeleteError("not stored")
        del self.store[(service, username)]


# CI is a loaded 2-core machine: a window may take more than pytest-qt's 5 s default to appear or
# answer. Waits still end as soon as their condition holds; only a real hang costs the longer time.
QT_WAIT_MS = 30_000


@pytest.fixture(autouse=True)
def patient_qtbot(monkeypatch):
    if "pytestqt.qtbot" not in sys.modules:
        yield
        return
    from pytestqt.qtbot import QtBot

    for name in ("waitUntil", "waitActive", "waitExposed", "waitSignal", "waitSignals", "waitCallback"):
        original = getattr(QtBot, name)

        def patient(self, *args, _original=original, **kwargs):
            if kwargs.get("timeout", 5000) == 5000:
                kwargs["timeout"] = QT_WAIT_MS
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(QtBot, name, patient)
    yield


def _qt_app():
    if "PySide6.QtWidgets" not in sys.modules:
        return None
    from PySide6.QtWidgets import QApplication

    return QApplication.instance()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """Background workers (case list pages, matching, exports) finish and deliver before the test's
    fixtures close the workspace under them."""
    yield
    if _qt_app() is not None:
        from triage_desk.ui.tasks import wait_for_workers

        wait_for_workers()


@pytest.fixture(autouse=True)
def own_window_state(tmp_path_factory):
    """Remembered window sizes (ui/window_state.py) go to a throwaway folder, never the real profile."""
    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QSettings

        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                          str(tmp_path_factory.mktemp("qsettings")))
    yield


@pytest.fixture(autouse=True)
def qt_quiet_between_tests():
    """Collect one test's Qt wrappers at a known point, with no worker running, not during the next test."""
    yield
    app = _qt_app()
    if app is not None:
        from triage_desk.ui.tasks import wait_for_workers

        wait_for_workers()
        gc.collect()
        app.processEvents()


@pytest.fixture(autouse=True)
def memory_keyring(monkeypatch):
    """Every test gets a fresh in-memory keyring, never the developer's real one."""
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring():
    """A machine with no usable credential store (the fail backend)."""
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    yield


@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch):
    """Argon2id at test strength: the parameters travel in each blob, so behaviour is unchanged."""
    from triage_desk import secretbox

    monkeypatch.setattr(secretbox, "DEFAULT_KDF", secretbox.KdfParams(iterations=1, memory_kib=1024, lanes=1))


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def workspace(data_dir):
    """A new encrypted workspace signed in as admin 'admin', plus an officer and a practice lead."""
    from triage_desk import accounts
    from triage_desk.models import Role
    from triage_desk.workspace import init_workspace

    ws, code = init_workspace(data_dir, admin_username="admin", admin_display_name="Test Admin",
                              admin_password=ADMIN_PASSWORD, passphrase=PASSPHRASE)
    ws.recovery_code = code
    with ws.session() as s:
        accounts.create_user(s, ws.user, "officer", "Test Officer", Role.OFFICER, USER_PASSWORD)
        accounts.create_user(s, ws.user, "lead", "Test Lead", Role.LEAD, USER_PASSWORD)
    yield ws
    ws.close()


@pytest.fixture
def secret_files(tmp_path):
    """Passphrase and password files for CLI tests."""
    files = {}
    for name, value in (("passphrase", PASSPHRASE), ("admin", ADMIN_PASSWORD), ("user", USER_PASSWORD)):
        path = tmp_path / f"{name}.txt"
        path.write_text(value + "\n")
        files[name] = str(path)
    return files
