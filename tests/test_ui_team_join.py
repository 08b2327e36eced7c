"""Joining a team server from the app (issue 15 points 2 and 6): the first-run wizard's "Join my team's
server" and File › Connect to a team server… test the connection off the GUI thread, explain trouble in
words naming the field at fault, and write the same profile as `triage-desk server join` (password in the
OS keyring only)."""

from __future__ import annotations

import json
import socket

import pytest
from pg_fixtures import APP, APP_PASSWORD
from PySide6.QtWidgets import QWizard

from triage_desk import server
from triage_desk.ui.operations import settle


def _fill(form, pg_server, database: str, *, ca=None, password: str = APP_PASSWORD, port=None) -> None:
    form.address.setText(f"localhost:{port or pg_server.port}/{database}")
    form.ca_file.setText(str(ca or pg_server.ca_file))
    form.user.setText(APP)
    form.password.setText(password)


def test_a_new_workstation_joins_the_team_server_from_the_first_run_wizard(qtbot, pg_server, pg_database, tmp_path):
    from triage_desk.ui.app import AppController

    data_dir = tmp_path / "desk"
    app = AppController(data_dir, exit_app=lambda code: None)
    try:
        wizard = app.start()  # (the controller deletes it once joined)
        settle()  # the wizard's prewarm imports have finished (two threads importing SQLAlchemy at once race)
        wizard.intro.team.setChecked(True)
        wizard.next()
        assert wizard.currentPage() is wizard.join
        _fill(wizard.join.form, pg_server, pg_database)
        wizard.button(QWizard.WizardButton.FinishButton).click()
        qtbot.waitUntil(lambda: app.login is not None and app.login.isVisible(), timeout=15000)
        # the same profile `server join` writes: address and CA file, no password anywhere on disk
        profile = server.load_profile(data_dir)
        assert profile.url == f"postgresql://{APP}@localhost:{pg_server.port}/{pg_database}?sslmode=verify-full"
        assert profile.ca_file == str(pg_server.ca_file.resolve())
        assert server.stored_password(profile) == APP_PASSWORD  # in the keyring
        for path in data_dir.rglob("*"):
            assert not path.is_file() or APP_PASSWORD.encode() not in path.read_bytes()
        qtbot.waitUntil(lambda: app.login.ws is not None, timeout=15000)  # sign-in is on the server
        assert app.login.ws.engine.dialect.name == "postgresql"
    finally:
        settle()
        app.shutdown()
        if app.login is not None:
            app.login.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("trouble, field, words", [
    ("password", "password", "Password: the team server"),
    ("certificate", "ca_file", "CA certificate file: the team server"),
    ("unreachable", "address", "Server address: cannot reach the team server"),
    ("newer schema", None, "set up by a newer version of Triage Desk"),
])
def test_connection_trouble_is_explained_naming_the_field(qtbot, pg_server, pg_database, tmp_path, trouble, field,
                                                          words):
    import psycopg

    from triage_desk.ui.join_server import JoinServerDialog

    dialog = JoinServerDialog(tmp_path / "desk")
    qtbot.addWidget(dialog)
    dialog.show()
    form = dialog.form
    _fill(form, pg_server, pg_database, password="not-the-password" if trouble == "password" else APP_PASSWORD,
          ca=pg_server.ca_file.with_name("other-ca.crt") if trouble == "certificate" else None,
          port=_free_port() if trouble == "unreachable" else None)
    if trouble == "newer schema":
        with psycopg.connect(pg_server.socket_url("tdpg", pg_database), autocommit=True) as conn:
            conn.execute("UPDATE alembic_version SET version_num = '0999'")
    form.test_button.click()
    qtbot.waitUntil(lambda: form.error.isVisible(), timeout=15000)
    settle()
    assert form.error.text().startswith(words) if field else words in form.error.text()
    assert APP_PASSWORD not in form.error.text() and "triage-desk server join" not in form.error.text()
    if field:
        assert form.focusWidget() is form.fields[field]
    dialog.join_button.click()  # joining is refused for the same reason: nothing written
    qtbot.waitUntil(lambda: form.isEnabled(), timeout=15000)
    settle()
    assert not (tmp_path / "desk" / server.PROFILE_FILE).exists()


def test_a_test_that_works_says_so_and_join_writes_the_profile(qtbot, pg_server, pg_database, tmp_path):
    from triage_desk.ui.join_server import JoinServerDialog

    dialog = JoinServerDialog(tmp_path / "desk")
    qtbot.addWidget(dialog)
    dialog.show()
    _fill(dialog.form, pg_server, pg_database)
    dialog.form.test_button.click()
    qtbot.waitUntil(lambda: dialog.form.status.text().startswith("✔ Connected"), timeout=15000)
    dialog.join_button.click()
    qtbot.waitUntil(lambda: dialog.after.isVisibleTo(dialog), timeout=15000)
    assert "start it again" in dialog.after.text()
    saved = json.loads((tmp_path / "desk" / server.PROFILE_FILE).read_text())
    assert set(saved) == {"url", "ca_file"} and APP_PASSWORD not in json.dumps(saved)


def test_what_is_typed_wrongly_is_named_before_anything_is_tried(qtbot, tmp_path):
    from triage_desk.ui.join_server import JoinServerDialog

    dialog = JoinServerDialog(tmp_path / "desk")
    qtbot.addWidget(dialog)
    form = dialog.form
    form.test_button.click()
    assert form.error.text().startswith("Server address: required")
    form.address.setText("db.council.local/triage")
    form.ca_file.setText(str(tmp_path / "missing.pem"))
    form.user.setText("triage_app")
    form.test_button.click()
    assert form.error.text().startswith("CA certificate file: no file")
    form.address.setText("postgresql://triage_app:secret@db.council.local/triage")
    form.ca_file.clear()
    form.test_button.click()
    assert form.error.text().startswith("Server address: must not contain a password")


def test_an_administrator_of_a_single_pc_database_can_connect_it_to_a_team_server(qtbot, workspace):
    from checks_helpers import act_as

    from triage_desk.ui.join_server import JoinServerDialog
    from triage_desk.ui.main_window import MainWindow

    window = MainWindow(workspace)
    qtbot.addWidget(window)
    assert window.join_server_action.isVisible() and window.join_server_action in window.file_menu.actions()
    window.join_server_action.trigger()
    qtbot.waitUntil(lambda: any(isinstance(w, JoinServerDialog) and w.isVisible() for w in window.findChildren(
        JoinServerDialog)))
    act_as(workspace, "officer")
    officer_window = MainWindow(workspace)
    qtbot.addWidget(officer_window)
    assert not officer_window.join_server_action.isVisible()  # officers never change where the records live
