"""Threshold decisions: overrides need a rationale, practice leads approve, nobody approves their own."""

from __future__ import annotations

import json

import pytest
from checks_helpers import act_as
from intake_helpers import complete, subject
from sqlalchemy import select

from triage_desk import accounts, decisions, intake
from triage_desk.decisions import Proposal
from triage_desk.errors import InputError, PermissionDenied
from triage_desk.forms.threshold import evaluate
from triage_desk.models import AuditEvent, Referral, Role
from triage_desk.models.decision import Decision

RATIONALE = "Father's new partner has a conviction for violence; the school reports bruising twice."


@pytest.fixture
def ws(workspace):
    with workspace.session() as s:
        accounts.create_user(s, workspace.user, "lead2", "Second Lead", Role.LEAD, "user-password-1")
    act_as(workspace, "officer")
    return workspace


def submitted(ws, indicators=(), consent="given", reason=None, surname="Decidewell") -> dict:
    doc = complete(intake.new_draft(ws), subject(surname=surname), received_at="2026-11-20T10:00")
    doc["concerns"]["indicators"] = list(indicators)
    record = doc["consent"]["records"][0]
    record["state"] = consent
    if reason:
        record["reason_code"] = reason
    return intake.submit(ws, doc)


def accept(engine: dict) -> Proposal:
    return Proposal(engine["suggested_level"], tuple(engine["outcomes"]))


def row(ws, referral_id: str) -> Referral:
    with ws.session() as s:
        return s.get(Referral, referral_id)


def actions(ws, referral_id: str) -> list[str]:
    with ws.session() as s:
        return list(s.execute(select(AuditEvent.action).where(AuditEvent.target_id == referral_id)
                              .order_by(AuditEvent.id)).scalars())


def test_accepting_the_engine_needs_no_approval_and_updates_the_referral(ws):
    doc = submitted(ws, ["parenting.inconsistent_routines"])
    engine = evaluate(doc)
    d = decisions.decide(ws, doc["id"], engine, accept(engine))
    assert d.approval == "not_needed" and not d.overridden
    r = row(ws, doc["id"])
    assert (r.status, r.final_level, r.approval) == ("decided", engine["suggested_level"], "not_needed")
    stored = json.loads(r.document)["decision"]
    assert stored["final_level"] == engine["suggested_level"] and stored["engine"]["reasons"] == engine["reasons"]
    assert "decision.record" in actions(ws, doc["id"])


def test_override_without_rationale_is_refused_naming_the_field(ws):
    doc = submitted(ws, ["parenting.inconsistent_routines"])
    engine = evaluate(doc)
    with pytest.raises(InputError, match="rationale"):
        decisions.decide(ws, doc["id"], engine, Proposal(4, ("STRAT",), rationale="ok"))
    assert row(ws, doc["id"]).final_level is None


def test_override_goes_to_another_lead_who_approves_it(ws):
    doc = submitted(ws, ["parenting.inconsistent_routines"])
    engine = evaluate(doc)
    d = decisions.decide(ws, doc["id"], engine, Proposal(3, ("S17",), rationale=RATIONALE, evidence="school log"))
    assert d.overridden and d.direction == "up" and d.approval == "pending"
    assert row(ws, doc["id"]).approval == "pending"
    with ws.session() as s:
        assert [p.id for p in decisions.pending(s)] == [d.id]
    act_as(ws, "lead")
    decisions.approve(ws, d.id, True)
    r = row(ws, doc["id"])
    assert (r.final_level, r.approval) == (3, "approved")
    section = json.loads(r.document)["decision"]
    assert section["override"]["rationale"] == RATIONALE and section["approved_by"] == "lead"
    with ws.session() as s:
        assert decisions.pending(s) == []
    assert actions(ws, doc["id"])[-1] == "decision.approve"


def test_a_lead_cannot_approve_their_own_decision(ws):
    doc = submitted(ws, ["parenting.inconsistent_routines"])
    engine = evaluate(doc)
    act_as(ws, "lead")
    d = decisions.decide(ws, doc["id"], engine, Proposal(3, ("S17",), rationale=RATIONALE))
    with pytest.raises(PermissionDenied, match="own decision"):
        decisions.approve(ws, d.id, True)
    act_as(ws, "lead2")
    decisions.approve(ws, d.id, True)
    assert row(ws, doc["id"]).approval == "approved"


def test_an_officer_cannot_approve(ws):
    doc = submitted(ws, ["parenting.inconsistent_routines"])
    engine = evaluate(doc)
    d = decisions.decide(ws, doc["id"], engine, Proposal(3, ("S17",), rationale=RATIONALE))
    with pytest.raises(PermissionDenied):
        decisions.approve(ws, d.id, True)
    assert row(ws, doc["id"]).approval == "pending"


def test_rejection_needs_a_note_and_is_audited(ws):
    doc = submitted(ws, ["parenting.inconsistent_routines"])
    engine = evaluate(doc)
    d = decisions.decide(ws, doc["id"], engine, Proposal(1, ("IAG",), rationale=RATIONALE))
    assert d.direction == "down"
    act_as(ws, "lead")
    with pytest.raises(InputError, match="note"):
        decisions.approve(ws, d.id, False, "")
    decisions.approve(ws, d.id, False, "Evidence supports early help; please re-decide.")
    assert row(ws, doc["id"]).approval == "rejected"
    assert "decision.reject" in actions(ws, doc["id"])


def test_re_deciding_supersedes_and_keeps_history(ws):
    doc = submitted(ws, ["parenting.inconsistent_routines"])
    engine = evaluate(doc)
    first = decisions.decide(ws, doc["id"], engine, Proposal(3, ("S17",), rationale=RATIONALE))
    second = decisions.decide(ws, doc["id"], engine, accept(engine))
    with ws.session() as s:
        assert decisions.current(s, doc["id"]).id == second.id
        assert [d.id for d in decisions.history(s, doc["id"])] == [first.id, second.id]
        assert s.get(Decision, first.id).superseded
        assert decisions.pending(s) == []  # the superseded override no longer waits for a lead
    assert row(ws, doc["id"]).approval == "not_needed"
    act_as(ws, "lead")
    with pytest.raises(InputError, match="replaced"):
        decisions.approve(ws, first.id, True)
    assert actions(ws, doc["id"]).count("decision.record") == 2


def test_consent_not_sought_goes_to_the_queue_even_without_override(ws):
    doc = submitted(ws, ["parenting.inconsistent_routines"], consent="not_sought", reason="undue_delay")
    engine = evaluate(doc)
    assert "practice_lead_approval" in engine["requires"]
    d = decisions.decide(ws, doc["id"], engine, accept(engine))
    assert not d.overridden and d.approval == "pending"
    with ws.session() as s:
        assert [p.referral_id for p in decisions.pending(s)] == [doc["id"]]


def test_nfa_needs_a_reason_code(ws):
    doc = submitted(ws)
    engine = evaluate(doc)
    with pytest.raises(InputError, match="NFA reason"):
        decisions.decide(ws, doc["id"], engine, Proposal(1, ("NFA",), rationale=RATIONALE))
    d = decisions.decide(ws, doc["id"], engine, Proposal(1, ("NFA",), rationale=RATIONALE,
                                                         nfa_reason="information_only"))
    assert d.approval == "pending"


def test_admin_cannot_record_a_decision_and_drafts_cannot_be_decided(ws):
    draft = intake.new_draft(ws)
    engine = {"suggested_level": 1, "outcomes": ["IAG"], "requires": []}
    with pytest.raises(InputError, match="submit"):
        decisions.decide(ws, draft["id"], engine, accept(engine))
    act_as(ws, "admin")
    with pytest.raises(PermissionDenied):
        decisions.decide(ws, draft["id"], engine, accept(engine))


def test_a_closed_case_is_not_re_decided(ws):
    doc = submitted(ws)
    with ws.session() as s:
        s.get(Referral, doc["id"]).status = "closed"
    engine = evaluate(doc)
    with pytest.raises(InputError, match="closed"):
        decisions.decide(ws, doc["id"], engine, accept(engine))
    assert row(ws, doc["id"]).status == "closed"


def test_submit_with_a_proposal_records_the_decision(ws):
    doc = complete(intake.new_draft(ws), subject(surname="Proposewell"), received_at="2026-11-20T10:00")
    doc["concerns"]["indicators"] = ["parenting.inconsistent_routines"]
    doc["decision"] = {"proposal": {"final_level": 3, "final_outcomes": ["S17"], "rationale": "", "evidence": "",
                                    "nfa_reason": None}}
    with pytest.raises(InputError, match="rationale"):
        intake.submit(ws, doc)
    assert row(ws, doc["id"]).status == "draft"  # nothing half-stored
    doc["decision"]["proposal"]["rationale"] = RATIONALE
    out = intake.submit(ws, doc)
    assert out["status"] == "decided" and out["decision"]["approval"] == "pending"
    assert out["decision"]["engine"]["suggested_level"] == 2 and out["decision"]["final_level"] == 3
    r = row(ws, doc["id"])
    assert (r.status, r.final_level, r.approval) == ("decided", 3, "pending")
    assert json.loads(r.document)["decision"] == out["decision"]
