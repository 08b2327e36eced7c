"""Issue 9 point 4: roles and enabled state count only with an administrator's signature; point 3:
checkpoints every 100 events and at sign-out/lock/close."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from tests.conftest import ADMIN_PASSWORD, USER_PASSWORD
from triage_desk import accounts, audit, audit_anchor, grants
from triage_desk.errors import AuthError
from triage_desk.models import AuditCheckpoint, Role, RoleGrant


def sign_in(ws, username, password=USER_PASSWORD):
    with ws.session() as s:
        ws.user = accounts.authenticate(s, username, password)
    return ws.user


def test_role_changes_made_in_the_app_are_signed_and_sign_in_still_works(workspace):
    with workspace.session() as s:
        accounts.set_role(s, workspace.user, "officer", Role.LEAD)
        accounts.reset_password(s, workspace.user, "lead", "a-new-password-2")
    assert sign_in(workspace, "officer").role == "lead"
    assert sign_in(workspace, "lead", "a-new-password-2").role == "lead"
    with workspace.session() as s:
        assert grants.problems(s) == []
        assert s.execute(select(func.count()).select_from(RoleGrant)).scalar() == 5  # init, 2 users, 2 changes


def test_an_account_enabled_behind_the_apps_back_stays_refused(workspace):
    with workspace.session() as s:
        accounts.set_active(s, workspace.user, "officer", False)
    with workspace.engine.begin() as conn:
        conn.execute(text("""UPDATE "user" SET active = TRUE WHERE username = 'officer'"""))  # either store
    with pytest.raises(AuthError, match="enabled/disabled was changed outside the app"):
        sign_in(workspace, "officer")


def test_a_grant_signed_by_a_non_administrator_does_not_count(workspace):
    officer = sign_in(workspace, "officer")
    with workspace.session() as s:  # what an insider with the database key and their own key could write
        target = accounts.get_user(s, "officer")
        target.role = Role.ADMIN.value
        grants.grant(s, officer, target)
    with pytest.raises(AuthError, match="role was changed outside the app"):
        sign_in(workspace, "officer")
    with workspace.session() as s:
        assert any("not signed by an administrator" in p for p in grants.problems(s))


def test_an_older_database_is_adopted_by_the_first_administrator_to_sign_in(workspace):
    with workspace.engine.begin() as conn:  # as a database made before signed grants looks after upgrading
        conn.execute(text("DELETE FROM role_grant"))
        conn.execute(text("DELETE FROM setting WHERE key='admin_pin'"))
    assert sign_in(workspace, "officer").role == "officer"  # nothing is enforced before an admin adopts it
    sign_in(workspace, "admin", ADMIN_PASSWORD)
    with workspace.session() as s:
        assert grants.pinned(s) == grants.key_fingerprint(accounts.get_user(s, "admin"))
        assert grants.problems(s) == []
        assert s.execute(text("SELECT count(*) FROM audit_event WHERE action='roles.adopt'")).scalar() == 1
        assert s.execute(select(func.count()).select_from(RoleGrant)).scalar() == 3


def test_a_checkpoint_is_signed_every_hundred_events_and_at_sign_out(workspace):
    with workspace.session() as s:
        before = s.execute(select(func.count()).select_from(AuditCheckpoint)).scalar()
        for i in range(100):
            audit.record(s, "admin", "test.event", "workspace", None, n=i)
    with workspace.session() as s:
        rows = s.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).scalars().all()
        assert len(rows) == before + 1 and rows[-1].reason == "interval" and rows[-1].events % 100 == 0
        audit.record(s, "admin", "test.event", "workspace", None)
    audit_anchor.sign_out(workspace)
    assert workspace.user.signing_key is None  # the key left memory
    with workspace.session() as s:
        last = s.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())).scalars().first()
        events = s.execute(select(func.max(text("id"))).select_from(text("audit_event"))).scalar()
        assert last.reason == "sign-out" and last.events == events
        assert audit_anchor.verify(s).intact


@pytest.mark.sqlite_only("an unsigned tail means a crash on one PC; on a server other workstations' sessions leave one")
def test_events_left_unsigned_by_a_crash_are_noted_at_the_next_sign_in(workspace, data_dir):
    from triage_desk.workspace import open_workspace

    workspace.close()
    ws = open_workspace(data_dir)
    with ws.session() as s:  # written without anyone signed in, and the app "crashes" before closing
        audit.record(s, "officer", "case.view", "referral", "a-case")
    with ws.session() as s:
        assert not audit_anchor.verify(s).intact
    sign_in(ws, "officer")
    ws.close()
    ws = open_workspace(data_dir)
    try:
        with ws.session() as s:
            report = audit_anchor.verify(s)
        assert report.intact, report.problems
        assert any("not signed when written" in w for w in report.warnings)
    finally:
        ws.close()


def test_help_about_shows_the_pinned_administrator_fingerprint(qtbot, workspace, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from triage_desk.bundle.signing import display_fingerprint
    from triage_desk.ui import operations
    from triage_desk.ui.main_window import MainWindow

    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, body: shown.append(body))
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.about_action.trigger()
    operations.settle()  # the fingerprint is read off the GUI thread
    with workspace.session() as s:
        pin = grants.pinned(s)
    assert shown and display_fingerprint(pin) in shown[0]


def test_locking_and_signing_out_of_the_window_write_signed_checkpoints(qtbot, workspace):
    from triage_desk.ui import operations
    from triage_desk.ui.main_window import MainWindow

    window = MainWindow(workspace)
    qtbot.addWidget(window)
    with workspace.session() as s:
        audit.record(s, "admin", "test.event", "workspace", None)
    window.lock()
    operations.settle()  # the lock is recorded off the GUI thread
    with workspace.session() as s:
        last = s.execute(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())).scalars().first()
        assert last.reason == "lock" and last.signed_by == "admin"
    window.sign_out()
    with workspace.session() as s:
        reasons = s.execute(select(AuditCheckpoint.reason)).scalars().all()
    assert reasons[-1] == "sign-out"
