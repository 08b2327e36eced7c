"""Export one case as a signed, age-encrypted bundle (issue 5 point 3).

Everything is assembled in memory: the referral document with its decision and agency checks
(case.json), the summary PDF, the case's audit events, the signer's public key; the manifest of their
hashes is signed with the user's Ed25519 key; the zip is encrypted with age (to a passphrase or an
X25519 recipient) and only the ciphertext touches the disk. The export itself is audited first, so
the bundle carries its own export event and the audit head after it.
"""

from __future__ import annotations

import base64
import io
import json
import os
import tempfile
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from triage_desk import __version__, accounts, audit
from triage_desk.bundle import manifest as mf
from triage_desk.bundle import signing
from triage_desk.errors import InputError, PermissionDenied
from triage_desk.models import ReferralSubject, Role
from triage_desk.reports.case_summary import case_document, checks_section, find_referral, render_case

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed member times: nothing about the exporting PC leaks into the zip
EXPORT_ROLES = (Role.OFFICER, Role.LEAD, Role.ADMIN)
_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bundle-key")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    reference: str
    fingerprint: str  # the signer's key fingerprint (sha256 hex of the raw public key)
    encryption: str  # "passphrase" | "recipient" | "none"
    size: int  # bytes written
    members: tuple[str, ...]


def _catalogue(doc: dict) -> dict | None:
    engine = (doc.get("decision") or {}).get("engine") or {}
    if isinstance(engine.get("catalogue"), dict):
        return engine["catalogue"]
    from triage_desk.forms.catalogue import default_catalogue

    try:
        return default_catalogue().ref
    except Exception:  # noqa: BLE001 - a broken shipped catalogue must not stop an export
        return None


def _bundle_document(s, row, extra: dict) -> dict:
    """case.json: the case document, its decision carrying every signed statement of the case so the
    importing workstation can tell a newer decision from an older one (no replay)."""
    from triage_desk import decisions

    doc = case_document(s, row, extra)
    if isinstance(doc.get("decision"), dict):
        doc["decision"]["history"] = decisions.signed_history(s, row.id)
    return doc


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, data in members.items():
            info = zipfile.ZipInfo(path, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if path == mf.SUMMARY else zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def parse_recipient(text: str):
    """An age X25519 recipient ("age1..."); errors name the option."""
    from pyrage import x25519

    try:
        return x25519.Recipient.from_str(text.strip())
    except Exception:  # noqa: BLE001 - pyrage raises its own error types
        raise InputError("recipient: not an age public key (it starts with age1)") from None


def encrypt(data: bytes, passphrase: str | None, recipient: str | None, unencrypted: bool) -> tuple[bytes, str]:
    """age-encrypt to exactly one of a passphrase or an X25519 recipient (or, explicitly, not at all);
    returns the bytes and which it was. Shared by case bundles and review packs/returns."""
    chosen = [passphrase is not None, recipient is not None, unencrypted]
    if sum(chosen) != 1:
        raise InputError("encryption: choose exactly one of a bundle passphrase, a recipient's age public key "
                         "or (explicitly) no encryption")
    if unencrypted:
        return data, "none"
    import pyrage

    if passphrase is not None:
        from triage_desk.vault import check_passphrase_strength

        check_passphrase_strength(passphrase, "bundle passphrase")
        return pyrage.passphrase.encrypt(data, passphrase), "passphrase"
    return pyrage.encrypt(data, [parse_recipient(recipient)]), "recipient"


def write_atomic(out: Path, data: bytes) -> None:
    """Write next to the target and rename: a half-written bundle never carries the final name."""
    out = Path(out)
    if out.is_dir():
        raise InputError(f"--out: {out} is a folder; give a file name")
    if not out.parent.is_dir():
        raise InputError(f"--out: folder {out.parent} does not exist")
    fd, tmp = tempfile.mkstemp(prefix=".bundle-", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, out)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"--out: cannot write {out} ({exc.__class__.__name__})") from None


def _check_unencrypted_allowed() -> None:
    from triage_desk import policy

    fixed = policy.current()
    if not fixed.unencrypted_export_allowed:
        raise PermissionDenied(f"unencrypted exports are turned off by your IT department (policy file {fixed.path}); "
                               "encrypt the bundle to a passphrase or a recipient's key")


def _members(ws, user, who: dict, public: bytes, fp: str, doc: dict, pdf: bytes, events: list) -> dict:
    """Every bundle member but the manifest and its signature."""
    from triage_desk.referral_rows import dump

    signer = {**who, "workstation": ws.key_file.db_id, "algorithm": "Ed25519",
              "public_key": base64.b64encode(public).decode("ascii"), "fingerprint": fp,
              "identity": f"{user.display_name} ({user.role_enum.label}) @ {ws.key_file.db_id[:8]}"}
    return {
        mf.CASE: dump(doc).encode("utf-8"),
        mf.SUMMARY: pdf,
        mf.AUDIT: "".join(json.dumps(e, sort_keys=True, ensure_ascii=False) + "\n" for e in events).encode(),
        mf.SIGNER: (json.dumps(signer, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
        mf.SIGNER_PEM: signing.public_key_pem(public),
    }


def _subject_people(s, referral_id: str) -> dict:
    """Which known person each subject is (a subject may have been linked to someone already known): the
    importing workstation matches people on these stable ids."""
    return dict(s.execute(select(ReferralSubject.subject_id, ReferralSubject.person_id).where(
        ReferralSubject.referral_id == referral_id, ReferralSubject.state == "linked",
        ReferralSubject.subject_id.is_not(None))).all())


def export_case(ws, reference: str, *, password: str, out: str | Path, passphrase: str | None = None,
                recipient: str | None = None, unencrypted: bool = False) -> ExportResult:
    """Sign (as ws.user, unlocked with `password`) and encrypt one case to `out`.

    Exactly one of `passphrase`, `recipient` (age X25519 public key) or `unencrypted=True`.
    Raises InputError, AuthError (wrong password), PermissionDenied.
    """
    user = accounts.require(ws.user, *EXPORT_ROLES)
    if not any((passphrase is not None, recipient is not None, unencrypted)):
        raise InputError("encryption: give a bundle passphrase or a recipient's age public key")
    if unencrypted:
        _check_unencrypted_allowed()
    if recipient is not None:
        parse_recipient(recipient)  # refuse a bad recipient before any work
    with ws.session() as s:
        row = find_referral(s, reference)
        rid = row.id
    extra = checks_section(ws, rid)
    with ws.session() as s:
        row = find_referral(s, rid)
        blob = signing.ensure_key(s, user, password)
        public = signing.blob_public_key(blob)
        fp = signing.fingerprint(public)
        # Argon2id (unlocking the key) releases the GIL: it runs beside the PDF rendering. A wrong password
        # surfaces at result() and rolls the whole unit of work back, audit event included.
        unlocking = _POOL.submit(signing.unlock, blob, password)
        encryption = "passphrase" if passphrase is not None else "recipient" if recipient is not None else "none"
        audit.record(s, user.username, "bundle.export", "referral", row.id, reference=row.reference,
                     fingerprint=fp, encryption=encryption)
        head = audit.head(s)
        doc = _bundle_document(s, row, extra)
        events = audit.events_for(s, "referral", row.id)
        pdf = render_case(ws, s, row, extra)
        created_at = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
        who = {"username": user.username, "display_name": user.display_name, "role": user.role}
        members = _members(ws, user, who, public, fp, doc, pdf, events)
        people = _subject_people(s, row.id)
        manifest = mf.build(case={"id": row.id, "reference": row.reference, "subject_people": people,
                                  "revision": row.revision or 0},
                            created_at=created_at, created_by=who,
                            app_version=__version__, catalogue=_catalogue(doc), audit_head=head,
                            signer_fingerprint=fp, members=members)
        members[mf.MANIFEST] = manifest
        members[mf.SIGNATURE] = signing.sign(unlocking.result(), manifest)
        data, encryption = encrypt(_zip(members), passphrase, recipient, unencrypted)
        write_atomic(Path(out), data)
        return ExportResult(Path(out), row.reference, fp, encryption, len(data), tuple(members))
