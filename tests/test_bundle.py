"""Signed, encrypted case bundles: export, verify, trust, import on a second workstation."""

from __future__ import annotations

import importlib.util

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
    assert vb.document["subjects"] == doc["subjects"]
    if importlib.util.find_spec("triage_desk.checks"):
        assert vb.document["checks"] == [] and "sharing_decisions" in vb.document
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


@pytest.fixture
def laptop(tmp_path):
    from bundle_helpers import second_workstation

    ws = second_workstation(tmp_path / "laptop")
    yield ws
    ws.close()


def test_unknown_signer_is_reported_untrusted_until_added_to_the_trust_list(workspace, laptop, tmp_path):
    from bundle_helpers import trust

    from triage_desk.bundle import trust as trust_mod

    sign_in(workspace)
    doc = decided_case(workspace)
    ident = new_identity()
    path = export_to(workspace, doc["reference"], tmp_path / "c.tdcase", ident).path
    vb = open_bundle(path, identity=ident, ws=laptop)
    assert vb.intact and not vb.trusted and not vb.ok
    assert any("not trusted" in line for line in vb.summary_lines())
    with pytest.raises(Exception, match="does not match"):
        trust_mod.add_signer(laptop, vb.public_key, vb.identity, confirm_fingerprint="0" * 64)
    trust(laptop, vb)
    assert open_bundle(path, identity=ident, ws=laptop).ok
    listed = trust_mod.list_signers(laptop)
    assert [s.source for s in listed if s.fingerprint == vb.fingerprint] == ["trust list"]
    trust_mod.remove_signer(laptop, vb.fingerprint)
    assert not open_bundle(path, identity=ident, ws=laptop).trusted


def test_import_on_a_second_workstation_then_again_creates_no_duplicates(workspace, laptop, tmp_path):
    from bundle_helpers import counts, trust

    from triage_desk.bundle.importer import apply_import, plan_import
    from triage_desk.intake import open_case

    sign_in(workspace)
    doc = decided_case(workspace)
    ident = new_identity()
    path = export_to(workspace, doc["reference"], tmp_path / "c.tdcase", ident).path
    vb = open_bundle(path, identity=ident, ws=laptop)
    trust(laptop, vb)
    vb = open_bundle(path, identity=ident, ws=laptop)
    before = counts(laptop)
    plan = plan_import(laptop, vb)
    assert plan.status == "new" and plan.people_new
    result = apply_import(laptop, plan)
    assert result.status == "imported"
    after = counts(laptop)
    assert after["Referral"] == before["Referral"] + 1 and after["Decision"] == before["Decision"] + 1
    assert after["Person"] == before["Person"] + len(doc["subjects"])
    assert open_case(laptop, doc["reference"])["subjects"] == doc["subjects"]
    again = plan_import(laptop, open_bundle(path, identity=ident, ws=laptop))
    assert again.status == "unchanged", again.differences
    apply_import(laptop, again, "all")
    assert counts(laptop) == after


def test_import_lists_differences_field_by_field_and_applies_only_accepted_ones(workspace, laptop, tmp_path):
    import json

    from bundle_helpers import counts, trust

    from triage_desk.bundle.importer import apply_import, plan_import
    from triage_desk.intake import open_case
    from triage_desk.models import Referral

    sign_in(workspace)
    doc = decided_case(workspace)
    ident = new_identity()
    first = export_to(workspace, doc["reference"], tmp_path / "1.tdcase", ident).path
    trust(laptop, open_bundle(first, identity=ident, ws=laptop))
    apply_import(laptop, plan_import(laptop, open_bundle(first, identity=ident, ws=laptop)))
    # Back at the office the case is edited: a corrected surname and a longer narrative.
    with workspace.session() as s:
        row = s.get(Referral, doc["id"])
        stored = json.loads(row.document)
        stored["subjects"][0]["surname"] = "Quorvale-Brindle"
        stored["concerns"]["narrative"] = "Updated synthetic narrative."
        row.document = json.dumps(stored)
    second = export_to(workspace, doc["reference"], tmp_path / "2.tdcase", ident).path
    before = counts(laptop)
    plan = plan_import(laptop, open_bundle(second, identity=ident, ws=laptop))
    paths = {d.path: d for d in plan.differences}
    sid = doc["subjects"][0]["id"]
    assert plan.status == "differs"
    assert paths[f"subjects[{sid}].surname"].here == "Quorvale"
    assert paths[f"subjects[{sid}].surname"].bundle == "Quorvale-Brindle"
    assert "concerns.narrative" in paths and f"people[{sid}].surname" in paths
    result = apply_import(laptop, plan, [f"subjects[{sid}].surname"])
    assert result.status == "updated" and "concerns.narrative" in result.kept
    case = open_case(laptop, doc["reference"])
    assert case["subjects"][0]["surname"] == "Quorvale-Brindle"
    assert case["concerns"]["narrative"] == "Synthetic concern narrative for a test."
    assert counts(laptop)["Person"] == before["Person"] and counts(laptop)["Referral"] == before["Referral"]


def test_a_bundle_by_an_untrusted_signer_cannot_be_imported(workspace, laptop, tmp_path):
    from bundle_helpers import counts

    from triage_desk.bundle.importer import plan_import
    from triage_desk.errors import InputError

    sign_in(workspace)
    doc = decided_case(workspace)
    ident = new_identity()
    path = export_to(workspace, doc["reference"], tmp_path / "c.tdcase", ident).path
    before = counts(laptop)
    with pytest.raises(InputError, match="not trusted"):
        plan_import(laptop, open_bundle(path, identity=ident, ws=laptop))
    assert counts(laptop) == before


def test_an_account_made_before_signing_keys_gets_one_at_its_next_sign_in(workspace):
    from sqlalchemy import text

    from triage_desk import accounts
    from triage_desk.models import User

    with workspace.session() as s:  # a database from before signing keys (and so before signed role grants)
        officer = accounts.get_user(s, "officer")
        officer.signing_public_key = officer.signing_key_blob = None
        s.execute(text("DELETE FROM role_grant"))
        s.execute(text("DELETE FROM setting WHERE key = 'admin_pin'"))
    sign_in(workspace)
    with workspace.session() as s:
        officer = s.get(User, workspace.user.id)
        assert signing.unwrap_signing_key(officer.signing_key_blob, OFFICER_PASSWORD)


def test_viewing_an_intact_bundle_is_audited(workspace, laptop, tmp_path):
    from bundle_helpers import trust

    from triage_desk import accounts
    from triage_desk.audit import events_for
    from triage_desk.bundle.verify import record_view

    sign_in(workspace)
    doc = decided_case(workspace)
    ident = new_identity()
    path = export_to(workspace, doc["reference"], tmp_path / "c.tdcase", ident).path
    trust(laptop, open_bundle(path, identity=ident))
    with laptop.session() as s:
        laptop.user = accounts.get_user(s, "leadadmin")
    record_view(laptop, open_bundle(path, identity=ident, ws=laptop))
    with laptop.session() as s:
        assert [e["action"] for e in events_for(s, "referral", doc["id"])] == ["bundle.view"]


def test_a_reference_already_used_by_another_case_here_is_refused(workspace, laptop, tmp_path):
    import uuid

    from bundle_helpers import counts, trust
    from intake_helpers import complete

    from triage_desk.bundle.importer import plan_import
    from triage_desk.errors import InputError
    from triage_desk.forms.document import new_document
    from triage_desk.referral_io import import_text
    from triage_desk.referral_rows import dump

    sign_in(workspace)
    doc = decided_case(workspace)
    ident = new_identity()
    path = export_to(workspace, doc["reference"], tmp_path / "c.tdcase", ident).path
    trust(laptop, open_bundle(path, identity=ident))
    other = complete(new_document("child"))
    other.update(id=str(uuid.uuid4()), reference=doc["reference"], status="submitted")
    import_text(laptop, dump(other), "test")
    before = counts(laptop)
    with pytest.raises(InputError, match="already belongs to a different referral"):
        plan_import(laptop, open_bundle(path, identity=ident, ws=laptop))
    assert counts(laptop) == before


def test_an_accepted_decision_difference_becomes_the_current_decision_here(workspace, laptop, tmp_path):
    from bundle_helpers import trust

    from triage_desk import decisions
    from triage_desk.bundle.importer import apply_import, plan_import
    from triage_desk.forms.threshold import evaluate

    sign_in(workspace)
    doc = decided_case(workspace)
    ident = new_identity()
    first = export_to(workspace, doc["reference"], tmp_path / "1.tdcase", ident).path
    trust(laptop, open_bundle(first, identity=ident))
    apply_import(laptop, plan_import(laptop, open_bundle(first, identity=ident, ws=laptop)))
    engine = evaluate(doc)
    level = 4 if engine["suggested_level"] != 4 else 3
    decisions.decide(workspace, doc["id"], engine, decisions.Proposal(
        level, tuple(engine["outcomes"]), rationale="Escalated after a synthetic strategy discussion."))
    second = export_to(workspace, doc["reference"], tmp_path / "2.tdcase", ident).path
    plan = plan_import(laptop, open_bundle(second, identity=ident, ws=laptop))
    paths = {d.path: d for d in plan.differences}
    # The decision is one difference (accepted or kept as a whole), newer than the laptop's, signed.
    assert f"level {level}" in paths["decision"].bundle and not paths["decision"].older
    assert "signed by Test Officer" in paths["decision"].bundle
    apply_import(laptop, plan, ["decision"])
    with laptop.session() as s:
        here = decisions.current(s, doc["id"])
        assert here.final_level == level and here.overridden and here.decided_by == "officer"
    assert plan_import(laptop, open_bundle(second, identity=ident, ws=laptop)).status == "unchanged"
