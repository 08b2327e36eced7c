"""Signed records: role grants (an administrator's signature makes a role valid) and audit checkpoints
(a user's signature over the chain's length and head). See triage_desk/grants.py and audit.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage_desk.models.base import Base


class RoleGrant(Base):
    """One signed statement "USER has ROLE, enabled/disabled, with signing key FP, from AT"; the newest
    grant for a user must match the `user` row, or the account is refused at sign-in."""

    __tablename__ = "role_grant"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean)
    key_fingerprint: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the user's signing key
    granted_by: Mapped[str] = mapped_column(String(64))
    granted_at: Mapped[datetime] = mapped_column(DateTime)
    signer_key: Mapped[bytes] = mapped_column(LargeBinary)  # the administrator's raw public key
    statement: Mapped[str] = mapped_column(Text)  # canonical JSON, exactly the signed bytes
    signature: Mapped[bytes] = mapped_column(LargeBinary)


class AuditCheckpoint(Base):
    """A signed tree head: "the chain had EVENTS events ending in HEAD", signed by the acting user."""

    __tablename__ = "audit_checkpoint"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    events: Mapped[int] = mapped_column(Integer)
    head: Mapped[str] = mapped_column(String(64))
    signed_by: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(String(16))  # sign-out | lock | interval | init
    signer_key: Mapped[bytes] = mapped_column(LargeBinary)
    statement: Mapped[str] = mapped_column(Text)
    signature: Mapped[bytes] = mapped_column(LargeBinary)
