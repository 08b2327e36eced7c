"""Signed, age-encrypted case bundles (docs/bundle-format.md).

signing   per-user Ed25519 keys sealed under the password; sign / verify manifest bytes; fingerprints
manifest  the format: member names, canonical manifest bytes, format version
export    export_case(ws, reference, *, password, out, passphrase=None, recipient=None, unencrypted=False)
verify    open_bundle(path, *, passphrase=None, identity=None, ws=None) -> VerifiedBundle
limits    sizes and paths a bundle from elsewhere may not exceed
trust     add_signer / remove_signer / list_signers (this database's own users are trusted implicitly)
importer  plan_import(ws, bundle) -> ImportPlan; apply_import(ws, plan, accept_paths=())
"""
