"""`triage-desk verify FILE` and `triage-desk import-bundle FILE`: check a case bundle before anything
in it is used, then (import) bring it into this database showing every difference.

verify exit codes: 0 intact and the signer trusted; 1 intact but the signer is not trusted here;
2 damaged, altered or refused (hostile input); 3 cannot decrypt (wrong passphrase or identity).
"""

from __future__ import annotations

import json

from triage_desk.cli._common import add_decrypt_options, add_user_options, read_secret_file


def register(sub, common) -> None:
    p = sub.add_parser("verify", parents=[common], help="check a case bundle's signature, contents and signer",
                       description="Decrypt and check a case bundle: signer, key fingerprint, signing time, case "
                                   "reference, each member's hash, trust. Exit 0 only when intact and trusted; "
                                   "1 intact but untrusted signer; 2 damaged or refused; 3 cannot decrypt.")
    p.add_argument("file", metavar="FILE")
    add_decrypt_options(p, required=False)
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(func=run_verify)
    im = sub.add_parser("import-bundle", parents=[common], help="import a verified case bundle into this database",
                        description="Verify a bundle, then import its case. People and referrals already here are "
                                    "matched on the bundle's ids (never duplicated); differences are listed and "
                                    "applied only when accepted.")
    im.add_argument("file", metavar="FILE")
    add_decrypt_options(im, required=False)
    add_user_options(im)
    im.add_argument("--accept", choices=("all", "none"), default="none",
                    help="differences to take from the bundle (default none: list them, change nothing)")
    im.add_argument("--accept-path", metavar="PATH", action="append", default=[],
                    help="take this one difference from the bundle (repeatable; paths as listed)")
    im.set_defaults(func=run_import)


def _open(args, ws):
    from triage_desk.bundle.verify import open_bundle

    passphrase = (read_secret_file(args.bundle_passphrase_file, "--bundle-passphrase-file")
                  if args.bundle_passphrase_file else None)
    return open_bundle(args.file, passphrase=passphrase, identity=args.identity, ws=ws)


def _workspace_for_trust(args):
    """The database whose trust list applies; without one every signer is untrusted."""
    from triage_desk.cli._common import open_from_args
    from triage_desk.paths import resolve_data_dir
    from triage_desk.workspace import is_initialised

    if not getattr(args, "data_dir", None) and not is_initialised(resolve_data_dir(None)):
        return None
    return open_from_args(args, shared=True)  # read-only: works while the app is open


def run_verify(args) -> int:
    from triage_desk.bundle.signing import display_fingerprint

    ws = _workspace_for_trust(args)
    try:
        vb = _open(args, ws)
    finally:
        if ws is not None:
            ws.close()
    if args.json:
        print(json.dumps({"file": str(vb.path), "intact": vb.intact, "trusted": vb.trusted, "ok": vb.ok,
                          "signer": vb.signer, "fingerprint": vb.fingerprint, "signed_at": vb.signed_at,
                          "case_ref": vb.case_ref, "encryption": vb.encryption, "signature_ok": vb.signature_ok,
                          "members": [{"path": m.path, "ok": m.ok, "detail": m.detail} for m in vb.members],
                          "problems": vb.problems, "trust_source": vb.trust_source}, ensure_ascii=False, indent=2))
    else:
        print("\n".join(vb.summary_lines()))
        if vb.intact and not vb.trusted and vb.fingerprint:
            print(f"to trust this signer after confirming the fingerprint with them: triage-desk trust add --bundle "
                  f"{args.file} ... --fingerprint '{display_fingerprint(vb.fingerprint)}'")
    return 0 if vb.ok else 1 if vb.intact else 2


def run_import(args) -> int:
    from triage_desk.bundle.importer import apply_import, plan_import
    from triage_desk.cli._common import opened

    with opened(args, user=True) as ws:
        vb = _open(args, ws)
        if not vb.ok:
            print("\n".join(vb.summary_lines()))
            return 1 if vb.intact else 2
        plan = plan_import(ws, vb)
        accept = "all" if args.accept == "all" else list(args.accept_path)
        for d in plan.differences:
            print(f"differs  {d.path}\n    here:   {d.shown('here')}\n    bundle: {d.shown('bundle')}"
                  + (f"\n    note:   {d.note}" if d.note else ""))
        for note in plan.notes:
            print(f"note: {note}")
        result = apply_import(ws, plan, accept)
    print(f"{result.reference}: {result.status}; people already known: {len(plan.people_known)}, "
          f"new: {len(plan.people_new) if result.status == 'imported' else 0}")
    if result.accepted:
        print(f"took {len(result.accepted)} difference(s) from the bundle")
    for path in result.refused:
        print(f"not taken: {path} in the bundle is older than this workstation's (a case is never rolled back)")
    if result.kept:
        print(f"kept this workstation's value for {len(result.kept)} difference(s); take them with --accept all "
              "or --accept-path PATH")
    return 0
