"""Store figures (issue 9 §6, §8).

sign_in_unknown  one sign-in attempt with a user name that does not exist (production Argon2id cost);
                 floor: the same failed attempt with a real user name, in the same run. Goal: the ratio
                 stays near 1, so timing cannot tell which names exist.
backup_10k       `backup.create_backup()` of an encrypted workspace holding 10,000 referrals (cached in
                 /tmp/triage-bench-10k-store; delete the folder to rebuild);
                 floor: copying the same database file with shutil in the same run.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from _harness import BENCH_PASSPHRASE, BENCH_PASSWORD, Figure, best_of, cached_workspace


def _failed_sign_in(ws, name: str) -> None:
    from triage_desk import accounts
    from triage_desk.errors import AuthError

    try:
        with ws.session() as s:
            accounts.authenticate(s, name, "not the password at all")
    except AuthError:
        pass


def sign_in_unknown() -> Figure:
    import keyring
    from keyring.backends import null
    from sqlalchemy import update

    from triage_desk.models import User
    from triage_desk.workspace import init_workspace

    keyring.set_keyring(null.Keyring())
    folder = Path(tempfile.mkdtemp(prefix="triage-bench-signin-"))
    try:
        ws, _ = init_workspace(folder / "data", admin_username="admin", admin_display_name="Bench Admin",
                               admin_password=BENCH_PASSWORD, passphrase=BENCH_PASSPHRASE)

        def known() -> None:
            _failed_sign_in(ws, "admin")
            with ws.session() as s:  # never let the throttle kick in during the measurement
                s.execute(update(User).values(failed_logins=0, locked_until=None))

        floor = best_of(known, 7)
        value = best_of(lambda: _failed_sign_in(ws, "nobody-by-this-name"), 7)
        ws.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return Figure("sign_in_unknown", value * 1000, "ms", floor * 1000, "0.8 <= ratio <= 1.25")


def backup_10k() -> Figure:
    from triage_desk import backup

    ws = cached_workspace(Path(tempfile.gettempdir()) / "triage-bench-10k-store", 10_000, seed=11)
    target = Path(tempfile.mkdtemp(prefix="triage-bench-copy-"))
    try:
        floor = best_of(lambda: shutil.copyfile(ws.db_path, target / "copy.db"), 3)
        value = best_of(lambda: backup.create_backup(ws, keep=1), 3)
    finally:
        shutil.rmtree(target, ignore_errors=True)
        shutil.rmtree(backup.backups_dir(ws.data_dir), ignore_errors=True)
        ws.close()
    return Figure("backup_10k", value * 1000, "ms", floor * 1000, "ratio <= 10")


FIGURES = {"sign_in_unknown": sign_in_unknown, "backup_10k": backup_10k}
