"""Feedback to the referrer (domain.md §5a), no Qt: an outcome letter in plain English and a record
of how, when and by whom it was sent.

The letter says what was decided, what happens next and what to do if concerns continue. It is built
only from the decision's outcome codes and the case's lifecycle state: never the narrative, agency
information, names of family members or anything on the "withhold from the family" list, so nothing
the family must not learn can reach them through the referrer. Sending meets the `referrer_feedback`
clock (3 working days from the decision by default); `measure` gives "referrers told the outcome
within 3 working days" for a period.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from triage_desk import accounts, audit, deadlines, decisions, lifecycle
from triage_desk.errors import InputError
from triage_desk.forms.clock import london_now
from triage_desk.models import Decision, Referral, ReferrerFeedback, Role

METHODS = {"email": "Email", "letter": "Letter", "phone": "Phone call"}
OUTCOME_WORDS = {
    "IAG": "We gave information and advice, and closed the contact.",
    "UNIV": "We suggested help from universal or single-agency services.",
    "EH": "We offered the family early help: a lead professional will work with them.",
    "S17": "A social worker will carry out a child and family assessment.",
    "STRAT": "We are taking action with other agencies to keep the child safe.",
    "OPEN": "The case is already open to a worker, and we have passed your information to them.",
    "S42": "Adult safeguarding will make enquiries.",
    "ADULT_OTHER": "We will look at the person's needs and offer support.",
    "TAA": "We will bring agencies together to support the person.",
    "CMARAC": "The case will be discussed at a community multi-agency risk meeting.",
    "MARAC": "The case will be discussed at a multi-agency risk assessment conference.",
    "NFA": "We decided that no further action by our service is needed at this time.",
}
NEXT_WORDS = {
    "decided": "The case has been passed to the right team, who will take it forward.",
    "strategy_discussion": "Agencies are meeting to agree what needs to happen next.",
    "assessment": "A social worker will contact the family. An assessment usually takes up to 45 working days.",
    "early_help": "An early help worker will contact the family to offer support.",
    "closed": "The case is now closed with us.",
}
IF_WORRIED = ("If you are still worried, or something new happens, contact us again straight away and make a new "
              "referral. If a child or adult is in immediate danger, call 999.")
TOLD_ROLES = (Role.OFFICER, Role.LEAD)


def letter(doc: dict, outcomes: list[str], state: str) -> dict:
    """The letter's words (pure): addressee, sections and sign-off."""
    ref = doc.get("referrer") if isinstance(doc.get("referrer"), dict) else {}
    to = ", ".join(str(ref[k]).strip() for k in ("name", "role", "agency") if isinstance(ref.get(k), str)
                   and ref[k].strip() and ref[k] not in ("not_known", "not_applicable")) or "The referrer"
    decided = " ".join(OUTCOME_WORDS.get(code, "") for code in outcomes).strip()
    return {"to": to,
            "sections": [("What we decided", decided or "We have looked at your referral and made a decision."),
                         ("What happens next", NEXT_WORDS.get(state, NEXT_WORDS["decided"])),
                         ("If you are still worried", IF_WORRIED)],
            "sign_off": "Thank you for your referral. Multi-agency safeguarding hub"}


def _case(s, ref: str) -> tuple[Referral, Decision]:
    row = s.execute(select(Referral).where((Referral.reference == ref) | (Referral.id == ref))).scalar()
    if row is None:
        raise InputError(f"reference: no referral {ref}")
    current = decisions.current(s, row.id)
    state = lifecycle.state_of(row.status, row.approval, row.stage)
    if current is None or state in ("received", "submitted", "awaiting_approval", "awaiting_response"):
        raise InputError(f"feedback: the case is {lifecycle.STATES[state]}; the referrer is told once a decision "
                         "stands")
    return row, current


def send(ws, ref: str, method: str, *, now: datetime | None = None) -> tuple[ReferrerFeedback, bytes]:
    """Record that the referrer was told the outcome (`method`: email, letter or phone); returns the
    record and the outcome letter as PDF."""
    from triage_desk.referral_rows import load
    from triage_desk.reports.pdf_casework import render_letter

    user = accounts.require(ws.user, *TOLD_ROLES)
    if method not in METHODS:
        raise InputError(f"method: must be one of {', '.join(METHODS)}")
    now = now or london_now()
    with ws.session() as s:
        row, current = _case(s, ref)
        state = lifecycle.state_of(row.status, row.approval, row.stage)
        words = letter(load(row.document), json.loads(current.final_outcomes), state)
        told = ReferrerFeedback(referral_id=row.id, method=method, sent_at=now, sent_by=user.username,
                                outcome=words["sections"][0][1])
        s.add(told)
        decided = deadlines.to_local(current.decided_at)
        if not deadlines.complete(s, row.id, ["referrer_feedback"], now, user.username):
            deadlines.open_deadline(s, row.id, "referrer_feedback", decided)
            deadlines.complete(s, row.id, ["referrer_feedback"], now, user.username)
        s.flush()
        audit.record(s, user.username, "feedback.send", "referral", row.id, reference=row.reference, method=method,
                     feedback=told.id)
        reference = row.reference
        s.expunge(told)
    return told, render_letter(reference, words, generated_by=user.username, generated_at=now)


def history(ws, ref: str) -> list[dict]:
    accounts.require(ws.user, Role.OFFICER, Role.LEAD, Role.ADMIN)
    with ws.session() as s:
        row = s.execute(select(Referral).where((Referral.reference == ref) | (Referral.id == ref))).scalar()
        if row is None:
            raise InputError(f"reference: no referral {ref}")
        rows = s.execute(select(ReferrerFeedback).where(ReferrerFeedback.referral_id == row.id)
                         .order_by(ReferrerFeedback.sent_at)).scalars()
        return [{"method": f.method, "sent_at": f.sent_at.strftime("%Y-%m-%dT%H:%M"), "sent_by": f.sent_by}
                for f in rows]


def measure(session, start: date, end: date) -> dict:
    """Referrers told the outcome within the configured working days, for decisions made from `start`
    to `end` (inclusive): {"decided", "told_in_time", "percent"}."""
    lo, hi = datetime.combine(start, time.min), datetime.combine(end, time.max)
    # decided_at is UTC: a day's margin either side, then the exact local test below
    decided = session.execute(select(Decision.referral_id, Decision.decided_at).where(
        Decision.superseded.is_(False), Decision.decided_at >= lo - timedelta(days=1),
        Decision.decided_at <= hi + timedelta(days=1))).all()
    sent_at: dict[str, list[datetime]] = {}
    for referral_id, at in session.execute(select(ReferrerFeedback.referral_id, ReferrerFeedback.sent_at)
                                           .order_by(ReferrerFeedback.sent_at)).all():
        sent_at.setdefault(referral_id, []).append(at)
    total = in_time = 0
    for referral_id, at in decided:
        local = deadlines.to_local(at)
        if not lo <= local <= hi:
            continue
        total += 1
        # the first letter after THIS decision: telling the referrer an outcome a reopening replaced does not count
        sent = next((t for t in sent_at.get(referral_id, ()) if t >= local.replace(microsecond=0)), None)
        if sent is not None and sent <= deadlines.due_for("referrer_feedback", local):
            in_time += 1
    return {"decided": total, "told_in_time": in_time, "percent": round(100 * in_time / total, 1) if total else None}
