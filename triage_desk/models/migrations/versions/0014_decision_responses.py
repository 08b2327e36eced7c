"""decision responses: the officer accepts or contests a practice lead's re-decision from a review

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decision_response",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("response", sa.String(length=10), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("responded_by", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("responded_at", sa.DateTime(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("signer_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["decision_id"], ["decision.id"],
                                name=op.f("fk_decision_response_decision_id_decision"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["referral_id"], ["referral.id"],
                                name=op.f("fk_decision_response_referral_id_referral"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_response")))
    op.create_index("ix_decision_response_decision_id", "decision_response", ["decision_id"])
    op.create_index("ix_decision_response_referral_id", "decision_response", ["referral_id"])


def downgrade() -> None:
    op.drop_index("ix_decision_response_referral_id", table_name="decision_response")
    op.drop_index("ix_decision_response_decision_id", table_name="decision_response")
    op.drop_table("decision_response")
