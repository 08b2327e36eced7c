"""Everything after the decision on one case, in one dict (no Qt): lifecycle state and what may be
done next, history of transitions, deadlines, phone confirmation, strategy discussion, feedback to the
referrer and disputes. Read by `case show`, the Progress panel and the summary PDF.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select

from triage_desk import accounts, deadlines, disputes, lifecycle, review_history, review_response
from triage_desk.errors import InputError
from triage_desk.forms.clock import london_now
from triage_desk.models import ReferrerFeedback, Role, StrategyDiscussion

VIEW_ROLES = (Role.OFFICER, Role.LEAD, Role.ADMIN)


def section(session, referral_id: str, now: datetime | None = None) -> dict:
    """The `after_decision` section (plain data; the caller checks the role and audits the view)."""
    now = now or london_now()
    items = deadlines.for_case(session, referral_id)
    for item in items:
        item["overdue"] = deadlines.is_overdue(item, now)
    talks = session.execute(select(StrategyDiscussion).where(StrategyDiscussion.referral_id == referral_id)
                            .order_by(StrategyDiscussion.held_at)).scalars()
    told = session.execute(select(ReferrerFeedback).where(ReferrerFeedback.referral_id == referral_id)
                           .order_by(ReferrerFeedback.sent_at)).scalars()
    return {"deadlines": items,
            "strategy_discussions": [{"held_at": t.held_at.strftime("%Y-%m-%dT%H:%M"), "decision": t.decision,
                                      "icpc_date": t.icpc_date.strftime("%Y-%m-%d") if t.icpc_date else None,
                                      "attendees": len(json.loads(t.minutes)["attendees"]),
                                      "recorded_by": t.recorded_by} for t in talks],
            "feedback": [{"method": f.method, "sent_at": f.sent_at.strftime("%Y-%m-%dT%H:%M"), "sent_by": f.sent_by}
                         for f in told],
            "disputes": disputes.for_case(session, referral_id),
            "reviews": review_history.history_rows(session, referral_id),
            "response_due": review_response.due(session, referral_id),
            "responses": review_response.for_case(session, referral_id)}


def overview(ws, ref: str, *, now: datetime | None = None) -> dict:
    """The case's state, allowed actions for the signed-in role, history and `section`. Not audited
    here: the case view audits opening the case ("case.view"); `case show` audits its own view."""
    from triage_desk import confirmation
    from triage_desk.models import Referral

    user = accounts.require(ws.user, *VIEW_ROLES)
    history = lifecycle.history(ws, ref)
    with ws.session() as s:
        row = s.execute(select(Referral).where((Referral.reference == ref) | (Referral.id == ref))).scalar()
        if row is None:
            raise InputError(f"reference: no referral {ref}")
        state = lifecycle.state_of(row.status, row.approval, row.stage)
        doc = json.loads(row.document)
        out = {"reference": row.reference, "id": row.id, "version": row.version, "state": state,
               "state_label": lifecycle.STATES[state], "rag": row.rag,
               "allowed": [{"action": t.action, "label": t.label, "needs": list(t.needs)}
                           for t in lifecycle.allowed(state, user.role)],
               "phone_confirmation_outstanding": confirmation.outstanding(doc) and row.status != "draft",
               "history": history} | section(s, row.id, now)
    return out
