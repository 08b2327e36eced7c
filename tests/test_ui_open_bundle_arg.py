"""`triage-desk FILE.tdcase` / `triage-desk open FILE` (what a double-click runs) and `--self-test`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import USER_PASSWORD
from PySide6.QtCore import Qt
from ui_helpers import close_workspace_keep_dir

from triage_desk.cli.gui_cmd import bundle_shortcut


@pytest.mark.parametrize("argv, expected", [
    (["case.tdcase"], ["open", "case.tdcase"]),
    (["--data-dir", "d", "/x/Case.TDCASE"], ["--data-dir", "d", "open", "/x/Case.TDCASE"]),
    (["verify", "case.tdcase"], ["verify", "case.tdcase"]),
    (["--data-dir", "a.tdcase"], ["--data-dir", "a.tdcase"]),
    ([], []),
])
def test_a_bundle_path_alone_means_open(argv, expected):
    assert bundle_shortcut(argv) == expected


def test_the_command_line_hands_the_bundle_to_the_gui(monkeypatch, tmp_path):
    import triage_desk.ui.app as app_module
    from triage_desk.cli import main

    seen = {}
    monkeypatch.setattr(app_module, "run", lambda data_dir, **kw: seen.update(data_dir=data_dir, **kw) or 0)
    assert main(["--data-dir", str(tmp_path), str(tmp_path / "case.tdcase")]) == 0
    assert seen["open_path"] == str(tmp_path / "case.tdcase") and seen["data_dir"] == str(tmp_path)
    assert main(["open", "other.tdcase"]) == 0
    assert seen["open_path"] == "other.tdcase"


def test_after_sign_in_the_bundle_verify_view_opens(qtbot, workspace, monkeypatch):
    import triage_desk.ui.bundle_view as bundle_view
    from triage_desk.ui.app import AppController

    opened = []
    monkeypatch.setattr(bundle_view, "open_bundle_flow", lambda ws, parent, path=None: opened.append((parent, path)))
    app = AppController(close_workspace_keep_dir(workspace), exit_app=lambda code: None, open_path="/x/case.tdcase")
    try:
        app.start()
        qtbot.keyClicks(app.login.username, "officer")
        app.login.password.clear()
        qtbot.keyClicks(app.login.password, USER_PASSWORD)
        qtbot.keyClick(app.login.password, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: bool(opened))
        assert opened == [(app.main, "/x/case.tdcase")]
    finally:
        app.shutdown()


def test_self_test_shows_the_first_window_and_writes_nothing(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    data = tmp_path / "data"
    done = subprocess.run([sys.executable, "-m", "triage_desk", "--self-test", "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("triage-desk self-test: OK")
    assert '"Set up Triage Desk"' in done.stdout
    assert not data.exists()  # first-run wizard shown, nothing created
