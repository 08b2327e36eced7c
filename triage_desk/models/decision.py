"""Threshold decisions: the engine's result and the final decision side by side, with approval."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage_desk.models.base import Base


class Decision(Base):
    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[str] = mapped_column(String(36), ForeignKey("referral.id"), index=True)
    # What the engine said, exactly as `assess` prints it (reasons, catalogue id/version/sha256).
    engine_json: Mapped[str] = mapped_column(Text)
    engine_level: Mapped[int] = mapped_column(Integer)
    engine_outcomes: Mapped[str] = mapped_column(Text)  # JSON list
    final_level: Mapped[int] = mapped_column(Integer)
    final_outcomes: Mapped[str] = mapped_column(Text)  # JSON list
    direction: Mapped[str] = mapped_column(String(8))  # same | up | down  (level); outcomes may differ too
    overridden: Mapped[bool] = mapped_column(default=False)
    rationale: Mapped[str | None] = mapped_column(Text, nullable=True)
    evidence: Mapped[str | None] = mapped_column(Text, nullable=True)
    nfa_reason: Mapped[str | None] = mapped_column(String(64), nullable=True)
    requires: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of approvals still needed
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_role: Mapped[str] = mapped_column(String(16))
    decided_at: Mapped[datetime] = mapped_column(DateTime)
    # not_needed | pending | approved | rejected
    approval: Mapped[str] = mapped_column(String(12), index=True)
    approved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    approval_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    superseded: Mapped[bool] = mapped_column(default=False)  # a later decision replaced this one
