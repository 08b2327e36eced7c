"""The demo fills the measures dashboard: its decided cases met or missed their decision and RAG clocks,
week after week, and some of its signed decisions are no further action. Every expected figure is counted
here from the deadline and decision rows, then the dashboard's figures must say the same."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from triage_desk import demo, demo_accounts, measures
from triage_desk.models import Deadline, Decision, Referral

END = datetime(2026, 11, 20, 12, 0)  # a Friday noon: the demo ends here, whatever day the tests run
START = date(2025, 11, 24)  # the Monday 52 weeks before: the dashboard's "last 12 months", in whole weeks
SCOPE = measures.Scope(START, END.date(), now=END)


def _build(ws) -> None:
    demo_accounts.ensure_demo_accounts(ws)
    demo.bulk_generate(ws, 1500, seed=11, until=END)
    demo_accounts.add_demo_decisions(ws, seed=11)


@pytest.fixture
def demo_ws(workspace_from):
    return workspace_from("demo-measures-1500-seed11", _build)


def _monday(moment: datetime) -> str:
    return (moment.date() - timedelta(days=moment.weekday())).isoformat()


def _clocks(ws, kind: str) -> dict[str, Counter]:
    """Per week received: how many of the period's `kind` clocks were met, and how many were due (met,
    missed, or open past END): the measure's definition (docs/measures.md), counted from the rows."""
    lo, hi = datetime.combine(START, datetime.min.time()), datetime.combine(END.date() + timedelta(days=1),
                                                                              datetime.min.time())
    with ws.session() as s:
        rows = s.execute(select(Referral.received_at, Deadline.state, Deadline.due_at)
                         .outerjoin(Deadline, (Deadline.referral_id == Referral.id) & (Deadline.kind == kind))
                         .where(Referral.status != "draft", Referral.received_at >= lo,
                                Referral.received_at < hi)).all()
    weeks: dict[str, Counter] = {}
    for received, state, due in rows:  # every week with a contact, clock or not
        week = weeks.setdefault(_monday(received), Counter())
        week["met"] += state == "met"
        week["missed"] += state == "missed"
        week["due"] += state in ("met", "missed") or (state == "open" and due < END)
    return weeks


def test_decided_demo_cases_met_or_missed_their_clocks_in_every_week_and_the_dashboard_says_so(demo_ws):
    weeks = _clocks(demo_ws, "decision")
    with demo_ws.session() as s:
        report = measures.compute(s, SCOPE, trend=False)
        reference = measures.reference_report(s, SCOPE)
    shown = {w["week"]: (w["decided_in_time"], w["decisions_due"]) for w in report.breakdowns["weekly"]}
    assert shown == {week: (c["met"], c["due"]) for week, c in weeks.items()}
    # the chart has a point in (nearly) every one of the 52 weeks, not just the last
    assert sum(1 for c in weeks.values() if c["due"]) >= 48
    missed = sum(c["missed"] for c in weeks.values())
    met = sum(c["met"] for c in weeks.values())
    assert 0.05 <= missed / (met + missed) <= 0.2  # a front door near its target, not on it
    assert sum(1 for c in weeks.values() if c["missed"]) >= 10  # late decisions in many weeks
    figure = report.figure("decided_in_time")
    assert (figure.numerator, figure.denominator) == (met, sum(c["due"] for c in weeks.values()))
    rag = _clocks(demo_ws, "rag")
    rag_figure = report.figure("rag_in_time")
    assert (rag_figure.numerator, rag_figure.denominator) == (sum(c["met"] for c in rag.values()),
                                                              sum(c["due"] for c in rag.values()))
    assert 0 < sum(c["missed"] for c in rag.values()) < 0.2 * rag_figure.denominator
    # the summary rows (bulk-written) give what the per-contact SQL over the tables gives
    assert [(f.id, f.value, f.numerator, f.denominator) for f in report.figures] == \
        [(f.id, f.value, f.numerator, f.denominator) for f in reference.figures]
    assert report.breakdowns == reference.breakdowns


def test_some_demo_decisions_are_no_further_action_and_the_dashboard_counts_them_by_agency(demo_ws):
    with demo_ws.session() as s:
        current = s.execute(select(Decision.final_outcomes, Decision.nfa_reason, Decision.final_level,
                                   Decision.approval, Referral.referrer_agency, Referral.received_at)
                            .join(Referral, Referral.id == Decision.referral_id)
                            .where(Decision.superseded.is_(False))).all()
        report = measures.compute(s, SCOPE, trend=False)
    in_period = [d for d in current if d.received_at.date() >= START]
    nfa = [d for d in in_period if "NFA" in json.loads(d.final_outcomes)]
    assert nfa and len(nfa) < len(in_period) / 2
    assert all(d.nfa_reason and d.final_level <= 2 for d in nfa)  # a reason code; only where the routes are low
    assert {d.approval for d in nfa} == {"pending", "approved"}  # a lead approves NFA; the newest still wait
    figure = report.figure("nfa")
    assert (figure.numerator, figure.denominator) == (len(nfa), len(in_period))
    by_agency = Counter(d.referrer_agency for d in nfa)
    shown = {a: v["nfa"] for a, v in report.breakdowns["nfa_by_agency"].items() if v["nfa"]}
    assert shown == dict(by_agency) and len(shown) >= 2
