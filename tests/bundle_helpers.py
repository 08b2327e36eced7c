"""Synthetic decided cases and bundle helpers shared by the bundle tests (invented people only)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from intake_helpers import complete, subject

from triage_desk import accounts, decisions, intake
from triage_desk.forms.threshold import evaluate

OFFICER_PASSWORD = "user-password-1"


def sign_in(ws, username: str = "officer", password: str = OFFICER_PASSWORD):
    with ws.session() as s:
        ws.user = accounts.authenticate(s, username, password)
    return ws.user


def decided_case(ws, *subjects: dict) -> dict:
    """A submitted referral (stored as an import, so the intake form's validation rules do not matter
    here) with a recorded decision; returns the stored document."""
    import uuid

    from triage_desk.forms.document import new_document
    from triage_desk.referral_io import import_text
    from triage_desk.referral_rows import dump, next_reference

    doc = complete(new_document("child"), *(subjects or (subject(),)), received_at="2026-11-02T10:00")
    with ws.session() as s:
        reference = next_reference(s, 2026)
    doc.update(id=str(uuid.uuid4()), reference=reference, status="submitted")
    import_text(ws, dump(doc), "test")
    doc = intake.open_case(ws, reference)
    engine = evaluate(doc)
    decisions.decide(ws, doc["id"], engine, decisions.Proposal(engine["suggested_level"], tuple(engine["outcomes"])))
    return doc


def new_identity():
    from pyrage import x25519

    return x25519.Identity.generate()


def export_to(ws, ref: str, out: Path, identity=None, **kw):
    from triage_desk.bundle.export import export_case

    if identity is not None:
        kw["recipient"] = str(identity.to_public())
    return export_case(ws, ref, password=OFFICER_PASSWORD, out=out, **kw)


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def rezip(members: dict[str, bytes], extra_infos: list[tuple[zipfile.ZipInfo, bytes]] = ()) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
        for info, data in extra_infos:
            zf.writestr(info, data)
    return buf.getvalue()


def decrypt(path: Path, identity) -> bytes:
    import pyrage

    return pyrage.decrypt(Path(path).read_bytes(), [identity])


def encrypt(data: bytes, identity) -> bytes:
    import pyrage

    return pyrage.encrypt(data, [identity.to_public()])


def second_workstation(path: Path):
    """The practice lead's laptop: another database with its own admin, signed in as that admin."""
    from triage_desk.workspace import init_workspace

    ws, _code = init_workspace(path, admin_username="leadadmin", admin_display_name="Laptop Admin",
                               admin_password="laptop-password-1", passphrase="laptop passphrase 123")
    return ws


def trust(ws, bundle) -> None:
    from triage_desk.bundle import trust as trust_mod

    trust_mod.add_signer(ws, bundle.public_key, bundle.identity, confirm_fingerprint=bundle.fingerprint)


def counts(ws) -> dict:
    from sqlalchemy import func, select

    from triage_desk.models import Decision, Person, Referral, ReferralSubject, TrustedSigner

    with ws.session() as s:
        return {m.__name__: s.execute(select(func.count()).select_from(m)).scalar_one()
                for m in (Referral, Person, ReferralSubject, Decision, TrustedSigner)}
