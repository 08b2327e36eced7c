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


# --- The SQL that (re)computes summary rows, written once for both stores. Placeholders: `{rid}` the referral
# id a subquery looks at (NEW.id in a row trigger, measure_row.referral_id in a set-based statement), `{rows}`
# the summary rows a statement changes, `{refs}` the referrals a statement reads. The few spellings the two
# stores differ on come from the helpers below; tests/test_measures.py runs on both stores.
STORES = ("sqlite", "postgresql")


def flag(dialect: str, condition: str) -> str:
    """A condition as 0 or 1 (SQLite's comparisons already are; PostgreSQL's are booleans)."""
    return f"({condition})" if dialect == "sqlite" else f"({condition})::int"


def week_sql(dialect: str, column: str) -> str:
    """The Monday of the week `column` falls in, as YYYY-MM-DD."""
    if dialect == "sqlite":
        return f"date({column}, 'weekday 0', '-6 days')"
    return f"to_char(date_trunc('week', {column}), 'YYYY-MM-DD')"


def consent_sql(dialect: str, doc: str, state: str) -> str:
    """1 when the referral document `doc` holds a consent record for the referral itself in `state`, else 0.
    A malformed document (never written by the app) gives 0: it must not make the write that fired a trigger
    fail. On PostgreSQL the same test is the function PG_CONSENT_FUNCTION (migration 0015)."""
    if dialect != "sqlite":
        return f"measure_row_consent({doc}, '{state}')"
    return (f"CASE WHEN instr({doc}, '\"{state}\"') AND json_valid({doc}) THEN EXISTS(SELECT 1 FROM "
            f"json_each({doc}, '$.consent.records') j WHERE json_extract(j.value, '$.scope') = 'referral' AND "
            f"json_extract(j.value, '$.state') = '{state}') ELSE 0 END")


# The document's consent records (an object's values, as SQLite's json_each walks them), or none.
PG_CONSENT_FUNCTION = (
    "CREATE OR REPLACE FUNCTION measure_row_consent(doc text, wanted text) RETURNS integer LANGUAGE plpgsql "
    "IMMUTABLE AS $$ DECLARE records jsonb; BEGIN "
    "IF position('\"' || wanted || '\"' IN doc) = 0 THEN RETURN 0; END IF; "
    "records := doc::jsonb #> '{consent,records}'; "
    "IF jsonb_typeof(records) = 'object' THEN records := (SELECT jsonb_agg(value) FROM jsonb_each(records)); "
    "ELSIF jsonb_typeof(records) IS DISTINCT FROM 'array' THEN RETURN 0; END IF; "
    "RETURN (SELECT count(*) FROM jsonb_array_elements(records) e WHERE e ->> 'scope' = 'referral' "
    "AND e ->> 'state' = wanted LIMIT 1); "
    "EXCEPTION WHEN others THEN RETURN 0; END $$")


_OWN_COLUMNS = ("received_at, referral_id, reference, week, variant, agency, source, rr, consent_not_sought, "
                "consent_refused")


def _own(dialect: str) -> str:
    """The summary columns read from the referral row itself (`_OWN_COLUMNS`), from `referral r`."""
    return (f"r.received_at, r.id, r.reference, {week_sql(dialect, 'r.received_at')}, r.variant, r.referrer_agency, "
            f"r.referral_source, coalesce(r.re_referrals_12m, 0), {consent_sql(dialect, 'r.document', 'not_sought')}, "
            f"{consent_sql(dialect, 'r.document', 'refused')}")


def _behind(dialect: str) -> dict[str, tuple[str, str]]:
    """What the tables behind a referral give its summary row: part -> (its columns, the SELECT computing them
    for referral `{rid}`: at most one row)."""
    false = "0" if dialect == "sqlite" else "false"
    decision = (f"SELECT d.id, d.decided_by, d.final_outcomes, {flag(dialect, 'd.overridden')}, d.direction, "
                f"d.primary_need FROM decision d WHERE d.referral_id = {{rid}} AND d.superseded = {false} "
                "ORDER BY d.id DESC LIMIT 1")
    cols = ", ".join(f"{p}_met, {p}_missed, {p}_open, {p}_open_min, {p}_open_max" for p, _ in DEADLINE_KINDS)
    sel = ", ".join(  # per kind: how many met, missed and open, and the earliest and latest open due time
        ", ".join([*(f"coalesce(sum({flag(dialect, f'kind = {k!r} AND state = {s!r}')}), 0)"
                     for s in ("met", "missed", "open")),
                   *(f"{agg}(CASE WHEN kind = '{k}' AND state = 'open' THEN due_at END)" for agg in ("min", "max"))])
        for _, k in DEADLINE_KINDS)
    casework = (
        "SELECT " + ", ".join(flag(dialect, f"EXISTS(SELECT 1 FROM {t} WHERE {t.split()[1]}.referral_id = {{rid}} "
                                            f"AND {c})")
                              for t, c in (("case_event e", "e.to_state = 'assessment'"),
                                           ("strategy_discussion s", "s.decision = 's47'"),
                                           ("strategy_discussion s", "s.icpc_date IS NOT NULL")))
        + ", (SELECT count(*) FROM dispute p WHERE p.referral_id = {rid}), "
        "(SELECT count(*) FROM dispute p WHERE p.referral_id = {rid} AND p.outcome IS NOT NULL), "
        "(SELECT count(*) FROM dispute p WHERE p.referral_id = {rid} AND p.outcome = 'changed')")
    return {"decision": ("decision_id, decided_by, outcomes, overridden, direction, primary_need", decision),
            "deadline": (cols, f"SELECT {sel} FROM deadline WHERE referral_id = {{rid}}"),
            "casework": ("assessment, s47, cp, disputes, disputes_resolved, disputes_changed", casework)}


def _parts(dialect: str) -> dict[str, str]:
    """table -> the statements (templates) recomputing what its rows feed into a summary row, one part at a
    time (SQLite's row triggers and backfill)."""
    referral = (f"DELETE FROM measure_row WHERE {{rows}}; INSERT INTO measure_row ({_OWN_COLUMNS}) SELECT "
                f"{_own(dialect)} FROM referral r WHERE r.status != 'draft' AND {{refs}};")
    update = {part: f"UPDATE measure_row SET ({cols}) = ({select}) WHERE {{rows}};"
              for part, (cols, select) in _behind(dialect).items()}
    return {"referral": referral, "decision": update["decision"], "deadline": update["deadline"],
            "case_event": update["casework"], "strategy_discussion": update["casework"], "dispute": update["casework"]}


def _whole_rows(dialect: str, refs: str) -> str:
    """The referrals `refs` (a condition on r.id) summary rows, every column in one INSERT (PostgreSQL: one
    write per row, where the part-by-part updates rewrite each row four times)."""
    behind = _behind(dialect)
    columns = ", ".join([_OWN_COLUMNS, *(cols for cols, _ in behind.values())])
    joins = " ".join(f"LEFT JOIN LATERAL ({select.format(rid='r.id')}) of_{part} ON true"
                     for part, (_, select) in behind.items())
    return (f"DELETE FROM measure_row WHERE {refs.format(col='referral_id')}; INSERT INTO measure_row ({columns}) "
            f"SELECT {_own(dialect)}, {', '.join(f'of_{part}.*' for part in behind)} FROM referral r {joins} "
            f"WHERE r.status != 'draft' AND {refs.format(col='r.id')};")


_CHILD_TABLES = ("decision", "deadline", "case_event", "strategy_discussion", "dispute")
_REFERRAL_COLUMNS = ("status", "reference", "received_at", "variant", "referrer_agency", "referral_source",
                     "re_referrals_12m", "document")


def _every(parts: dict[str, str]) -> list[str]:
    """A referral's whole row: its own columns, then every part read from the tables behind it."""
    return [parts["referral"], parts["decision"], parts["deadline"], parts["case_event"]]


def _body(templates, rid: str) -> str:
    return " ".join(t.format(rid=rid, rows=f"referral_id = {rid}", refs=f"r.id = {rid}") for t in templates)


def measure_row_ddl() -> list[str]:
    """SQLite's triggers that keep measure_row in step, one summary row per written row (migration 0012)."""
    parts = _parts("sqlite")
    every = _every(parts)
    ddl = [f"CREATE TRIGGER measure_row_referral_ai AFTER INSERT ON referral BEGIN {_body(every, 'NEW.id')} END",
           f"CREATE TRIGGER measure_row_referral_au AFTER UPDATE OF {', '.join(_REFERRAL_COLUMNS)} ON referral "
           f"BEGIN {_body(every, 'NEW.id')} END",
           "CREATE TRIGGER measure_row_referral_ad AFTER DELETE ON referral BEGIN "
           "DELETE FROM measure_row WHERE referral_id = OLD.id; END"]
    for table in _CHILD_TABLES:
        new, old = _body([parts[table]], "NEW.referral_id"), _body([parts[table]], "OLD.referral_id")
        ddl += [f"CREATE TRIGGER measure_row_{table}_ai AFTER INSERT ON {table} BEGIN {new} END",
                f"CREATE TRIGGER measure_row_{table}_ad AFTER DELETE ON {table} BEGIN {old} END",
                f"CREATE TRIGGER measure_row_{table}_au AFTER UPDATE ON {table} BEGIN {new} END",
                # a row moved to another referral (never done today) also corrects the one it left
                f"CREATE TRIGGER measure_row_{table}_am AFTER UPDATE ON {table} "
                f"WHEN OLD.referral_id IS NOT NEW.referral_id BEGIN {old} END"]
    return ddl


def _set_based(templates, ids: str) -> str:
    """The statements for the summary rows of the referrals `ids` (a condition on an id column)."""
    return " ".join(t.format(rid="measure_row.referral_id", rows=ids.format(col="referral_id"),
                             refs=ids.format(col="r.id")) for t in templates)


def _pg_function(table: str) -> str:
    """One statement-level trigger function per table: the referrals its statement touched (transition
    tables), locked in id order so concurrent writers to one case take turns (each statement then reads
    what the other committed), then their whole summary rows made again in one set-based pass. New
    referrals skip the lock: nobody else sees them yet."""
    key = "id" if table == "referral" else "referral_id"
    if table == "referral":  # only a change to a column the summary reads
        changed = (f"SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id WHERE "
                   f"({', '.join('n.' + c for c in _REFERRAL_COLUMNS)}) IS DISTINCT FROM "
                   f"({', '.join('o.' + c for c in _REFERRAL_COLUMNS)})")
        new = f"{_whole_rows('postgresql', '{col} IN (SELECT id FROM new_rows)')} RETURN NULL; "
    else:
        changed = "SELECT referral_id FROM new_rows UNION SELECT referral_id FROM old_rows"
        new = f"ids := ARRAY(SELECT DISTINCT {key} FROM new_rows); "
    # jit off: compiling these statements for a bulk load's batch costs more than running them
    return (f"CREATE OR REPLACE FUNCTION measure_row_{table}() RETURNS trigger LANGUAGE plpgsql SET jit = off AS $$ "
            f"DECLARE ids text[]; BEGIN IF TG_OP = 'INSERT' THEN {new}"
            f"ELSIF TG_OP = 'DELETE' THEN ids := ARRAY(SELECT DISTINCT {key} FROM old_rows); "
            f"ELSE ids := ARRAY({changed}); END IF; "
            "IF cardinality(ids) = 0 THEN RETURN NULL; END IF; "
            "PERFORM 1 FROM referral WHERE id = ANY(ids) ORDER BY id FOR NO KEY UPDATE; "
            f"{_whole_rows('postgresql', '{col} = ANY(ids)')} RETURN NULL; END $$")


PG_TABLES = ("referral", *_CHILD_TABLES)


def pg_ddl() -> list[str]:
    """PostgreSQL's functions and statement-level triggers keeping measure_row in step (migration 0015)."""
    ddl = [PG_CONSENT_FUNCTION]
    for table in PG_TABLES:
        ddl.append(_pg_function(table))
        for suffix, event, tables in (("ai", "INSERT", "NEW TABLE AS new_rows"),
                                      ("au", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
                                      ("ad", "DELETE", "OLD TABLE AS old_rows")):
            ddl.append(f"CREATE TRIGGER measure_row_{table}_{suffix} AFTER {event} ON {table} REFERENCING {tables} "
                       f"FOR EACH STATEMENT EXECUTE FUNCTION measure_row_{table}()")
    return ddl


def pg_drop_ddl() -> list[str]:
    return [*(f"DROP TRIGGER IF EXISTS measure_row_{t}_{s} ON {t}" for t in PG_TABLES for s in ("ai", "au", "ad")),
            *(f"DROP FUNCTION IF EXISTS measure_row_{t}()" for t in PG_TABLES),
            "DROP FUNCTION IF EXISTS measure_row_consent(text, text)"]


def backfill_sql(dialect: str = "sqlite") -> list[str]:
    """Statements that fill measure_row from the tables it summarises (the migrations, and a full rebuild):
    on SQLite one pass over the referrals, then one correlated update per part; on PostgreSQL one INSERT
    of whole rows."""
    if dialect == "sqlite":
        text = _set_based(_every(_parts(dialect)), "1 = 1")
    else:  # jit off (this transaction): compiling the one big INSERT took longer than running it
        text = "SET LOCAL jit = off; " + _whole_rows(dialect, "1 = 1")
    return [s.strip() for s in text.split(";") if s.strip()]
