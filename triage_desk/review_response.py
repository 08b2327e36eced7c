"""The officer's response to a practice lead's re-decision from a review (issue 13 point 4), no Qt.

A review return turns a lead's disagreement into a new decision version awaiting the officer's response
(`decision.approval == "response"`). The officer (or another officer or lead, never the lead who
re-decided) reads the lead's decision and rationale beside their own, then:
- accepts: the lead's decision stands (`approval = "accepted"`) and the case moves on;
- contests: the lead's decision goes to another practice lead's approval queue (`approval = "pending"`),
  who approves it or rejects it (the case then needs a fresh decision).
Either way the answer and its rationale are a statement signed with the responder's key, kept in
`decision_response` (never overwritten by a later approval) and audited. Called through
`lifecycle.transition(..., "accept_review" | "contest_review", reason=...)`.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from triage_desk import accounts, audit, decisions, statements
from triage_desk.bundle import signing
from triage_desk.errors import InputError, PermissionDenied
from triage_desk.models import Decision, DecisionResponse, Referral, Role, utcnow

AWAITING = "response"  # decision.approval of a lead's re-decision until the officer answers it
ACCEPTED = "accepted"  # decision.approval once the officer accepted it
RESPONSE = "triage-desk/decision-response/v1"
MIN_RATIONALE = 10
RESPONDERS = (Role.OFFICER, Role.LEAD)


def due(session, referral_id: str) -> dict | None:
    """What the officer is asked to answer (None when nothing awaits a response): the lead's level,
    outcomes and rationale beside the officer's decision they replaced."""
    current = decisions.current(session, referral_id)
    if current is None or current.approval != AWAITING:
        return None
    before = session.execute(select(Decision).where(Decision.referral_id == referral_id, Decision.id != current.id)
                             .order_by(Decision.revision.desc(), Decision.id.desc()).limit(1)).scalar()
    return {"lead": current.decided_by, "level": current.final_level,
            "outcomes": json.loads(current.final_outcomes), "rationale": current.rationale,
            "officer": before.decided_by if before else None, "officer_level": before.final_level if before else None}


def respond(ws, referral_id: str, accept: bool, rationale: str) -> DecisionResponse:
    """Accept or contest the lead's re-decision now awaiting a response; signed, stored and audited."""
    user = accounts.require(ws.user, *RESPONDERS)
    key = statements.signing_key(user)
    words = (rationale or "").strip()
    if len(words) < MIN_RATIONALE:
        raise InputError(f"reason (why): say why you {'accept' if accept else 'contest'} the practice lead's "
                         f"decision (at least {MIN_RATIONALE} characters)")
    with ws.session() as s:
        referral = s.get(Referral, referral_id)
        current = decisions.current(s, referral_id)
        if referral is None or current is None or current.approval != AWAITING:
            raise InputError("decision: no practice lead's decision is awaiting a response on this case")
        if current.decided_by == user.username or current.signer_key == signing.raw_public_key(key):
            raise PermissionDenied("you cannot respond to your own decision: the officer whose decision was "
                                   "reviewed responds")
        at = utcnow()
        signed = statements.sign(key, {
            "type": RESPONSE, "referral_id": referral.id, "reference": referral.reference,
            "decision_sha256": statements.digest(current.statement or ""), "accepted": accept, "rationale": words,
            "by": statements.signer(user, key), "at": at.isoformat(timespec="microseconds") + "Z"})
        row = DecisionResponse(decision_id=current.id, referral_id=referral.id,
                               response=ACCEPTED if accept else "contested", rationale=words,
                               responded_by=user.username, role=user.role, responded_at=at, statement=signed.text,
                               signature=signed.signature, signer_key=signed.public_key)
        s.add(row)
        current.approval = ACCEPTED if accept else decisions.APPROVAL_PENDING
        referral.revision = (referral.revision or 0) + 1
        decisions.sync_referral(referral, current)
        s.flush()
        audit.record(s, user.username, "decision.response", "referral", referral.id, decision=current.id,
                     response=row.response, statement=statements.digest(signed.text))
        s.expunge(row)
        return row


def for_case(session, referral_id: str) -> list[dict]:
    """Every response recorded on the case, oldest first (case view, PDF)."""
    rows = session.execute(select(DecisionResponse).where(DecisionResponse.referral_id == referral_id)
                           .order_by(DecisionResponse.responded_at, DecisionResponse.id)).scalars()
    return [{"response": r.response, "rationale": r.rationale, "by": r.responded_by, "role": r.role,
             "at": r.responded_at.strftime("%Y-%m-%dT%H:%M"),
             "signed": statements.verify(r.statement, r.signature, r.signer_key)} for r in rows]


def awaiting(ws) -> list[dict]:
    """Cases whose decision is a reviewing lead's re-decision awaiting the officer's response, oldest first."""
    accounts.require(ws.user, *RESPONDERS, Role.ADMIN)
    with ws.session() as s:
        rows = s.execute(select(Referral.id, Referral.reference).join(Decision, Decision.referral_id == Referral.id)
                         .where(Decision.approval == AWAITING, Decision.superseded.is_(False))
                         .order_by(Decision.decided_at, Decision.id)).all()
        return [{"reference": reference, **due(s, rid)} for rid, reference in rows]
