"""measures: one summary row per submitted contact (measure_row), kept in step by triggers, filled from the
tables it summarises

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from triage_desk.models.measure_row import backfill_sql, measure_row_ddl

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TRIGGERS = ("referral_ai", "referral_au", "referral_ad", *(f"{t}_{w}" for t in (
    "decision", "deadline", "case_event", "strategy_discussion", "dispute") for w in ("ai", "ad", "au", "am")))


def upgrade() -> None:
    deadline_cols = []
    for p in ("dec", "rag", "chk", "sd", "fb"):
        deadline_cols += [sa.Column(f"{p}_met", sa.Integer(), nullable=False, server_default="0"),
                          sa.Column(f"{p}_missed", sa.Integer(), nullable=False, server_default="0"),
                          sa.Column(f"{p}_open", sa.Integer(), nullable=False, server_default="0"),
                          sa.Column(f"{p}_open_min", sa.DateTime(), nullable=True),
                          sa.Column(f"{p}_open_max", sa.DateTime(), nullable=True)]
    op.create_table(
        "measure_row",
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("variant", sa.String(length=8), nullable=True),
        sa.Column("agency", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=4), nullable=True),
        sa.Column("rr", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("consent_not_sought", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("consent_refused", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("outcomes", sa.Text(), nullable=True),
        sa.Column("overridden", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(length=8), nullable=True),
        sa.Column("primary_need", sa.String(length=4), nullable=True),
        sa.Column("assessment", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("s47", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("cp", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("disputes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("disputes_resolved", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("disputes_changed", sa.Integer(), nullable=False, server_default="0"),
        *deadline_cols,
        sa.PrimaryKeyConstraint("week", "received_at", "referral_id"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_measure_row_referral", "measure_row", ["referral_id"], unique=True)
    if op.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL: migration 0015 (its own trigger functions, the same statements)
    for statement in backfill_sql():
        op.execute(statement)
    for statement in measure_row_ddl():
        op.execute(statement)


def downgrade() -> None:
    for name in _TRIGGERS if op.get_bind().dialect.name == "sqlite" else ():
        op.execute(f"DROP TRIGGER IF EXISTS measure_row_{name}")
    op.drop_index("ix_measure_row_referral", table_name="measure_row")
    op.drop_table("measure_row")
