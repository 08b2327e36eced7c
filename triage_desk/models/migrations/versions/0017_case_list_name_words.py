"""case list at a million: a narrow word table for name search by subject; the RAG indexes carry the status

On SQLCipher: the word table, its triggers and a fill from referral_fts's vocabulary (models/fts.py says
why); on PostgreSQL none of that (its search index is 0010's; large documents live out of line). On both,
the four RAG indexes gain a trailing status column ("closed and red" is checked in the index).
SQLCipher also gets two covering person indexes for matching's phonetic and date-of-birth look-ups, and
a narrow index of each reference with its sort keys (a reference search sorted otherwise).

Revision ID: 0017
Revises: 0016
"""

from alembic import op

from triage_desk.models import fts
from triage_desk.models.portable import on_sqlite

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


RAG_INDEXES = (("ix_referral_rag_received", "received_at"), ("ix_referral_rag_due", "next_due"),
               ("ix_referral_rag_reference", "reference"), ("ix_referral_rag_subject", "subject_sort"))


def _rag_indexes(*trailing: str) -> None:
    for name, column in RAG_INDEXES:
        op.drop_index(name, table_name="referral")
        op.create_index(name, "referral", ["rag", column, "id", *trailing], unique=False)


def upgrade() -> None:
    _rag_indexes("status")
    if on_sqlite():
        for statement in fts.NAME_WORD_DDL + fts.NAME_WORD_FILL:
            op.execute(statement)
        for name, columns in fts.PERSON_COVERING.items():
            op.execute(f"CREATE INDEX {name} ON person ({columns})")
        op.execute(fts.REFERENCE_KEYS_DDL)


def downgrade() -> None:
    if on_sqlite():
        for statement in (*fts.NAME_WORD_DROP, f"DROP INDEX IF EXISTS {fts.REFERENCE_KEYS}",
                          *(f"DROP INDEX IF EXISTS {name}" for name in fts.PERSON_COVERING)):
            op.execute(statement)
    _rag_indexes()
