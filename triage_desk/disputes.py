"""Disputes about a threshold decision under the resolution protocol (domain.md §5a), no Qt.

A referrer or partner disagrees -> recorded with their grounds -> reviewed by the MASH manager (a
practice lead) within the configured working days -> if unresolved, the head of service -> outcome:
the decision upheld or changed, with the reason. Each stage has a deadline row (`dispute_manager`,
`dispute_head_of_service`, timescales in the rules file) met or missed when the stage ends. Every step
is audited (ids and codes only; the grounds stay in the dispute record).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import select

from triage_desk import accounts, audit, deadlines, decisions
from triage_desk.errors import InputError
from triage_desk.forms.clock import london_now
from triage_desk.models import Dispute, Referral, Role

OUTCOMES = {"upheld": "Decision upheld", "changed": "Decision changed"}
STAGES = {"manager": "with the MASH manager", "head_of_service": "with the head of service", "resolved": "resolved"}
MIN_TEXT = 10


def _text(value: str | None, field: str, what: str) -> str:
    value = (value or "").strip()
    if len(value) < MIN_TEXT:
        raise InputError(f"{field}: {what} (at least {MIN_TEXT} characters)")
    return value


def _referral(s, ref: str) -> Referral:
    row = s.execute(select(Referral).where((Referral.reference == ref) | (Referral.id == ref))).scalar()
    if row is None:
        raise InputError(f"reference: no referral {ref}")
    return row


def raise_dispute(ws, ref: str, raised_by: str, agency: str, grounds: str, *,
                  now: datetime | None = None) -> Dispute:
    """Record a professional's disagreement with the case's decision; it goes to the MASH manager."""
    user = accounts.require(ws.user, Role.OFFICER, Role.LEAD)
    raised_by = (raised_by or "").strip()
    agency = (agency or "").strip()
    if not raised_by:
        raise InputError("raised by: say who disagrees (their role)")
    if not agency:
        raise InputError("agency: say which agency they work for")
    grounds = _text(grounds, "grounds", "say why they disagree with the decision")
    now = now or london_now()
    with ws.session() as s:
        row = _referral(s, ref)
        if decisions.current(s, row.id) is None:
            raise InputError("dispute: there is no decision on this case to disagree with yet")
        d = Dispute(id=str(uuid.uuid4()), referral_id=row.id, raised_by=raised_by[:200], agency=agency[:200],
                    grounds=grounds, raised_at=now, recorded_by=user.username, stage="manager")
        s.add(d)
        s.flush()
        deadlines.open_deadline(s, row.id, "dispute_manager", now, source_id=d.id)
        audit.record(s, user.username, "dispute.raise", "referral", row.id, dispute=d.id)
        s.expunge(d)
        return d


def _open(s, dispute_id: str, stage: str) -> Dispute:
    d = s.get(Dispute, dispute_id)
    if d is None:
        raise InputError(f"dispute: no dispute {dispute_id}")
    if d.stage != stage:
        raise InputError(f"dispute: it is {STAGES[d.stage]}, not {STAGES[stage]}")
    return d


def _resolve(d: Dispute, outcome: str | None, reason: str | None, by: str, now: datetime) -> None:
    if outcome not in OUTCOMES:
        raise InputError(f"outcome: must be one of {', '.join(OUTCOMES)}")
    d.outcome, d.outcome_reason = outcome, _text(reason, "reason", "say why the decision is upheld or changed")
    d.resolved_by, d.resolved_at, d.stage = by, now, "resolved"


def manager_review(ws, dispute_id: str, note: str, *, resolved: bool, outcome: str | None = None,
                   reason: str | None = None, now: datetime | None = None) -> Dispute:
    """The MASH manager's review: resolved (upheld / changed, with reason) or escalated to the head of service."""
    user = accounts.require(ws.user, Role.LEAD)
    note = _text(note, "note", "record the manager's review")
    now = now or london_now()
    with ws.session() as s:
        d = _open(s, dispute_id, "manager")
        d.manager_note, d.manager_by, d.manager_at = note, user.username, now
        if resolved:
            _resolve(d, outcome, reason, user.username, now)
        else:
            d.stage = "head_of_service"
        deadlines.complete(s, d.referral_id, ["dispute_manager"], now, user.username, source_id=d.id)
        if not resolved:
            deadlines.open_deadline(s, d.referral_id, "dispute_head_of_service", now, source_id=d.id)
        audit.record(s, user.username, "dispute.manager_review", "referral", d.referral_id, dispute=d.id,
                     resolved=resolved, outcome=d.outcome)
        s.flush()
        s.expunge(d)
        return d


def head_of_service_outcome(ws, dispute_id: str, outcome: str, reason: str, *,
                            now: datetime | None = None) -> Dispute:
    """The head of service's outcome, recorded by a practice lead on their behalf."""
    user = accounts.require(ws.user, Role.LEAD)
    now = now or london_now()
    with ws.session() as s:
        d = _open(s, dispute_id, "head_of_service")
        _resolve(d, outcome, reason, user.username, now)
        deadlines.complete(s, d.referral_id, ["dispute_head_of_service"], now, user.username, source_id=d.id)
        audit.record(s, user.username, "dispute.head_of_service", "referral", d.referral_id, dispute=d.id,
                     outcome=outcome)
        s.flush()
        s.expunge(d)
        return d


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M") if value is not None else None


def as_dict(d: Dispute) -> dict:
    return {"id": d.id, "raised_by": d.raised_by, "agency": d.agency, "grounds": d.grounds,
            "raised_at": _iso(d.raised_at), "recorded_by": d.recorded_by, "stage": d.stage,
            "manager_note": d.manager_note, "manager_by": d.manager_by, "manager_at": _iso(d.manager_at),
            "outcome": d.outcome, "outcome_reason": d.outcome_reason, "resolved_by": d.resolved_by,
            "resolved_at": _iso(d.resolved_at)}


def for_case(session, referral_id: str) -> list[dict]:
    rows = session.execute(select(Dispute).where(Dispute.referral_id == referral_id)
                           .order_by(Dispute.raised_at)).scalars()
    return [as_dict(d) for d in rows]


def list_for(ws, ref: str) -> list[dict]:
    accounts.require(ws.user, Role.OFFICER, Role.LEAD, Role.ADMIN)
    with ws.session() as s:
        return for_case(s, _referral(s, ref).id)


def measure(session, start: date, end: date) -> dict:
    """Disputes raised from `start` to `end` (inclusive): raised, open, upheld, changed (decision quality)."""
    rows = session.execute(select(Dispute.stage, Dispute.outcome).where(
        Dispute.raised_at >= datetime.combine(start, time.min),
        Dispute.raised_at <= datetime.combine(end, time.max))).all()
    return {"raised": len(rows), "open": sum(1 for st, _ in rows if st != "resolved"),
            "upheld": sum(1 for _, o in rows if o == "upheld"), "changed": sum(1 for _, o in rows if o == "changed")}
