"""review packs: packs issued or received, one item per case (review queue, signed reviews)

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_pack",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("side", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("blind", sa.Boolean(), nullable=False),
        sa.Column("sample_spec", sa.Text(), nullable=True),
        sa.Column("seed", sa.String(length=64), nullable=True),
        sa.Column("signer_fingerprint", sa.String(length=64), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("returned_at", sa.DateTime(), nullable=True),
        sa.Column("return_sha256", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_pack")))
    blobs = [(f"{name}_statement", f"{name}_signature") for name in ("score", "reveal", "review", "approval",
                                                                     "decision")]
    op.create_table(
        "review_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pack_id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("decision_sha256", sa.String(length=64), nullable=False),
        sa.Column("officer", sa.String(length=64), nullable=True),
        sa.Column("officer_level", sa.Integer(), nullable=True),
        sa.Column("engine_level", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("case_json", sa.Text(), nullable=True),
        *[c for text, sig in blobs for c in (sa.Column(text, sa.Text(), nullable=True),
                                             sa.Column(sig, sa.LargeBinary(), nullable=True))],
        sa.Column("reviewer_key", sa.LargeBinary(), nullable=True),
        sa.Column("verdict", sa.String(length=10), nullable=True),
        sa.Column("lead_level", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("applied", sa.String(length=12), nullable=True),
        sa.Column("applied_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["pack_id"], ["review_pack.id"], name=op.f("fk_review_item_pack_id_review_pack"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_item")),
        sa.UniqueConstraint("pack_id", "referral_id", name="uq_review_item_pack_referral"))
    op.create_index("ix_review_item_pack_id", "review_item", ["pack_id"])
    op.create_index("ix_review_item_referral_id", "review_item", ["referral_id"])


def downgrade() -> None:
    op.drop_table("review_item")
    op.drop_table("review_pack")
