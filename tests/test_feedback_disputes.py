"""Feedback to the referrer (plain-English letter, nothing the family must not see) and disputes under
the resolution protocol (MASH manager, then head of service, within the configured timescales)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from casework_helpers import at_state, draft, pdf_text
from checks_helpers import act_as
from sqlalchemy import select

from triage_desk import decisions, disputes, feedback, intake, lifecycle
from triage_desk.errors import InputError, PermissionDenied
from triage_desk.forms.clock import london_now
from triage_desk.forms.threshold import evaluate
from triage_desk.models import AuditEvent, Deadline

SECRET = "9 Hidden Mews"
NARRATIVE = "Synthetic concern narrative for a test."


def _decided_with_secret(ws) -> dict:
    act_as(ws, "officer")
    doc = draft(ws)
    doc["consent"]["withhold"] = [{"what": SECRET, "why": "risk from a former partner"}]
    doc = intake.submit(ws, doc)
    engine = evaluate(doc)
    decisions.decide(ws, doc["id"], engine, decisions.Proposal(engine["suggested_level"], tuple(engine["outcomes"])))
    return doc


def test_outcome_letter_says_what_was_decided_and_nothing_the_family_must_not_see(workspace, tmp_path):
    doc = _decided_with_secret(workspace)
    lifecycle.transition(workspace, doc["id"], "start_assessment", receiving_team="Assessment Team North")
    with pytest.raises(InputError, match="method: must be one of email, letter, phone"):
        feedback.send(workspace, doc["reference"], "fax")
    told, pdf = feedback.send(workspace, doc["reference"], "letter", now=datetime(2026, 11, 23, 9, 0))
    text = pdf_text(pdf, tmp_path)
    assert "child and family assessment" in text and "If you are still worried" in text and "999" in text
    for never in (SECRET, NARRATIVE, "Lifecyle", "Testina"):
        assert never not in text
    assert (told.method, told.sent_by) == ("letter", "officer")
    assert feedback.history(workspace, doc["reference"])[0]["method"] == "letter"
    with workspace.session() as s:
        clock = s.execute(select(Deadline).where(Deadline.referral_id == doc["id"],
                                                 Deadline.kind == "referrer_feedback")).scalar_one()
        assert clock.state in ("met", "missed") and clock.closed_by == "officer"
        assert "feedback.send" in s.execute(select(AuditEvent.action).where(AuditEvent.target_id == doc["id"])
                                            ).scalars().all()


def test_the_referrer_is_told_only_once_a_decision_stands(workspace):
    doc = at_state(workspace, "awaiting_approval")
    with pytest.raises(InputError, match="once a decision stands"):
        feedback.send(workspace, doc["reference"], "email")


def test_told_within_three_working_days_is_measurable(workspace):
    doc = _decided_with_secret(workspace)
    other = _decided_with_secret(workspace)
    today = london_now().date()  # the front door's day (after 23:00 UTC in summer, tomorrow's in UTC terms)
    feedback.send(workspace, doc["reference"], "phone")  # straight away
    with workspace.session() as s:
        got = feedback.measure(s, today, today)
    assert got["decided"] >= 2 and got["told_in_time"] == 1
    assert other["id"]  # the second referrer has not been told yet


def test_a_dispute_goes_to_the_manager_then_the_head_of_service_with_deadlines(workspace):
    doc = _decided_with_secret(workspace)
    d = disputes.raise_dispute(workspace, doc["reference"], "Headteacher", "Testford Primary",
                               "The school believes the threshold for assessment is met.",
                               now=datetime(2026, 11, 20, 10, 0))
    with workspace.session() as s:
        clock = s.execute(select(Deadline).where(Deadline.kind == "dispute_manager")).scalar_one()
    assert clock.due_at == datetime(2026, 11, 24, 10, 0)  # 2 working days over the weekend
    with pytest.raises(PermissionDenied):  # the MASH manager is a practice lead
        disputes.manager_review(workspace, d.id, "Reviewed the file and spoke to the school.", resolved=False)
    act_as(workspace, "lead")
    with pytest.raises(InputError, match="outcome"):
        disputes.manager_review(workspace, d.id, "Reviewed the file and spoke to the school.", resolved=True)
    disputes.manager_review(workspace, d.id, "Reviewed the file; disagreement remains.", resolved=False,
                            now=datetime(2026, 11, 23, 10, 0))
    with pytest.raises(InputError, match="with the head of service"):
        disputes.manager_review(workspace, d.id, "A second review of the same thing.", resolved=False)
    done = disputes.head_of_service_outcome(workspace, d.id, "changed", "New information shows level 3 needs.",
                                            now=datetime(2026, 12, 4, 10, 0))
    assert (done.stage, done.outcome) == ("resolved", "changed")
    with workspace.session() as s:
        states = dict(s.execute(select(Deadline.kind, Deadline.state).where(Deadline.source_id == d.id)).all())
        measures = disputes.measure(s, date(2026, 11, 1), date(2026, 11, 30))
    assert states == {"dispute_manager": "met", "dispute_head_of_service": "missed"}
    assert measures == {"raised": 1, "open": 0, "upheld": 0, "changed": 1}
    shown = disputes.list_for(workspace, doc["reference"])[0]
    assert shown["grounds"].startswith("The school") and shown["outcome_reason"].startswith("New information")


def test_a_dispute_needs_a_decision_and_grounds(workspace):
    doc = at_state(workspace, "submitted")
    with pytest.raises(InputError, match="no decision"):
        disputes.raise_dispute(workspace, doc["reference"], "GP", "Testford Surgery", "Disagree with this one.")
    with pytest.raises(InputError, match="grounds"):
        disputes.raise_dispute(workspace, doc["reference"], "GP", "Testford Surgery", "no")


def test_disputes_and_deadlines_show_in_the_summary_pdf(workspace, tmp_path):
    from triage_desk.reports.case_summary import summary_for

    doc = _decided_with_secret(workspace)
    disputes.raise_dispute(workspace, doc["reference"], "Headteacher", "Testford Primary",
                           "The school believes the threshold for assessment is met.")
    text = pdf_text(summary_for(workspace, doc["reference"]), tmp_path)
    assert "After the decision" in text and "Dispute: MASH manager review" in text
    assert "The school believes" in text and "With the MASH" in text
