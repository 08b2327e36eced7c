"""Every deadline on a case is a row in `deadline` (no Qt): opened when its clock starts, then met,
missed (done after it was due) or cancelled with a reason.

Timescales come from the rules file (`timescales`, domain.md §4) and the working-day clock
(forms/clock.py): hour-based steps are elapsed clock hours (red RAG 4 h, phone confirmation 24 h,
strategy discussion 24 h); "1 working day" steps are working time; the long steps (assessment 45,
ICPC 15 working days) are whole working days after the start date, due at the close of that day.

`overdue_select` is THE overdue query: the case list's filter, the status bar count and the review
queue all use it, so they always agree. It reads only the partial indexes over open deadlines.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from triage_desk.errors import InputError
from triage_desk.formatting import fmt_datetime
from triage_desk.models import Deadline, Referral
from triage_desk.models.casework import to_local  # noqa: F401 - re-exported for services

KINDS = {
    "decision": "Decision on the referral",
    "rag": "RAG priority response",
    "phone_confirmation": "Written confirmation of the phone referral",
    "strategy_discussion": "Strategy discussion held",
    "strategy_record": "Strategy discussion record sent out",
    "icpc": "Initial child protection conference",
    "assessment": "Child and family assessment",
    "agency_check": "Agency check answered",
    "referrer_feedback": "Referrer told the outcome",
    "dispute_manager": "Dispute: MASH manager review",
    "dispute_head_of_service": "Dispute: head of service review",
}
STATE_LABELS = {"open": "open", "met": "met", "missed": "missed", "cancelled": "cancelled"}
# rules `timescales` key for each kind (RAG looks up the case's colour)
_TIMESCALE = {"assessment": "child_and_family_assessment"}
_WHOLE_DAYS = {"assessment", "icpc"}


def _context():
    from triage_desk.forms.threshold import default_context

    return default_context()


def due_for(kind: str, start: datetime, *, rag: str | None = None, context=None) -> datetime:
    """When a deadline of `kind` whose clock starts at `start` (local, naive) falls due (local, naive)."""
    ctx = context or _context()
    times = ctx.rules.data["timescales"]
    spec = times["rag"].get(rag or "") if kind == "rag" else times.get(_TIMESCALE.get(kind, kind))
    if not isinstance(spec, dict):
        raise InputError(f"rules: timescales.{_TIMESCALE.get(kind, kind)} is not configured"
                         + (f" for RAG {rag}" if kind == "rag" else ""))
    cal = ctx.calendar
    if "hours" in spec:
        return cal.add_hours(start, spec["hours"]).replace(tzinfo=None)
    if kind in _WHOLE_DAYS:
        day = cal.add_working_days(start.date(), int(spec["working_days"]))
        return datetime.combine(day, cal.end)
    return cal.add_working_time(start, working_days=spec["working_days"]).replace(tzinfo=None)


def open_deadline(s: Session, referral_id: str, kind: str, start: datetime, *, due: datetime | None = None,
                  rag: str | None = None, source_id: str | None = None) -> Deadline:
    """Start a clock. An open deadline of the same kind (and source) is replaced: the clock restarts."""
    if kind not in KINDS:
        raise InputError(f"deadline: unknown kind {kind}")
    due = due or due_for(kind, start, rag=rag)
    cancel(s, referral_id, [kind], start, None, "clock restarted", source_id=source_id)
    row = Deadline(referral_id=referral_id, kind=kind, started_at=start, due_at=due, state="open",
                   source_id=source_id)
    s.add(row)
    s.flush()
    return row


def _open_rows(s: Session, referral_id: str, kinds, source_id: str | None):
    q = select(Deadline).where(Deadline.referral_id == referral_id, Deadline.state == "open")
    if kinds is not None:
        q = q.where(Deadline.kind.in_(list(kinds)))
    if source_id is not None:
        q = q.where(Deadline.source_id == source_id)
    return list(s.execute(q).scalars())


def complete(s: Session, referral_id: str, kinds, at: datetime, by: str | None, *,
             source_id: str | None = None, note: str | None = None) -> list[Deadline]:
    """The step was done at `at`: each open deadline of those kinds is met, or missed if late."""
    rows = _open_rows(s, referral_id, kinds, source_id)
    for row in rows:
        row.state = "met" if at <= row.due_at else "missed"
        row.closed_at, row.closed_by = at, by
        if row.state == "missed":
            row.reason = note or f"done {late_by(row.due_at, at)} late"
    s.flush()
    return rows


def cancel(s: Session, referral_id: str, kinds, at: datetime, by: str | None, reason: str, *,
           source_id: str | None = None) -> list[Deadline]:
    """The step is no longer needed: open deadlines of those kinds (all, if None) are cancelled."""
    if not (reason or "").strip():
        raise InputError("reason: say why the deadline is cancelled")
    rows = _open_rows(s, referral_id, kinds, source_id)
    for row in rows:
        row.state, row.closed_at, row.closed_by, row.reason = "cancelled", at, by, reason.strip()
    s.flush()
    return rows


def late_by(due: datetime, at: datetime) -> str:
    minutes = int((at - due).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    return (f"{days} d " if days else "") + f"{hours} h {mins:02d} min"


# ---------------------------------------------------------------- the overdue query

# The literal 'open' (never a bound parameter) lets SQLite use the partial indexes over open deadlines;
# the order (due_at, referral_id, id) is exactly those indexes' order (id is the rowid), so no sort.
_OPEN = Deadline.state == literal_column("'open'")


def open_select(kind: str | None = None):
    """Open deadlines (of one kind, bound as `dl_kind`), due soonest first."""
    q = select(Deadline.id, Deadline.referral_id, Deadline.kind, Deadline.due_at).where(_OPEN)
    if kind is not None:
        q = q.where(Deadline.kind == bindparam("dl_kind"))
    return q.order_by(Deadline.due_at, Deadline.referral_id, Deadline.id)


def overdue_select(kind: str | None = None):
    """Open deadlines past due (bound parameter `dl_now`, local), most overdue first: THE overdue query."""
    return open_select(kind).where(Deadline.due_at < bindparam("dl_now", type_=DateTime()))


def check_kind(kind: str | None) -> None:
    if kind is not None and kind not in KINDS:
        raise InputError(f"deadline kind: must be one of {', '.join(KINDS)}")


@dataclass(frozen=True)
class OverdueItem:
    deadline_id: int
    referral_id: str
    reference: str
    kind: str
    due_at: datetime
    rag: str | None


def overdue_page(session: Session, now: datetime, kind: str | None = None, limit: int = 200) -> list[OverdueItem]:
    """The review queue's overdue list: one page of THE overdue query with each case's reference."""
    check_kind(kind)
    inner = overdue_select(kind).limit(limit).subquery()
    q = (select(inner.c.id, inner.c.referral_id, Referral.reference, inner.c.kind, inner.c.due_at, Referral.rag)
         .join(Referral, Referral.id == inner.c.referral_id)
         .order_by(inner.c.due_at, inner.c.referral_id, inner.c.id))
    params = {"dl_now": now, "dl_kind": kind}
    return [OverdueItem(*r) for r in session.execute(q, params).all()]


def count_overdue(session: Session, now: datetime, kind: str | None = None, cap: int = 10000) -> tuple[int, bool]:
    """How many cases have an overdue deadline (status bar), counted up to `cap`: (count, capped)."""
    check_kind(kind)
    # the overdue rows in index order first, then distinct cases: never a walk of every deadline
    cases = select(overdue_select(kind).subquery().c.referral_id).distinct().limit(cap + 1).subquery()
    n = session.execute(select(func.count()).select_from(cases), {"dl_now": now, "dl_kind": kind}).scalar_one()
    return min(n, cap), n > cap


def for_case(session: Session, referral_id: str) -> list[dict]:
    """A case's deadlines, soonest first (plain dicts for the case view, CLI and PDF)."""
    rows = session.execute(select(Deadline).where(Deadline.referral_id == referral_id)
                           .order_by(Deadline.due_at, Deadline.id)).scalars()
    return [as_dict(d) for d in rows]


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M") if value is not None else None


def as_dict(d: Deadline, now: datetime | None = None) -> dict:
    return {"id": d.id, "kind": d.kind, "label": KINDS.get(d.kind, d.kind), "started_at": _iso(d.started_at),
            "due_at": _iso(d.due_at), "state": d.state, "closed_at": _iso(d.closed_at), "closed_by": d.closed_by,
            "reason": d.reason}


def is_overdue(item: dict, now: datetime) -> bool:
    return item["state"] == "open" and item["due_at"] < now.strftime("%Y-%m-%dT%H:%M")


# ---------------------------------------------------------------- clocks started elsewhere

def on_submit(s: Session, row: Referral, result: dict, doc: dict) -> None:
    """Submission starts the decision and RAG clocks, and the phone-confirmation clock when needed."""
    from triage_desk.referral_rows import parse_local

    received = row.received_at
    decision_due = parse_local(result.get("decision_due"))
    rag_due = parse_local(result.get("rag_due"))
    if decision_due is not None:
        open_deadline(s, row.id, "decision", received, due=decision_due)
    if rag_due is not None and row.rag:
        open_deadline(s, row.id, "rag", received, due=rag_due)
    contact = doc.get("contact") if isinstance(doc.get("contact"), dict) else {}
    if contact.get("channel") == "phone" and not contact.get("confirmed_at"):
        open_deadline(s, row.id, "phone_confirmation", received,
                      due=parse_local(result.get("confirmation_due")) or None)


def status_counts(session: Session, now: datetime, soon_minutes: int = 60) -> tuple[int, int]:
    """The status bar: (cases with a deadline overdue, open deadlines falling due within `soon_minutes`)."""
    from datetime import timedelta

    overdue, _ = count_overdue(session, now)
    soon = open_select().where(Deadline.due_at >= bindparam("dl_now", type_=DateTime()),
                               Deadline.due_at < bindparam("dl_soon", type_=DateTime())).subquery()
    n = session.execute(select(func.count()).select_from(soon),
                        {"dl_now": now, "dl_soon": now + timedelta(minutes=soon_minutes)}).scalar_one()
    return overdue, n


def overdue_list(ws, limit: int = 200) -> list[dict]:
    """The review area's overdue queue (a service call: role-checked, plain dicts for display)."""
    from triage_desk import accounts
    from triage_desk.forms.clock import london_now
    from triage_desk.models import Role

    accounts.require(ws.user, Role.OFFICER, Role.LEAD, Role.ADMIN)
    now = london_now()
    with ws.session() as s:
        items = overdue_page(s, now, limit=limit)
    return [{"reference": i.reference, "kind": KINDS.get(i.kind, i.kind), "rag": i.rag,
             "due": fmt_datetime(i.due_at), "late_by": late_by(i.due_at, now)} for i in items]


def cancel_one(ws, deadline_id: int, reason: str, *, now: datetime | None = None) -> dict:
    """A person cancels one open deadline that no longer applies; the reason is required and audited."""
    from triage_desk import accounts, audit
    from triage_desk.forms.clock import london_now
    from triage_desk.models import Role

    user = accounts.require(ws.user, Role.OFFICER, Role.LEAD)
    if len((reason or "").strip()) < 10:
        raise InputError("reason: say why the deadline no longer applies (at least 10 characters)")
    with ws.session() as s:
        row = s.get(Deadline, deadline_id)
        if row is None:
            raise InputError(f"deadline: no deadline {deadline_id}")
        if row.state != "open":
            raise InputError(f"deadline: it is already {row.state}")
        row.state, row.closed_at, row.closed_by, row.reason = "cancelled", now or london_now(), user.username, \
            reason.strip()
        audit.record(s, user.username, "deadline.cancel", "referral", row.referral_id, deadline=row.id,
                     kind=row.kind)
        return as_dict(row)
