"""Reopening a closed case restarts the right clocks: a fresh decision (decision and RAG clocks from the
reopening), and once the new decision stands, a fresh 3-working-day clock to tell the referrer the NEW
outcome; a referrer clock still running for the superseded outcome is cancelled with a reason, never left
to go overdue for a decision that no longer stands."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from casework_helpers import PARAMS, at_state
from checks_helpers import act_as
from sqlalchemy import select

from triage_desk import feedback, lifecycle
from triage_desk.models import Deadline, Decision


def _closed_two_hours_ago(ws) -> tuple[dict, datetime]:
    """A closed case whose decision was made two hours ago (so the new one is clearly later)."""
    doc = at_state(ws, "closed")
    with ws.session() as s:
        decision = s.execute(select(Decision).where(Decision.referral_id == doc["id"])).scalar_one()
        decision.decided_at -= timedelta(hours=2)
        for clock in s.execute(select(Deadline).where(Deadline.referral_id == doc["id"])).scalars():
            clock.started_at -= timedelta(hours=2)
        decided = feedback.deadlines.to_local(decision.decided_at).replace(microsecond=0)
    return doc, decided


def _clocks(ws, rid: str, kind: str) -> list[Deadline]:
    with ws.session() as s:
        return list(s.execute(select(Deadline).where(Deadline.referral_id == rid, Deadline.kind == kind)
                              .order_by(Deadline.id)).scalars())


def _reopen_and_redecide(ws, rid: str, when: datetime, then: str = "start_assessment") -> None:
    act_as(ws, "lead")
    lifecycle.transition(ws, rid, "reopen", now=when, **PARAMS["reopen"])
    act_as(ws, "officer")
    lifecycle.transition(ws, rid, "decide", **PARAMS["decide"])
    lifecycle.transition(ws, rid, then, **PARAMS.get(then, {}))


def test_after_reopening_the_referrer_is_owed_the_new_outcome_on_a_fresh_clock(workspace):
    doc, decided = _closed_two_hours_ago(workspace)
    feedback.send(workspace, doc["reference"], "email", now=decided + timedelta(minutes=10))  # the first outcome
    (first,) = _clocks(workspace, doc["id"], "referrer_feedback")
    assert first.state in ("met", "missed")
    _reopen_and_redecide(workspace, doc["id"], datetime(2026, 12, 1, 10, 0))
    running = [d for d in _clocks(workspace, doc["id"], "referrer_feedback") if d.state == "open"]
    assert len(running) == 1, "no referrer-feedback clock for the new decision"
    assert running[0].started_at > first.started_at


def test_reopening_cancels_the_referrer_clock_for_the_outcome_that_no_longer_stands(workspace):
    doc, _ = _closed_two_hours_ago(workspace)  # the referrer has not been told yet
    (old,) = _clocks(workspace, doc["id"], "referrer_feedback")
    assert old.state == "open"
    _reopen_and_redecide(workspace, doc["id"], datetime(2026, 12, 1, 10, 0), then="close")
    clocks = _clocks(workspace, doc["id"], "referrer_feedback")
    assert clocks[0].state == "cancelled" and "reopened" in clocks[0].reason
    assert [d.state for d in clocks[1:]] == ["open"]


def test_the_told_in_time_measure_counts_feedback_on_the_new_decision_only(workspace):
    doc, decided = _closed_two_hours_ago(workspace)
    feedback.send(workspace, doc["reference"], "email", now=decided + timedelta(minutes=10))
    _reopen_and_redecide(workspace, doc["id"], datetime(2026, 12, 1, 10, 0), then="close")
    with workspace.session() as s:
        today = feedback.london_now().date()
        figure = feedback.measure(s, date(2020, 1, 1), today)
    # the first decision is superseded; the new one stands and its referrer has not been told of it
    assert figure["decided"] == 1 and figure["told_in_time"] == 0


def test_reopening_a_case_after_a_strategy_discussion_lets_a_new_one_start_its_clocks(workspace):
    doc = at_state(workspace, "strategy_discussion")
    lifecycle.transition(workspace, doc["id"], "close", **PARAMS["close"])
    assert all(d.state != "open" for d in _clocks(workspace, doc["id"], "strategy_discussion"))
    _reopen_and_redecide(workspace, doc["id"], datetime(2026, 12, 1, 10, 0), then="start_strategy")
    assert [d.state for d in _clocks(workspace, doc["id"], "strategy_discussion")][-1] == "open"
