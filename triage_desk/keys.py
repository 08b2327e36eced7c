"""Key-management services (admin only): change the passphrase, issue a new recovery code.

Both re-wrap the same data key; the database is never re-encrypted.
"""

from __future__ import annotations

from triage_desk import accounts, audit, vault
from triage_desk.models import Role


def change_passphrase(ws, current: str, new: str) -> None:
    accounts.require(ws.user, Role.ADMIN)
    vault.KeyFile.load(ws.data_dir).unwrap(vault.SLOT_PASSPHRASE, current)  # proves the current passphrase
    vault.change_passphrase(ws.key_file, ws.key, new)
    with ws.session() as s:
        audit.record(s, ws.actor, "key.passphrase_change", "workspace", ws.key_file.db_id)


def new_recovery_code(ws) -> str:
    accounts.require(ws.user, Role.ADMIN)
    code = vault.replace_recovery_code(ws.key_file, ws.key)
    with ws.session() as s:
        audit.record(s, ws.actor, "key.recovery_code_replaced", "workspace", ws.key_file.db_id)
    return code
