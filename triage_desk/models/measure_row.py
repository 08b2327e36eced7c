"""One narrow row per submitted contact holding what the measures count (measures.py), so a year of figures
is one scan of a small table instead of a JSON parse and eight look-ups per contact.

Kept in step by database triggers on every table it is read from (referral, decision, deadline,
case_event, strategy_discussion, dispute): whichever path writes those rows (services, mapper events, the
bundle importer, bulk demo data, restores), the summary follows in the same transaction. Clustered by
week and date received (WITHOUT ROWID): a period is a run of neighbouring pages, already in week order.

Deadlines: met and missed are stored; whether an open deadline is past due depends on "now", so the
count of open ones and their earliest and latest due time are stored, and measures_sql.py counts exactly
(falling back to the deadline rows only when "now" falls between the two).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage_desk.models.base import Base

# (column prefix, deadline kind)
DEADLINE_KINDS = (("dec", "decision"), ("rag", "rag"), ("chk", "agency_check"), ("sd", "strategy_discussion"),
                  ("fb", "referrer_feedback"))


class MeasureRow(Base):
    __tablename__ = "measure_row"
    __table_args__ = (Index("ix_measure_row_referral", "referral_id", unique=True), {"sqlite_with_rowid": False})

    # Monday of the week received (YYYY-MM-DD) leads the key, so grouping by week follows the table's order
    week: Mapped[str] = mapped_column(String(10), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime, primary_key=True)
    referral_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    reference: Mapped[str] = mapped_column(String(16))  # for the lists of cases behind a figure
    variant: Mapped[str | None] = mapped_column(String(8), nullable=True)
    agency: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source: Mapped[str | None] = mapped_column(String(4), nullable=True)
    rr: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    consent_not_sought: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    consent_refused: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # the current decision (newest not superseded); NULL before one is made
    decision_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    outcomes: Mapped[str | None] = mapped_column(Text, nullable=True)  # JSON list of outcome codes
    overridden: Mapped[int | None] = mapped_column(Integer, nullable=True)
    direction: Mapped[str | None] = mapped_column(String(8), nullable=True)
    primary_need: Mapped[str | None] = mapped_column(String(4), nullable=True)
    assessment: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    s47: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    cp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    disputes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    disputes_resolved: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    disputes_changed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    dec_met: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    dec_missed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    dec_open: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    dec_open_min: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    dec_open_max: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    rag_met: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rag_missed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rag_open: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rag_open_min: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    rag_open_max: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    chk_met: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    chk_missed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    chk_open: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    chk_open_min: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    chk_open_max: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    sd_met: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sd_missed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sd_open: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sd_open_min: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    sd_open_max: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    fb_met: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fb_missed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fb_open: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    fb_open_min: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    fb_open_max: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


# --- The SQL that (re)computes a summary row; `{rid}` is the referral id expression (NEW.id, a column...).
_CONSENT = ("EXISTS(SELECT 1 FROM json_each({doc}, '$.consent.records') j WHERE "
            "json_extract(j.value, '$.scope') = 'referral' AND json_extract(j.value, '$.state') = '{state}')")
# json_valid: a malformed document (never written by the app) must not make the write that fired the trigger fail
_CONSENT_COLS = ", ".join(
    f"CASE WHEN instr(r.document, '\"{state}\"') AND json_valid(r.document) "
    f"THEN {_CONSENT.format(doc='r.document', state=state)} ELSE 0 END"
    for state in ("not_sought", "refused"))
_REFERRAL_INSERT = (
    "INSERT INTO measure_row (received_at, referral_id, reference, week, variant, agency, source, rr, "
    "consent_not_sought, consent_refused) SELECT r.received_at, r.id, r.reference, "
    "date(r.received_at, 'weekday 0', '-6 days'), r.variant, r.referrer_agency, r.referral_source, "
    "coalesce(r.re_referrals_12m, 0), " + _CONSENT_COLS.replace("{", "{{").replace("}", "}}")
    + " FROM referral r WHERE r.status != 'draft'"
)
_REFERRAL_PART = "DELETE FROM measure_row WHERE referral_id = {rid}; " + _REFERRAL_INSERT + " AND r.id = {rid};"
_DECISION_PART = (
    "UPDATE measure_row SET (decision_id, decided_by, outcomes, overridden, direction, primary_need) = "
    "(SELECT d.id, d.decided_by, d.final_outcomes, d.overridden, d.direction, d.primary_need FROM decision d "
    "WHERE d.referral_id = {rid} AND d.superseded = 0 ORDER BY d.id DESC LIMIT 1) WHERE referral_id = {rid};"
)
_DEADLINE_COLS = ", ".join(f"{p}_met, {p}_missed, {p}_open, {p}_open_min, {p}_open_max" for p, _ in DEADLINE_KINDS)
_DEADLINE_SEL = ", ".join(
    f"coalesce(sum(kind = '{k}' AND state = 'met'), 0), coalesce(sum(kind = '{k}' AND state = 'missed'), 0), "
    f"coalesce(sum(kind = '{k}' AND state = 'open'), 0), min(CASE WHEN kind = '{k}' AND state = 'open' "
    f"THEN due_at END), max(CASE WHEN kind = '{k}' AND state = 'open' THEN due_at END)" for _, k in DEADLINE_KINDS)
_DEADLINE_PART = (f"UPDATE measure_row SET ({_DEADLINE_COLS}) = (SELECT {_DEADLINE_SEL} FROM deadline "
                  "WHERE referral_id = {rid}) WHERE referral_id = {rid};")
_CASEWORK_PART = (
    "UPDATE measure_row SET (assessment, s47, cp, disputes, disputes_resolved, disputes_changed) = (SELECT "
    "EXISTS(SELECT 1 FROM case_event e WHERE e.referral_id = {rid} AND e.to_state = 'assessment'), "
    "EXISTS(SELECT 1 FROM strategy_discussion s WHERE s.referral_id = {rid} AND s.decision = 's47'), "
    "EXISTS(SELECT 1 FROM strategy_discussion s WHERE s.referral_id = {rid} AND s.icpc_date IS NOT NULL), "
    "(SELECT count(*) FROM dispute p WHERE p.referral_id = {rid}), "
    "(SELECT count(*) FROM dispute p WHERE p.referral_id = {rid} AND p.outcome IS NOT NULL), "
    "(SELECT count(*) FROM dispute p WHERE p.referral_id = {rid} AND p.outcome = 'changed')) "
    "WHERE referral_id = {rid};"
)
# table -> the parts its changes affect
_TRIGGERED = {"decision": (_DECISION_PART,), "deadline": (_DEADLINE_PART,), "case_event": (_CASEWORK_PART,),
              "strategy_discussion": (_CASEWORK_PART,), "dispute": (_CASEWORK_PART,)}
_REFERRAL_COLUMNS = ("status, reference, received_at, variant, referrer_agency, referral_source, re_referrals_12m, "
                     "document")


def _body(parts, rid: str) -> str:
    return " ".join(p.format(rid=rid) for p in parts)


def measure_row_ddl() -> list[str]:
    """The triggers that keep measure_row in step (created by migration 0012)."""
    every = (_REFERRAL_PART, _DECISION_PART, _DEADLINE_PART, _CASEWORK_PART)
    ddl = [f"CREATE TRIGGER measure_row_referral_ai AFTER INSERT ON referral BEGIN {_body(every, 'NEW.id')} END",
           f"CREATE TRIGGER measure_row_referral_au AFTER UPDATE OF {_REFERRAL_COLUMNS} ON referral BEGIN "
           f"{_body(every, 'NEW.id')} END",
           "CREATE TRIGGER measure_row_referral_ad AFTER DELETE ON referral BEGIN "
           "DELETE FROM measure_row WHERE referral_id = OLD.id; END"]
    for table, parts in _TRIGGERED.items():
        new, old = _body(parts, "NEW.referral_id"), _body(parts, "OLD.referral_id")
        ddl += [f"CREATE TRIGGER measure_row_{table}_ai AFTER INSERT ON {table} BEGIN {new} END",
                f"CREATE TRIGGER measure_row_{table}_ad AFTER DELETE ON {table} BEGIN {old} END",
                f"CREATE TRIGGER measure_row_{table}_au AFTER UPDATE ON {table} BEGIN {new} END",
                # a row moved to another referral (never done today) also corrects the one it left
                f"CREATE TRIGGER measure_row_{table}_am AFTER UPDATE ON {table} "
                f"WHEN OLD.referral_id IS NOT NEW.referral_id BEGIN {old} END"]
    return ddl


def backfill_sql() -> list[str]:
    """Statements that fill measure_row from the tables it summarises (the migration, and a full rebuild):
    one pass over the referrals, then one correlated update per part."""
    return ["DELETE FROM measure_row", _REFERRAL_INSERT.format(),
            *(p.format(rid="measure_row.referral_id").rstrip(";") for p in (_DECISION_PART, _DEADLINE_PART,
                                                                             _CASEWORK_PART))]
