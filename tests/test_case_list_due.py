"""The case list's Due is the case's earliest OPEN deadline (issue 12 point 2): the same deadline rows the
status bar and the review queue read, kept in step through every change, and sortable at a million rows."""

from __future__ import annotations

from datetime import datetime

import pytest
from casework_helpers import LEVEL3, at_state, submitted
from checks_helpers import act_as
from plan_helpers import query_plans
from sqlalchemy import func, select

from triage_desk import caselist, deadlines, demo
from triage_desk.caselist import CaseFilters, CaseSort, fetch_page
from triage_desk.models import Deadline, Referral


def _earliest_open(ws) -> dict[str, datetime]:
    with ws.session() as s:
        rows = s.execute(select(Deadline.referral_id, func.min(Deadline.due_at))
                         .where(Deadline.state == "open").group_by(Deadline.referral_id)).all()
    return dict(rows)


def _row(ws, rid: str) -> caselist.CaseRow:
    with ws.session() as s:
        rows, _ = fetch_page(s, CaseFilters(), limit=500)
    return next(r for r in rows if r.id == rid)


def test_due_is_the_earliest_open_deadline_as_the_case_moves_on(workspace):
    act_as(workspace, "officer")
    # A phone referral: decision, RAG and written-confirmation clocks all start at submission.
    doc = submitted(workspace, channel="phone", indicators=[LEVEL3], received_at="2026-11-20T10:00")
    row = _row(workspace, doc["id"])
    assert row.due == _earliest_open(workspace)[doc["id"]]
    # Cancelling the earliest clock moves Due on to the next open one.
    with workspace.session() as s:
        first = s.execute(select(Deadline).where(Deadline.referral_id == doc["id"], Deadline.state == "open")
                          .order_by(Deadline.due_at)).scalars().first()
        first_id, first_due = first.id, first.due_at
    deadlines.cancel_one(workspace, first_id, "Confirmed in person at the front desk this morning.")
    row = _row(workspace, doc["id"])
    assert row.due == _earliest_open(workspace)[doc["id"]] and row.due >= first_due


def test_a_decided_case_shows_its_next_open_deadline_not_the_decision_deadline(workspace):
    doc = at_state(workspace, "strategy_discussion")
    with workspace.session() as s:
        strategy = s.execute(select(Deadline).where(Deadline.referral_id == doc["id"],
                                                    Deadline.kind == "strategy_discussion")).scalar_one()
    row = _row(workspace, doc["id"])
    assert row.due == strategy.due_at and row.due_kind == "strategy_discussion"
    closed = at_state(workspace, "closed")  # the outcome letter's clock still runs after closing
    assert _row(workspace, closed["id"]).due == _earliest_open(workspace)[closed["id"]]
    act_as(workspace, "lead")
    with workspace.session() as s:
        still_open = s.execute(select(Deadline.id).where(Deadline.referral_id == closed["id"],
                                                         Deadline.state == "open")).scalars().all()
    for deadline_id in still_open:
        deadlines.cancel_one(workspace, deadline_id, "Told the referrer in person at the meeting.")
    assert _row(workspace, closed["id"]).due is None  # nothing open: no Due


def test_sorting_by_due_follows_the_deadline_rows(workspace):
    demo.bulk_generate(workspace, 300, seed=9)
    doc = at_state(workspace, "strategy_discussion")
    truth = _earliest_open(workspace)
    assert doc["id"] in truth
    for desc in (False, True):
        got, key = [], None
        with workspace.session() as s:
            while True:
                page, key = fetch_page(s, CaseFilters(), CaseSort("due", desc), key, 41)
                got += page
                if key is None:
                    break
        with_due = [r for r in got if r.due is not None]
        assert {r.id: r.due for r in with_due} == truth  # every case's Due is its earliest open deadline
        pairs = [(r.due, r.id) for r in with_due]
        assert pairs == sorted(pairs, reverse=desc)
        assert all(r.due is None for r in got[len(with_due):])  # cases with nothing open come last


def _plans(ws, filters, sort) -> list[str]:
    pages = query_plans(ws, lambda s: fetch_page(s, filters, sort),
                        keep=lambda st: st.lstrip().upper().startswith("SELECT REFERRAL.ID"))
    return [" | ".join(r[-1] for r in rows) for rows in pages]


@pytest.mark.sqlite_only("SQLite's query plan (the server plans these itself)")
def test_few_matches_sorted_by_due_never_walk_the_cases_with_nothing_open(workspace):
    # found at a million referrals: a reference search sorted by Due walked the due index's NULL range
    # (the ~99% of cases with nothing open) in id order, minutes per page
    demo.bulk_generate(workspace, 200, seed=2)
    for filters in (CaseFilters(text="TD-2025-0001"), CaseFilters(awaiting_approval=True)):
        plans = _plans(workspace, filters, CaseSort("due"))
        assert len(plans) == 2 and not any("ix_referral_due" in p for p in plans), plans


@pytest.mark.sqlite_only("SQLite's query plan (the server plans these itself)")
def test_overdue_pages_read_the_partial_indexes_over_cases_with_something_open(workspace):
    demo.bulk_generate(workspace, 200, seed=2)
    for key, index in (("received", "ix_referral_open_received"), ("subject", "ix_referral_open_subject"),
                       ("reference", "ix_referral_open_reference")):
        plans = _plans(workspace, CaseFilters(overdue=True, now=datetime(2030, 1, 1)), CaseSort(key))
        assert plans and index in plans[0] and "TEMP B-TREE" not in plans[0], plans


def test_a_search_sorted_by_due_finds_its_cases_on_either_store(workspace):
    # the server was sent SQLite's "+next_due IS NULL" planner hint here and refused the whole page
    demo.bulk_generate(workspace, 30, seed=2)
    with workspace.session() as s:
        reference = s.execute(select(Referral.reference).order_by(Referral.reference)).scalar()
        for desc in (False, True):
            rows, _ = fetch_page(s, CaseFilters(text=reference), CaseSort("due", desc))
            assert [r.reference for r in rows] == [reference]
