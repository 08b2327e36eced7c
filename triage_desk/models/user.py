"""People who use the app: officers, practice leads, admins."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage_desk.models.base import Base, utcnow


class Role(StrEnum):
    OFFICER = "officer"
    LEAD = "lead"  # practice lead / MASH manager
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {"officer": "Front-door officer", "lead": "Practice lead", "admin": "Administrator"}[self.value]


class User(Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    team: Mapped[str | None] = mapped_column(String(120), nullable=True)  # the measures' team filter
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Ed25519 signing key for case bundles: public half in clear, private half sealed under the
    # user's password (only that user can sign as themself).
    signing_public_key: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    signing_key_blob: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Not a column: the signed-in user's unsealed private key, held in memory for this session only.
    signing_key = None

    @property
    def role_enum(self) -> Role:
        return Role(self.role)
