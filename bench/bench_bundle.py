"""Case bundle figures (production Argon2id for the signing key; X25519 recipient).

bundle_export  `export_case()` of a decided child referral with a 10-person household and long narratives:
               unlock the signing key (Argon2id, as for every export), render the summary PDF, gather the case's
               audit events, sign the manifest, zip, age-encrypt to an X25519 recipient, write the file, audit.
               Floor: the same job without the app's layers, in the same run: one Argon2id with the app's
               parameters (unlocking the signing key), the same member bytes hashed with sha256 and zipped,
               an Ed25519 signature over the hashes, age-encrypted to the same recipient with pyrage
               (the PDF is taken as given: rendering it is `summary_pdf`). A passphrase bundle adds age's
               scrypt (deliberately ~1-3 s).
bundle_verify  `open_bundle()` of that bundle with trust looked up in the database: age-decrypt, bounded unzip,
               signature, every member's sha256, parse case.json. Floor: the same job without the app's
               layers: pyrage decrypt of the same file, unzip, sha256 of each member, an Ed25519 verify
               and json.loads of case.json, in the same run.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import shutil
import tempfile
import zipfile
from functools import lru_cache
from pathlib import Path

from _harness import Figure, best_of

PASSWORD = "bench-password-1"


def _document() -> dict:
    """A submitted child referral that passes the referral schema: a 10-person household, long narratives."""
    import uuid

    from triage_desk.forms.document import new_document

    doc = new_document("child")
    para = "Synthetic narrative sentence describing the concern in ordinary words for the benchmark. " * 12
    sid = str(uuid.uuid4())
    doc.update(id=str(uuid.uuid4()), reference="TD-2026-000123", status="submitted")
    doc["contact"].update(received_at="2026-11-02T10:00", channel="email", urgent=False, referral_source="2A")
    doc["referrer"] = {"name": "Refer Testperson", "role": "Teacher", "agency": "School", "phone": "0100 000000",
                       "email": "ref@example.org", "relationship": "teacher", "dsl_consulted": "yes"}
    doc["subjects"] = [{"id": sid, "kind": "child", "surname": "Nowak-Łukasiewicz", "forenames": "Zoë",
                        "dob": "2016-04-05", "nhs_number": "not_known", "gender": "not_known", "location": "at home",
                        "address": {"line1": "1 Example Road", "town": "Testford", "postcode": "ZX1 2AB"}}]
    doc["household"] = [{"id": str(uuid.uuid4()), "name": f"Testy Testperson-{n}", "dob": f"{1960 + 3 * n}-05-01",
                         "gender": "not_known", "relationship": "aunt", "parental_responsibility": "not_known",
                         "address": {"line1": "1 Example Road", "town": "Testford", "postcode": "ZX1 2AB"},
                         "lives_with_subject": "yes"} for n in range(10)]
    doc["concerns"] = {"narrative": "\n\n".join([para] * 8), "indicators": [], "whereabouts": "at home",
                       "actions_taken": para * 2, "observed": para * 2, "reported": para}
    doc["voice"] = {"subject_views": para * 2, "parent_views": para}
    doc["consent"] = {"records": [{"person_id": sid, "scope": "referral", "state": "given", "date": "2026-01-01",
                                   "method": "verbal"}], "child_consulted": "yes", "informed": {}}
    return doc


@lru_cache(maxsize=1)
def _setup():
    import keyring
    from keyring.backends import null
    from pyrage import x25519

    from triage_desk import accounts
    from triage_desk.referral_io import import_text
    from triage_desk.referral_rows import dump
    from triage_desk.workspace import init_workspace

    keyring.set_keyring(null.Keyring())  # never touch the developer's keyring
    tmp = Path(tempfile.mkdtemp(prefix="td-bench-bundle-"))
    ws, _ = init_workspace(tmp / "data", admin_username="bench", admin_display_name="Bench", admin_password=PASSWORD,
                           passphrase="bench passphrase 123")
    with ws.session() as s:
        ws.user = accounts.get_user(s, "bench")
    doc = _document()
    import_text(ws, dump(doc), "bench")
    atexit.register(lambda: (ws.close(), shutil.rmtree(tmp, ignore_errors=True)))
    return ws, doc["reference"], x25519.Identity.generate(), tmp


def _members(path: Path, ident) -> dict[str, bytes]:
    import pyrage

    with zipfile.ZipFile(io.BytesIO(pyrage.decrypt(path.read_bytes(), [ident]))) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _zip_and_hash(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            hashlib.sha256(data).hexdigest()
            zf.writestr(name, data)
    return buf.getvalue()


_SIGNER = None


def _signer():
    global _SIGNER
    if _SIGNER is None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        _SIGNER = Ed25519PrivateKey.generate()
    return _SIGNER


def _export_floor(members: dict[str, bytes], recipient) -> bytes:
    import os

    import pyrage

    from triage_desk.secretbox import DEFAULT_KDF, stretch

    stretch(PASSWORD, os.urandom(16), DEFAULT_KDF)  # unlocking the signing key
    hashes = "\n".join(f"{hashlib.sha256(data).hexdigest()}  {name}" for name, data in members.items())
    signature = _signer().sign(hashes.encode())
    zipped = _zip_and_hash({**members, "floor.sig": signature})
    return pyrage.encrypt(zipped, [recipient])


def _verify_floor(blob: bytes, ident) -> None:
    import json

    import pyrage

    with zipfile.ZipFile(io.BytesIO(pyrage.decrypt(blob, [ident]))) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    hashes = "\n".join(f"{hashlib.sha256(data).hexdigest()}  {name}" for name, data in members.items()
                       if name != "floor.sig")
    _signer().public_key().verify(members["floor.sig"], hashes.encode())
    json.loads(members["case.json"])


def bundle_export() -> Figure:
    from triage_desk.bundle.export import export_case

    ws, ref, ident, tmp = _setup()

    def run():
        return export_case(ws, ref, password=PASSWORD, out=tmp / "case.tdcase", recipient=str(ident.to_public()))

    run()  # fonts, imports and the shipped labels are one-offs per process
    members = _members(tmp / "case.tdcase", ident)
    value = best_of(run, repeat=5)
    floor = best_of(lambda: _export_floor(members, ident.to_public()), repeat=5)
    return Figure("bundle_export", value * 1000, "ms", floor * 1000, "value <= 500 ms")


def bundle_verify() -> Figure:
    from triage_desk.bundle.export import export_case
    from triage_desk.bundle.verify import open_bundle

    ws, ref, ident, tmp = _setup()
    path = tmp / "verify.tdcase"
    export_case(ws, ref, password=PASSWORD, out=path, recipient=str(ident.to_public()))
    blob = _export_floor(_members(path, ident), ident.to_public())

    def run():
        vb = open_bundle(path, identity=ident, ws=ws)
        assert vb.ok, vb.problems
        return vb.document

    run()
    value = best_of(run, repeat=7)
    floor = best_of(lambda: _verify_floor(blob, ident), repeat=7)
    return Figure("bundle_verify", value * 1000, "ms", floor * 1000, "value <= 100 ms")


FIGURES = {"bundle_export": bundle_export, "bundle_verify": bundle_verify}
