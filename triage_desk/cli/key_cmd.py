"""`triage-desk key ...`: passphrase and recovery code (administrators only), keyring status."""

from __future__ import annotations

from triage_desk.cli._common import add_user_options, ask_secret, opened, read_secret_file


def register(sub, common) -> None:
    p = sub.add_parser("key", parents=[common], help="change the passphrase, replace the recovery code")
    ksub = p.add_subparsers(dest="key_command", metavar="ACTION", required=True)

    ch = ksub.add_parser("passphrase", parents=[common],
                         help="change the database passphrase (re-wraps the key; the data is not re-encrypted)")
    add_user_options(ch)
    ch.add_argument("--current-passphrase-file", metavar="F")
    ch.add_argument("--new-passphrase-file", metavar="F")
    ch.set_defaults(func=change_passphrase)

    rc = ksub.add_parser("recovery-code", parents=[common],
                         help="issue a new recovery code (the old one stops working)")
    add_user_options(rc)
    rc.set_defaults(func=recovery_code)

    rv = ksub.add_parser("recover", parents=[common],
                         help="forgotten passphrase: unlock with the recovery code, set a new passphrase "
                              "and print a new recovery code")
    add_user_options(rv)
    rv.add_argument("--recovery-code-file", metavar="R", help="file holding the recovery code")
    rv.add_argument("--new-passphrase-file", metavar="F")
    rv.set_defaults(func=recover)

    st = ksub.add_parser("status", parents=[common], help="where the data key is held")
    st.set_defaults(func=status)


def _secret(path, option, prompt) -> str:
    return read_secret_file(path, option) if path else ask_secret(prompt, option)


def change_passphrase(args) -> int:
    from triage_desk import keys

    current = _secret(args.current_passphrase_file or args.passphrase_file, "--current-passphrase-file",
                      "Current passphrase: ")
    new = _secret(args.new_passphrase_file, "--new-passphrase-file", "New passphrase: ")
    with opened(args, user=True) as ws:
        keys.change_passphrase(ws, current, new)
    print("passphrase changed (the data key was re-wrapped; the database was not re-encrypted)")
    return 0


def recovery_code(args) -> int:
    from triage_desk import keys

    with opened(args, user=True) as ws:
        code = keys.new_recovery_code(ws)
    print("NEW RECOVERY CODE (shown once - the old code no longer works):")
    print(f"    {code}")
    return 0


def recover(args) -> int:
    from triage_desk import keys
    from triage_desk.cli._common import sign_in
    from triage_desk.paths import resolve_data_dir
    from triage_desk.workspace import open_workspace

    code = _secret(args.recovery_code_file, "--recovery-code-file", "Recovery code: ")
    new = _secret(args.new_passphrase_file, "--new-passphrase-file", "New passphrase: ")
    password = _secret(args.password_file, "--password-file", f"Password for {args.user}: ")
    ws = open_workspace(resolve_data_dir(args.data_dir), recovery_code=code)
    try:
        sign_in(ws, args)
        new_code = keys.reset_passphrase(ws, password, new)
    finally:
        ws.close()
    print("passphrase reset (the data key was re-wrapped; the database was not re-encrypted)")
    print("NEW RECOVERY CODE (shown once - the code you used no longer works):")
    print(f"    {new_code}")
    return 0


def status(args) -> int:
    from triage_desk import vault
    from triage_desk.paths import resolve_data_dir

    data_dir = resolve_data_dir(args.data_dir)
    kf = vault.KeyFile.load(data_dir)
    print(f"database id: {kf.db_id}")
    print(f"key file:    {kf.path} (slots: {', '.join(sorted(kf.slots))})")
    print(f"keyring:     {'holds the key' if kf.key_from_keyring() else 'no usable entry'}")
    return 0
