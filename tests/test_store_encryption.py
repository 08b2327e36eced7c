"""The database is unreadable without the key, and every way of getting the key works."""

from __future__ import annotations

import sqlite3

import pytest

from tests.conftest import ADMIN_PASSWORD, PASSPHRASE
from triage_desk import accounts, vault
from triage_desk.errors import KeyError_, StoreError
from triage_desk.models import Role
from triage_desk.workspace import open_workspace

pytestmark = pytest.mark.sqlite_only("encryption at rest of the SQLCipher file and the ways to its key")

SYNTHETIC_NAME = "Zzyxquorth Testperson"


def _files(data_dir):
    return [p for p in data_dir.iterdir() if p.name.startswith("triage.db")]


def test_database_file_is_not_plain_sqlite_and_holds_no_clear_text(workspace, data_dir):
    with workspace.session() as s:
        accounts.create_user(s, workspace.user, "synthetic", SYNTHETIC_NAME, Role.OFFICER, "some password 1")
    # Keep the WAL around (connection still open) so -wal/-shm are checked while they hold pages.
    with workspace.engine.connect() as conn:
        conn.exec_driver_sql("SELECT count(*) FROM user").fetchone()
        files = _files(data_dir)
        assert any(p.name.endswith("-wal") for p in files)
        for path in files:
            data = path.read_bytes()
            assert not data.startswith(b"SQLite format 3"), path.name
            for needle in (SYNTHETIC_NAME.encode(), b"CREATE TABLE", b"synthetic"):
                assert needle not in data, f"{needle!r} readable in {path.name}"


def test_stdlib_sqlite_cannot_read_it(workspace, data_dir):
    conn = sqlite3.connect(data_dir / "triage.db")
    with pytest.raises(sqlite3.DatabaseError):
        conn.execute("SELECT * FROM sqlite_master").fetchall()
    conn.close()


def test_wrong_passphrase_is_clear_and_changes_nothing(workspace, data_dir, memory_keyring):
    workspace.close()
    memory_keyring.store.clear()
    before = {p.name: p.read_bytes() for p in data_dir.iterdir()}
    with pytest.raises(KeyError_, match="wrong passphrase"):
        open_workspace(data_dir, passphrase="not the passphrase")
    with pytest.raises(KeyError_, match="wrong recovery code"):
        open_workspace(data_dir, recovery_code="AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")
    after = {p.name: p.read_bytes() for p in data_dir.iterdir()}
    assert before == after


def test_keyring_lost_then_passphrase_and_recovery_code_both_unlock(workspace, data_dir, memory_keyring):
    code = workspace.recovery_code
    workspace.close()
    memory_keyring.store.clear()
    with pytest.raises(vault.NeedsPassphrase):
        open_workspace(data_dir)
    ws = open_workspace(data_dir, passphrase=PASSPHRASE)
    ws.close()
    memory_keyring.store.clear()
    ws = open_workspace(data_dir, recovery_code=code.lower().replace("-", " "))  # as typed by a person
    with ws.session() as s:
        assert accounts.authenticate(s, "admin", ADMIN_PASSWORD).username == "admin"
    ws.close()
    # Unlocking re-seeds the keyring so the next start is silent.
    open_workspace(data_dir).close()


def test_no_keyring_machine_needs_the_passphrase(no_keyring, tmp_path):
    from triage_desk.workspace import init_workspace

    ws, _ = init_workspace(tmp_path / "d", admin_username="admin", admin_display_name="A",
                           admin_password=ADMIN_PASSWORD, passphrase=PASSPHRASE)
    ws.close()
    with pytest.raises(vault.NeedsPassphrase):
        open_workspace(tmp_path / "d")
    open_workspace(tmp_path / "d", passphrase=PASSPHRASE).close()


def test_a_key_no_keyring_ever_held_is_not_looked_for_there_until_one_takes_it(no_keyring, tmp_path):
    # found: with no keyring, every start imported `keyring` and asked it for a key it was never given
    # (~25 ms before the unlock dialog, the first thing the person can use; more where backends are probed)
    import keyring

    from tests.conftest import MemoryKeyring
    from triage_desk.workspace import init_workspace

    ws, _ = init_workspace(tmp_path / "d", admin_username="admin", admin_display_name="A",
                           admin_password=ADMIN_PASSWORD, passphrase=PASSPHRASE)
    ws.close()
    asked: list[str] = []

    class Watched(MemoryKeyring):
        def get_password(self, service, username):
            asked.append(username)
            return super().get_password(service, username)

    keyring.set_keyring(Watched())  # a keyring appears later (installed, or a desktop session)
    with pytest.raises(vault.NeedsPassphrase):
        open_workspace(tmp_path / "d")
    assert asked == []
    open_workspace(tmp_path / "d", passphrase=PASSPHRASE).close()  # the keyring takes the key now
    open_workspace(tmp_path / "d").close()  # so the next start is silent, from the keyring
    assert asked


def test_a_key_file_from_before_the_keyring_record_still_opens_from_the_keyring(workspace, data_dir):
    # Key files written before they said whether a keyring holds the key: the keyring is asked, as before.
    import json

    workspace.close()
    path = data_dir / "keys.json"
    doc = json.loads(path.read_text("utf-8"))
    assert doc.pop("in_keyring") is True  # the key went to the (test's) keyring when the store was made
    path.write_text(json.dumps(doc), "utf-8")
    ws = open_workspace(data_dir)
    assert ws.unlocked_with == "keyring"
    ws.close()


def test_changing_the_passphrase_rewraps_without_reencrypting(workspace, data_dir, memory_keyring):
    from triage_desk import keys

    key_before = workspace.key
    with pytest.raises(KeyError_):
        keys.change_passphrase(workspace, "wrong current passphrase", "brand new passphrase 9")
    keys.change_passphrase(workspace, PASSPHRASE, "brand new passphrase 9")
    workspace.close()
    # The same data key is now wrapped under the new passphrase: the database was not re-encrypted.
    kf = vault.KeyFile.load(data_dir)
    assert kf.unwrap(vault.SLOT_PASSPHRASE, "brand new passphrase 9") == key_before
    memory_keyring.store.clear()
    with pytest.raises(KeyError_):
        open_workspace(data_dir, passphrase=PASSPHRASE)
    open_workspace(data_dir, passphrase="brand new passphrase 9").close()


def test_new_recovery_code_replaces_the_old_one(workspace, data_dir, memory_keyring):
    from triage_desk import keys

    old = workspace.recovery_code
    new = keys.new_recovery_code(workspace)
    workspace.close()
    memory_keyring.store.clear()
    with pytest.raises(KeyError_):
        open_workspace(data_dir, recovery_code=old)
    open_workspace(data_dir, recovery_code=new).close()


def test_officer_cannot_manage_keys(workspace):
    from triage_desk import keys
    from triage_desk.errors import PermissionDenied

    with workspace.session() as s:
        workspace.user = accounts.authenticate(s, "officer", "user-password-1")
    with pytest.raises(PermissionDenied):
        keys.new_recovery_code(workspace)


def test_second_instance_is_refused(workspace, data_dir):
    with pytest.raises(StoreError, match="already open"):
        open_workspace(data_dir, passphrase=PASSPHRASE)


def test_corrupt_database_is_refused_and_left_as_it_was(workspace, data_dir):
    workspace.close()
    db = data_dir / "triage.db"
    damaged = bytearray(db.read_bytes())
    damaged[100:4000] = b"\x00" * 3900  # wipe most of the first page
    db.write_bytes(bytes(damaged))
    with pytest.raises(StoreError, match="triage.db cannot be read"):
        open_workspace(data_dir)
    assert db.read_bytes() == bytes(damaged)


def test_missing_and_damaged_key_file(workspace, data_dir, memory_keyring):
    workspace.close()
    memory_keyring.store.clear()
    key_file = data_dir / "keys.json"
    original = key_file.read_text()
    key_file.write_text(original[: len(original) // 2])
    with pytest.raises(KeyError_, match="keys.json is damaged"):
        open_workspace(data_dir, passphrase=PASSPHRASE)
    key_file.unlink()
    with pytest.raises(KeyError_, match="keys.json is missing"):
        open_workspace(data_dir, passphrase=PASSPHRASE)
    key_file.write_text(original)
    open_workspace(data_dir, passphrase=PASSPHRASE).close()


def test_missing_and_read_only_data_directory(workspace, data_dir, tmp_path, monkeypatch):
    import os

    with pytest.raises(StoreError, match="no Triage Desk database"):
        open_workspace(tmp_path / "nowhere")
    workspace.close()
    before = {p.name: p.read_bytes() for p in data_dir.iterdir()}
    data_dir.chmod(0o500)
    if os.geteuid() == 0:  # root ignores permission bits: make the OS answer as it would for a user
        monkeypatch.setattr("triage_desk.db.os.access", lambda path, mode: False)
    try:
        with pytest.raises(StoreError, match="is not writable"):
            open_workspace(data_dir, passphrase=PASSPHRASE)
    finally:
        data_dir.chmod(0o700)
    assert before == {p.name: p.read_bytes() for p in data_dir.iterdir()}
