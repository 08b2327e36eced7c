"""People known to the front door, and which referrals they were the subject of.

Matching at intake must never scan every person: it looks people up by NHS number, by indexed
phonetic keys (with DOB) and through the FTS5 index `person_fts` over names and postcode.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from triage_desk.models.base import Base, utcnow


class Person(Base):
    __tablename__ = "person"
    __table_args__ = (
        Index("ix_person_surname_key_dob", "surname_key", "dob"),
        Index("ix_person_dob", "dob"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # uuid
    surname: Mapped[str] = mapped_column(String(120), default="")
    forenames: Mapped[str] = mapped_column(String(200), default="")
    dob: Mapped[date | None] = mapped_column(Date, nullable=True)
    nhs_number: Mapped[str | None] = mapped_column(String(10), nullable=True, index=True)
    postcode: Mapped[str | None] = mapped_column(String(10), nullable=True)  # normalised "AB1 2CD"
    surname_key: Mapped[str] = mapped_column(String(32), default="")  # metaphone of the surname
    surname_soundex: Mapped[str] = mapped_column(String(8), default="", index=True)
    forename_key: Mapped[str] = mapped_column(String(32), default="")  # metaphone of the first forename
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ReferralSubject(Base):
    """A referral's subject linked to a known person (`linked`), or a match the officer rejected."""

    __tablename__ = "referral_subject"
    __table_args__ = (Index("ix_referral_subject_person", "person_id", "state"),)

    referral_id: Mapped[str] = mapped_column(String(36), ForeignKey("referral.id", ondelete="CASCADE"),
                                             primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), ForeignKey("person.id"), primary_key=True)
    subject_id: Mapped[str | None] = mapped_column(String(36), nullable=True)  # the subject's id in the document
    state: Mapped[str] = mapped_column(String(10), default="linked")  # linked | rejected
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


PERSON_FTS_DDL = (
    "CREATE VIRTUAL TABLE person_fts USING fts5(surname, forenames, postcode, content='person', "
    "content_rowid='rowid', tokenize=\"unicode61 remove_diacritics 2\", prefix='2 3')",
    "CREATE TRIGGER person_fts_ai AFTER INSERT ON person BEGIN "
    "INSERT INTO person_fts(rowid, surname, forenames, postcode) "
    "VALUES (new.rowid, new.surname, new.forenames, new.postcode); END",
    "CREATE TRIGGER person_fts_ad AFTER DELETE ON person BEGIN "
    "INSERT INTO person_fts(person_fts, rowid, surname, forenames, postcode) "
    "VALUES ('delete', old.rowid, old.surname, old.forenames, old.postcode); END",
    "CREATE TRIGGER person_fts_au AFTER UPDATE OF surname, forenames, postcode ON person BEGIN "
    "INSERT INTO person_fts(person_fts, rowid, surname, forenames, postcode) "
    "VALUES ('delete', old.rowid, old.surname, old.forenames, old.postcode); "
    "INSERT INTO person_fts(rowid, surname, forenames, postcode) "
    "VALUES (new.rowid, new.surname, new.forenames, new.postcode); END",
)
