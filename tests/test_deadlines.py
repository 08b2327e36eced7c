"""Every deadline is a row: clocks across weekends and bank holidays, a red case overdue after four
clock hours, phone confirmation outstanding until recorded, and one overdue query for every view."""

from __future__ import annotations

from datetime import datetime

import pytest
from casework_helpers import LEVEL2, LEVEL3, at_state, submitted
from checks_helpers import act_as
from sqlalchemy import select

from triage_desk import caselist, checks, confirmation, deadlines, decisions, lifecycle, partners
from triage_desk.errors import InputError
from triage_desk.forms.threshold import evaluate
from triage_desk.models import Deadline


def _clocks(ws, rid: str) -> dict[str, Deadline]:
    with ws.session() as s:
        return {d.kind: d for d in s.execute(select(Deadline).where(Deadline.referral_id == rid)
                                             .order_by(Deadline.id)).scalars()}


def _overdue_everywhere(ws, now: datetime) -> tuple[set, set, set]:
    """The case list's filter, the status bar's count and the review queue's list, at `now`."""
    with ws.session() as s:
        listed, _ = caselist.fetch_page(s, caselist.CaseFilters(overdue=True, now=now), limit=500)
        count, _ = deadlines.count_overdue(s, now)
        queue = deadlines.overdue_page(s, now)
    return {r.id for r in listed}, count, {q.referral_id for q in queue}


@pytest.mark.parametrize(("kind", "start", "due", "rag"), [
    # red: 4 elapsed clock hours, office hours or not
    ("rag", datetime(2026, 11, 20, 15, 0), datetime(2026, 11, 20, 19, 0), "red"),
    # amber: 1 working day; Thursday 24 December -> Tuesday 29 December (Christmas, Boxing Day observed)
    ("rag", datetime(2026, 12, 24, 14, 0), datetime(2026, 12, 29, 14, 0), "amber"),
    # green: 3 working days over a weekend: Friday -> Wednesday
    ("rag", datetime(2026, 11, 20, 10, 0), datetime(2026, 11, 25, 10, 0), "green"),
    # written confirmation of a phone referral: 24 clock hours, across the weekend
    ("phone_confirmation", datetime(2026, 11, 20, 16, 0), datetime(2026, 11, 21, 16, 0), None),
    # strategy discussion within 24 hours of deciding to hold one
    ("strategy_discussion", datetime(2026, 11, 20, 16, 0), datetime(2026, 11, 21, 16, 0), None),
    # record out within 1 working day: Friday 16:00 -> Monday 16:00
    ("strategy_record", datetime(2026, 11, 20, 16, 0), datetime(2026, 11, 23, 16, 0), None),
    # ICPC: 15 working days after the strategy discussion, Christmas and New Year's Day skipped
    ("icpc", datetime(2026, 12, 18, 11, 0), datetime(2027, 1, 13, 17, 0), None),
    # child and family assessment: 45 working days; 9 weeks (Monday 4 May) plus Good Friday, Easter
    # Monday and the early May bank holiday -> Thursday 7 May
    ("assessment", datetime(2026, 3, 2, 9, 30), datetime(2026, 5, 7, 17, 0), None),
    # Easter 2026 (Good Friday 3 April, Easter Monday 6 April) moves a 1-working-day decision on
    ("decision", datetime(2026, 4, 2, 15, 0), datetime(2026, 4, 7, 15, 0), None),
])
def test_deadlines_across_weekends_and_bank_holidays(kind, start, due, rag):
    assert deadlines.due_for(kind, start, rag=rag) == due


def test_a_red_case_is_overdue_after_four_hours_everywhere(workspace):
    act_as(workspace, "officer")
    doc = submitted(workspace, received_at="2026-11-20T10:00", urgent=True)
    assert evaluate(doc)["rag"] == "red"
    clocks = _clocks(workspace, doc["id"])
    assert clocks["rag"].due_at == datetime(2026, 11, 20, 14, 0)
    assert clocks["decision"].due_at == datetime(2026, 11, 23, 10, 0)
    assert _overdue_everywhere(workspace, datetime(2026, 11, 20, 13, 59)) == (set(), 0, set())
    listed, count, queue = _overdue_everywhere(workspace, datetime(2026, 11, 20, 14, 1))
    assert listed == queue == {doc["id"]} and count == 1
    with workspace.session() as s:
        kinds = [q.kind for q in deadlines.overdue_page(s, datetime(2026, 11, 20, 14, 1))]
    assert kinds == ["rag"]


def test_a_decision_meets_or_misses_the_decision_and_rag_clocks(workspace):
    act_as(workspace, "officer")
    doc = submitted(workspace, indicators=[LEVEL2], received_at="2020-01-06T10:00")  # long ago: late
    engine = evaluate(doc)
    decisions.decide(workspace, doc["id"], engine, decisions.Proposal(engine["suggested_level"],
                                                                      tuple(engine["outcomes"])))
    clocks = _clocks(workspace, doc["id"])
    assert clocks["decision"].state == clocks["rag"].state == "missed"
    assert clocks["decision"].closed_by == "officer" and clocks["decision"].reason
    with workspace.session() as s:
        assert deadlines.count_overdue(s, datetime(2030, 1, 1)) == (0, False)


def test_phone_referral_confirmation_is_outstanding_until_recorded_after_submission(workspace):
    act_as(workspace, "officer")
    doc = submitted(workspace, channel="phone", received_at="2026-11-20T10:00")
    assert confirmation.outstanding(doc)
    assert _clocks(workspace, doc["id"])["phone_confirmation"].due_at == datetime(2026, 11, 21, 10, 0)
    listed, _, _ = _overdue_everywhere(workspace, datetime(2026, 11, 21, 10, 30))
    with workspace.session() as s:
        phone, _ = caselist.fetch_page(s, caselist.CaseFilters(overdue=True, deadline_kind="phone_confirmation",
                                                               now=datetime(2026, 11, 21, 10, 30)))
    assert [r.id for r in phone] == [doc["id"]]
    with pytest.raises(InputError, match="how: must be one of"):
        confirmation.record(workspace, doc["reference"], datetime(2026, 11, 20, 18, 0), "pigeon")
    with pytest.raises(InputError, match="before the phone referral"):
        confirmation.record(workspace, doc["reference"], datetime(2026, 11, 19, 18, 0), "email")
    after = confirmation.record(workspace, doc["reference"], datetime(2026, 11, 20, 18, 0), "email")
    assert not confirmation.outstanding(after) and after["contact"]["confirmed_how"] == "email"
    clock = _clocks(workspace, doc["id"])["phone_confirmation"]
    assert clock.state == "met" and clock.closed_at == datetime(2026, 11, 20, 18, 0)
    with pytest.raises(InputError, match="already recorded"):
        confirmation.record(workspace, doc["reference"], datetime(2026, 11, 20, 19, 0), "email")


def test_agency_check_deadlines_follow_the_checks(workspace):
    act_as(workspace, "officer")
    partners.ensure_partners(workspace)
    doc = submitted(workspace, indicators=[LEVEL3])
    act_as(workspace, "lead")
    made = checks.request_checks(workspace, doc["id"], ["police", "education"], "lead_decision",
                                 "Immediate risk: checks cannot wait for consent.",
                                 now=datetime(2026, 11, 20, 11, 0))
    rows = [d for d in _all(workspace, doc["id"]) if d.kind == "agency_check"]
    assert {d.source_id for d in rows} == {c.id for c in made} and all(d.state == "open" for d in rows)
    police = next(c for c in made if c.partner_id == "police")
    checks.record_response(workspace, police.id, nothing_known=True, now=datetime(2026, 11, 20, 12, 0))
    checks.cancel_check(workspace, next(c.id for c in made if c.partner_id == "education"), "no longer needed")
    states = {d.source_id: d.state for d in _all(workspace, doc["id"]) if d.kind == "agency_check"}
    assert states[police.id] == "met" and "cancelled" in states.values()


def _all(ws, rid):
    with ws.session() as s:
        return list(s.execute(select(Deadline).where(Deadline.referral_id == rid)).scalars())


def test_holding_a_strategy_discussion_starts_its_clock_and_kind_filters_the_list(workspace):
    doc = at_state(workspace, "strategy_discussion")
    clock = _clocks(workspace, doc["id"])["strategy_discussion"]
    assert clock.state == "open" and (clock.due_at - clock.started_at).total_seconds() == 24 * 3600
    with workspace.session() as s:
        rows, _ = caselist.fetch_page(s, caselist.CaseFilters(deadline_kind="strategy_discussion"))
        assert [r.id for r in rows] == [doc["id"]]
        with pytest.raises(InputError, match="deadline kind"):
            caselist.fetch_page(s, caselist.CaseFilters(deadline_kind="nonsense"))
    assert lifecycle.current_state(workspace, doc["id"]).state == "strategy_discussion"


def test_a_deadline_is_cancelled_only_with_a_reason_and_leaves_the_overdue_view(workspace):
    act_as(workspace, "officer")
    doc = submitted(workspace, channel="phone", received_at="2026-11-20T10:00")
    clock = _clocks(workspace, doc["id"])["phone_confirmation"]
    with pytest.raises(InputError, match="reason"):
        deadlines.cancel_one(workspace, clock.id, "no")
    done = deadlines.cancel_one(workspace, clock.id, "The referrer is the family's own GP: confirmed in person.")
    assert done["state"] == "cancelled" and done["reason"].startswith("The referrer")
    with pytest.raises(InputError, match="already cancelled"):
        deadlines.cancel_one(workspace, clock.id, "The referrer is the family's own GP: confirmed in person.")
    with workspace.session() as s:
        kinds = {q.kind for q in deadlines.overdue_page(s, datetime(2026, 12, 1))}
    assert "phone_confirmation" not in kinds and "decision" in kinds


def test_upgrading_an_existing_database_starts_clocks_for_waiting_referrals(tmp_path):
    import os as _os

    from alembic import command
    from alembic.config import Config
    from sqlalchemy import text

    from triage_desk.db import MIGRATIONS_DIR, make_engine

    engine = make_engine(tmp_path / "old.db", _os.urandom(32))
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0004")
        conn.execute(text("INSERT INTO referral (id, reference, status, variant, received_at, subject_name, "
                          "subject_sort, urgent, re_referrals_12m, document, created_at, updated_at, checks_open, "
                          "decision_due) VALUES ('r1', 'TD-2026-000001', 'submitted', 'child', "
                          "'2026-11-20 10:00:00.000000', '', '', 0, 0, '{}', '2026-11-20 10:00:00.000000', "
                          "'2026-11-20 10:00:00.000000', 0, '2026-11-23 10:00:00.000000')"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        rows = conn.execute(text("SELECT kind, state, due_at FROM deadline WHERE referral_id = 'r1'")).all()
    engine.dispose()
    assert [(k, st, due[:16]) for k, st, due in rows] == [("decision", "open", "2026-11-23 10:00")]
