"""Issue 9 point 1: every decision and approval is a statement signed with its author's key, and who
signed what (name, role, key fingerprint) is shown in the case view and on the summary PDF."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from checks_helpers import act_as
from intake_helpers import complete, subject

from triage_desk import decisions, intake, statements
from triage_desk.bundle import signing
from triage_desk.errors import AuthError
from triage_desk.forms.threshold import evaluate
from triage_desk.models import User

RATIONALE = "Father's new partner has a conviction for violence; the school reports bruising twice."
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-")


def submitted(ws) -> dict:
    doc = complete(intake.new_draft(ws), subject(surname="Signwell"), received_at="2026-11-20T10:00")
    return intake.submit(ws, doc)


def overridden(ws):
    act_as(ws, "officer")
    doc = submitted(ws)
    engine = evaluate(doc)
    level = 4 if engine["suggested_level"] != 4 else 3
    return doc, engine, decisions.decide(ws, doc["id"], engine,
                                         decisions.Proposal(level, tuple(engine["outcomes"]), RATIONALE))


def _public(ws, username):
    with ws.session() as s:
        return s.query(User).filter_by(username=username).one().signing_public_key


def test_a_decision_is_signed_by_its_decider_over_what_was_decided(workspace):
    doc, engine, d = overridden(workspace)
    assert statements.verify(d.statement, d.signature, d.signer_key)
    assert d.signer_key == _public(workspace, "officer")
    body = json.loads(d.statement)
    assert body["final_level"] == d.final_level and body["overridden"] is True
    assert body["engine_sha256"] == statements.engine_hash(engine)
    assert body["catalogue"] == {k: engine["catalogue"][k] for k in ("id", "version", "sha256")}
    assert body["by"]["username"] == "officer" and body["by"]["role"] == "officer"
    assert body["revision"] == 1 and body["at"]
    tampered = d.statement.replace(f'"final_level":{d.final_level}', '"final_level":1')
    assert not statements.verify(tampered, d.signature, d.signer_key)


def test_an_approval_is_the_leads_own_countersignature_over_the_decision(workspace):
    doc, _engine, d = overridden(workspace)
    act_as(workspace, "lead")
    approved = decisions.approve(workspace, d.id, True)
    body = json.loads(approved.approval_statement)
    assert approved.approver_key == _public(workspace, "lead")
    assert statements.verify(approved.approval_statement, approved.approval_signature, approved.approver_key)
    assert body["decision_sha256"] == statements.digest(d.statement) and body["outcome"] == "approved"
    lines = decisions.signatures(approved)
    fp = signing.display_fingerprint(signing.fingerprint(_public(workspace, "lead"))[:16])
    assert lines[0].startswith("Decision signed by Test Officer (Front-door officer), key ")
    assert lines[1] == f"Approval countersigned by Test Lead (Practice lead), key {fp}"
    assert not any(UUID.search(line) for line in lines)
    with workspace.session() as s:
        assert s.get(type(d), d.id).revision == 1
        from triage_desk.models import Referral

        assert s.get(Referral, doc["id"]).revision == 2  # the decision, then its approval


def test_deciding_needs_the_signed_in_users_unsealed_key(workspace):
    act_as(workspace, "officer")
    doc = submitted(workspace)
    engine = evaluate(doc)
    with workspace.session() as s:  # a user object that did not come from signing in
        workspace.user = s.query(User).filter_by(username="officer").one()
    with pytest.raises(AuthError, match="sign in again"):
        decisions.decide(workspace, doc["id"], engine,
                         decisions.Proposal(engine["suggested_level"], tuple(engine["outcomes"])))


def test_the_decision_panel_shows_who_signed(qtbot, workspace):
    from triage_desk.ui import operations
    from triage_desk.ui.decision_panel import DecisionPanel

    doc, _engine, _d = overridden(workspace)
    panel = DecisionPanel(workspace, doc["id"])
    qtbot.addWidget(panel)
    operations.settle()  # the panel reads its decisions off the GUI thread
    text = panel.cells[("Signed", "final")].text()
    assert "Decision signed by Test Officer (Front-door officer), key " in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_the_summary_pdf_shows_who_signed_and_the_chain_head(workspace):
    import subprocess

    from triage_desk import audit
    from triage_desk.reports.case_summary import summary_for

    doc, _engine, d = overridden(workspace)
    act_as(workspace, "lead")
    decisions.approve(workspace, d.id, True)
    pdf = summary_for(workspace, doc["reference"])
    text = re.sub(r"\s+", " ", subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                                              check=True).stdout.decode("utf-8"))
    assert "Decision signed by Test Officer (Front-door officer), key" in text
    assert "Approval countersigned by Test Lead (Practice lead), key" in text
    with workspace.session() as s:
        assert audit.head(s)[:32] in text.replace(" ", "")  # the chain head witnesses this copy


def test_an_opened_bundle_shows_who_signed_the_decision_and_its_approval(qtbot, workspace, tmp_path):
    from bundle_helpers import export_to

    from triage_desk.bundle.verify import open_bundle
    from triage_desk.ui.bundle_view import BundleReportDialog

    doc, _engine, d = overridden(workspace)
    act_as(workspace, "lead")
    decisions.approve(workspace, d.id, True)
    path = export_to(workspace, doc["reference"], tmp_path / "c.tdcase", unencrypted=True).path
    dialog = BundleReportDialog(workspace, open_bundle(path, ws=workspace))
    qtbot.addWidget(dialog)
    shown = dialog.fields["Decision signatures"].text()
    assert "Decision signed by Test Officer (Front-door officer), key" in shown
    assert "Approval countersigned by Test Lead (Practice lead), key" in shown
