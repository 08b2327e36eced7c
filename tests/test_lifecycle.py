"""The case lifecycle state machine: every allowed transition works, every other one is refused with a
message saying what is allowed from here; each is recorded (who, when, why, team) and audited."""

from __future__ import annotations

import pytest
from casework_helpers import PARAMS, at_state
from checks_helpers import act_as
from sqlalchemy import select

from triage_desk import lifecycle
from triage_desk.errors import InputError, PermissionDenied
from triage_desk.forms.threshold import evaluate
from triage_desk.models import AuditEvent, CaseEvent, Deadline, Referral, Role

NOW = None


def _state(ws, rid: str) -> str:
    return lifecycle.current_state(ws, rid).state


def _params(ws, doc: dict, action: str) -> dict:
    if action == "decide":
        engine = evaluate(doc)
        return {"level": engine["suggested_level"], "outcomes": list(engine["outcomes"])}
    return dict(PARAMS[action])


def _actor_for(t: lifecycle.Transition) -> str:
    return "officer" if Role.OFFICER in t.roles else "lead"


@pytest.mark.parametrize("state", list(lifecycle.STATES))
def test_every_action_from_every_state_is_done_or_refused_with_what_is_allowed(workspace, state):
    ws = workspace
    doc = at_state(ws, state)
    assert _state(ws, doc["id"]) == state
    allowed = {t.action for t in lifecycle.allowed(state)}
    for action in lifecycle.BY_ACTION:
        if action in allowed:
            continue
        act_as(ws, "lead")
        with pytest.raises(InputError) as refused:
            lifecycle.transition(ws, doc["id"], action, **_params(ws, doc, action))
        message = str(refused.value)
        assert "allowed from here" in message and lifecycle.STATES[state] in message
        for other in lifecycle.allowed(state, Role.LEAD):
            assert other.action in message
        assert _state(ws, doc["id"]) == state  # nothing changed
    for action in sorted(allowed):
        t = lifecycle.BY_ACTION[action]
        case = at_state(ws, state, surname="Freshcase")
        act_as(ws, _actor_for(t))
        result = lifecycle.transition(ws, case["id"], action, **_params(ws, case, action))
        assert result.state in t.targets, (state, action, result.state)
        assert _state(ws, case["id"]) == result.state


def test_nothing_is_allowed_once_a_case_is_closed_except_reopening_by_a_lead(workspace):
    doc = at_state(workspace, "closed")
    act_as(workspace, "officer")
    assert [t.action for t in lifecycle.allowed("closed", Role.OFFICER)] == []
    with pytest.raises(PermissionDenied, match="practice lead"):
        lifecycle.transition(workspace, doc["id"], "reopen", **PARAMS["reopen"])
    with pytest.raises(InputError, match="allowed from here: nothing for your role"):
        lifecycle.transition(workspace, doc["id"], "start_assessment", receiving_team="Team A")


def test_roles_are_checked_by_the_service(workspace):
    doc = at_state(workspace, "awaiting_approval")
    with pytest.raises(PermissionDenied):  # officers do not approve
        lifecycle.transition(workspace, doc["id"], "approve")
    decided = at_state(workspace, "decided", surname="Roleone")
    act_as(workspace, "admin")
    with pytest.raises(PermissionDenied):
        lifecycle.transition(workspace, decided["id"], "start_assessment", receiving_team="Team A")


def test_step_up_and_step_down_record_who_when_why_and_the_receiving_team(workspace):
    doc = at_state(workspace, "early_help")
    lifecycle.transition(workspace, doc["id"], "step_up", **PARAMS["step_up"])
    assert _state(workspace, doc["id"]) == "assessment"
    lifecycle.transition(workspace, doc["id"], "step_down", **PARAMS["step_down"])
    assert _state(workspace, doc["id"]) == "early_help"
    with workspace.session() as s:
        events = s.execute(select(CaseEvent).where(CaseEvent.referral_id == doc["id"])
                           .order_by(CaseEvent.id)).scalars().all()
        up, down = events[-2], events[-1]
        assert (up.action, up.from_state, up.to_state, up.actor) == ("step_up", "early_help", "assessment", "officer")
        assert up.reason.startswith("Needs rose") and up.receiving_team == "Assessment Team North"
        assert down.lead_professional == "School family worker" and down.receiving_team == "Early Help Hub East"
        assert down.family_told is True
        assessment = s.execute(select(Deadline).where(Deadline.referral_id == doc["id"],
                                                      Deadline.kind == "assessment")).scalar_one()
        assert assessment.state == "cancelled" and "early help" in assessment.reason
        audited = list(s.execute(select(AuditEvent.action).where(AuditEvent.target_id == doc["id"])).scalars())
    assert "case.step_up" in audited and "case.step_down" in audited


def test_step_down_says_whether_the_family_was_told(workspace):
    doc = at_state(workspace, "assessment")
    params = {k: v for k, v in PARAMS["step_down"].items() if k != "family_told"}
    with pytest.raises(InputError, match="family told"):
        lifecycle.transition(workspace, doc["id"], "step_down", **params)


def test_step_up_and_step_down_need_their_reason_and_team(workspace):
    doc = at_state(workspace, "early_help")
    with pytest.raises(InputError, match="reason"):
        lifecycle.transition(workspace, doc["id"], "step_up", to="assessment", receiving_team="Team A")
    with pytest.raises(InputError, match="receiving team: required"):
        lifecycle.transition(workspace, doc["id"], "step_up", to="assessment", reason="Needs rose to level three.")
    with pytest.raises(InputError, match="step up to"):
        lifecycle.transition(workspace, doc["id"], "step_up", to="closed", reason="Needs rose to level three.",
                             receiving_team="Team A")


def test_closing_needs_an_outcome_and_nfa_needs_a_reason_code_from_the_rules(workspace):
    doc = at_state(workspace, "assessment")
    with pytest.raises(InputError, match="outcome: closing needs an outcome"):
        lifecycle.transition(workspace, doc["id"], "close")
    with pytest.raises(InputError, match="NFA reason code: no further action needs a reason code"):
        lifecycle.transition(workspace, doc["id"], "close", outcome="NFA")
    with pytest.raises(InputError, match="NFA reason code"):
        lifecycle.transition(workspace, doc["id"], "close", outcome="NFA", reason_code="made_up")
    lifecycle.transition(workspace, doc["id"], "close", outcome="NFA", reason_code="no_safeguarding_concern")
    with workspace.session() as s:
        row = s.get(Referral, doc["id"])
        assert row.status == "closed" and '"status":"closed"' in row.document
        event = s.execute(select(CaseEvent).where(CaseEvent.referral_id == doc["id"], CaseEvent.action == "close")
                          ).scalar_one()
        assert (event.outcome, event.reason_code) == ("NFA", "no_safeguarding_concern")
        open_kinds = set(s.execute(select(Deadline.kind).where(Deadline.referral_id == doc["id"],
                                                               Deadline.state == "open")).scalars())
    assert "assessment" not in open_kinds  # cancelled with the closure
    assert "referrer_feedback" in open_kinds  # the referrer still has to be told


def test_reopening_records_why_and_restarts_the_decision_and_rag_clocks(workspace):
    from datetime import datetime

    doc = at_state(workspace, "closed")
    act_as(workspace, "lead")
    with pytest.raises(InputError, match="reason"):
        lifecycle.transition(workspace, doc["id"], "reopen", reason="")
    when = datetime(2026, 12, 1, 10, 0)
    lifecycle.transition(workspace, doc["id"], "reopen", now=when, **PARAMS["reopen"])
    assert _state(workspace, doc["id"]) == "submitted"
    with workspace.session() as s:
        clocks = {d.kind: d for d in s.execute(select(Deadline).where(Deadline.referral_id == doc["id"],
                                                                       Deadline.state == "open")).scalars()}
        event = s.execute(select(CaseEvent).where(CaseEvent.action == "reopen")).scalar_one()
    assert event.reason.startswith("A new concern") and event.actor == "lead"
    assert clocks["decision"].started_at == when and clocks["decision"].due_at == datetime(2026, 12, 2, 10, 0)
    assert clocks["rag"].started_at == when
