"""Signed, encrypted case bundles: export, verify, trust, import on a second workstation."""

from __future__ import annotations

import pytest
from bundle_helpers import OFFICER_PASSWORD, decided_case, export_to, new_identity, sign_in

from triage_desk.bundle import signing
from triage_desk.bundle.verify import open_bundle
from triage_desk.errors import AuthError, KeyError_


def test_signing_key_is_sealed_under_the_password_and_survives_a_password_change(workspace):
    from triage_desk import accounts
    from triage_desk.models import User

    with workspace.session() as s:
        officer = accounts.get_user(s, "officer")
        assert len(officer.signing_public_key) == 32
        key = signing.unwrap_signing_key(officer.signing_key_blob, OFFICER_PASSWORD)
        with pytest.raises(KeyError_, match="wrong"):
            signing.unwrap_signing_key(officer.signing_key_blob, "not the password")
        accounts.change_own_password(s, officer, OFFICER_PASSWORD, "a-new-password-2")
        blob = s.get(User, officer.id).signing_key_blob
    again = signing.unwrap_signing_key(blob, "a-new-password-2")
    assert signing.raw_public_key(again) == signing.raw_public_key(key)


def test_export_then_verify_shows_signer_case_and_every_member(workspace, tmp_path):
    sign_in(workspace)
    doc = decided_case(workspace)
    ident = new_identity()
    result = export_to(workspace, doc["reference"], tmp_path / "case.tdcase", ident)
    assert (tmp_path / "case.tdcase").read_bytes().startswith(b"age-encryption.org/v1\n")
    vb = open_bundle(result.path, identity=ident, ws=workspace)
    assert vb.ok and vb.intact and vb.trusted
    assert vb.case_ref == doc["reference"]
    assert vb.fingerprint == result.fingerprint
    assert vb.signer["username"] == "officer"
    assert [m.path for m in vb.members] == ["case.json", "summary.pdf", "audit.jsonl", "signer.json", "signer.pem"]
    assert vb.document["decision"]["final_level"] in (1, 2, 3, 4)
    assert vb.pdf.startswith(b"%PDF")
    assert any(e["action"] == "bundle.export" for e in vb.events)


def test_export_is_audited_and_needs_the_signers_password(workspace, tmp_path):
    from triage_desk.audit import events_for
    from triage_desk.bundle.export import export_case

    sign_in(workspace)
    doc = decided_case(workspace)
    with pytest.raises(AuthError, match="wrong password"):
        export_case(workspace, doc["reference"], password="wrong-password-9", out=tmp_path / "x.tdcase",
                    recipient=str(new_identity().to_public()))
    assert not (tmp_path / "x.tdcase").exists()
    export_to(workspace, doc["reference"], tmp_path / "x.tdcase", new_identity())
    with workspace.session() as s:
        actions = [e["action"] for e in events_for(s, "referral", doc["id"])]
    assert actions.count("bundle.export") == 1
