"""case list at a million: one (filter, sort, id) index for every filter column and sort key

Revision ID: 0009
Revises: 0008
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# (name, columns): the pairs 0002/0004 did not already cover (see docs/architecture.md).
INDEXES = (
    ("ix_referral_status_due", ["status", "decision_due", "id"]),
    ("ix_referral_status_reference", ["status", "reference", "id"]),
    ("ix_referral_status_subject", ["status", "subject_sort", "id"]),
    ("ix_referral_rag_reference", ["rag", "reference", "id"]),
    ("ix_referral_rag_subject", ["rag", "subject_sort", "id"]),
    ("ix_referral_agency_due", ["referrer_agency", "decision_due", "id"]),
    ("ix_referral_agency_reference", ["referrer_agency", "reference", "id"]),
    ("ix_referral_agency_subject", ["referrer_agency", "subject_sort", "id"]),
)


def upgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        for name, columns in INDEXES:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        for name, _ in INDEXES:
            batch_op.drop_index(name)
