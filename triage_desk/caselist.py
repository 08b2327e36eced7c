"""The case list's query API (no Qt): keyset-paged, filtered, sorted — never OFFSET, never all rows.

`fetch_page(session, filters, sort, after_key, limit)` returns one page of `CaseRow`s and the key to
pass for the next page (None at the end). Every sort orders by (column, id) so the key is exact and
each row appears once; a nullable sort column (due) lists its NULLs last, paged by id.
The Qt table model (ui/) calls this from `fetchMore`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy import String, and_, bindparam, func, literal_column, select, text, tuple_, type_coerce
from sqlalchemy.orm import Session

from triage_desk import caselist_narrow as narrow
from triage_desk import deadlines
from triage_desk.decisions import APPROVAL_PENDING
from triage_desk.errors import InputError
from triage_desk.forms.clock import london_now
from triage_desk.models import Referral, fts

# "due": the case's earliest open deadline of any kind (referral.next_due, a copy of the deadline rows).
SORTS = {"received": Referral.received_at, "due": Referral.next_due,
         "reference": Referral.reference, "subject": Referral.subject_sort}
DEFAULT_DESC = {"received": True, "due": False, "reference": False, "subject": False}
_NULLABLE = narrow.NULLABLE
_REF = re.compile(r"^td-?\d", re.IGNORECASE)
OPEN_STATUSES = ("draft", "submitted")


@dataclass(frozen=True)
class CaseFilters:
    status: tuple[str, ...] = ()
    rag: tuple[str, ...] = ()
    text: str = ""  # a reference (prefix) or words of a subject's name
    agency: str | None = None
    received_from: date | None = None
    received_to: date | None = None  # inclusive
    overdue: bool = False  # any deadline (decision, RAG, checks, assessment...) open past `now`
    deadline_kind: str | None = None  # has an open deadline of this kind (overdue, with `overdue`)
    awaiting_approval: bool = False  # the current decision waits for a practice lead
    checks_outstanding: bool = False  # agency checks asked for and not yet answered
    now: datetime | None = None  # local Europe/London (default: now)


@dataclass(frozen=True)
class CaseSort:
    key: str = "received"
    descending: bool | None = None  # None: the key's natural direction (received: newest first)

    @property
    def desc(self) -> bool:
        return DEFAULT_DESC[self.key] if self.descending is None else self.descending


class CaseRow(NamedTuple):  # a tuple: 200 of them per page are built in microseconds
    id: str
    reference: str
    subject_name: str
    received_at: datetime
    status: str
    rag: str | None
    due: datetime | None  # the earliest open deadline (None: nothing open)
    referrer_agency: str | None
    urgent: bool
    re_referrals_12m: int
    final_level: int | None
    checks_open: int = 0
    checks_due: datetime | None = None
    approval: str | None = None
    suggested_level: int | None = None
    due_kind: str | None = None  # which deadline `due` is (deadlines.KINDS)


# Date-times come back as the stored text and are parsed with the C `fromisoformat` (SQLAlchemy's
# per-value regex parsing was most of a page's cost).
COLUMNS = (Referral.id, Referral.reference, Referral.subject_name, type_coerce(Referral.received_at, String),
           Referral.status, Referral.rag, type_coerce(Referral.next_due, String), Referral.referrer_agency,
           Referral.urgent, Referral.re_referrals_12m, Referral.final_level, Referral.checks_open,
           type_coerce(Referral.checks_due, String), Referral.approval, Referral.suggested_level,
           Referral.next_due_kind)


def _when(value) -> datetime | None:
    """SQLite hands raw rows' date-times back as text, PostgreSQL as datetimes."""
    return value if value is None or isinstance(value, datetime) else datetime.fromisoformat(value)


def _row(r) -> CaseRow:
    return CaseRow(r[0], r[1], r[2], _when(r[3]), r[4], r[5], _when(r[6] or None), r[7], bool(r[8]), r[9], r[10],
                   r[11] or 0, _when(r[12] or None), r[13], r[14], r[15])


def _fts_terms(value: str) -> str | None:
    words = [w.lower() for w in narrow.WORD.findall(value)]
    return " AND ".join(f'"{w}"*' for w in words) or None


def _unindexed(col):
    # "+column" keeps SQLite from driving the query through that column's index: with a name search
    # the FTS matches are few and must drive, not a scan of every closed case.
    return literal_column(f"+referral.{col.key}", type_=col.type)


def _shape(filters: CaseFilters, dialect: str = "sqlite") -> tuple[tuple, dict]:
    """Which filters are set (the statement's shape, cached) and their values (bound parameters).
    On the team server the shape ends with "pg": its own search index, no SQLite planner hints."""
    params: dict = {}
    needle = filters.text.strip()
    kind = None
    if needle and _REF.match(needle):
        kind, params["ref_lo"], params["ref_hi"] = "ref", needle.upper(), needle.upper() + "\uffff"
    elif needle:
        terms = _fts_terms(needle)
        if terms is None:
            raise InputError("search: type letters or digits of a name or a reference")
        kind, params["fts"] = "fts", (f"subject_name : ({terms})" if dialect == "sqlite" else
                                      fts.prefix_query([w.lower() for w in narrow.WORD.findall(needle)], dialect, 1))
    if filters.status:
        params["status"] = tuple(filters.status)
    if filters.rag:
        params["rag"] = tuple(filters.rag)
    if filters.agency:
        params["agency"] = filters.agency
    if filters.received_from:
        params["rfrom"] = datetime.combine(filters.received_from, datetime.min.time())
    if filters.received_to:
        params["rto"] = datetime.combine(filters.received_to + timedelta(days=1), datetime.min.time())
    if filters.overdue or filters.deadline_kind:
        deadlines.check_kind(filters.deadline_kind)
        params["dl_now" if filters.overdue else "dl_open"] = filters.now or london_now()
        if filters.deadline_kind:
            params["dl_kind"] = filters.deadline_kind
    if filters.awaiting_approval:
        params["approval"] = APPROVAL_PENDING
    if filters.checks_outstanding:
        params["checks"] = 0
    return (kind, *sorted(params), *_lead(filters), *(() if dialect == "sqlite" else ("pg",))), params


def _lead(filters: CaseFilters) -> tuple[str, ...]:
    """Which index leads when a RAG is set beside a status or an agency (a mark in the shape)."""
    if filters.rag and filters.status:
        # The RAG's index leads unless the statuses are open ones (a few thousand cases): nineteen in
        # twenty cases are closed, so walking "closed" checked ~20 rows per red one found.
        return ("status_leads",) if set(filters.status) <= set(OPEN_STATUSES) else ("rag_leads",)
    if filters.rag and filters.agency:
        # The agency's index leads: every RAG keeps a fifth of the cases or more, while a small agency's 2%
        # made walking "red" read ~50 rows per case shown.
        return ("agency_leads",)
    return ()


# Pending approvals and open checks are few: their own tables' rows drive the query (looked up by
# rowid), never a walk of every referral in sort order looking for them. The referral's copied
# columns are checked too, so the answer is exactly the row's current state.
_PENDING_APPROVAL = ("referral.rowid IN (SELECT r.rowid FROM decision d JOIN referral r ON r.id = d.referral_id "
                     "WHERE d.approval = :approval)")
_OPEN_CHECKS = ("referral.rowid IN (SELECT r.rowid FROM agency_check k JOIN referral r ON r.id = k.referral_id "
                "WHERE k.status = 'requested')")
# PostgreSQL has no rowid and plans these itself; its search index is migration 0010's.
_PG = {_PENDING_APPROVAL: "referral.id IN (SELECT d.referral_id FROM decision d WHERE d.approval = :approval)",
       _OPEN_CHECKS: "referral.id IN (SELECT k.referral_id FROM agency_check k WHERE k.status = 'requested')",
       "fts": "to_tsvector('simple'::regconfig, td_fold(referral.subject_name)) @@ to_tsquery('simple', :fts)"}


def _driven(shape: tuple) -> bool:
    """A small set of matches leads (a name or reference search, pending approvals, open checks, overdue
    cases: the few with a deadline open, read through the partial `ix_referral_open_*` indexes)."""
    names = set(shape[1:])
    return (shape[0] in ("ref", "fts") or "approval" in names or "checks" in names
            or "dl_now" in names and "dl_kind" not in names)


def _conditions(shape: tuple, by_id: bool = False) -> list:
    """The shape's WHERE terms (`by_id`: the page walks in id order, the NULLs of the due sort)."""
    kind, names = shape[0], set(shape[1:])
    pg = "pg" in names
    c = _unindexed if _driven(shape) and not pg else (lambda col: col)
    conds = []
    if "status" in names:
        by = _unindexed if "rag_leads" in names and not pg else c
        conds.append(by(Referral.status).in_(bindparam("status", expanding=True)))
    if "rag" in names:
        by = _unindexed if {"status_leads", "agency_leads"} & names and not pg else c
        conds.append(by(Referral.rag).in_(bindparam("rag", expanding=True)))
    if "agency" in names:
        conds.append(c(Referral.referrer_agency) == bindparam("agency"))
    if "rfrom" in names:
        conds.append(c(Referral.received_at) >= bindparam("rfrom", type_=Referral.received_at.type))
    if "rto" in names:
        conds.append(c(Referral.received_at) < bindparam("rto", type_=Referral.received_at.type))
    if "dl_now" in names and "dl_kind" not in names:
        # Any deadline overdue <=> the earliest open one is: next_due is the minimum of the case's open
        # deadline rows (kept in the same transaction), so this is the deadline rows' answer, read from
        # the partial indexes over cases with something open (0013) instead of a row per overdue case.
        # "+": the page walks the partial index in sort order, checking next_due in it; else SQLite took
        # the due index's range and sorted every overdue case's row (beside an agency: 20–35 ms at 1M).
        conds.append(Referral.next_due.is_not(None))
        conds.append((Referral.next_due if pg else _unindexed(Referral.next_due))
                     < bindparam("dl_now", type_=Referral.next_due.type))
    elif "dl_now" in names or "dl_open" in names:
        # THE overdue query (deadlines.py), shared with the status bar and the review queue. A case with
        # an open deadline has next_due (its earliest), so a page walks the partial indexes over those few
        # cases in sort order ("+": the deadline rows only check, else SQLite sorts every match's row).
        dl_kind = "dl_kind" if "dl_kind" in names else None
        rows = deadlines.overdue_select(dl_kind) if "dl_now" in names else deadlines.open_select(dl_kind)
        conds.append(Referral.next_due.is_not(None))
        conds.append((Referral.id if pg or _driven(shape) else _unindexed(Referral.id)).in_(
            rows.with_only_columns(rows.selected_columns.referral_id).order_by(None)))
    if "approval" in names:
        conds.append(text(_PG[_PENDING_APPROVAL] if pg else _PENDING_APPROVAL))
        conds.append(c(Referral.approval) == bindparam("approval"))
    if "checks" in names:
        conds.append(text(_PG[_OPEN_CHECKS] if pg else _OPEN_CHECKS))
        conds.append(c(Referral.checks_open) > bindparam("checks"))
    if kind == "ref":
        conds.append(and_(Referral.reference >= bindparam("ref_lo"), Referral.reference < bindparam("ref_hi")))
    elif kind == "fts" and pg:
        conds.append(text(_PG["fts"]))
    elif kind == "fts":
        # Matches come from the FTS index, then are looked up by rowid: never a scan of referrals.
        conds.append(text("referral.rowid IN (SELECT rowid FROM referral_fts WHERE referral_fts MATCH :fts)"))
    elif kind == "letter_wide":  # one typed letter: each entry is looked up among its case's words
        conds.append(text(narrow.HAS_WORD[by_id]))
    elif kind in _WIDE:
        # Many matches: the sort order's index leads and each entry's rowid is checked against the
        # matches (gathered once); "+" keeps SQLite from sorting every match instead.
        conds.append(text(f"+referral.rowid IN ({_WIDE[kind]})"))
    return conds


# Sorting n matches reads n rows (~10 us each); walking the sort index finds a page's 200 among N
# referrals after ~200*N/n entries (~5 us each, measured): walking wins once n > ~10*sqrt(N).
WIDE = 10.0  # times the square root of the number of referrals
WIDE_AT_LEAST = 200  # fewer matches than a page are always sorted
_WIDE = {"fts_wide": "SELECT rowid FROM referral_fts WHERE referral_fts MATCH :fts",
         "ref_wide": f"SELECT rowid FROM referral WHERE {narrow.REF_RANGE}"}


def _widened(session: Session, shape: tuple, params: dict, sort_key: str, needle: str = "") -> tuple:
    """The shape to page with (SQLCipher): a name or reference search whose other filters the narrow
    entries carry reads those entries, walking them in order when they are in the sort's order (a name by
    subject, a reference by reference), else sorting them; a search with many matches ("pi", "TD-2025")
    sorted otherwise walks the sort order's index instead."""
    kind, filters = shape[0], narrow.carried(shape)
    if kind not in ("fts", "ref") or "pg" in shape:
        return shape
    words = kind == "fts" and narrow.by_words(params, needle)
    letter = bool(words) and words[0] == "letter"  # one typed letter: FTS5 has no one-letter prefix index
    if words and not letter and filters is not None and sort_key == "subject":
        return (*words, *filters)
    if letter and filters is not None and sort_key == "subject":
        keys = [v for (v,) in session.connection().execute(narrow.LETTER_KEYS, params)]
        params.update({f"lp{i}": v for i, v in enumerate(keys)})
        if keys:
            return ("letters", "w_hi", "w_lo", *(f"lp{i}" for i in range(len(keys))), *filters)
    refkeys = kind == "ref" and filters is not None and ("refkeys", "ref_hi", "ref_lo", *filters)
    if kind == "ref" and sort_key == "reference":
        return refkeys if refkeys and filters else shape  # alone: the reference index is already in order
    wide, conn = f"{kind}_wide", session.connection()
    cap = max(WIDE_AT_LEAST, int(WIDE * (conn.execute(text("SELECT max(rowid) FROM referral")).scalar_one() or 0)
                                 ** 0.5))
    n = conn.execute(text(f"SELECT count(*) FROM ({narrow.LETTER if letter else _WIDE[wide]} LIMIT {cap + 1})"),
                     params).scalar_one()
    if n > cap:
        return ("letter_wide", *words[1:], *(name for name in shape[1:] if name != "fts")) if letter else \
            (wide, *shape[1:])
    return (*words, *filters) if words and filters is not None else refkeys or shape


@lru_cache(maxsize=512)
def _statement(shape: tuple, key: str, desc: bool, nulls: bool, after: bool, limit: int):
    """Built once per shape: building SQLAlchemy expressions costs more than running a page."""
    col = SORTS[key]
    if shape[0] in ("words", "letter", "letters", "refkeys"):  # the narrow page has the keyset and the phase
        conds, order_col = [narrow.page(shape, key, desc, nulls, after, limit)], Referral.id if nulls else col
    elif nulls:  # phase 1: the NULLs of a nullable sort column, ordered by id
        conds = _conditions(shape, by_id=True)
        # Most cases have no open deadline: when a small set of matches leads, "+next_due IS NULL" keeps
        # SQLite from walking that huge NULL range of the due index in id order looking for them.
        conds.append((_unindexed(col) if _driven(shape) and "pg" not in shape[1:] else col).is_(None))
        if after:
            conds.append(Referral.id < bindparam("k_id") if desc else Referral.id > bindparam("k_id"))
        order_col = Referral.id
    else:
        conds = _conditions(shape)
        if key in _NULLABLE:
            conds.append(col.is_not(None))
        if after:
            pair, bound = tuple_(col, Referral.id), tuple_(bindparam("k_val", type_=col.type), bindparam("k_id"))
            conds.append(pair < bound if desc else pair > bound)
        order_col = col
    # NULLs by id: "ORDER BY id, id" had SQLite add a "LAST TERM" sort step to a walk already in id order
    order = tuple(c.desc() if desc else c.asc() for c in ((order_col,) if order_col is Referral.id
                                                          else (order_col, Referral.id)))
    # The sort column rides along last so the next page's key needs no second query. LIMIT as a
    # suffix: SQLAlchemy's SQLite dialect adds "OFFSET ?" to .limit(); the case list never offsets.
    return select(*COLUMNS, col).where(*conds).order_by(*order).suffix_with(f"LIMIT {int(limit)}")


def _rows(session: Session, filters: CaseFilters, sort: CaseSort, after_key: tuple | None, limit: int) -> list:
    """Up to limit + 1 raw rows after `after_key`, the sort column last."""
    desc = sort.desc
    shape, params = _shape(filters, session.get_bind().dialect.name)
    shape = _widened(session, shape, params, sort.key, filters.text)
    rows: list = []
    conn = session.connection()  # Core execution: plain rows, no ORM loading layer
    # Keys are (phase, value, id): phase 0 = rows with a value, phase 1 = NULLs of a nullable column.
    phase = after_key[0] if after_key else 0
    if phase == 0:
        if after_key:
            params.update(k_val=after_key[1], k_id=after_key[2])
        rows = conn.execute(_statement(shape, sort.key, desc, False, bool(after_key), limit + 1), params).all()
    # A case with an open deadline always has next_due: a deadline filter has no NULLs to list.
    if sort.key in _NULLABLE and len(rows) <= limit and not {"dl_now", "dl_open"} & set(shape):
        after = bool(after_key) and phase == 1
        if after:
            params["k_id"] = after_key[2]
        rows += conn.execute(_statement(shape, sort.key, desc, True, after, limit + 1 - len(rows)), params).all()
    return rows


def _one_value_each(filters: CaseFilters, dialect: str) -> list[CaseFilters] | None:
    """Several statuses or RAGs ("open" = draft + submitted) as one filter per value: each is one index
    range in sort order, merged below, where `status IN (…)` had SQLite sort every match (~50,000 at 1M)."""
    if (dialect != "sqlite" or len(filters.status) < 2 and len(filters.rag) < 2 or filters.text or filters.overdue
            or filters.deadline_kind or filters.awaiting_approval or filters.checks_outstanding):
        return None
    return [replace(filters, status=status, rag=rag) for status in ([(v,) for v in filters.status] or [()])
            for rag in ([(v,) for v in filters.rag] or [()])]


def _merged(parts: list[list], desc: bool, limit: int) -> list:
    """The first limit + 1 of several pages in the list's order (values by (value, id), then NULLs by id)."""
    rows = [r for part in parts for r in part]
    valued = sorted((r for r in rows if r[-1] is not None), key=lambda r: (r[-1], r[0]), reverse=desc)
    nulls = sorted((r for r in rows if r[-1] is None), key=lambda r: r[0], reverse=desc)
    return (valued + nulls)[:limit + 1]


def fetch_page(session: Session, filters: CaseFilters | None = None, sort: CaseSort | None = None,
               after_key: tuple | None = None, limit: int = 200) -> tuple[list[CaseRow], tuple | None]:
    """One page of the case list. `after_key` is the `next_key` of the previous page."""
    filters, sort = filters or CaseFilters(), sort or CaseSort()
    if sort.key not in SORTS:
        raise InputError(f"sort: must be one of {', '.join(SORTS)}")
    if not 1 <= limit <= 5000:
        raise InputError("limit: must be between 1 and 5000")
    parts = _one_value_each(filters, session.get_bind().dialect.name)
    if parts:
        rows = _merged([_rows(session, part, sort, after_key, limit) for part in parts], sort.desc, limit)
    else:
        rows = _rows(session, filters, sort, after_key, limit)
    more = len(rows) > limit
    rows = rows[:limit]
    page = [_row(r) for r in rows]
    if not more:
        return page, None
    value = rows[-1][-1]
    return page, ((1 if value is None else 0), value, page[-1].id)


def fetch_rows(session: Session, referral_ids: list[str], filters: CaseFilters | None = None) -> dict[str, CaseRow]:
    """The current rows of these referrals that still match `filters` (a change repaints just those rows;
    one missing from the answer no longer belongs in the list)."""
    shape, params = _shape(filters or CaseFilters())
    statement = select(*COLUMNS).where(Referral.id.in_(referral_ids), *_conditions(shape))
    return {r[0]: _row(r) for r in session.connection().execute(statement, params).all()}


def count_matching(session: Session, filters: CaseFilters | None = None, cap: int = 10000) -> tuple[int, bool]:
    """How many referrals match, counted up to `cap` (status bars show "10,000+"): (count, capped)."""
    shape, params = _shape(filters or CaseFilters(), session.get_bind().dialect.name)
    inner = select(Referral.id).where(*_conditions(shape)).suffix_with(f"LIMIT {int(cap) + 1}").subquery()
    n = session.connection().execute(select(func.count()).select_from(inner), params).scalar_one()
    return min(n, cap), n > cap


# A skip-scan down the agency index: one index seek per distinct agency, not a read of every referral.
_AGENCIES = text(
    "WITH RECURSIVE a(v) AS (SELECT min(referrer_agency) FROM referral UNION ALL "
    "SELECT (SELECT min(referrer_agency) FROM referral WHERE referrer_agency > a.v) FROM a WHERE a.v IS NOT NULL) "
    "SELECT v FROM a WHERE v IS NOT NULL")


def agencies(session: Session) -> list[str]:
    """Every referring agency on record, A to Z (the filter bar's drop-down)."""
    return [a for (a,) in session.connection().execute(_AGENCIES) if a]
