"""File › Backups and the automatic backups (issue 9 §6), and the damaged-log question at start-up."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox
from store_helpers import flip
from ui_helpers import on_next_modal, user

from triage_desk import backup
from triage_desk.db import WalDamaged
from triage_desk.ui.backups_dialog import BackupsDialog, ask_wal_loss
from triage_desk.ui.main_window import MainWindow


def test_main_window_backs_up_every_30_minutes_and_on_close(qtbot, workspace):
    workspace.user = user(workspace, "officer")
    win = MainWindow(workspace)
    qtbot.addWidget(win)
    assert win.backups_action in win.file_menu.actions()
    assert win.backup_timer.isActive() and win.backup_timer.interval() == 30 * 60 * 1000
    assert workspace.backup_on_close
    win.close()
    workspace.close()
    assert len(backup.list_backups(workspace.data_dir)) == 1


def test_back_up_now_then_check_finds_a_damaged_backup(qtbot, workspace):
    dialog = BackupsDialog(workspace, is_admin=False)
    qtbot.addWidget(dialog)
    assert not dialog.restore_button.isEnabled()  # restoring is for administrators
    assert "no backups" in dialog.status.text()
    dialog.now_button.click()
    qtbot.waitUntil(lambda: dialog.items.count() == 1)
    dialog.check_button.click()
    qtbot.waitUntil(lambda: "intact" in dialog.status.text())
    path = Path(dialog._selected())
    flip(path, (path.stat().st_size // 4096 // 2) * 4096 + 700)  # a table page (the last ones may hold the schema)
    dialog.check_button.click()
    qtbot.waitUntil(lambda: "damaged" in dialog.status.text())
    assert "page authentication" in dialog.status.text()


def test_damaged_log_question_needs_an_explicit_choice(qtbot, tmp_path):
    exc = WalDamaged(3, tmp_path / "wal-damage-x")
    seen = {}

    def choose(box):
        seen["text"] = box.text()
        next(b for b in box.buttons() if b.text() == "Continue without them").click()

    on_next_modal(choose, qtbot)
    assert ask_wal_loss(None, exc) is True
    assert "at least 3 saved change(s)" in seen["text"] and "wal-damage-x" in seen["text"]

    on_next_modal(lambda box: next(b for b in box.buttons() if b.text() == "Close Triage Desk").click(), qtbot)
    assert ask_wal_loss(None, exc) is False


def test_app_start_asks_before_dropping_a_damaged_log(qtbot, workspace, tmp_path, monkeypatch):
    """The GUI side of reproduced failure 5: the app asks; only 'continue' opens the database."""
    from store_helpers import FRAME, current_frames, snapshot_open_store, submit_referrals

    from triage_desk.ui import backups_dialog
    from triage_desk.ui.app import AppController

    submit_referrals(workspace, 8)
    crashed = snapshot_open_store(workspace, tmp_path / "crashed")  # the keyring still holds its key
    wal = crashed / "triage.db-wal"
    frames = current_frames(wal)
    flip(wal, 32 + frames[len(frames) // 2] * FRAME + 24 + 500)
    answers = [False]
    asked = []
    monkeypatch.setattr(backups_dialog, "ask_wal_loss", lambda parent, exc: asked.append(exc.lost) or answers[0])
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(lambda *a: None))

    refused = AppController(crashed, exit_app=lambda code: None)
    refused.start()
    qtbot.waitUntil(lambda: refused.quit_requested, timeout=15000)
    assert asked and refused.exit_code == 4 and refused.ws is None and wal.exists()
    refused.login.close()

    answers[0] = True
    app = AppController(crashed, exit_app=lambda code: None)
    app.start()
    qtbot.waitUntil(lambda: app.login.ws is not None, timeout=15000)
    assert len(asked) == 2 and app.accept_wal_loss and list(crashed.glob("wal-damage-*"))
    app.shutdown()
