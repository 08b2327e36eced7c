"""Bundle signers this workstation trusts (by Ed25519 public-key fingerprint).

The signing keys of this database's own users are trusted implicitly and are not listed here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage_desk.models.base import Base, utcnow


class TrustedSigner(Base):
    __tablename__ = "trusted_signer"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the raw public key
    public_key: Mapped[bytes] = mapped_column(LargeBinary)  # 32 raw Ed25519 bytes
    identity: Mapped[str] = mapped_column(String(300))  # "name (role) @ workstation", as the bundle states it
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    # "lead": approvals this key countersigns are accepted (confirmed with the signer's organisation).
    role: Mapped[str | None] = mapped_column(String(16), nullable=True)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
