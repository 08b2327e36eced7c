"""Issue 9 reproduced failures 1 and 4: an officer approved their own override through an edited,
re-signed bundle; a disabled user's key was still trusted; an older bundle rolled a decided case back."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
from bundle_helpers import OFFICER_PASSWORD, export_to, rezip, second_workstation, sign_in, trust, unzip
from intake_helpers import complete, subject

from triage_desk import accounts, decisions, intake
from triage_desk.bundle import manifest as mf
from triage_desk.bundle import signing
from triage_desk.bundle.importer import apply_import, plan_import
from triage_desk.bundle.verify import open_bundle
from triage_desk.forms.threshold import evaluate
from triage_desk.models import AuditEvent, Role, User

RATIONALE = "Escalated after a synthetic strategy discussion with the school."


def submitted_case(ws) -> dict:
    from triage_desk.forms.document import new_document
    from triage_desk.referral_io import import_text
    from triage_desk.referral_rows import dump, next_reference

    doc = complete(new_document("child"), subject(surname="Trustwell"), received_at="2026-11-02T10:00")
    with ws.session() as s:
        reference = next_reference(s, 2026)
    doc.update(id=str(uuid.uuid4()), reference=reference, status="submitted")
    import_text(ws, dump(doc), "test")
    return intake.open_case(ws, reference)


def override(ws, doc: dict, level: int = 4) -> decisions.Decision:
    engine = evaluate(doc)
    level = level if level != engine["suggested_level"] else 3
    return decisions.decide(ws, doc["id"], engine, decisions.Proposal(level, tuple(engine["outcomes"]), RATIONALE))


def officer_key(ws):
    with ws.session() as s:
        blob = s.query(User).filter_by(username="officer").one().signing_key_blob
    return signing.unwrap_signing_key(blob, OFFICER_PASSWORD)


def forge(path, key, edit) -> None:
    """Edit case.json of an unencrypted bundle and re-sign the manifest with `key` (the officer's own)."""
    members = unzip(path.read_bytes())
    doc = json.loads(members[mf.CASE])
    edit(doc)
    members[mf.CASE] = json.dumps(doc).encode("utf-8")
    manifest = json.loads(members[mf.MANIFEST])
    manifest["members"] = [mf.member_entry(p, members[p]) for p in mf.MEMBERS if p in members]
    raw = mf.canonical_bytes(manifest)
    members.update({mf.MANIFEST: raw, mf.SIGNATURE: signing.sign(key, raw)})
    path.write_bytes(rezip(members))


def claim_approved(doc: dict, approver: str = "lead") -> None:
    section = doc["decision"]
    section.update(approval="approved", approved_by=approver, approved_at="2026-11-29T10:00:00Z")
    section["override"].update(approval="approved", approved_by=approver, approved_at="2026-11-29T10:00:00Z")


def import_all(ws, path):
    return apply_import(ws, plan_import(ws, open_bundle(path, ws=ws)), "all")


def current(ws, referral_id):
    with ws.session() as s:
        return decisions.current(s, referral_id)


@pytest.fixture
def officer_case(workspace, tmp_path):
    sign_in(workspace)
    doc = submitted_case(workspace)
    override(workspace, doc)
    path = export_to(workspace, doc["reference"], tmp_path / "own.tdcase", unencrypted=True).path
    return workspace, doc, path


def test_an_officer_cannot_approve_their_own_override_through_an_edited_bundle(officer_case):
    ws, doc, path = officer_case
    forge(path, officer_key(ws), claim_approved)
    import_all(ws, path)
    here = current(ws, doc["id"])
    assert here.approval == "pending" and here.approved_by is None  # still in the review queue
    with ws.session() as s:
        assert here.id in [d.id for d in decisions.pending(s)]


def test_a_self_countersigned_approval_is_not_proven(officer_case):
    from triage_desk import statements

    ws, doc, path = officer_case
    key = officer_key(ws)

    def self_countersign(case):
        claim_approved(case)
        body = statements.approval_statement(
            decision_text=case["decision"]["signed"]["statement"], referral_id=case["id"], revision=2,
            approved=True, note=None, by={"username": "lead", "display_name": "Test Lead", "role": "lead"},
            at="2026-11-29T10:00:00Z")
        signed = statements.sign(key, body)
        case["decision"]["approval_signed"] = {"statement": signed.text,
                                               "signature": base64.b64encode(signed.signature).decode(),
                                               "public_key": base64.b64encode(signed.public_key).decode()}

    forge(path, key, self_countersign)
    plan = plan_import(ws, open_bundle(path, ws=ws))
    assert any("approval not proven" in n and "own decision" in n for n in plan.notes)
    apply_import(ws, plan, "all")
    assert current(ws, doc["id"]).approval == "pending"


def test_a_disabled_leads_key_is_not_trusted_for_what_it_signs_afterwards(officer_case):
    from triage_desk import statements
    from triage_desk.models import utcnow

    ws, doc, path = officer_case
    with ws.session() as s:
        lead_blob = s.query(User).filter_by(username="lead").one().signing_key_blob
    lead_key = signing.unwrap_signing_key(lead_blob, "user-password-1")  # they still know their password
    from checks_helpers import act_as

    act_as(ws, "admin")
    with ws.session() as s:
        accounts.set_active(s, ws.user, "lead", False)
    sign_in(ws)

    def lead_countersigns_now(case):
        claim_approved(case)
        body = statements.approval_statement(
            decision_text=case["decision"]["signed"]["statement"], referral_id=case["id"], revision=2,
            approved=True, note=None, by=statements.signer(_lead(ws), lead_key),
            at=decisions._iso_us(utcnow()))
        signed = statements.sign(lead_key, body)
        case["decision"]["approval_signed"] = {"statement": signed.text,
                                               "signature": base64.b64encode(signed.signature).decode(),
                                               "public_key": base64.b64encode(signed.public_key).decode()}

    forge(path, officer_key(ws), lead_countersigns_now)
    plan = plan_import(ws, open_bundle(path, ws=ws))
    assert any("not enabled at that time" in n for n in plan.notes)
    apply_import(ws, plan, "all")
    here = current(ws, doc["id"])
    assert here.approval == "pending" and "not enabled" in here.approval_claim


def _lead(ws):
    with ws.session() as s:
        return s.query(User).filter_by(username="lead").one()


def test_a_real_lead_countersignature_is_proven_on_another_workstation(officer_case, tmp_path):
    ws, doc, _path = officer_case
    from checks_helpers import act_as

    act_as(ws, "lead")
    decisions.approve(ws, current(ws, doc["id"]).id, True)
    sign_in(ws)
    path = export_to(ws, doc["reference"], tmp_path / "approved.tdcase", unencrypted=True).path
    laptop = second_workstation(tmp_path / "laptop")
    try:
        vb = open_bundle(path)
        trust(laptop, vb)
        from triage_desk.bundle import trust as trust_mod

        with ws.session() as s:
            lead_public = s.query(User).filter_by(username="lead").one().signing_public_key
        plan = plan_import(laptop, open_bundle(path, ws=laptop))
        assert any("approval not proven" in n for n in plan.notes)  # the lead is not yet trusted as a lead
        trust_mod.add_signer(laptop, lead_public, "Test Lead", confirm_fingerprint=signing.fingerprint(lead_public),
                             role=Role.LEAD.value)
        plan = plan_import(laptop, open_bundle(path, ws=laptop))
        assert not plan.notes or all("approval not proven" not in n for n in plan.notes)
        apply_import(laptop, plan)
        here = current(laptop, doc["id"])
        assert here.approval == "approved" and here.approved_by == "lead"
        assert any("countersigned by Test Lead (Practice lead)" in line for line in decisions.signatures(here))
        with laptop.session() as s:
            events = s.query(AuditEvent).filter_by(action="decision.import").all()
        assert events and json.loads(events[-1].detail)["approval_proven"] is True
    finally:
        laptop.close()


def test_an_older_bundle_never_rolls_a_decided_case_back(workspace, tmp_path):
    sign_in(workspace)
    doc = submitted_case(workspace)
    older = export_to(workspace, doc["reference"], tmp_path / "older.tdcase", unencrypted=True).path
    override(workspace, doc, level=4)
    newer = export_to(workspace, doc["reference"], tmp_path / "newer.tdcase", unencrypted=True).path
    laptop = second_workstation(tmp_path / "laptop")
    try:
        trust(laptop, open_bundle(newer))
        import_all(laptop, newer)
        before = current(laptop, doc["id"])
        assert before is not None
        plan = plan_import(laptop, open_bundle(older, ws=laptop))
        result = apply_import(laptop, plan, "all")
        here = current(laptop, doc["id"])
        assert here is not None and here.final_level == before.final_level
        assert intake.open_case(laptop, doc["reference"])["status"] == "decided"
        assert "decision" in result.kept and any(d.older for d in plan.differences)
        # Asking for the older decision by name does not apply it either.
        plan = plan_import(laptop, open_bundle(older, ws=laptop))
        result = apply_import(laptop, plan, ["decision"])
        assert result.refused == ("decision",)
        assert current(laptop, doc["id"]).final_level == before.final_level
    finally:
        laptop.close()


@pytest.mark.parametrize("junk", [
    {"history": 5, "signed": "x", "approval_signed": []},
    {"signed": {"statement": "[1]", "signature": "AAAA", "public_key": "AAAA"}, "approval": "approved"},
    {"approval": "approved", "approval_signed": {"statement": 7}, "history": [{"statement": "{}", "signature": 1}]},
])
def test_a_damaged_decision_section_is_refused_as_not_proven_never_a_crash(officer_case, junk):
    ws, doc, path = officer_case
    forge(path, officer_key(ws), lambda case: case["decision"].update(junk))
    plan = plan_import(ws, open_bundle(path, ws=ws))
    apply_import(ws, plan, "all")
    assert current(ws, doc["id"]).approval == "pending"


def test_the_import_dialog_shows_an_older_decision_but_never_ticks_it(qtbot, workspace, tmp_path):
    from triage_desk.ui.import_dialog import ImportDialog

    sign_in(workspace)
    doc = submitted_case(workspace)
    older = export_to(workspace, doc["reference"], tmp_path / "older.tdcase", unencrypted=True).path
    override(workspace, doc, level=4)
    plan = plan_import(workspace, open_bundle(older, ws=workspace))
    dialog = ImportDialog(workspace, plan)
    qtbot.addWidget(dialog)
    rows = {dialog.table.item(r, 0).data(0x0100): r for r in range(dialog.table.rowCount())}  # UserRole
    assert "decision" in rows
    assert "older" in dialog.table.item(rows["decision"], 1).text()
    dialog.set_all(True)
    assert "decision" not in dialog.accepted_paths()
