"""Issue 9 §6: automatic encrypted backups, `backup verify` and `restore` round trip."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from store_helpers import flip, submit_referrals

from triage_desk import backup
from triage_desk.cli import main
from triage_desk.models import Referral

# a team server is backed up with IT's own tools (docs/team-server.md)
pytestmark = pytest.mark.sqlite_only("File › Backups copies the SQLCipher file")


def _documents(ws) -> dict[str, str]:
    with ws.session() as s:
        return {r.reference: r.document for r in s.query(Referral)}


def _common(data_dir, files):
    return ["--data-dir", str(data_dir), "--passphrase-file", files["passphrase"]]


def test_restore_gives_back_exactly_what_was_backed_up(workspace, data_dir, secret_files, capsys):
    from conftest import PASSPHRASE

    from triage_desk.workspace import open_workspace

    submit_referrals(workspace, 4)
    original = _documents(workspace)
    path = backup.create_backup(workspace)
    assert path.read_bytes()[:16] != b"SQLite format 3\x00"  # encrypted like the database
    submit_referrals(workspace, 2)  # work after the backup
    workspace.close()

    assert main(["backup", "verify", str(path), *_common(data_dir, secret_files)]) == 0
    assert main(["restore", str(path), *_common(data_dir, secret_files)]) == 0
    kept = capsys.readouterr().out.split("kept in ")[1].strip()
    ws = open_workspace(data_dir, passphrase=PASSPHRASE)
    try:
        assert _documents(ws) == original
    finally:
        ws.close()
    assert (data_dir / "backups" / kept.rsplit("/", 1)[-1] / "triage.db").exists()  # the replaced one is kept


def test_a_damaged_backup_is_refused_by_verify_and_restore(workspace, data_dir, secret_files, capsys):
    submit_referrals(workspace, 10)
    path = backup.create_backup(workspace)
    workspace.close()
    before = (data_dir / "triage.db").read_bytes()
    flip(path, (path.stat().st_size // 4096 // 2) * 4096 + 1500)
    assert main(["backup", "verify", str(path), *_common(data_dir, secret_files)]) == 4
    assert "FAILED  page authentication" in capsys.readouterr().out
    assert main(["restore", str(path), *_common(data_dir, secret_files)]) == 4
    assert "nothing was changed" in capsys.readouterr().err
    assert (data_dir / "triage.db").read_bytes() == before
    garbage = data_dir / "backups" / "not-a-backup.db"
    garbage.write_bytes(b"\x00" * 8192)
    assert main(["backup", "verify", str(garbage), *_common(data_dir, secret_files)]) == 4


def test_backups_rotate_and_the_app_writes_one_on_close(workspace, data_dir):
    start = datetime(2026, 11, 1, 9, 0)
    for n in range(backup.KEEP + 3):
        backup.create_backup(workspace, now=start + timedelta(minutes=n))
    kept = backup.list_backups(data_dir)
    assert len(kept) == backup.KEEP and kept[-1].created == start + timedelta(minutes=3)  # oldest went first
    workspace.backup_on_close = True
    workspace.close()
    assert len(backup.list_backups(data_dir)) == backup.KEEP
    assert backup.list_backups(data_dir)[0].created > start + timedelta(days=1)  # written just now


def test_backup_works_while_the_app_is_open(workspace, data_dir, secret_files, capsys):
    submit_referrals(workspace, 1)
    assert main(["backup", *_common(data_dir, secret_files)]) == 0
    assert main(["backup", "list", "--data-dir", str(data_dir)]) == 0
    assert str(backup.list_backups(data_dir)[0].path) in capsys.readouterr().out
