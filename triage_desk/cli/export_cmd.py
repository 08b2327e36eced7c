"""`triage-desk export REF --out FILE (--bundle-passphrase-file F | --recipient AGE_PUBKEY | --unencrypted)`:
a signed, encrypted case bundle, signed as `--user` after checking the password."""

from __future__ import annotations

import sys

from triage_desk.cli._common import add_user_options, ask_secret, read_secret_file


def register(sub, common) -> None:
    p = sub.add_parser("export", parents=[common], help="export a case as a signed, encrypted bundle",
                       description="Export one case (referral document with decision and checks, summary PDF, audit "
                                   "events) signed with your key and encrypted with age. See docs/bundle-format.md.")
    p.add_argument("ref", metavar="REF", help="reference (TD-YYYY-NNNNNN) or id")
    p.add_argument("--out", metavar="FILE", required=True, help="bundle file to write (e.g. TD-2026-000123.tdcase)")
    enc = p.add_mutually_exclusive_group(required=True)
    enc.add_argument("--bundle-passphrase-file", metavar="F", help="encrypt to the passphrase held in this file")
    enc.add_argument("--recipient", metavar="AGE_PUBKEY", help="encrypt to this age X25519 public key (age1...)")
    enc.add_argument("--unencrypted", action="store_true",
                     help="DANGER: write the bundle unencrypted (signed but readable by anyone who gets the file)")
    add_user_options(p)
    p.set_defaults(func=run)


def run(args) -> int:
    from triage_desk import accounts
    from triage_desk.bundle.export import export_case
    from triage_desk.bundle.signing import display_fingerprint
    from triage_desk.cli._common import open_from_args

    passphrase = (read_secret_file(args.bundle_passphrase_file, "--bundle-passphrase-file")
                  if args.bundle_passphrase_file else None)
    password = (read_secret_file(args.password_file, "--password-file") if args.password_file
                else ask_secret(f"Password for {args.user}: ", "--password-file"))
    if args.unencrypted:
        print("WARNING: --unencrypted: the bundle holds personal data in clear; anyone who gets the file can "
              "read it. Encrypt it unless it stays on an encrypted device.", file=sys.stderr)
    ws = open_from_args(args)
    try:
        with ws.session() as s:
            ws.user = accounts.authenticate(s, args.user, password, action="cli.login")
        result = export_case(ws, args.ref, password=password, out=args.out, passphrase=passphrase,
                             recipient=args.recipient, unencrypted=args.unencrypted)
    finally:
        ws.close()
    print(f"exported {result.reference} to {result.path} ({result.size} bytes, encryption: {result.encryption})")
    print(f"signed by {args.user}, key fingerprint {display_fingerprint(result.fingerprint)}")
    return 0
