"""Key-management services (admin only): change the passphrase, issue a new recovery code.

Both re-wrap the same data key; the database is never re-encrypted.
"""

from __future__ import annotations

from triage_desk import accounts, audit, vault
from triage_desk.errors import AuthError
from triage_desk.models import Role
from triage_desk.secretbox import check_password


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


def reset_passphrase(ws, admin_password: str, new: str) -> str:
    """After unlocking with the recovery code (the passphrase is forgotten): set a new passphrase.

    The admin re-enters their own password instead of the old passphrase. The used recovery code is
    replaced, since it has now been typed in; the new one is returned to be shown once."""
    user = accounts.require(ws.user, Role.ADMIN)
    with ws.session() as s:
        db_user = s.get(type(user), user.id)
        if db_user is None or not check_password(admin_password, db_user.password_hash):
            raise AuthError("password: that is not your password")
    vault.change_passphrase(ws.key_file, ws.key, new)
    code = vault.replace_recovery_code(ws.key_file, ws.key)
    with ws.session() as s:
        audit.record(s, ws.actor, "key.passphrase_reset", "workspace", ws.key_file.db_id,
                     unlocked_with=ws.unlocked_with)
        audit.record(s, ws.actor, "key.recovery_code_replaced", "workspace", ws.key_file.db_id)
    return code
