"""`triage-desk init`: scripted first run for IT deployment (no screen needed)."""

from __future__ import annotations

from triage_desk.cli._common import ask_secret, read_secret_file


def register(sub, common) -> None:
    p = sub.add_parser("init", parents=[common], help="create a new encrypted database and its first admin",
                       description="Create the encrypted database, the data key (stored in the keyring when "
                                   "one is usable, and always wrapped under the passphrase and a recovery code) "
                                   "and the first administrator. Prints the recovery code once.")
    p.add_argument("--admin", metavar="NAME", required=True, help="user name of the first administrator")
    p.add_argument("--admin-display-name", metavar="TEXT", help="full name shown in the app (default: NAME)")
    p.add_argument("--admin-password-file", metavar="G", help="file holding the administrator's password")
    p.set_defaults(func=run)


def run(args) -> int:
    from triage_desk.paths import resolve_data_dir
    from triage_desk.workspace import init_workspace

    data_dir = resolve_data_dir(args.data_dir)
    passphrase = (read_secret_file(args.passphrase_file, "--passphrase-file") if args.passphrase_file
                  else ask_secret("New database passphrase: ", "--passphrase-file"))
    password = (read_secret_file(args.admin_password_file, "--admin-password-file") if args.admin_password_file
                else ask_secret(f"Password for {args.admin}: ", "--admin-password-file"))
    ws, code = init_workspace(data_dir, admin_username=args.admin,
                              admin_display_name=args.admin_display_name or args.admin,
                              admin_password=password, passphrase=passphrase)
    from triage_desk import grants
    from triage_desk.bundle.signing import display_fingerprint

    stored = ws.key_file.key_from_keyring() is not None
    with ws.session() as s:
        pin = grants.pinned(s)
    ws.close()
    print(f"Created database in {data_dir}")
    print("Data key stored in the system keyring." if stored
          else "No usable system keyring: the passphrase will be asked for at every start.")
    print()
    print("RECOVERY CODE (shown once - write it down and store it in a safe place, away from this PC):")
    print(f"    {code}")
    print("Anyone with this code and the database can read it; without it or the passphrase, nobody can.")
    print()
    print("ADMINISTRATOR KEY FINGERPRINT (keep with the recovery code; Help > About shows it, so IT can compare):")
    print(f"    {display_fingerprint(pin)}")
    return 0
