"""many hands: a version on every editable casework row, who last changed a referral, edit leases

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The rows two officers may change at once (models.base.Versioned).
VERSIONED = ("referral", "decision", "deadline", "strategy_discussion", "dispute", "agency_check")


def upgrade() -> None:
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_by", sa.String(length=64), nullable=True))
    op.create_table(
        "edit_lease",
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("workstation", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"], name="fk_edit_lease_referral_id_referral",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("referral_id", "workstation", name="pk_edit_lease"),
    )
    op.create_index("ix_edit_lease_expires_at", "edit_lease", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_edit_lease_expires_at", table_name="edit_lease")
    op.drop_table("edit_lease")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_column("updated_by")
    for table in reversed(VERSIONED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("version")
