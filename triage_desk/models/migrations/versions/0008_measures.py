"""measures: primary need (N0-N9) recorded at decision; the officer's team for the measures filters

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("primary_need", sa.String(length=4), nullable=True))
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("team")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_column("primary_need")
