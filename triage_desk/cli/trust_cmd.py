"""`triage-desk trust list | add | remove | key`: the signers whose bundles this database accepts.

Keys of this database's own users are trusted implicitly. Adding a key needs its fingerprint as
confirmed with the signer by another channel (phone, in person): `--fingerprint` must match.
"""

from __future__ import annotations

import json
from pathlib import Path

from triage_desk.cli._common import add_command, add_decrypt_options, opened, read_secret_file
from triage_desk.errors import InputError


def register(sub, common) -> None:
    p = sub.add_parser("trust", help="manage trusted bundle signers",
                       description="List, add or remove trusted bundle signers (by public-key fingerprint).")
    tsub = p.add_subparsers(dest="trust_command", metavar="ACTION", required=True)
    ls = add_command(tsub, "list", common, run_list, help="list trusted signers (and this database's own users)")
    ls.add_argument("--json", action="store_true")
    add = add_command(tsub, "add", common, run_add, user=True, help="trust a signer's key",
                      description="Trust the key in a bundle (--bundle) or a PEM public key file (--pem). "
                                  "--fingerprint is what you confirmed with the signer; it must match.")
    src = add.add_mutually_exclusive_group(required=True)
    src.add_argument("--bundle", metavar="FILE", help="take the signer's key from this bundle")
    src.add_argument("--pem", metavar="FILE", help="an Ed25519 public key in PEM form")
    add.add_argument("--fingerprint", metavar="FP", required=True, help="sha256 of the key, as the signer read it")
    add.add_argument("--name", metavar="TEXT", help="who the signer is (default: as the bundle states it)")
    add.add_argument("--note", metavar="TEXT", help="why this signer is trusted")
    add.add_argument("--practice-lead", action="store_true",
                     help="the signer is a practice lead (confirmed with their organisation): approvals they "
                          "countersign are accepted on import")
    add_decrypt_options(add, required=False, prefix="with --bundle: ")
    rm = add_command(tsub, "remove", common, run_remove, user=True, help="stop trusting a signer")
    rm.add_argument("fingerprint", metavar="FP")
    key = add_command(tsub, "key", common, run_key, help="print a user's public key (PEM) and fingerprint")
    key.add_argument("username", metavar="USER")
    key.add_argument("--out", metavar="FILE", help="write the PEM to FILE")


def run_list(args) -> int:
    from triage_desk.bundle import trust
    from triage_desk.bundle.signing import display_fingerprint

    with opened(args, shared=True) as ws:
        signers = trust.list_signers(ws)
    if args.json:
        print(json.dumps([{"fingerprint": s.fingerprint, "identity": s.identity, "source": s.source,
                           "added_by": s.added_by, "added_at": s.added_at.isoformat() if s.added_at else None,
                           "note": s.note, "role": s.role} for s in signers], ensure_ascii=False, indent=2))
        return 0
    for s in signers:
        extra = f" (added by {s.added_by} {s.added_at:%Y-%m-%d})" if s.added_by and s.added_at else ""
        lead = " [practice lead: approvals accepted]" if s.role == "lead" else ""
        print(f"{display_fingerprint(s.fingerprint)}  {s.source:<10}  {s.identity}{lead}{extra}")
    return 0


def run_add(args) -> int:
    from triage_desk.bundle import trust
    from triage_desk.bundle.signing import public_key_from_pem
    from triage_desk.bundle.verify import open_bundle

    with opened(args, user=True) as ws:
        if args.bundle:
            passphrase = (read_secret_file(args.bundle_passphrase_file, "--bundle-passphrase-file")
                          if args.bundle_passphrase_file else None)
            vb = open_bundle(args.bundle, passphrase=passphrase, identity=args.identity)
            if not vb.intact:
                raise InputError(f"--bundle: {args.bundle} is not intact; its key is not trusted")
            public, name = vb.public_key, args.name or vb.identity
        else:
            try:
                data = Path(args.pem).read_bytes()
            except OSError as exc:
                raise InputError(f"--pem: cannot read {args.pem} ({exc.__class__.__name__})") from None
            public, name = public_key_from_pem(data, "--pem"), args.name
            if not name:
                raise InputError("--name: say who the signer is")
        info = trust.add_signer(ws, public, name, confirm_fingerprint=args.fingerprint, note=args.note,
                                role="lead" if args.practice_lead else None)
    print(f"trusted {info.identity} ({info.fingerprint})" + (" as a practice lead" if args.practice_lead else ""))
    return 0


def run_remove(args) -> int:
    from triage_desk.bundle import trust

    with opened(args, user=True) as ws:
        trust.remove_signer(ws, args.fingerprint)
    print("removed from the trust list")
    return 0


def run_key(args) -> int:
    from triage_desk.bundle import trust
    from triage_desk.bundle.signing import display_fingerprint, fingerprint, public_key_pem

    with opened(args, shared=True) as ws:
        public = trust.own_public_key(ws, args.username)
    pem = public_key_pem(public)
    if args.out:
        Path(args.out).write_bytes(pem)
    else:
        print(pem.decode("ascii"), end="")
    print(f"fingerprint: {display_fingerprint(fingerprint(public))}")
    return 0
