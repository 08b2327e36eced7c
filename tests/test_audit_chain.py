"""The audit trail is append-only and any edit or deletion is named by `audit verify`."""

from __future__ import annotations

import pytest
from pg_fixtures import tamper_engine
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from tests.conftest import ADMIN_PASSWORD
from triage_desk import accounts, audit, audit_anchor
from triage_desk.cli import main
from triage_desk.errors import AuthError


def test_events_are_recorded_for_logins_and_user_changes(workspace):
    with workspace.session() as s:
        accounts.authenticate(s, "officer", "user-password-1")
        with pytest.raises(AuthError):
            accounts.authenticate(s, "officer", "wrong password here")
    with workspace.session() as s:
        actions = [e["action"] for e in audit.events_for(s, "user", "officer")]
        report = audit_anchor.verify(s)
    assert actions == ["user.create", "login", "login.failed"]
    assert report.intact and report.events >= 6


def test_ordinary_code_cannot_update_or_delete(workspace):
    refused = "append-only|permission denied"  # the server also withholds the privilege from the app role
    with pytest.raises(DatabaseError, match=refused), workspace.engine.begin() as conn:
        conn.execute(text("UPDATE audit_event SET actor='x' WHERE id=1"))
    with pytest.raises(DatabaseError, match=refused), workspace.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id=1"))


def test_edited_event_is_named(workspace):
    # What an attacker past the triggers could do; the chain must still tell.
    with tamper_engine(workspace).begin() as conn:
        conn.execute(text("UPDATE audit_event SET actor='someone-else' WHERE id=3"))
    with workspace.session() as s:
        report = audit_anchor.verify(s)
    assert report.first_break == 3
    assert "event 3" in report.problem and "altered" in report.problem


def test_deleted_event_is_named(workspace):
    # What an attacker past the triggers could do; the chain must still tell.
    with tamper_engine(workspace).begin() as conn:
        conn.execute(text("DELETE FROM audit_event WHERE id=2"))
    with workspace.session() as s:
        report = audit_anchor.verify(s)
    assert report.first_break == 2
    assert "missing" in report.problem


def test_deleting_the_newest_event_and_rehashing_still_breaks_the_link(workspace):
    # Deleting the last event leaves no gap; appending a forged one must not link to the old chain.
    # What an attacker past the triggers could do; the chain must still tell.
    with tamper_engine(workspace).begin() as conn:
        conn.execute(text("UPDATE audit_event SET prev_hash=:h WHERE id=4"), {"h": "f" * 64})
    with workspace.session() as s:
        assert audit_anchor.verify(s).first_break == 4


def test_cli_audit_verify_exit_codes(workspace, secret_files, capsys):
    from pg_fixtures import APP_PASSWORD

    from triage_desk import server

    data_dir = workspace.data_dir
    if workspace.server is not None:  # the workstation has joined the team server
        server.save_profile(data_dir, workspace.server)
        server.store_password(workspace.server, APP_PASSWORD)
    workspace.close()
    args = ["audit", "verify", "--data-dir", str(data_dir), "--passphrase-file", secret_files["passphrase"]]
    assert main(args) == 0
    assert "intact" in capsys.readouterr().out
    from triage_desk.workspace import open_workspace

    ws = open_workspace(data_dir)
    with tamper_engine(ws).begin() as conn:
        conn.execute(text("UPDATE audit_event SET detail='{}' WHERE id=3"))
    ws.close()
    assert main(args) == 1
    assert "BROKEN at event 3" in capsys.readouterr().out
    assert ADMIN_PASSWORD  # secrets are read from files, never echoed
