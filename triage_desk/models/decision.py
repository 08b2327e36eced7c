"""Threshold decisions: the engine's result and the final decision side by side, with approval."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage_desk.models.base import Base, Versioned


class Decision(Versioned, Base):
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
    primary_need: Mapped[str | None] = mapped_column(String(4), nullable=True)  # DfE N0..N9 (measures.py)
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
    # The case's revision this decision made (1, 2, ...): a bundle never rolls a case back past it.
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Signed statements (triage_desk/statements.py): the decider's, and the approver's countersignature
    # over it. Canonical JSON text exactly as signed; keys are raw 32-byte Ed25519 public keys.
    statement: Mapped[str | None] = mapped_column(Text, nullable=True)
    signature: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    signer_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    approval_statement: Mapped[str | None] = mapped_column(Text, nullable=True)
    approval_signature: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    approver_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # An imported approval this database could not prove (why, in words): kept for review, never in force.
    approval_claim: Mapped[str | None] = mapped_column(Text, nullable=True)
