"""team server: covering indexes for the sounds-like surname look-ups; the unused trigram index dropped

On SQLCipher this revision does nothing (its covering person indexes are 0017's). On PostgreSQL the
sounds-like look-ups (server_search) read every person sharing the typed surname's metaphone or soundex
key and take the spellings nearest to what was typed first: up to ~12,800 people for the widest soundex
at a million referrals, read from ~6,600 heap pages and sorted (~20 ms). Indexes on (key, surname, id) that
INCLUDE the other scoring columns let the look-up step from one spelling of the sound to the next and read
only the first ids of each, never touching the table (~1.3 ms).

0016's GiST trigram index on the folded surname is dropped: no query uses it any more (the look-ups work
the pg_trgm distance out once per spelling of the sound), yet every new person paid for it. The pg_trgm
extension stays: the distance operator is still used.

Revision ID: 0019
Revises: 0017
"""

from alembic import op

from triage_desk.models.fts import SERVER_PERSON_COVERING
from triage_desk.models.portable import on_sqlite

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if on_sqlite():
        return
    op.execute("SET LOCAL maintenance_work_mem = '256MB'")  # each index sorted in memory, this transaction only
    for name, (key, included) in SERVER_PERSON_COVERING.items():
        op.execute(f"CREATE INDEX {name} ON person ({key}) INCLUDE ({included})")
    op.execute("DROP INDEX IF EXISTS ix_person_surname_trgm")


def downgrade() -> None:
    if on_sqlite():
        return
    op.execute("CREATE INDEX ix_person_surname_trgm ON person USING gist (td_fold(surname) gist_trgm_ops)")
    for name in SERVER_PERSON_COVERING:
        op.execute(f"DROP INDEX IF EXISTS {name}")
