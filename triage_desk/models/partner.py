"""Partner agencies, agency checks on referrals and recorded information-sharing decisions.

The `agency_check` table is the source of truth for checks; the referral document's `checks` list is
built from it on export (case.json) so the case list can query outstanding and overdue checks.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage_desk.models.base import Base, Versioned, utcnow


class Partner(Base):
    __tablename__ = "partner"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # stable slug, e.g. "police-dorset"
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))  # police | health | education | housing | ...
    contact_route: Mapped[str] = mapped_column(Text, default="")
    isa_status: Mapped[str] = mapped_column(String(16))  # signed | in_discussion | no_contact
    isa_date: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    check_due_hours: Mapped[int] = mapped_column(Integer, default=8)  # working hours to answer a check
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AgencyCheck(Versioned, Base):
    __tablename__ = "agency_check"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # uuid, stable across workstations
    referral_id: Mapped[str] = mapped_column(String(36), ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[str] = mapped_column(String(64), ForeignKey("partner.id"))
    basis: Mapped[str] = mapped_column(String(16))  # consent | lead_decision
    basis_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(DateTime)  # local Europe/London, naive
    due_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    status: Mapped[str] = mapped_column(String(12), default="requested")  # requested | answered | cancelled
    response_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    response_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    nothing_known: Mapped[bool] = mapped_column(Boolean, default=False)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)


class SharingDecision(Base):
    __tablename__ = "sharing_decision"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    referral_id: Mapped[str] = mapped_column(String(36), ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[str | None] = mapped_column(String(64), ForeignKey("partner.id"), nullable=True)
    shared: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(Text)
    golden_rules: Mapped[str] = mapped_column(Text)  # JSON {rule_id: true|false} as ticked
    lawful_basis: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(DateTime)
