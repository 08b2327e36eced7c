"""After the decision: lifecycle transitions, deadlines, strategy discussions, referrer feedback, disputes.

Times are local Europe/London, naive (like `referral.received_at` and `decision_due`), except the
`*_at` columns that say "utc". The `deadline` table is the one source for "overdue": the case list,
the status bar and the review queue all read it (deadlines.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    case,
    event,
    insert,
    null,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Mapper, Session, mapped_column

from triage_desk.models.base import Base, Versioned
from triage_desk.models.referral import Referral

DEADLINE_STATES = ("open", "met", "missed", "cancelled")
LONDON = ZoneInfo("Europe/London")


def to_local(dt: datetime) -> datetime:
    """A UTC-naive stamp (audit, decisions) as local Europe/London naive (deadlines, referrals)."""
    return dt.replace(tzinfo=UTC).astimezone(LONDON).replace(tzinfo=None)


class Deadline(Versioned, Base):
    __tablename__ = "deadline"
    __table_args__ = (
        # Partial indexes over open deadlines only: the overdue view at 1M referrals reads a few rows.
        Index("ix_deadline_open_due", "due_at", "referral_id", sqlite_where=text("state = 'open'"),
              postgresql_where=text("state = 'open'")),
        Index("ix_deadline_open_kind_due", "kind", "due_at", "referral_id", sqlite_where=text("state = 'open'"),
              postgresql_where=text("state = 'open'")),
        Index("ix_deadline_referral", "referral_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = mapped_column(String(36), ForeignKey("referral.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # deadlines.KINDS
    started_at: Mapped[datetime] = mapped_column(DateTime)  # the clock's start (local)
    due_at: Mapped[datetime] = mapped_column(DateTime)  # local
    state: Mapped[str] = mapped_column(String(10), default="open")  # open | met | missed | cancelled
    closed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # local
    closed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # why cancelled / missed
    source_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # agency check / dispute id


class CaseEvent(Base):
    """One lifecycle transition: who, when, why, the receiving team."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = mapped_column(String(36), ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(24))
    from_state: Mapped[str] = mapped_column(String(24))
    to_state: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime)  # local
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    receiving_team: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lead_professional: Mapped[str | None] = mapped_column(String(200), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)  # closure outcome code
    reason_code: Mapped[str | None] = mapped_column(String(64), nullable=True)  # NFA reason code
    family_told: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # step-down: the family was told


class StrategyDiscussion(Versioned, Base):
    __tablename__ = "strategy_discussion"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    referral_id: Mapped[str] = mapped_column(String(36), ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    held_at: Mapped[datetime] = mapped_column(DateTime)  # local
    decision: Mapped[str] = mapped_column(String(16))  # s47 | s17 | nfa | other
    icpc_date: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    minutes: Mapped[str] = mapped_column(Text)  # validated JSON (strategy.py)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(DateTime)  # local


class ReferrerFeedback(Base):
    __tablename__ = "referrer_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = mapped_column(String(36), ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(8))  # email | letter | phone
    sent_at: Mapped[datetime] = mapped_column(DateTime)  # local
    sent_by: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(Text)  # the outcome words the letter gave


class Dispute(Versioned, Base):
    __tablename__ = "dispute"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    referral_id: Mapped[str] = mapped_column(String(36), ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    raised_by: Mapped[str] = mapped_column(String(200))  # the professional who disagrees (role, agency)
    agency: Mapped[str] = mapped_column(String(200))
    grounds: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(DateTime)  # local
    recorded_by: Mapped[str] = mapped_column(String(64))
    stage: Mapped[str] = mapped_column(String(16))  # manager | head_of_service | resolved
    manager_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    manager_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    manager_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(8), nullable=True)  # upheld | changed
    outcome_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


DECIDED_LATE = "decided after it was due"  # why a decision's clocks were missed (also the demo's, demo_clocks)


def _met_or_missed(at: datetime, late: str) -> dict:
    return {"state": case((Deadline.due_at >= at, "met"), else_="missed"),
            "reason": case((Deadline.due_at >= at, null()), else_=late)}


# Decisions and agency checks are written by decisions.py and checks.py (and the bundle importer):
# mapper events keep their deadline rows in step in the same transaction, whichever path wrote them.
def _after_insert(mapper: Mapper, connection, target) -> None:
    table = mapper.local_table.name
    if table == "decision":
        at = to_local(target.decided_at)
        connection.execute(
            update(Deadline).where(Deadline.referral_id == target.referral_id, Deadline.state == "open",
                                   Deadline.kind.in_(("decision", "rag")))
            .values(closed_at=at, closed_by=target.decided_by, **_met_or_missed(at, DECIDED_LATE)))
        refresh_next_due(connection, [target.referral_id])
    elif table == "agency_check" and target.status == "requested":
        connection.execute(insert(Deadline).values(
            referral_id=target.referral_id, kind="agency_check", started_at=target.requested_at,
            due_at=target.due_at, state="open", source_id=target.id))
        refresh_next_due(connection, [target.referral_id])


def _after_update(mapper: Mapper, connection, target) -> None:
    if mapper.local_table.name != "agency_check" or target.status == "requested":
        return
    where = (Deadline.kind == "agency_check", Deadline.source_id == target.id, Deadline.state == "open")
    at = target.response_at
    if target.status == "cancelled":
        values = {"state": "cancelled", "reason": "check request cancelled"}
    else:
        values = _met_or_missed(at, "answered after it was due")
    connection.execute(update(Deadline).where(*where).values(closed_at=at, closed_by=target.response_by, **values))
    refresh_next_due(connection, [target.referral_id])


event.listen(Base, "after_insert", _after_insert, propagate=True)
event.listen(Base, "after_update", _after_update, propagate=True)


# ---------------------------------------------------------------- the case list's "Due"
# `referral.next_due` / `next_due_kind` copy each case's earliest open deadline so the case list sorts by
# an index at a million rows. They are recomputed from the deadline rows (never patched by arithmetic) in
# the same transaction as every change to them: the mapper events above call `refresh_next_due`, and a
# flush that wrote Deadline objects refreshes their cases (deadlines.py writes through the ORM).
def _earliest(column):
    return (select(column).where(Deadline.referral_id == Referral.id, Deadline.state == "open")
            .order_by(Deadline.due_at, Deadline.id).limit(1).scalar_subquery())


def refresh_next_due(connection, referral_ids) -> None:
    """Set each case's `next_due` (and its kind) from its open deadline rows."""
    ids = sorted(set(referral_ids))
    for start in range(0, len(ids), 500):  # a bounded IN list per statement
        connection.execute(update(Referral).where(Referral.id.in_(ids[start:start + 500]))
                           .values(next_due=_earliest(Deadline.due_at), next_due_kind=_earliest(Deadline.kind)))


def _collect(session: Session, _context) -> None:
    touched = session.info.setdefault("next_due_refresh", set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Deadline) and obj.referral_id:
            touched.add(obj.referral_id)


def _refresh_after_flush(session: Session, _context) -> None:
    touched = session.info.pop("next_due_refresh", None)
    if not touched:
        return
    refresh_next_due(session.connection(), touched)
    for obj in list(session.identity_map.values()):  # loaded Referral objects read the new value
        if isinstance(obj, Referral) and obj.id in touched:
            session.expire(obj, ["next_due", "next_due_kind"])


event.listen(Session, "after_flush", _collect)
event.listen(Session, "after_flush_postexec", _refresh_after_flush)
