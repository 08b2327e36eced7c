"""Scripted deployment without a screen: init, users, keys; never waits on standard input."""

from __future__ import annotations

import subprocess
import sys

from triage_desk.cli import main


def _init(data_dir, files):
    return main(["init", "--data-dir", str(data_dir), "--admin", "itadmin", "--passphrase-file",
                 files["passphrase"], "--admin-password-file", files["admin"]])


def test_init_prints_recovery_code_once_and_refuses_a_second_init(data_dir, secret_files, capsys):
    assert _init(data_dir, secret_files) == 0
    out = capsys.readouterr().out
    assert "RECOVERY CODE" in out and "shown once" in out
    assert _init(data_dir, secret_files) == 4
    assert "already holds" in capsys.readouterr().err


def test_user_commands(data_dir, secret_files, capsys):
    _init(data_dir, secret_files)
    base = ["--data-dir", str(data_dir), "--passphrase-file", secret_files["passphrase"],
            "--user", "itadmin", "--password-file", secret_files["admin"]]
    assert main(["user", "add", *base, "jo.officer", "--role", "officer", "--display-name", "Jo Test",
                 "--new-password-file", secret_files["user"]]) == 0
    assert main(["user", "disable", *base, "jo.officer"]) == 0
    assert main(["user", "list", *base]) == 0
    out = capsys.readouterr().out
    assert "jo.officer" in out and "disabled" in out
    # The officer cannot manage users, and says so.
    officer = ["--data-dir", str(data_dir), "--passphrase-file", secret_files["passphrase"],
               "--user", "jo.officer", "--password-file", secret_files["user"]]
    assert main(["user", "enable", *base, "jo.officer"]) == 0
    assert main(["user", "add", *officer, "x.y", "--role", "officer", "--display-name", "X",
                 "--new-password-file", secret_files["user"]]) == 5
    assert "only an administrator may do this" in capsys.readouterr().err


def test_bad_input_messages_name_the_file(data_dir, secret_files, tmp_path, capsys):
    missing = str(tmp_path / "nope.txt")
    assert main(["init", "--data-dir", str(data_dir), "--admin", "a1", "--passphrase-file", missing,
                 "--admin-password-file", secret_files["admin"]]) == 2
    assert "--passphrase-file: file" in capsys.readouterr().err
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert main(["init", "--data-dir", str(data_dir), "--admin", "a1", "--passphrase-file", str(empty),
                 "--admin-password-file", secret_files["admin"]]) == 2
    assert "is empty" in capsys.readouterr().err
    assert not data_dir.exists() or not (data_dir / "keys.json").exists()


def test_no_terminal_never_waits(data_dir, secret_files, no_keyring):
    _init(data_dir, secret_files)
    proc = subprocess.run([sys.executable, "-m", "triage_desk", "audit", "verify", "--data-dir", str(data_dir)],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "--passphrase-file" in proc.stderr


def test_key_commands(data_dir, secret_files, tmp_path, capsys, memory_keyring):
    _init(data_dir, secret_files)
    new = tmp_path / "new.txt"
    new.write_text("another passphrase 42\n")
    base = ["--data-dir", str(data_dir), "--user", "itadmin", "--password-file", secret_files["admin"]]
    assert main(["key", "passphrase", *base, "--current-passphrase-file", secret_files["passphrase"],
                 "--new-passphrase-file", str(new)]) == 0
    assert main(["key", "recovery-code", *base]) == 0
    assert "NEW RECOVERY CODE" in capsys.readouterr().out
    memory_keyring.store.clear()
    assert main(["audit", "verify", "--data-dir", str(data_dir), "--passphrase-file", str(new)]) == 0
    assert main(["audit", "verify", "--data-dir", str(data_dir), "--passphrase-file",
                 secret_files["passphrase"]]) == 3


def test_data_dir_works_before_or_after_the_command(data_dir, secret_files, capsys):
    assert _init(data_dir, secret_files) == 0
    capsys.readouterr()
    for argv in (["--data-dir", str(data_dir), "--passphrase-file", secret_files["passphrase"], "audit", "verify"],
                 ["audit", "verify", "--data-dir", str(data_dir), "--passphrase-file", secret_files["passphrase"]]):
        assert main(argv) == 0, argv
        assert "intact" in capsys.readouterr().out.lower()


def _recovery_code(text: str) -> str:
    lines = text.splitlines()
    return next(lines[i + 1].strip() for i, line in enumerate(lines) if "RECOVERY CODE" in line)


def test_forgotten_passphrase_is_reset_with_the_recovery_code(data_dir, secret_files, tmp_path, capsys,
                                                               memory_keyring):
    _init(data_dir, secret_files)
    code_file = tmp_path / "code.txt"
    code_file.write_text(_recovery_code(capsys.readouterr().out) + "\n")
    new = tmp_path / "new.txt"
    new.write_text("a brand new passphrase 7\n")
    memory_keyring.store.clear()  # the keyring is gone and nobody remembers the passphrase
    argv = ["key", "recover", "--data-dir", str(data_dir), "--recovery-code-file", str(code_file),
            "--new-passphrase-file", str(new), "--user", "itadmin", "--password-file"]
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the admin password\n")
    assert main([*argv, str(wrong)]) == 6  # the admin's own password is required too
    assert main([*argv, secret_files["admin"]]) == 0
    out = capsys.readouterr().out
    assert _recovery_code(out) != code_file.read_text().strip()
    assert main(["audit", "verify", "--data-dir", str(data_dir), "--passphrase-file", str(new)]) == 0
    assert main([*argv, secret_files["admin"]]) == 3  # the used recovery code no longer opens the database
