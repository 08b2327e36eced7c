"""case list: name search sorted by subject reads a narrow word table (referral_word), not the wide rows

On SQLCipher: the table, its triggers and a fill from referral_fts's vocabulary (models/fts.py says why).
On PostgreSQL this revision does nothing (its search index is 0010's; large documents live out of line).

Revision ID: 0017
Revises: 0014
"""

from alembic import op

from triage_desk.models import fts
from triage_desk.models.portable import on_sqlite

revision = "0017"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if not on_sqlite():
        return
    for statement in fts.NAME_WORD_DDL + fts.NAME_WORD_FILL:
        op.execute(statement)


def downgrade() -> None:
    if not on_sqlite():
        return
    for statement in fts.NAME_WORD_DROP:
        op.execute(statement)
