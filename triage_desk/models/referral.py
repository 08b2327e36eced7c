"""Referrals: one row per referral document, with the columns the case list sorts and filters on.

The whole document lives in `document` (canonical JSON); the other columns are copies kept in step
by `triage_desk.intake` so the case list never parses JSON. Keyset paging needs a composite index
ending in `id` for every sort, and one leading with each filter column.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, event, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from triage_desk.models.base import Base, Versioned, utcnow

STATUSES = ("draft", "submitted", "decided", "closed")


_HAS_OPEN = text("next_due IS NOT NULL")


class Referral(Versioned, Base):
    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_received", "received_at", "id"),
        Index("ix_referral_status_received", "status", "received_at", "id"),
        # 0017: the RAG indexes carry the status, so "closed and red" checks it in the index, not the row.
        Index("ix_referral_rag_received", "rag", "received_at", "id", "status"),
        Index("ix_referral_agency_received", "referrer_agency", "received_at", "id"),
        # "Due" is the earliest open deadline (next_due, kept by models/casework.py); 0013 moved these
        # indexes from decision_due to it.
        Index("ix_referral_due", "next_due", "id"),
        Index("ix_referral_rag_due", "rag", "next_due", "id", "status"),  # "red cases by deadline" at 1M rows
        Index("ix_referral_subject", "subject_sort", "id"),
        # 0009: every filter column (status, RAG, agency) with every sort key, so any filter x sort
        # page is an index range read in order, first page or ten-thousandth alike.
        *(Index(f"ix_referral_{name}_{sort}", column, sort_col, "id", *(("status",) if name == "rag" else ()))
          for name, column in (("status", "status"), ("rag", "rag"), ("agency", "referrer_agency"))
          for sort, sort_col in (("due", "next_due"), ("reference", "reference"), ("subject", "subject_sort"))
          if (name, sort) != ("rag", "due")),
        # 0013: only cases with an open deadline (a few thousand of a million), each sort key with the
        # case's earliest due last: "overdue" pages walk these in order and check next_due in the index.
        *(Index(f"ix_referral_open_{sort}", sort_col, "id", "next_due", sqlite_where=_HAS_OPEN,
                postgresql_where=_HAS_OPEN)
          for sort, sort_col in (("received", "received_at"), ("reference", "reference"), ("subject", "subject_sort"))),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the document's uuid
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # TD-YYYY-NNNNNN
    status: Mapped[str] = mapped_column(String(12), default="draft")
    variant: Mapped[str] = mapped_column(String(8), default="child")
    received_at: Mapped[datetime] = mapped_column(DateTime)  # local Europe/London, naive
    subject_name: Mapped[str] = mapped_column(String(300), default="")  # "SURNAME, Forenames; ..."
    subject_sort: Mapped[str] = mapped_column(String(300), default="")  # lower-case, surname first
    referrer_agency: Mapped[str | None] = mapped_column(String(120), nullable=True)
    referral_source: Mapped[str | None] = mapped_column(String(4), nullable=True)  # DfE 1A..10
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    rag: Mapped[str | None] = mapped_column(String(8), nullable=True)
    decision_due: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    suggested_level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    final_level: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The case's earliest open deadline (any kind) and its kind: a copy of the `deadline` rows, refreshed
    # in the same transaction as every deadline change (models/casework.py), so the list sorts by an index.
    next_due: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    next_due_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    checks_open: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # agency checks awaiting an answer
    checks_due: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)  # earliest open check's due
    approval: Mapped[str | None] = mapped_column(String(12), nullable=True)  # current decision: pending|...
    # after the decision (lifecycle.py): strategy_discussion | assessment | early_help; None before
    stage: Mapped[str | None] = mapped_column(String(24), nullable=True)
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # +1 per decision/approval
    re_referrals_12m: Mapped[int] = mapped_column(Integer, default=0)
    form_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    form_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    document: Mapped[str] = mapped_column(Text)
    wizard_step: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64), nullable=True)  # 0011: named in a Conflict


class EditLease(Base):
    """"Being edited by NAME since TIME" (edit_leases.py): one row per workstation that has the referral
    open for editing; renewed while open, deleted on close, ignored once `expires_at` has passed."""

    __tablename__ = "edit_lease"

    referral_id: Mapped[str] = mapped_column(String(36), ForeignKey("referral.id", ondelete="CASCADE"),
                                             primary_key=True)
    workstation: Mapped[str] = mapped_column(String(36), primary_key=True)  # one id per open workspace
    username: Mapped[str] = mapped_column(String(64))
    since: Mapped[datetime] = mapped_column(DateTime)  # utc
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)  # utc


@event.listens_for(Session, "before_flush")
def _changed_by(session: Session, _context, _instances) -> None:
    """Whoever changes a referral is named on it (a Conflict says whose change came first); the
    workspace puts the signed-in user on each unit of work."""
    actor = session.info.get("actor")
    if actor:
        for obj in session.dirty:
            if isinstance(obj, Referral) and session.is_modified(obj, include_collections=False):
                obj.updated_by = actor


# Full-text index over the reference and subject names (drafts included: they have no Person yet).
# External content: the text stays in `referral`; triggers keep the index in step.
REFERRAL_FTS_DDL = (
    "CREATE VIRTUAL TABLE referral_fts USING fts5(reference, subject_name, content='referral', "
    "content_rowid='rowid', tokenize=\"unicode61 remove_diacritics 2\", prefix='2 3')",
    "CREATE TRIGGER referral_fts_ai AFTER INSERT ON referral BEGIN "
    "INSERT INTO referral_fts(rowid, reference, subject_name) VALUES (new.rowid, new.reference, new.subject_name); END",
    "CREATE TRIGGER referral_fts_ad AFTER DELETE ON referral BEGIN "
    "INSERT INTO referral_fts(referral_fts, rowid, reference, subject_name) "
    "VALUES ('delete', old.rowid, old.reference, old.subject_name); END",
    "CREATE TRIGGER referral_fts_au AFTER UPDATE OF reference, subject_name ON referral BEGIN "
    "INSERT INTO referral_fts(referral_fts, rowid, reference, subject_name) "
    "VALUES ('delete', old.rowid, old.reference, old.subject_name); "
    "INSERT INTO referral_fts(rowid, reference, subject_name) VALUES (new.rowid, new.reference, new.subject_name); END",
)
