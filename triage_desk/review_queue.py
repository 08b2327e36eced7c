"""The practice lead's review queue: decisions waiting for approval with their referral, read in one query,
and the audited "a lead read this decision"."""

from __future__ import annotations

import json

from sqlalchemy import select

from triage_desk import accounts, audit, decisions
from triage_desk.models import Decision, DecisionResponse, Role
from triage_desk.models.referral import Referral


def pending_reviews(ws) -> list[dict]:
    """Oldest first: {"decision", "engine", "reference", "subject", "doc"} per waiting decision."""
    accounts.require(ws.user, *Role)
    query = (select(Decision, Referral.reference, Referral.subject_name, Referral.document)
             .outerjoin(Referral, Referral.id == Decision.referral_id)
             .where(Decision.approval == decisions.APPROVAL_PENDING, Decision.superseded.is_(False))
             .order_by(Decision.decided_at, Decision.id))
    with ws.session() as s:
        rows = [{"decision": d, "engine": json.loads(d.engine_json), "reference": reference or "?",
                 "subject": subject or "", "doc": json.loads(document) if document else {}}
                for d, reference, subject, document in s.execute(query)]
        # a reviewing lead's re-decision the officer contested: the approving lead reads both sides
        contests = {r.decision_id: {"by": r.responded_by, "rationale": r.rationale} for r in s.execute(
            select(DecisionResponse).where(DecisionResponse.decision_id.in_([r["decision"].id for r in rows]),
                                           DecisionResponse.response == "contested")).scalars()}
    return [r | {"contest": contests.get(r["decision"].id)} for r in rows]


def record_decision_view(ws, decision_id: int, referral_id: str) -> None:
    """A lead reading a case's decision is a case view."""
    user = accounts.require(ws.user, *Role)
    with ws.session() as s:
        audit.record(s, user.username, "decision.view", "referral", referral_id, decision=decision_id)
