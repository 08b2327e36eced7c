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


def report_line(config, line: str) -> None:
    """Show `line` in the run's output even when the test passes (a figure such as a build's size). On an
    xdist worker, whose output nobody sees, the line goes to the controller, printed as the worker ends."""
    if hasattr(config, "workeroutput"):
        config.workeroutput.setdefault("report_lines", []).append(line)
        return
    capture = config.pluginmanager.get_plugin("capturemanager")
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if capture is None or reporter is None:
        print(line, file=sys.stderr)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(line)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """xdist controller: print the report_line lines of a worker that finished."""
    reporter = node.config.pluginmanager.get_plugin("terminalreporter")
    for line in getattr(node, "workeroutput", {}).get("report_lines", []):
        if reporter is not None:
            reporter.write_line(line)


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only(reason): this test's workspace is the SQLCipher file only "
                            "(encryption at rest, key files, WAL, file backups, sqlite3 interop…); say why")


UI_FIXTURES = {"qtbot", "qapp"}


def _one_store_reason(metafunc) -> str | None:
    """Why this test does not get both stores, or None: service tests run on both by default (issue 15)."""
    if any("store" in str(m.args[0]) for m in metafunc.definition.iter_markers("parametrize")):
        return "the test names its store"
    marker = metafunc.definition.get_closest_marker("sqlite_only")
    if marker is not None:
        if not (marker.args and str(marker.args[0]).strip()):
            raise pytest.UsageError(f"{metafunc.definition.nodeid}: sqlite_only needs its reason")
        return str(marker.args[0])
    if metafunc.definition.path.name.startswith("test_ui_") or UI_FIXTURES & set(metafunc.fixturenames):
        return "a UI test"
    chosen = metafunc.definition._fixtureinfo.name2fixturedefs  # a module's own params=STORES override
    if any("postgresql" in (fd.params or ()) for defs in chosen.values() for fd in defs):
        return "the module chooses its stores (on_store)"
    return None


def pytest_generate_tests(metafunc):
    """Every test whose workspace comes from `store` runs on SQLCipher and on the team server."""
    if "store" in metafunc.fixturenames and _one_store_reason(metafunc) is None:
        from pg_fixtures import STORE_IDS

        metafunc.parametrize("store", STORE_IDS, indirect=True)


def pytest_terminal_summary(terminalreporter):
    """Say why the team-server runs were skipped, even without -rs (issue 15 point 7)."""
    reasons = [str(r.longrepr[2]) for r in terminalreporter.stats.get("skipped", ())
               if isinstance(r.longrepr, tuple) and "PostgreSQL tests need a server" in str(r.longrepr[2])]
    if reasons:
        terminalreporter.write_line(f"{len(reasons)} team-server test runs skipped. {reasons[0].split(': ', 1)[-1]}")


def pytest_collection_modifyitems(config, items):
    """Files holding a `slow` test start first: a test file runs on one xdist worker, and a long one started
    last would run alone while the other workers sit idle."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_files)  # stable: the order within each group stays


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
        # What survived is long-lived (Qt, the app's modules, session fixtures): frozen out of later
        # collections, so each teardown scans only what the next test makes, not the whole heap again.
        gc.freeze()
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

    monkeypatch.setattr(secretbox, "DEFAULT_KDF", secretbox.KdfParams(**TEST_KDF_PARAMS))


@pytest.fixture
def data_dir(tmp_path) -> Path:
    return tmp_path / "data"


TEST_KDF_PARAMS = dict(iterations=1, memory_kib=1024, lanes=1)


def _close_as_template(ws) -> dict:
    """Close `ws` without the close-time checkpoint or backup, so a copy holds exactly what it holds now;
    remember what lives only in memory: who is signed in and whose unsealed key signs checkpoints."""
    from triage_desk import audit

    signer = audit.signer_for(ws.engine)
    template = {"path": ws.data_dir, "recovery_code": getattr(ws, "recovery_code", None),
                "user": (ws.user.username, ws.user.signing_key),
                "signer": (signer.username, signer.signing_key) if signer is not None else None}
    audit.forget_signer(ws.engine)
    ws.engine.dispose()  # the last connection folds the write-ahead log into the database file
    ws.lock.release()
    return template


def open_template_copy(template: dict, data_dir: Path):
    """A copy of a template in `data_dir`, open as the workspace was when the template was closed: the data
    key in the keyring (when usable), the same user signed in, the same unsealed key signing checkpoints."""
    import shutil

    from sqlalchemy import select

    from triage_desk import audit, audit_anchor
    from triage_desk.models import User
    from triage_desk.workspace import open_workspace

    shutil.copytree(template["path"], data_dir)
    ws = open_workspace(data_dir, passphrase=PASSPHRASE)  # puts the data key in the keyring, as init does
    ws.unlocked_with = "keyring"  # what init_workspace's workspace says
    ws.recovery_code = template["recovery_code"]
    wanted = dict(filter(None, (template["signer"], template["user"])))
    with ws.session() as s:
        users = {u.username: u for u in s.execute(select(User).where(User.username.in_(wanted))).scalars()}
    for name, key in wanted.items():
        users[name].signing_key = key
    ws.user = users[template["user"][0]]
    if template["signer"] is not None:
        audit.register_signer(ws.engine, users[template["signer"][0]], audit_anchor.write)
    return ws


@pytest.fixture(scope="session")
def workspace_template(tmp_path_factory) -> dict:
    """The `workspace` fixture's database, built once per test process: migrations, the admin (pinned, its
    key signing checkpoints), an officer and a lead."""
    from triage_desk import accounts, secretbox
    from triage_desk.models import Role
    from triage_desk.workspace import init_workspace

    path = tmp_path_factory.mktemp("workspace-template") / "data"
    with pytest.MonkeyPatch.context() as mp:  # session scope: the autouse fixtures have not run yet
        mp.setattr(secretbox, "DEFAULT_KDF", secretbox.KdfParams(**TEST_KDF_PARAMS))
        previous = keyring.get_keyring()
        keyring.set_keyring(MemoryKeyring())
        try:
            ws, code = init_workspace(path, admin_username="admin", admin_display_name="Test Admin",
                                      admin_password=ADMIN_PASSWORD, passphrase=PASSPHRASE)
            ws.recovery_code = code
            with ws.session() as s:
                accounts.create_user(s, ws.user, "officer", "Test Officer", Role.OFFICER, USER_PASSWORD)
                accounts.create_user(s, ws.user, "lead", "Test Lead", Role.LEAD, USER_PASSWORD)
            return _close_as_template(ws)
        finally:
            keyring.set_keyring(previous)


@pytest.fixture
def store(request) -> str:
    """The store of this test's workspace: "sqlite" (the SQLCipher file) or "pg" (the team server)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def workspace(request, store, data_dir):
    """A new workspace signed in as admin 'admin', plus an officer and a practice lead. SQLCipher: a copy of
    the process's template in `data_dir`, the same content init_workspace + create_user give. Server: a
    copy of the migrated server template, `data_dir` joined to it (pg_fixtures.join_copy)."""
    if store == "pg":
        from pg_fixtures import join_copy

        yield join_copy(request, data_dir)  # closed and dropped by its finalisers
        return
    ws = open_template_copy(request.getfixturevalue("workspace_template"), data_dir)
    yield ws
    ws.close()


_BUILT: dict[str, dict] = {}  # workspace_from's templates in this test process, by name


@pytest.fixture
def workspace_from(request, store, data_dir, tmp_path_factory):
    """`workspace_from(name, build)`: the `workspace` fixture's workspace after `build(ws)` (demo data, say),
    in `data_dir`. `build` runs once per test process for each name and each test gets a copy, so a name
    must always mean the same build. Use it instead of `workspace` (both would claim `data_dir`)."""
    opened = []

    def make(name: str, build):
        if store == "pg":
            from pg_fixtures import built_copy

            return built_copy(request, data_dir, name, build)  # closed and dropped by its finalisers
        workspace_template = request.getfixturevalue("workspace_template")
        if name not in _BUILT:
            ws = open_template_copy(workspace_template, tmp_path_factory.mktemp(f"built-{name}") / "data")
            build(ws)
            _BUILT[name] = _close_as_template(ws)
        opened.append(open_template_copy(_BUILT[name], data_dir))
        return opened[-1]

    yield make
    for ws in opened:
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
