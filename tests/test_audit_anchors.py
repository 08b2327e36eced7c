"""Issue 9 reproduced failures 2 and 3: with the database key an insider could shorten, empty or
rewrite the audit chain, or make themself an administrator, and `audit verify` still said "intact"."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from tests.conftest import USER_PASSWORD
from triage_desk import audit
from triage_desk.cli import main
from triage_desk.workspace import open_workspace

# On the server the application role cannot change audit events at all (test_audit_chain, test_team_server)
pytestmark = pytest.mark.sqlite_only("a holder of the SQLCipher key rewriting the chain; the anchor file beside it")

@pytest.fixture
def closed(workspace, data_dir, secret_files, tmp_path):
    """The fixture's database after a normal close, and the arguments of `audit verify`."""
    officer = tmp_path / "officer.txt"
    officer.write_text(USER_PASSWORD + "\n")
    secret_files["officer"] = str(officer)
    workspace.close()
    return ["audit", "verify", "--data-dir", str(data_dir), "--passphrase-file", secret_files["passphrase"]]


def _tamper(data_dir, *statements: str, params: dict | None = None) -> None:
    """What a holder of the database key can do: drop the append-only triggers and rewrite the table."""
    ws = open_workspace(data_dir)
    try:
        with ws.engine.begin() as conn:
            conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_update"))
            conn.execute(text("DROP TRIGGER IF EXISTS audit_event_no_delete"))
            for sql in statements:
                conn.execute(text(sql), params or {})
    finally:
        ws.engine.dispose()
        ws.lock.release()


def _rehash_from(data_dir, first_id: int) -> None:
    """Recompute every hash from `first_id` on, as an attacker who knows the chain rule would."""
    ws = open_workspace(data_dir)
    try:
        with ws.session() as s:
            rows = s.execute(text("SELECT id, at, actor, action, target_type, target_id, detail, prev_hash "
                                  "FROM audit_event ORDER BY id")).all()
            prev = audit.GENESIS
            for r in rows:
                if r.id >= first_id:
                    from datetime import datetime

                    at = datetime.fromisoformat(str(r.at))
                    h = audit._hash(prev, audit._canonical(r.id, at, r.actor, r.action, r.target_type,
                                                           r.target_id, r.detail))
                    s.execute(text("UPDATE audit_event SET prev_hash=:p, hash=:h WHERE id=:i"),
                              {"p": prev, "h": h, "i": r.id})
                    prev = h
                else:
                    prev = s.execute(text("SELECT hash FROM audit_event WHERE id=:i"), {"i": r.id}).scalar()
    finally:
        ws.engine.dispose()
        ws.lock.release()


def _verify(args, capsys) -> tuple[int, str]:
    rc = main(args)
    return rc, capsys.readouterr().out


def test_a_clean_database_verifies(closed, capsys):
    rc, out = _verify(closed, capsys)
    assert rc == 0, out
    assert "intact" in out


def test_deleting_every_event_is_not_intact(closed, data_dir, capsys):
    _tamper(data_dir, "DELETE FROM audit_event")
    rc, out = _verify(closed, capsys)
    assert rc == 1
    assert "empty" in out and "intact" not in out


def test_deleting_the_last_five_events_is_named(closed, data_dir, capsys):
    _tamper(data_dir, "DELETE FROM audit_event WHERE id > (SELECT MAX(id) - 5 FROM audit_event)")
    rc, out = _verify(closed, capsys)
    assert rc == 1
    assert "events were deleted" in out


def test_an_appended_correctly_hashed_event_is_not_proven(closed, data_dir, capsys):
    ws = open_workspace(data_dir)
    with ws.session() as s:
        last_id, last_hash = s.execute(text("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1")).one()
    ws.engine.dispose()
    ws.lock.release()
    from datetime import datetime

    at = datetime(2026, 11, 30, 3, 0)
    h = audit._hash(last_hash, audit._canonical(last_id + 1, at, "admin", "decision.approve", "referral", "x", "{}"))
    _tamper(data_dir, "INSERT INTO audit_event (id, at, actor, action, target_type, target_id, detail, prev_hash, "
                      "hash) VALUES (:i, :at, 'admin', 'decision.approve', 'referral', 'x', '{}', :p, :h)",
            params={"i": last_id + 1, "at": at, "p": last_hash, "h": h})
    rc, out = _verify(closed, capsys)
    assert rc == 1
    assert "not signed by any user's key" in out


def test_editing_an_event_and_rehashing_the_rest_is_named(closed, data_dir, capsys):
    _tamper(data_dir, "UPDATE audit_event SET actor='someone-else' WHERE id=3")
    _rehash_from(data_dir, 3)
    rc, out = _verify(closed, capsys)
    assert rc == 1
    assert "rewritten" in out


def test_removing_checkpoints_still_leaves_the_anchor_file(closed, data_dir, capsys):
    _tamper(data_dir, "DELETE FROM audit_event WHERE id > (SELECT MAX(id) - 2 FROM audit_event)",
            "DELETE FROM audit_checkpoint")
    rc, out = _verify(closed, capsys)
    assert rc == 1
    assert "shorter than the anchor file" in out


def test_the_anchor_file_is_owner_only_and_its_loss_is_named(closed, data_dir, capsys):
    anchor = data_dir / "audit-anchor.json"
    assert anchor.stat().st_mode & 0o777 == 0o600
    assert json.loads(anchor.read_text())["format"] == "triage-desk/audit-anchor"
    anchor.unlink()
    rc, out = _verify(closed, capsys)
    assert rc == 1 and "anchor file" in out and "missing" in out


def test_a_role_changed_through_the_database_key_is_refused_and_named(closed, data_dir, secret_files, capsys):
    _tamper(data_dir, "UPDATE user SET role='admin' WHERE username='officer'")
    new_password = data_dir.parent / "new.txt"
    new_password.write_text("another-password-9\n")
    rc = main(["user", "add", "mallory", "--role", "lead", "--display-name", "Mal Lory", "--data-dir", str(data_dir),
               "--passphrase-file", secret_files["passphrase"], "--user", "officer",
               "--password-file", secret_files["officer"], "--new-password-file", str(new_password)])
    err = capsys.readouterr().err
    assert rc == 6
    assert "role was changed outside the app" in err
    rc, out = _verify(closed, capsys)
    assert rc == 1
    assert "user officer" in out and "outside the app" in out


def test_init_prints_the_pinned_administrator_fingerprint(tmp_path, secret_files, capsys):
    data = tmp_path / "fresh"
    assert main(["init", "--data-dir", str(data), "--admin", "itadmin", "--passphrase-file",
                 secret_files["passphrase"], "--admin-password-file", secret_files["admin"]]) == 0
    out = capsys.readouterr().out
    assert "ADMINISTRATOR KEY FINGERPRINT" in out
    from triage_desk import grants

    ws = open_workspace(data)
    try:
        with ws.session() as s:
            pin = grants.pinned(s)
    finally:
        ws.close()
    from triage_desk.bundle.signing import display_fingerprint

    assert display_fingerprint(pin) in out


def test_a_failed_sign_in_leaves_the_chain_verifiable(closed, data_dir, secret_files, tmp_path, capsys):
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the password\n")
    assert main(["user", "list", "--data-dir", str(data_dir), "--passphrase-file", secret_files["passphrase"],
                 "--user", "officer", "--password-file", str(wrong)]) == 6
    capsys.readouterr()
    rc, out = _verify(closed, capsys)
    assert rc == 0, out
    assert "failed sign-in attempts" in out
