"""Issue 9 §6 and §8: no silent loss from a damaged write-ahead log, database damage is exit 4 (never a
traceback), read-only commands beside the open app, sign-in cost, private files."""

from __future__ import annotations

import stat

import pytest
from store_helpers import FRAME, current_frames, flip, run_cli, snapshot_open_store, submit_referrals

from triage_desk import secretbox
from triage_desk.cli import main

pytestmark = pytest.mark.sqlite_only("the SQLCipher file's write-ahead log, damaged pages and private files")


def _cli(data_dir, files, *cmd, user="officer"):
    return [*cmd, "--data-dir", str(data_dir), "--passphrase-file", files["passphrase"], "--user", user,
            "--password-file", files["user" if user != "admin" else "admin"]]


def _listed(capsys) -> list[str]:
    return [line.split()[0] for line in capsys.readouterr().out.splitlines() if line.startswith("TD-")]


def test_damaged_wal_is_refused_kept_and_never_dropped(workspace, secret_files, tmp_path, capsys):
    """Reproduced failure 5: 50 referrals in an un-checkpointed log, one byte flipped in it."""
    submit_referrals(workspace, 50)
    crashed = snapshot_open_store(workspace, tmp_path / "crashed")
    wal = crashed / "triage.db-wal"
    current = current_frames(wal)  # the log restarts after each checkpoint; older frames are stale
    assert len(current) > 20  # committed referrals are in the log, not yet in the database file
    flip(wal, 32 + current[len(current) // 3] * FRAME + 24 + 1000)  # inside a page a third of the way in
    damaged = wal.read_bytes()
    args = _cli(crashed, secret_files, "referral", "list", "--limit", "100")

    assert main(args) == 4
    err = capsys.readouterr().err
    assert "write-ahead log is damaged" in err and "--accept-wal-loss" in err
    lost = int(err.split("at least ")[1].split()[0])
    assert 1 <= lost <= 50
    assert wal.read_bytes() == damaged  # the log is still there, untouched
    copies = list(crashed.glob("wal-damage-*"))
    assert len(copies) == 1 and (copies[0] / "triage.db-wal").read_bytes() == damaged
    assert stat.S_IMODE(copies[0].stat().st_mode) == 0o700

    assert main([*args, "--accept-wal-loss"]) == 0  # an explicit choice, and the copy stays
    kept = len(_listed(capsys))  # a referral takes several transactions (draft, submission, audit)
    assert 50 - lost <= kept < 50
    assert (copies[0] / "triage.db-wal").read_bytes() == damaged


def test_a_commit_cut_short_by_a_crash_is_not_called_damage(workspace, secret_files, tmp_path, capsys):
    """Found in CI (repeated SIGKILL of an autosaving process): the kill landed while the last transaction's
    commit frame was being written over an older frame, so its header carried this log's salts and a commit
    marker but not its page. That transaction was never reported saved and SQLite drops it, as it should;
    the open was refused as "write-ahead log damaged" (1 lost) instead."""
    refs = submit_referrals(workspace, 5)
    crashed = snapshot_open_store(workspace, tmp_path / "crashed")
    wal = crashed / "triage.db-wal"
    current = current_frames(wal)
    flip(wal, 32 + current[-1] * FRAME + 24 + 1000)  # the page of the log's last frame: its commit, torn
    assert main(_cli(crashed, secret_files, "referral", "list")) == 0
    assert set(_listed(capsys)) >= set(refs[:-1])  # every earlier referral is there; the torn one may not be
    assert not list(crashed.glob("wal-damage-*"))


def test_intact_wal_after_a_crash_opens_normally(workspace, secret_files, tmp_path, capsys):
    refs = submit_referrals(workspace, 5)
    crashed = snapshot_open_store(workspace, tmp_path / "crashed")
    assert main(_cli(crashed, secret_files, "referral", "list")) == 0
    assert sorted(_listed(capsys)) == sorted(refs)
    assert not list(crashed.glob("wal-damage-*"))


def test_deep_page_damage_is_exit_4_with_words_never_a_traceback(workspace, secret_files, data_dir):
    """Reproduced failure 7a: damaged pages deep in triage.db."""
    submit_referrals(workspace, 30)
    workspace.close()
    db = data_dir / "triage.db"
    pages = db.stat().st_size // 4096
    assert pages > 20
    for page in range(pages // 3, pages):  # one flipped byte in every page of the last two thirds
        flip(db, page * 4096 + 2000)
    listing = run_cli(*_cli(data_dir, secret_files, "referral", "list"))
    assert listing.returncode == 4, listing.stderr
    assert "Traceback" not in listing.stderr and "sqlalchemy" not in listing.stderr.lower()
    assert "damaged" in listing.stderr and listing.stderr.count("\n") == 1
    check = run_cli("check", "--data-dir", str(data_dir), "--passphrase-file", secret_files["passphrase"])
    assert check.returncode == 4 and "Traceback" not in check.stderr
    assert "FAILED  page authentication" in check.stdout or "damaged" in check.stderr


def test_check_reports_each_part_of_a_healthy_store(workspace, secret_files, data_dir, capsys):
    submit_referrals(workspace, 2)
    workspace.close()
    assert main(["check", "--data-dir", str(data_dir), "--passphrase-file", secret_files["passphrase"]]) == 0
    out = capsys.readouterr().out
    for part in ("page authentication", "quick_check", "audit trail"):
        assert f"ok      {part}" in out or any(line.startswith("ok") and part in line for line in out.splitlines())


def test_read_only_commands_work_while_the_app_is_open(workspace, secret_files, data_dir, capsys):
    """Reproduced failure 7c: `referral list` was refused while the app held the database."""
    refs = submit_referrals(workspace, 3)  # `workspace` stays open: it is the running app
    assert main(_cli(data_dir, secret_files, "referral", "list")) == 0
    assert sorted(_listed(capsys)) == sorted(refs)
    assert main(["audit", "verify", "--data-dir", str(data_dir), "--passphrase-file", secret_files["passphrase"]]) == 0
    capsys.readouterr()
    # `verify` of a bundle the app just wrote, checked against this database's signers.
    from bundle_helpers import decided_case, export_to, new_identity, sign_in

    sign_in(workspace)
    ident = new_identity()
    bundle = export_to(workspace, decided_case(workspace)["reference"], data_dir.parent / "c.tdcase", ident).path
    (data_dir.parent / "id.txt").write_text(f"{ident}\n")
    assert main(["verify", str(bundle), "--identity", str(data_dir.parent / "id.txt"), "--data-dir", str(data_dir),
                 "--passphrase-file", secret_files["passphrase"]]) == 0
    capsys.readouterr()
    # Writers stay exclusive.
    assert main(_cli(data_dir, secret_files, "user", "add", "other", "--role", "officer", "--display-name", "O",
                     "--new-password-file", secret_files["user"], user="admin")) == 4
    assert "already open" in capsys.readouterr().err
    # The app goes on writing after the reader's audit events, and the chain holds.
    submit_referrals(workspace, 1)
    from triage_desk import audit_anchor

    with workspace.session() as s:
        assert audit_anchor.verify(s).intact


def test_sign_in_costs_the_same_for_unknown_and_known_names(workspace, monkeypatch):
    """Reproduced failure 7b: an unknown name answered without any key stretching (enumeration)."""
    from triage_desk import accounts
    from triage_desk.errors import AuthError

    costs = []
    real = secretbox.stretch
    monkeypatch.setattr(secretbox, "stretch", lambda s, salt, p: costs.append(p) or real(s, salt, p))

    def attempt(name: str) -> list:
        costs.clear()
        try:
            with workspace.session() as s:
                accounts.authenticate(s, name, "not the password")
        except AuthError:
            pass
        return list(costs)

    known, unknown = attempt("officer"), attempt("nobody-here")
    assert len(known) == 1 and unknown == known  # one Argon2id at the same cost either way


def test_files_the_app_writes_are_owner_only(workspace, secret_files, data_dir, tmp_path):
    """Reproduced failure 7d: files were written world-readable (0644)."""
    workspace.close()
    out = tmp_path / "me.pem"
    key = run_cli("trust", "key", "--out", str(out), "--data-dir", str(data_dir), "--passphrase-file",
                  secret_files["passphrase"], "admin")
    backup = run_cli("backup", "--data-dir", str(data_dir), "--passphrase-file", secret_files["passphrase"])
    assert key.returncode == 0, key.stderr
    assert backup.returncode == 0, backup.stderr
    written = [out, *(data_dir / "backups").iterdir()]
    assert written and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in written)


def test_unexpected_error_is_one_line_and_logged_without_personal_data(workspace, data_dir, monkeypatch, capsys):
    from triage_desk.cli import store_cmd

    workspace.close()
    secret = "Walsafe-Personal-Name"

    def boom(args):
        raise RuntimeError(f"something about {secret}")

    monkeypatch.setattr(store_cmd, "run_list", boom)
    monkeypatch.setattr(store_cmd, "run_backup", boom)
    assert main(["backup", "--data-dir", str(data_dir)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "RuntimeError" in err and secret not in err
    log = data_dir / "triage-desk.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    text = log.read_text()
    assert "RuntimeError" in text and "command=backup" in text and secret not in text
