"""The officer's response to a practice lead's re-decision from a review (issue 13 point 4): the officer
sees it, accepts or contests it with a rationale as a signed statement (audited); accepted, the lead's
decision stands and the case moves on; contested, it goes to another practice lead to approve or reject."""

from __future__ import annotations

import pytest
from casework_helpers import LEAD_RATIONALE, PARAMS, at_state
from checks_helpers import act_as
from sqlalchemy import select

from triage_desk import accounts, decisions, lifecycle, statements
from triage_desk.case_overview import overview
from triage_desk.errors import InputError, PermissionDenied
from triage_desk.models import AuditEvent, DecisionResponse, Role


def _responses(ws, rid: str) -> list[DecisionResponse]:
    with ws.session() as s:
        rows = list(s.execute(select(DecisionResponse).where(DecisionResponse.referral_id == rid)).scalars())
        for r in rows:
            s.expunge(r)
    return rows


def test_the_officer_sees_the_lead_decision_and_what_they_may_do(workspace):
    doc = at_state(workspace, "awaiting_response")
    view = overview(workspace, doc["id"])
    assert view["state"] == "awaiting_response"
    assert {a["action"] for a in view["allowed"]} == {"accept_review", "contest_review"}
    assert view["response_due"]["rationale"] == LEAD_RATIONALE and view["response_due"]["level"] == 4
    assert view["response_due"]["officer_level"] == 3
    with pytest.raises(InputError, match="allowed from here: accept_review, contest_review"):
        lifecycle.transition(workspace, doc["id"], "start_assessment", receiving_team="Team A")
    from triage_desk import feedback

    with pytest.raises(InputError, match="once a decision stands"):  # not while the officer has not answered
        feedback.send(workspace, doc["reference"], "email")


def test_accepting_signs_the_response_and_the_case_moves_on(workspace):
    doc = at_state(workspace, "awaiting_response")
    with pytest.raises(InputError, match="reason"):
        lifecycle.transition(workspace, doc["id"], "accept_review", reason="ok")
    result = lifecycle.transition(workspace, doc["id"], "accept_review", **PARAMS["accept_review"])
    assert result.state == "decided"
    (response,) = _responses(workspace, doc["id"])
    assert (response.response, response.responded_by) == ("accepted", "officer")
    assert statements.verify(response.statement, response.signature, response.signer_key)
    with workspace.session() as s:
        current = decisions.current(s, doc["id"])
        officer_key = accounts.get_user(s, "officer").signing_public_key
        assert response.signer_key == officer_key
        body = statements.Signed(response.statement, response.signature, response.signer_key).body
        assert body["decision_sha256"] == statements.digest(current.statement) and body["accepted"] is True
        assert current.final_level == 4  # the lead's decision stands
        audited = s.execute(select(AuditEvent.action).where(AuditEvent.target_id == doc["id"])).scalars().all()
    assert "decision.response" in audited
    lifecycle.transition(workspace, doc["id"], "start_assessment", receiving_team="Assessment Team North")
    assert lifecycle.current_state(workspace, doc["id"]).state == "assessment"


def test_contesting_sends_the_lead_decision_to_another_practice_lead(workspace):
    doc = at_state(workspace, "awaiting_response")
    result = lifecycle.transition(workspace, doc["id"], "contest_review", **PARAMS["contest_review"])
    assert result.state == "awaiting_approval"
    (response,) = _responses(workspace, doc["id"])
    assert response.response == "contested" and response.rationale.startswith("The school's")
    from triage_desk import review_queue

    act_as(workspace, "lead")  # the lead who re-decided may not settle the officer's challenge
    (queued,) = [r for r in review_queue.pending_reviews(workspace) if r["decision"].referral_id == doc["id"]]
    assert queued["contest"] == {"by": "officer", "rationale": PARAMS["contest_review"]["reason"]}
    with pytest.raises(PermissionDenied):
        lifecycle.transition(workspace, doc["id"], "approve")
    act_as(workspace, "admin")
    with workspace.session() as s:
        accounts.create_user(s, workspace.user, "manager", "Test Manager", Role.LEAD, "user-password-1")
    act_as(workspace, "manager")
    lifecycle.transition(workspace, doc["id"], "reject", reason="The officer's decision at level three stands.")
    assert lifecycle.current_state(workspace, doc["id"]).state == "submitted"
    assert len(_responses(workspace, doc["id"])) == 1  # the contest is kept, never overwritten


def test_only_a_decision_awaiting_a_response_can_be_answered_and_never_by_its_author(workspace):
    doc = at_state(workspace, "decided")
    with pytest.raises(InputError, match="allowed from here"):
        lifecycle.transition(workspace, doc["id"], "accept_review", **PARAMS["accept_review"])
    other = at_state(workspace, "awaiting_response", surname="Answered")
    act_as(workspace, "lead")
    with pytest.raises(PermissionDenied, match="your own"):
        lifecycle.transition(workspace, other["id"], "accept_review", **PARAMS["accept_review"])
    assert _responses(workspace, other["id"]) == []


def test_the_response_shows_on_the_case_and_in_the_summary_pdf(workspace, tmp_path):
    from casework_helpers import pdf_text

    from triage_desk.reports.case_summary import summary_for

    doc = at_state(workspace, "awaiting_response")
    lifecycle.transition(workspace, doc["id"], "contest_review", **PARAMS["contest_review"])
    view = overview(workspace, doc["id"])
    assert [(r["response"], r["by"], r["signed"]) for r in view["responses"]] == [("contested", "officer", True)]
    text = pdf_text(summary_for(workspace, doc["reference"]), tmp_path)
    assert "contested the reviewing practice lead's decision" in text and "already weighed" in text


def test_the_officer_lists_the_cases_awaiting_a_response_on_the_command_line(workspace, data_dir, secret_files,
                                                                            capsys):
    from triage_desk.cli import main

    doc = at_state(workspace, "awaiting_response")
    at_state(workspace, "decided", surname="Nothingdue")
    workspace.close()
    args = ["--data-dir", str(data_dir), "--passphrase-file", secret_files["passphrase"], "--user", "officer",
            "--password-file", secret_files["user"]]
    assert main(["case", "awaiting-response", *args]) == 0
    out = capsys.readouterr().out
    assert doc["reference"] in out and LEAD_RATIONALE in out and out.count("TD-") == 1
    assert main(["case", "transition", doc["reference"], "accept_review", "--reason",
                 "The lead's reading of the concerns is right.", *args]) == 0
    capsys.readouterr()
    assert main(["case", "awaiting-response", "--json", *args]) == 0
    assert capsys.readouterr().out.strip() == "[]"
