"""Review packs (issue 13): packs a front door issued or a lead's workstation received, and one row per case.

The same two tables serve both ends. At the front door (`side = "issued"`) an item remembers exactly
which decision statement was sent for review, and later the signed review applied to it (exactly once).
On the lead's workstation (`side = "received"`) an item is the review queue entry, kept apart from the
local cases (no foreign key to `referral`): the redacted case as it came, the blind score, the reveal
and the lead's review, each a signed statement.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triage_desk.models.base import Base


class ReviewPack(Base):
    __tablename__ = "review_pack"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # pack id (uuid), the same at both ends
    side: Mapped[str] = mapped_column(String(8))  # issued | received
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    blind: Mapped[bool] = mapped_column(Boolean, default=False)
    sample_spec: Mapped[str | None] = mapped_column(Text, nullable=True)
    seed: Mapped[str | None] = mapped_column(String(64), nullable=True)
    signer_fingerprint: Mapped[str] = mapped_column(String(64))  # who signed the pack
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    # Front door: the newest review return applied (its signing time and manifest digest).
    returned_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    return_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ReviewItem(Base):
    __tablename__ = "review_item"
    __table_args__ = (UniqueConstraint("pack_id", "referral_id", name="uq_review_item_pack_referral"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pack_id: Mapped[str] = mapped_column(String(36), ForeignKey("review_pack.id", ondelete="CASCADE"), index=True)
    referral_id: Mapped[str] = mapped_column(String(36), index=True)
    reference: Mapped[str] = mapped_column(String(32))
    decision_sha256: Mapped[str] = mapped_column(String(64))  # the decision statement under review
    officer: Mapped[str | None] = mapped_column(String(64), nullable=True)
    officer_level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    engine_level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    case_json: Mapped[str | None] = mapped_column(Text, nullable=True)  # received: the redacted case as sent
    # Signed statements (canonical JSON text, raw signature, raw public key), see review_statements.py.
    score_statement: Mapped[str | None] = mapped_column(Text, nullable=True)
    score_signature: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    reveal_statement: Mapped[str | None] = mapped_column(Text, nullable=True)
    reveal_signature: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    review_statement: Mapped[str | None] = mapped_column(Text, nullable=True)
    review_signature: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    approval_statement: Mapped[str | None] = mapped_column(Text, nullable=True)
    approval_signature: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    decision_statement: Mapped[str | None] = mapped_column(Text, nullable=True)  # a lead's re-decision
    decision_signature: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    reviewer_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    verdict: Mapped[str | None] = mapped_column(String(10), nullable=True)  # agree | disagree
    lead_level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Front door: what applying the review did (approved | new_version | recorded), when.
    applied: Mapped[str | None] = mapped_column(String(12), nullable=True)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class DecisionResponse(Base):
    """The officer's answer to a practice lead's re-decision from a review (issue 13 point 4): accepted (the
    lead's decision stands) or contested (it goes to another practice lead to approve or reject), with a
    rationale, as a statement signed with the officer's key. Kept as its own row so a later approval never
    overwrites it."""

    __tablename__ = "decision_response"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(Integer, ForeignKey("decision.id", ondelete="CASCADE"), index=True)
    referral_id: Mapped[str] = mapped_column(String(36), ForeignKey("referral.id", ondelete="CASCADE"), index=True)
    response: Mapped[str] = mapped_column(String(10))  # accepted | contested
    rationale: Mapped[str] = mapped_column(Text)
    responded_by: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    responded_at: Mapped[datetime] = mapped_column(DateTime)  # UTC, naive
    statement: Mapped[str] = mapped_column(Text)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
    signer_key: Mapped[bytes] = mapped_column(LargeBinary)
