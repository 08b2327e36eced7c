"""case list Due = the case's earliest open deadline: referral.next_due (+ kind), indexed for every filter

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# The Due sort's indexes move from decision_due to next_due (same names: the case list's "due" sort).
INDEXES = (
    ("ix_referral_due", []),
    ("ix_referral_rag_due", ["rag"]),
    ("ix_referral_status_due", ["status"]),
    ("ix_referral_agency_due", ["referrer_agency"]),
)
# Partial indexes over the cases with an open deadline: the overdue filter under each sort.
OPEN_INDEXES = (("ix_referral_open_received", "received_at"), ("ix_referral_open_reference", "reference"),
                ("ix_referral_open_subject", "subject_sort"))
_EARLIEST = ("(SELECT d.{col} FROM deadline d WHERE d.referral_id = referral.id AND d.state = 'open' "
             "ORDER BY d.due_at, d.id LIMIT 1)")


def _move_indexes(column: str) -> None:
    for name, lead in INDEXES:
        op.drop_index(name, table_name="referral")
        op.create_index(name, "referral", [*lead, column, "id"], unique=False)


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): instant on SQLite however many referrals there are.
    op.add_column("referral", sa.Column("next_due", sa.DateTime(), nullable=True))
    op.add_column("referral", sa.Column("next_due_kind", sa.String(length=32), nullable=True))
    # Only cases with an open deadline get a value; the partial index over open deadlines finds them.
    op.execute(f"UPDATE referral SET next_due = {_EARLIEST.format(col='due_at')}, "
               f"next_due_kind = {_EARLIEST.format(col='kind')} "
               "WHERE id IN (SELECT referral_id FROM deadline WHERE state = 'open')")
    _move_indexes("next_due")
    for name, column in OPEN_INDEXES:
        op.create_index(name, "referral", [column, "id", "next_due"], unique=False,
                        sqlite_where=sa.text("next_due IS NOT NULL"), postgresql_where=sa.text("next_due IS NOT NULL"))


def downgrade() -> None:
    for name, _ in OPEN_INDEXES:
        op.drop_index(name, table_name="referral")
    _move_indexes("decision_due")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_column("next_due_kind")
        batch_op.drop_column("next_due")
