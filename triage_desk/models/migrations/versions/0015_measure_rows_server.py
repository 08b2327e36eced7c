"""measures on a team server: PostgreSQL fills measure_row and keeps it in step by trigger functions, as the
SQLite triggers of 0012 do (the same column SELECTs, composed into whole rows: models/measure_row.py); on
SQLite nothing changes

Revision ID: 0015
Revises: 0014
"""

from alembic import op

from triage_desk.models.measure_row import backfill_sql, pg_ddl, pg_drop_ddl
from triage_desk.models.portable import on_sqlite

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if on_sqlite():
        return  # 0012 filled the table and made its triggers
    for statement in pg_ddl():  # the consent function first: the backfill calls it
        op.execute(statement)
    for statement in backfill_sql("postgresql"):
        op.execute(statement)


def downgrade() -> None:
    if on_sqlite():
        return
    for statement in pg_drop_ddl():
        op.execute(statement)
    op.execute("DELETE FROM measure_row")  # nothing keeps it in step any more: empty, not silently wrong
