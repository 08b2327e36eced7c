"""Upgrades keep data: a database made by the oldest migration opens with this code, is migrated on first
open, and keeps its users, settings and audit trail."""

from __future__ import annotations

import json

from upgrade_helpers import OLD_PASSPHRASE, OLD_PASSWORD, make_oldest_data_dir, secret_files

from triage_desk.cli import main


def _revision(ws) -> str:
    with ws.engine.connect() as conn:
        return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def test_oldest_schema_migrates_on_first_open_and_keeps_its_data(tmp_path):
    from triage_desk import accounts, audit_anchor, preferences
    from triage_desk.selfcheck import newest_revision
    from triage_desk.workspace import open_workspace

    data = tmp_path / "data"
    made = make_oldest_data_dir(data)
    ws = open_workspace(data, passphrase=OLD_PASSPHRASE)
    try:
        assert _revision(ws) == newest_revision() != "0001"
        with ws.session() as s:
            assert sorted(u.username for u in accounts.list_users(s)) == sorted(made["users"])
            report = audit_anchor.verify(s)
            assert report.intact, report
            assert report.events >= made["events"]
            user = accounts.authenticate(s, "officer", OLD_PASSWORD)  # old password hashes still sign in
            assert user.display_name == "Old Officer"
        assert preferences.get_int(ws, preferences.IDLE_LOCK_MINUTES, 5) == 17
    finally:
        ws.close()


def test_the_command_line_works_on_an_upgraded_database(tmp_path, capsys):
    data = tmp_path / "data"
    make_oldest_data_dir(data)
    files = secret_files(tmp_path)
    db = ["--data-dir", str(data), "--passphrase-file", files["passphrase"]]
    assert main(["referral", "list", "--json", *db, "--user", "lead", "--password-file", files["password"]]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert main(["audit", "verify", *db]) == 0
