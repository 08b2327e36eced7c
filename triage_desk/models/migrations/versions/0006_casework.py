"""after the decision: lifecycle events, deadlines, strategy discussions, referrer feedback, disputes

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_OPEN = sa.text("state = 'open'")


def _referral_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["referral_id"], ["referral.id"], name=op.f(f"fk_{table}_referral_id_referral"),
                                   ondelete="CASCADE")


def upgrade() -> None:
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stage", sa.String(length=24), nullable=True))
    op.create_table(
        "deadline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("source_id", sa.String(length=36), nullable=True),
        _referral_fk("deadline"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline")))
    open_only = {"sqlite_where": _OPEN, "postgresql_where": _OPEN}
    op.create_index("ix_deadline_open_due", "deadline", ["due_at", "referral_id"], **open_only)
    op.create_index("ix_deadline_open_kind_due", "deadline", ["kind", "due_at", "referral_id"], **open_only)
    op.create_index("ix_deadline_referral", "deadline", ["referral_id", "kind"])
    op.create_table(
        "case_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("from_state", sa.String(length=24), nullable=False),
        sa.Column("to_state", sa.String(length=24), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("receiving_team", sa.String(length=200), nullable=True),
        sa.Column("lead_professional", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=True),
        sa.Column("reason_code", sa.String(length=64), nullable=True),
        sa.Column("family_told", sa.Boolean(), nullable=True),
        _referral_fk("case_event"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")))
    op.create_index(op.f("ix_case_event_referral_id"), "case_event", ["referral_id"])
    op.create_table(
        "strategy_discussion",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("held_at", sa.DateTime(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("icpc_date", sa.DateTime(), nullable=True),
        sa.Column("minutes", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        _referral_fk("strategy_discussion"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strategy_discussion")))
    op.create_index(op.f("ix_strategy_discussion_referral_id"), "strategy_discussion", ["referral_id"])
    op.create_table(
        "referrer_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("sent_by", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        _referral_fk("referrer_feedback"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrer_feedback")))
    op.create_index(op.f("ix_referrer_feedback_referral_id"), "referrer_feedback", ["referral_id"])
    op.create_table(
        "dispute",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("referral_id", sa.String(length=36), nullable=False),
        sa.Column("raised_by", sa.String(length=200), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("grounds", sa.Text(), nullable=False),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("manager_note", sa.Text(), nullable=True),
        sa.Column("manager_by", sa.String(length=64), nullable=True),
        sa.Column("manager_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        _referral_fk("dispute"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute")))
    op.create_index(op.f("ix_dispute_referral_id"), "dispute", ["referral_id"])
    # Existing data: undecided referrals keep their decision clock, open agency checks their due time.
    op.execute("INSERT INTO deadline (referral_id, kind, started_at, due_at, state) "
               "SELECT id, 'decision', received_at, decision_due, 'open' FROM referral "
               "WHERE status = 'submitted' AND decision_due IS NOT NULL")
    op.execute("INSERT INTO deadline (referral_id, kind, started_at, due_at, state, source_id) "
               "SELECT referral_id, 'agency_check', requested_at, due_at, 'open', id FROM agency_check "
               "WHERE status = 'requested'")


def downgrade() -> None:
    for table in ("dispute", "referrer_feedback", "strategy_discussion", "case_event", "deadline"):
        op.drop_table(table)
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_column("stage")
