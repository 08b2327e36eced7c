"""case list at a million: a name or reference search beside a filter checks the filter in narrow entries

On SQLCipher the name-word table (0017) also carries each case's status, RAG and referring agency, and so
does the reference index with the sort keys: "pi" + closed sorted by subject, or "TD-2025-00" + red, read
narrow entries instead of every match's ~4 KB row (models/fts.py). The word table is dropped and filled
again from referral_fts's vocabulary and narrow indexes, as 0017 filled it, and gains indexes of each
case's words by rowid and by id (a one-letter search walks a sort index and looks each entry up).
PostgreSQL: nothing (large documents live out of line there, so its rows are already narrow).

Revision ID: 0018
Revises: 0017
"""

from alembic import op

from triage_desk.models import fts
from triage_desk.models.portable import on_sqlite

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if on_sqlite():
        for statement in (*fts.NAME_WORD_DROP, f"DROP INDEX IF EXISTS {fts.REFERENCE_KEYS}", *fts.NAME_WORD_DDL,
                          *fts.NAME_WORD_FILL, *fts.WORD_LOOKUP_DDL, fts.REFERENCE_KEYS_DDL):
            op.execute(statement)


def downgrade() -> None:
    # 0017's queries read the wider word table and index as they read the narrower ones (the extra columns
    # are never named there), and its triggers' successors keep every column right: nothing to undo.
    pass
