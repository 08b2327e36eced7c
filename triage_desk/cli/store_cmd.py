"""`triage-desk check`, `backup [list | verify [FILE]]` and `restore FILE`: the store's health and its
encrypted backups (triage_desk/backup.py)."""

from __future__ import annotations

import json
from pathlib import Path

from triage_desk.cli._common import opened
from triage_desk.errors import InputError, StoreError


def register(sub, common) -> None:
    c = sub.add_parser("check", parents=[common],
                       help="check the whole database: page authentication, structure and the audit trail")
    c.add_argument("--json", action="store_true", help="one JSON object")
    c.set_defaults(func=run_check)
    b = sub.add_parser("backup", parents=[common], help="write an encrypted backup now; list or verify backups",
                       description="With no action: write a backup into <data dir>/backups (the newest "
                                   "10 are kept). Works while the app is open.")
    b.add_argument("--keep", type=int, default=None, metavar="N", help="keep the newest N backups (default 10)")
    b.set_defaults(func=run_backup)
    bsub = b.add_subparsers(dest="backup_command", metavar="ACTION")
    ls = bsub.add_parser("list", parents=[common], help="the backups, newest first")
    ls.set_defaults(func=run_list)
    v = bsub.add_parser("verify", parents=[common], help="check a backup (default: the newest); exit 4 if damaged")
    v.add_argument("file", metavar="FILE", nargs="?")
    v.set_defaults(func=run_verify)
    r = sub.add_parser("restore", parents=[common],
                       help="replace the database with a verified backup (the app must be closed)",
                       description="Checks the backup, keeps the current database in backups/before-restore-…, "
                                   "then puts the backup in its place. Needs the database passphrase "
                                   "(--passphrase-file or a terminal), even where a keyring holds the key.")
    r.add_argument("file", metavar="FILE")
    r.set_defaults(func=run_restore)


def _print_checks(checks, as_json: bool) -> int:
    if as_json:
        print(json.dumps([{"check": c.name, "ok": c.ok, "detail": c.detail} for c in checks], indent=2))
    else:
        for c in checks:
            print(f"{'ok    ' if c.ok else 'FAILED'}  {c.name}: {c.detail}")
    return 0 if all(c.ok for c in checks) else StoreError.exit_code


def run_check(args) -> int:
    from triage_desk import backup

    with opened(args, shared=True) as ws:
        checks = backup.check_workspace(ws)
    return _print_checks(checks, args.json)


def run_backup(args) -> int:
    from triage_desk import backup

    keep = backup.KEEP if args.keep is None else args.keep
    if not 1 <= keep <= 1000:
        raise InputError("--keep: must be between 1 and 1000")
    with opened(args, shared=True) as ws:
        path = backup.create_backup(ws, keep=keep)
    print(f"backup written: {path} (encrypted with this database's key)")
    return 0


def run_list(args) -> int:
    from triage_desk import backup
    from triage_desk.paths import resolve_data_dir

    items = backup.list_backups(resolve_data_dir(getattr(args, "data_dir", None)))
    for b in items:
        print(f"{b.created:%Y-%m-%d %H:%M:%S}  {b.size / 1024 / 1024:8.1f} MB  {b.path}")
    if not items:
        print("no backups yet")
    return 0


def _key(args, *, require_passphrase: bool = False) -> tuple[Path, bytes]:
    """The data key from keys.json without opening the database (which may be the damaged thing)."""
    from triage_desk import vault
    from triage_desk.cli._common import ask_secret, read_secret_file
    from triage_desk.db import check_data_dir
    from triage_desk.paths import resolve_data_dir

    data_dir = resolve_data_dir(getattr(args, "data_dir", None))
    check_data_dir(data_dir, create=False)
    kf = vault.KeyFile.load(data_dir)
    if getattr(args, "passphrase_file", None):
        return data_dir, vault.unlock(kf, passphrase=read_secret_file(args.passphrase_file, "--passphrase-file"))
    if not require_passphrase:
        try:
            return data_dir, vault.unlock(kf)
        except vault.NeedsPassphrase:
            pass
    return data_dir, vault.unlock(kf, passphrase=ask_secret("Database passphrase: ", "--passphrase-file"))


def run_verify(args) -> int:
    from triage_desk import backup

    data_dir, key = _key(args)
    if args.file:
        path = Path(args.file)
    else:
        newest = backup.list_backups(data_dir)
        if not newest:
            raise InputError(f"no backups in {backup.backups_dir(data_dir)}")
        path = newest[0].path
    print(f"backup {path}")
    return _print_checks(backup.verify_backup(path, key), False)


def run_restore(args) -> int:
    from triage_desk import backup

    data_dir, key = _key(args, require_passphrase=True)
    kept = backup.restore(data_dir, Path(args.file), key)
    print(f"restored {args.file}; the previous database is kept in {kept}")
    return 0
