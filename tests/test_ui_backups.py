"""File › Backups and the automatic backups (issue 9 §6), and the damaged-log question at start-up."""

from __future__ import annotations

from pathlib import Path

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
    flip(path, (path.stat().st_size // 4096 - 1) * 4096 + 700)
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
